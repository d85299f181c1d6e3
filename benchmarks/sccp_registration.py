"""How many virtual phones the server registers, how fast, and at what memory and CPU cost.

    .venv/bin/python benchmarks/sccp_registration.py [--phones 1000 10000] [--idle 30]

For each N: the server runs in a child process (`twistd -n cme` on a generated
configuration of N ephones, CLI off), this process runs N virtual 7961s (sccp.phonebank)
over loopback TCP. Reported: time from the first connection until every phone is
registered, registrations per second, the server's resident memory per registered phone
(RSS with N phones registered minus the RSS of the same server with no phones
configured, divided by N), and the server's CPU while idle with keepalives running
(every phone keeps its 30 s keepalive; measured over --idle seconds).
"""
from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twisted.internet import defer, task

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start_server(config_text: str, workdir: Path, twistd_args: tuple[str, ...] = (),
                 tree: Path | None = None) -> subprocess.Popen:
    """`twistd -n cme` on config_text; twistd_args go before `cme` (e.g. --profile=...).

    `tree` is the checkout whose server runs (default this one): a worktree of an older
    commit gives the "before" of a comparison with this tree's load generator."""
    tree = tree or ROOT
    stamp = time.monotonic_ns()
    cfg = workdir / f"bench-{stamp}.cfg"
    cfg.write_text(config_text)
    log = workdir / f"bench-{stamp}.log"  # a file, not a pipe: nobody reads the server's log
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", *twistd_args, "cme",
         "--config", str(cfg), "--ssh-port", "-1", "--telnet-port", "-1", "--tftp-port", "-1", "--state-dir", str(workdir)],
        stdout=log.open("w"), stderr=subprocess.STDOUT, preexec_fn=raise_nofile, cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if "cme-cti ready:" in log.read_text():
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start:\n{log.read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


@defer.inlineCallbacks
def measure(reactor, n: int, port: int, server_pid: int, base_rss: int, args):
    """Register n generated phones, then keep them alive for args.idle seconds."""
    from cme.phones import generated_devices
    from sccp.phonebank import PhoneBank

    bank = PhoneBank("127.0.0.1", port, generated_devices(n), reactor=reactor, stagger=args.stagger)
    t0 = time.perf_counter()
    progress = yield bank.start()
    seconds = time.perf_counter() - t0
    per_phone = (rss(server_pid) - base_rss) / max(progress.registered, 1)
    cpu0 = cpu_seconds(server_pid)
    yield task.deferLater(reactor, args.idle, lambda: None)  # keepalives keep running
    cpu = (cpu_seconds(server_pid) - cpu0) / args.idle
    print(f"{n:>7} {progress.registered:>10} {seconds:>8.2f} {progress.registered / seconds:>8.0f} "
          f"{per_phone / 1024:>10.1f} {cpu * 100:>10.1f} {n / 30:>12.0f}")
    sys.stdout.flush()
    for phone in bank.phones:  # drop our side; the server unregisters them
        phone.stopTrying()
        if phone.protocol is not None and phone.protocol.transport is not None:
            phone.protocol.transport.abortConnection()


@defer.inlineCallbacks
def run(reactor, args):
    from cme.phones import generate_config

    raise_nofile()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        port = free_port()
        empty = start_server(generate_config(1).replace("port 2000", f"port {port}"), workdir)
        base_rss = rss(empty.pid)
        stop_server(empty)
        print(f"cpus: {os.cpu_count()}   python: {sys.version.split()[0]}   "
              f"empty server RSS: {base_rss / 2**20:.1f} MiB   stagger: {args.stagger * 1000:.1f} ms")
        print(f"{'phones':>7} {'registered':>10} {'seconds':>8} {'reg/s':>8} {'KiB/phone':>10} "
              f"{'idle CPU %':>10} {'keepalives/s':>12}")
        for n in args.phones:
            port = free_port()
            server = start_server(generate_config(n).replace("port 2000", f"port {port}"), workdir)
            try:
                yield measure(reactor, n, port, server.pid, base_rss, args)
            finally:
                stop_server(server)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of idle measurement")
    ap.add_argument("--stagger", type=float, default=0.001, help="seconds between phone starts")
    args = ap.parse_args()
    task.react(run, [args])


if __name__ == "__main__":
    main()
