"""`cme load`: a load test of virtual phones, run by Locust (load/locustfile.py).

    cme load --local --headless -u 200 -t 30s --html report.html   a whole test, one command
    cme load --server 10.0.0.1:2000 [--sip 10.0.0.1:5060] ...      against a running server
    cme load --phones 500 --write-config cme.cfg                    the configuration it needs
    cme load --config scenario.toml --threshold 'p99(post-dial delay)<150ms' ...

The call model comes from a TOML file (--config, see conf/examples/load.toml) and flags
laid over it; it travels to every Locust process as JSON in CME_LOAD_SCENARIO. Every flag
this command does not know is Locust's (-u, -r, -t, --headless, --web-port, --csv, --html,
--master, --worker, --processes, ...) and passes through. Locust runs as a child process
(`python -m locust`): it monkey-patches with gevent, which this process (and Twisted) must
not see.

Exit status: 0 every threshold passed, 1 a threshold failed, 2 a usage error (a bad flag,
scenario or threshold), 3 the --local server did not start, otherwise Locust's own.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import load
from load.scenario import ENV, Scenario, ScenarioError, merged, parse_distribution, read_toml
from load.stats import StatsError, read_failures, read_stats, summary
from load.thresholds import ThresholdError, check_all, parse as parse_threshold

LOCUSTFILE = Path(load.__file__).resolve().parent / "locustfile.py"
WORKERS_ENV = "CME_LOAD_WORKERS"  # how many Locust workers share the phones (each its slice)
READY = "cme-cti ready:"
SERVER_START_TIMEOUT = 120.0  # seconds; 10,000 ephones take a while to configure
SERVER_STOP_TIMEOUT = 30.0
EXIT_THRESHOLD, EXIT_USAGE, EXIT_SERVER = 1, 2, 3

# scenario key -> the flag that sets it (an error in a flag's value names the flag)
FLAGS = {"phones": "--phones", "bhca": "--bhca", "hold_time": "--hold-time",
         "answer_delay": "--answer-delay", "no_answer_share": "--no-answer-share",
         "no_answer_timeout": "--no-answer-timeout", "busy_share": "--busy-share",
         "cti_share": "--cti-share", "features": "--feature", "timeout": "--step-timeout",
         "base_number": "--base-number", "base_mac": "--base-mac", "sccp_host": "--server",
         "sccp_port": "--server", "sip_host": "--sip", "sip_port": "--sip"}
SHAPE_FLAGS = {"kind": "--shape", "users": "--shape-users", "duration": "--shape-duration",
               "spike_at": "--spike-at",
               "spike_users": "--spike-users", "spike_duration": "--spike-duration"}


class UsageError(Exception):
    """A one-line complaint about the command line; exit status 2."""


def host_port(default_port: int):
    def parse(text: str) -> tuple[str, int]:
        host, sep, port = text.rpartition(":")
        if not sep:
            host, port = text, str(default_port)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
        return host, int(port)
    return parse


def distribution(text: str) -> dict:
    try:
        return parse_distribution(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def feature(text: str) -> tuple[str, float]:
    name, sep, share = text.partition("=")
    try:
        return name.strip().replace("-", "_"), float(share)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=SHARE, e.g. hold_resume=0.1") from None


def mac(text: str) -> int:
    digits = text.replace(".", "").replace(":", "").replace("-", "")
    if digits.upper().startswith("SEP"):
        digits = digits[3:]
    try:
        return int(digits, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a MAC (0000.000A.0000)") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cme load", allow_abbrev=False,
        usage="cme load [--server H:P | --local] [--config FILE.toml] [scenario flags] "
              "[--threshold EXPR]... [--json FILE] [--write-config FILE] [Locust's flags]",
        description="A load test of virtual SCCP phones (and CTI applications) run by Locust. "
        "Flags not listed here are Locust's (-u, -r, -t, --headless, --web-port, --csv, "
        "--html, --master, --worker, --processes, ...) and pass through to it "
        "(`python -m locust --help` lists them; this command's --config and --json shadow "
        "Locust's).")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--server", metavar="HOST:PORT", type=host_port(2000),
                       help="the SCCP server to test (default 127.0.0.1:2000)")
    where.add_argument("--local", action="store_true",
                       help="start `twistd cme` on a configuration generated for the test, on "
                       "free ports, and stop it after")
    p.add_argument("--sip", metavar="HOST:PORT", type=host_port(5060),
                   help="the server's SIP side, for the CTI share (default: --server's host, port 5060)")
    p.add_argument("--config", metavar="FILE", help="a TOML scenario (conf/examples/load.toml); "
                   "the flags below override it")
    p.add_argument("--write-config", metavar="FILE", help="write the CME configuration the "
                   "scenario's phones need (ephones with their MACs) to FILE, and exit")
    p.add_argument("--threshold", metavar="EXPR", action="append", default=[],
                   help="a pass/fail check, e.g. 'p99(post-dial delay)<150ms', 'fail_ratio<1%%'; "
                   "repeatable; one failing makes the exit status 1")
    p.add_argument("--json", metavar="FILE", help="the JSON summary (default: PREFIX_summary.json "
                   "beside Locust's CSV files)")
    p.add_argument("--workers", type=int, metavar="N", help="how many Locust workers share the "
                   "phones, each its own slice of MACs and numbers (default: --expect-workers "
                   "(a worker hears the master's), --processes, else 1)")
    s = p.add_argument_group("scenario (override --config)")
    s.add_argument("--phones", type=int, metavar="N", help="virtual phones (default: Locust's -u, else 20)")
    s.add_argument("--bhca", type=float, metavar="CALLS", help="calls each phone places per hour (Poisson)")
    s.add_argument("--hold-time", type=distribution, metavar="DIST",
                   help="how long answered calls last: SECONDS, fixed:S, exp:MEAN, uniform:LOW-HIGH")
    s.add_argument("--answer-delay", type=distribution, metavar="DIST", help="ringing before the callee answers")
    s.add_argument("--no-answer-share", type=float, metavar="SHARE", help="calls nobody answers (0..1)")
    s.add_argument("--no-answer-timeout", type=float, metavar="SECONDS", help="how long a caller lets those ring")
    s.add_argument("--busy-share", type=float, metavar="SHARE", help="calls to a busy (DND) phone")
    s.add_argument("--cti-share", type=float, metavar="SHARE", help="calls placed by CTI MakeCall")
    s.add_argument("--feature", type=feature, action="append", metavar="NAME=SHARE",
                   help="hold_resume, transfer, forward_all or dnd in a share of calls; repeatable")
    s.add_argument("--shape", metavar="KIND", help="steady (default), ramp or spike")
    s.add_argument("--shape-users", type=int, metavar="N", help="the users (phones) a ramp "
                   "reaches, or a spike runs before and after (default: all phones)")
    s.add_argument("--shape-duration", type=float, metavar="SECONDS",
                   help="a ramp's length; when a spike test ends")
    s.add_argument("--spike-at", type=float, metavar="SECONDS", help="when the spike starts")
    s.add_argument("--spike-users", type=int, metavar="N", help="how many more phones it adds")
    s.add_argument("--spike-duration", type=float, metavar="SECONDS", help="how long it lasts")
    s.add_argument("--step-timeout", type=float, metavar="SECONDS",
                   help="the longest one timed step may take before it counts as failed")
    s.add_argument("--base-number", type=int, metavar="N", help="the first phone's number (1000)")
    s.add_argument("--base-mac", type=mac, metavar="MAC", help="the first phone's MAC (0000.000A.0000)")
    return p


def locust_parser() -> argparse.ArgumentParser:
    """The few of Locust's flags this command reads (they still pass through)."""
    p = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    p.add_argument("-f", "--locustfile")
    p.add_argument("-H", "--host")
    p.add_argument("-u", "--users", type=int)
    p.add_argument("-r", "--spawn-rate")
    p.add_argument("--csv")
    p.add_argument("--html")
    p.add_argument("--master", action="store_true")
    p.add_argument("--worker", action="store_true")
    p.add_argument("--expect-workers", type=int)
    p.add_argument("--processes", type=int)
    p.add_argument("--exit-code-on-error")
    return p


def overrides(args) -> tuple[dict, dict]:
    """(scenario keys from the flags, key -> the flag that set it)."""
    data, flag_of = {}, {}
    for key, flag in FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if key.startswith(("sccp_", "sip_")) or value is None:
            continue
        data[key], flag_of[key] = (dict(value) if key == "features" else value), flag
    shape = {}
    for key, flag in SHAPE_FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            shape[key], flag_of[f"shape.{key}"] = value, flag
    if shape:
        data["shape"] = shape
    return data, flag_of


def build_scenario(args, users: int | None, server: tuple[str, int] | None,
                   sip: tuple[str, int] | None) -> Scenario:
    """The scenario of --config with the flags laid over it; an error in a value a flag
    set names the flag, one in the file's the file."""
    data, flag_of = overrides(args)
    base = read_toml(args.config) if args.config else {}
    if "phones" not in data and "phones" not in base and users is not None:
        data["phones"], flag_of["phones"] = users, "-u"  # nothing else said how many
    where = "--local" if args.local else "--server"
    if server:
        data["sccp_host"], data["sccp_port"] = server
        flag_of["sccp_host"] = flag_of["sccp_port"] = where
        if not sip:  # the SIP side on the server's host, at the file's port or 5060
            sip = server[0], base.get("sip_port", 5060)
    if sip:
        data["sip_host"], data["sip_port"] = sip
        flag_of["sip_host"] = flag_of["sip_port"] = "--sip" if args.sip else where
    try:
        return Scenario.from_dict(merged(base, data), args.config or "cme load")
    except ScenarioError as exc:
        root, _, sub = exc.key.partition(".")
        flag = flag_of.get(exc.key) or flag_of.get(root)
        in_file = root in base and (not sub or isinstance(base[root], dict) and sub in base[root])
        if not flag and not in_file:  # a default the flags left impossible: name its flag
            flag = SHAPE_FLAGS.get(sub) if root == "shape" else FLAGS.get(root)
        if flag:
            raise ScenarioError("cme load", flag, exc.problem) from None
        raise


def _die_with_us() -> None:
    """In a child before exec: SIGTERM it when this process dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG), so no server or Locust outlives the test; elsewhere nothing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """`twistd cme` on the scenario's generated configuration, in ``directory``, CLI and TFTP
    off; :meth:`start` returns once it printed that it is ready, :meth:`stop` ends it."""

    def __init__(self, scenario: Scenario, directory: Path, sccp_port: int, sip_port: int):
        self.scenario, self.directory = scenario, directory
        self.sccp_port, self.sip_port = sccp_port, sip_port
        self.config = directory / "cme.cfg"
        self.log = directory / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        from cme.phones import generate_config

        s = self.scenario
        self.config.write_text(generate_config(
            s.phones, s.base_number, base_mac=s.base_mac, address="127.0.0.1",
            sccp_port=self.sccp_port, sip_port=self.sip_port, by="`cme load --local`"))
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cme.main", "run", "--config", str(self.config),
                 "--ssh-port", "-1", "--telnet-port", "-1", "--tftp-port", "-1",
                 "--state-dir", str(self.directory)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                # its own session: Ctrl-C at the terminal is ours, to stop Locust first
                start_new_session=True, preexec_fn=_die_with_us)
        deadline = time.monotonic() + timeout
        while READY not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.proc.returncode}: "
                                   f"{self.last_line()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server was not ready after {timeout:g} s")
            time.sleep(0.1)  # a child process: its log is all there is to wait on

    def last_line(self) -> str:
        lines = [x for x in self.log.read_text(errors="replace").splitlines() if x.strip()]
        return lines[-1].strip() if lines else "(no output)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


STOP_PATIENCE = 15.0  # seconds between SIGINT, SIGTERM and SIGKILL to a Locust that does not end


class Stop(Exception):
    """SIGTERM: end the test as Ctrl-C does."""


def _terminated(signum, frame):
    raise Stop


def run_locust(command: list[str], env: dict) -> int:
    """Locust in the foreground, in its own session: Ctrl-C (or SIGTERM) here is passed on
    once as SIGINT, which makes it stop the test and write its reports; a second one as
    SIGTERM, a third kills it. A Locust still running STOP_PATIENCE seconds after a stop
    gets the next one by itself. Returns its exit status."""
    proc = subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_us)
    previous = signal.signal(signal.SIGTERM, _terminated)
    stops = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    patience = None  # seconds Locust has to end after a stop, before the next, stronger one

    def stop_harder() -> None:
        nonlocal patience
        if proc.poll() is None:
            proc.send_signal(stops.pop(0) if len(stops) > 1 else stops[0])
            patience = STOP_PATIENCE

    try:
        while True:
            try:
                return proc.wait(timeout=patience)
            except subprocess.TimeoutExpired:
                # seen once in CI: a SIGINT after a stop from the web UI was not acted on;
                # a stop that was asked for must still happen
                stop_harder()
            except (KeyboardInterrupt, Stop):
                stop_harder()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def report(prefix: str, json_path: Path, thresholds, out, scenario: Scenario | None = None) -> list | None:
    """The thresholds checked on the run's CSV (their results), the JSON summary written;
    None when there are no statistics to check."""
    try:
        steps = read_stats(f"{prefix}_stats.csv")
        failures = read_failures(f"{prefix}_failures.csv")
    except StatsError as exc:
        print(f"cme load: no statistics: {exc}", file=out)
        return None
    results = check_all(thresholds, steps)
    data = summary(steps, failures)
    data["thresholds"] = [r.to_dict() for r in results]
    data["passed"] = all(r.passed for r in results)
    if scenario is not None:
        data["scenario"] = scenario.to_dict()
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    for r in results:
        print(r.line(), file=out)
    print(f"cme load: summary: {json_path}", file=out)
    return results


def main(argv: list[str], out=None) -> int:
    out = out or sys.stderr
    try:
        return _main(argv, out)
    except (UsageError, ScenarioError, ThresholdError) as exc:
        print(f"cme load: {exc}" if not isinstance(exc, ScenarioError) else str(exc), file=out)
        return EXIT_USAGE


def _main(argv: list[str], out) -> int:
    args, rest = parser().parse_known_args(argv)
    loc, _ = locust_parser().parse_known_args(rest)
    if args.local and loc.host:
        raise UsageError("--local tests the server it starts: leave out Locust's --host")
    if loc.worker and (args.local or args.threshold or args.json or args.write_config):
        raise UsageError("a --worker runs phones only: --local, --threshold, --json and "
                         "--write-config belong to the master")
    thresholds = [parse_threshold(t) for t in args.threshold]
    local_ports = (free_port(), free_port()) if args.local else None
    server = ("127.0.0.1", local_ports[0]) if args.local else args.server
    sip = ("127.0.0.1", local_ports[1]) if args.local else args.sip
    scenario = build_scenario(args, loc.users, server, sip)
    users = loc.users if loc.users is not None else (scenario.shape.users or scenario.phones)
    if users > scenario.phones:
        raise UsageError(f"-u {users} is more than the scenario's {scenario.phones} phones "
                         "(each user is one phone)")

    if args.write_config:
        from cme.phones import generate_config

        Path(args.write_config).write_text(generate_config(
            scenario.phones, scenario.base_number, base_mac=scenario.base_mac,
            address=scenario.sccp_host, sccp_port=scenario.sccp_port,
            sip_port=scenario.sip_port, by="`cme load --write-config`"))
        print(f"wrote {args.write_config}: {scenario.phones} ephones "
              f"{scenario.device_name(0)}..{scenario.device_name(scenario.phones - 1)}, numbers "
              f"{scenario.number(0)}..{scenario.number(scenario.phones - 1)}", file=out)
        return 0

    locustfile = loc.locustfile or str(LOCUSTFILE)
    if not loc.locustfile and not LOCUSTFILE.exists():
        raise UsageError(f"{LOCUSTFILE} is missing (is cme-cti[load] installed?)")
    workers = args.workers or loc.expect_workers or loc.processes
    env = {**os.environ, ENV: scenario.to_json()}
    if workers:  # else a worker learns it from the master's --expect-workers (or is alone)
        env[WORKERS_ENV] = str(workers)
    command = [sys.executable, "-m", "locust"]
    if not loc.locustfile:
        command += ["-f", locustfile]
    if not loc.host:
        # a URL, so that the web UI's form (which checks Host is one) can start the test
        command += ["--host", f"sccp://{scenario.sccp_host}:{scenario.sccp_port}"]
    if loc.worker:  # the master has the statistics, the thresholds and the server
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return run_locust(command + rest, env)

    work = Path(tempfile.mkdtemp(prefix="cme-load-"))
    prefix = loc.csv or str(work / "cme-load")
    if not loc.csv:
        command += ["--csv", prefix]
    if scenario.shape.kind == "steady":
        if loc.users is None:
            command += ["-u", str(users)]
        if loc.spawn_rate is None:
            command += ["-r", f"{scenario.shape.spawn_rate:g}"]
    if loc.exit_code_on_error is None:
        command += ["--exit-code-on-error", "0"]  # failures are the thresholds' to judge
    json_path = Path(args.json) if args.json else Path(f"{prefix}_summary.json")

    # A shell starting us in the background leaves SIGINT ignored, and the children would
    # inherit that: Ctrl-C / kill -INT must stop the test (and reach Locust as we pass it on).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server_proc = None
    try:
        if args.local:
            server_proc = LocalServer(scenario, work, *local_ports)
            print(f"cme load: starting the server for {scenario.phones} phones "
                  f"(SCCP 127.0.0.1:{local_ports[0]}, SIP 127.0.0.1:{local_ports[1]}); "
                  f"log: {server_proc.log}", file=out)
            try:
                server_proc.start()
            except RuntimeError as exc:
                print(f"cme load: {exc} (log: {server_proc.log})", file=out)
                return EXIT_SERVER
            if loc.master:  # the server listens on loopback: its workers run on this machine
                print(f"cme load: workers (on this machine): cme load --worker --server "
                      f"127.0.0.1:{local_ports[0]} --sip 127.0.0.1:{local_ports[1]} "
                      f"[the same scenario flags]", file=out)
        started = time.time()
        rc = run_locust(command + rest, env)
    finally:
        if server_proc is not None:
            server_proc.stop()
            print(f"cme load: server stopped; its log: {server_proc.log}", file=out)
    stats = Path(f"{prefix}_stats.csv")
    if rc and not (stats.exists() and stats.stat().st_mtime >= started - 1):
        return rc  # Locust did not run (it said why); a CSV there is an older run's
    print(f"cme load: statistics: {prefix}_stats.csv" + (f", report: {loc.html}" if loc.html else ""),
          file=out)
    results = report(prefix, json_path, thresholds, out, scenario)
    failed = [r for r in results or () if not r.passed]
    if failed:
        print(f"cme load: {len(failed)} of {len(results)} thresholds failed", file=out)
        return EXIT_THRESHOLD
    if results is None and thresholds:
        return rc or EXIT_THRESHOLD  # nothing to check them on is no pass
    return rc
