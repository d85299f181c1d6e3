"""Calls per second out through a SIP trunk to sipp, against phone-to-phone calls in the same run.

    .venv/bin/python benchmarks/trunk_calls.py [--phones 200] [--concurrency 20]
                                               [--duration 10] [--warmup 3] [--rounds 1]

The machine is shared and its speed varies, so one run measures both and the ratio
trunk / phone-to-phone is the figure that counts (the goal: >= 0.5).

The server runs in a child process (`twistd -n cme` on benchmarks/calls.py's generated
configuration of --phones ephones, plus `dial-peer voice 100 voip`: destination-pattern
9T, session target ipv4:127.0.0.1:PORT, transport udp, codec g711ulaw, as in
tests/interop/test_sipp_trunk.py). The far end is sipp in a child process running its
built-in UAS (`-sn uas`: 180 and 200 with SDP at once, waits for the BYE), not rate
limited. This process registers the phones (sccp.phonebank) and, with K calls in flight:

  phone-to-phone, benchmarks/calls.py's call (Driver) on N/2 pairs:
    off-hook → dial tone → 4 digits → callee RING_IN → Answer → both CONNECTED →
    both transmitting media → caller on-hook → both idle
  trunk, every one of the N phones in rotation:
    off-hook → dial tone → "9" + 4 digits + "#" → ringback or CONNECTED (sipp's 180/200)
    → CONNECTED → transmitting media (StartMediaTransmission to sipp's SDP) →
    on-hook (the server sends BYE) → idle

Each phase: --warmup seconds, then calls ending inside --duration seconds are counted;
--rounds alternates the two phases that many times (each phase's figures are summed over
its rounds). Reported: calls/s of each and their ratio, p50/p99 of post-dial delay (last
digit written → the caller's phone CONNECTED; for phone-to-phone that includes the
callee's answer, done at once on RING_IN), failures by stage, the server's CPU (100 % =
one core) and its CPU per call, this process's CPU (the phones), sipp's CPU, and errors,
warnings and the first traceback in the server log (kept, path printed, when it has any).
At low concurrency the phone-to-phone rate is bound by Nagle/delayed ACK on the phones'
TCP (the trunk's SIP leg is UDP): --nodelay, as in calls.py.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field

from twisted.internet import defer, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from calls import (CallFailed, Driver, Pair, _idle, _states, drive, launch,  # noqa: E402
                   now, pct, server_log_errors)
from sccp_registration import cpu_seconds, free_port, raise_nofile, stop_server  # noqa: E402

DIAL_PEER = """dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:127.0.0.1:{port}
 session transport udp
 codec g711ulaw
!
end"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TrunkDriver(Driver):
    """Driver's rotation and failure handling, for calls from one phone out of the trunk:
    pair.caller is the phone, pair.callee None, pair.number what it dials ("9XXXX")."""

    @defer.inlineCallbacks
    def steps(self, pair, call):
        phone, CallState = pair.caller, self.CallState
        phone.off_hook()
        yield self.wait(phone.when(lambda s: CallState.OFF_HOOK in _states(s)), "dial tone")
        call.tone = now()
        phone.dial(pair.number + "#")
        call.dialed = now()
        yield self.wait(phone.when(lambda s: CallState.RING_OUT in _states(s) or s.in_call()),
                        "ringback")
        call.ring = now()
        yield self.wait(phone.when(lambda s: s.in_call()), "connected")
        call.caller_connected = call.connected = now()
        yield self.wait(phone.when(lambda s: s.transmissions), "media")
        call.media = now()
        if self.args.hold > 0:
            yield task.deferLater(self.reactor, self.args.hold, lambda: None)
        call.hung_up = now()
        phone.on_hook()
        yield self.wait(phone.when(_idle), "idle")

    @defer.inlineCallbacks
    def recover(self, pair):
        phone = pair.caller
        if not phone.lost and not _idle(phone.station):
            phone.on_hook()
        try:
            yield self.wait(phone.when(_idle), "recover")
            if phone.lost:
                raise CallFailed("recover", "connection lost")
        except CallFailed:
            self.lost_pairs.append(f"{phone.station.device_name}->{pair.number}")
            pair.broken = True


@dataclass
class Phase:
    name: str
    calls: list = field(default_factory=list)  # completed inside the windows
    failed: Counter = field(default_factory=Counter)  # by stage, incl. warm-up and drain
    seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds
    sipp_cpu: float = 0.0
    own_cpu: float = 0.0  # this process: the phones
    lost: list = field(default_factory=list)

    def add(self, driver, cpu, inside, sipp_seconds: float) -> None:
        self.calls += [c for c in inside if not c.failed]
        self.failed.update(c.failed for c in driver.calls if c.failed)
        self.seconds += cpu.seconds
        self.server_cpu += cpu.server * cpu.seconds
        self.sipp_cpu += sipp_seconds
        self.own_cpu += cpu.own * cpu.seconds
        self.lost += driver.lost_pairs

    @property
    def rate(self) -> float:
        return len(self.calls) / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        pdd = [(c.connected - c.dialed) * 1000 for c in self.calls]
        cycle = [(c.end - c.start) * 1000 for c in self.calls]
        per_call = self.server_cpu * 1000 / len(self.calls) if self.calls else float("nan")
        return (f"{self.name:<15} {len(self.calls):>6} {self.rate:>8.1f} {sum(self.failed.values()):>6} "
                f"{pct(pdd, 50):>8.1f} {pct(pdd, 99):>8.1f} {pct(cycle, 50):>8.1f} "
                f"{self.server_cpu / self.seconds * 100:>8.0f} {per_call:>8.2f} "
                f"{self.own_cpu / self.seconds * 100:>8.0f} {self.sipp_cpu / self.seconds * 100:>8.0f}")


def start_sipp(sipp: str, port: int, workdir) -> subprocess.Popen:
    """sipp's built-in UAS on 127.0.0.1:port, no call limit, its screen and stats to files."""
    out = (workdir / "sipp.out").open("w")
    return subprocess.Popen(
        [sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_udp_port()),
         "-nostdin", "-trace_stat", "-stf", str(workdir / "sipp_stat.csv"), "-fd", "1",
         "-trace_err", "-error_file", str(workdir / "sipp_errors.log")],
        stdout=out, stderr=subprocess.STDOUT, cwd=workdir)


def sipp_stats(workdir) -> dict[str, str]:
    """The last line of sipp's -trace_stat file, by column (cumulative counters)."""
    path = workdir / "sipp_stat.csv"
    if not path.exists():
        return {}
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    return dict(zip(lines[0].split(";"), lines[-1].split(";")))


def sipp_messages(workdir) -> dict[str, str]:
    """Requests sipp's UAS received, as counted on its last screen: {"INVITE": "1108", ...}."""
    path = workdir / "sipp.out"
    text = path.read_text(errors="replace") if path.exists() else ""
    screen = text.rsplit("Scenario Screen", 1)[-1]
    return dict(re.findall(r"-+> +(INVITE|ACK|BYE)\s+(?:E-RTD1 +)?(\d+)", screen))


def first_traceback(log_path) -> list[str]:
    lines = log_path.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if "Traceback" in line:
            return lines[max(0, i - 1):i + 30]
    return []


@defer.inlineCallbacks
def measure(reactor, phase: Phase, driver, k: int, server, sipp, args):
    sipp0 = cpu_seconds(sipp.pid)
    cpu, inside = yield drive(reactor, driver, k, server.pid, args)
    # sipp's CPU over warm-up, window and drain, scaled to the window: a rough figure
    sipp_seconds = (cpu_seconds(sipp.pid) - sipp0) * cpu.seconds / (args.warmup + cpu.seconds)
    phase.add(driver, cpu, inside, sipp_seconds)
    cpu.note()


@defer.inlineCallbacks
def run(reactor, args):
    from cme.phones import generate_config, generated_devices
    from sccp.phonebank import PhoneBank

    sipp_path = shutil.which("sipp")
    if sipp_path is None:
        print("trunk_calls: sipp not installed (apt install sip-tester): skipped")
        return
    raise_nofile()
    n = args.phones - args.phones % 2
    half = n // 2
    k = args.concurrency
    port, far = free_port(), free_udp_port()
    config = (generate_config(n).replace("port 2000", f"port {port}")
              .replace("port 5060", f"port {free_udp_port()}")
              .replace("\nend", "\n" + DIAL_PEER.format(port=far)))
    twistd_args = ()
    if args.profile:  # cProfile over the server's whole run, written when it stops
        twistd_args = (f"--profile={os.path.abspath(args.profile)}", "--profiler=cprofile", "--savestats")
    server, workdir, log_path = launch(config, args.log_dir, "cme-trunk-calls-", twistd_args)
    sipp = start_sipp(sipp_path, far, workdir)
    errors, p2p, trunk = [], Phase("phone-to-phone"), Phase("trunk (sipp)")
    try:
        bank = PhoneBank("127.0.0.1", port, generated_devices(n), reactor=reactor,
                         stagger=args.stagger)
        t = now()
        progress = yield bank.start()
        print(f"cpus: {os.cpu_count()}   python: {sys.version.split()[0]}   phones: {n} "
              f"({progress.registered} registered in {now() - t:.1f} s)   concurrency {k}   "
              f"warm-up {args.warmup:g} s, window {args.duration:g} s x {args.rounds} round(s), "
              f"timeout {args.timeout:g} s")
        if progress.registered != n:
            raise RuntimeError(f"only {progress.registered} of {n} phones registered")
        if sipp.poll() is not None:
            raise RuntimeError(f"sipp exited ({sipp.returncode}): {(workdir / 'sipp.out').read_text()[-2000:]}")
        phones = [phone.protocol for phone in bank.phones]
        if args.nodelay:
            for phone in phones:
                phone.transport.setTcpNoDelay(True)
        pairs = [Pair(phones[i], phones[half + i], str(1000 + half + i)) for i in range(half)]
        lines = [Pair(phone, None, f"9{5000 + i % 5000:04d}") for i, phone in enumerate(phones)]
        log_mark = log_path.stat().st_size
        for _ in range(args.rounds):
            for phase, driver in ((p2p, Driver(reactor, pairs, args)),
                                  (trunk, TrunkDriver(reactor, lines, args))):
                if args.only and args.only != ("trunk" if phase is trunk else "p2p"):
                    continue
                yield measure(reactor, phase, driver, min(k, len(driver.pairs)), server, sipp, args)
                pairs[:] = [p for p in pairs if not p.broken]
                lines[:] = [p for p in lines if not p.broken]
        errors = server_log_errors(log_path, log_mark)
        registered = bank.summary().registered
        yield bank.stop()
    finally:
        sipp.send_signal(signal.SIGTERM)
        try:
            sipp.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sipp.kill()
            sipp.wait()
        stop_server(server)

    print(f"{'':<15} {'calls':>6} {'calls/s':>8} {'failed':>6} {'pdd p50':>8} {'pdd p99':>8} "
          f"{'cycle50':>8} {'srv CPU%':>8} {'srv ms/c':>8} {'ph CPU%':>8} {'sipp CPU':>8}")
    print(f"{'':<15} {'':>6} {'':>8} {'':>6} {'ms':>8} {'ms':>8} {'ms':>8} {'':>8} {'ms':>8} {'':>8} {'%':>8}")
    for phase in (p2p, trunk):
        if phase.seconds:
            print(phase.row())
    ratio = trunk.rate / p2p.rate if p2p.rate else float("nan")
    cost = ((p2p.server_cpu / len(p2p.calls)) / (trunk.server_cpu / len(trunk.calls))
            if p2p.calls and trunk.calls else float("nan"))
    print(f"ratio trunk / phone-to-phone: {ratio:.2f}   (goal >= 0.5)   "
          f"server CPU per call, phone-to-phone / trunk: {cost:.2f}")
    for phase in (p2p, trunk):
        if phase.failed:
            print(f"failures {phase.name} (by stage, incl. warm-up and drain): {dict(phase.failed)}")
        if phase.lost:
            print(f"stuck and left out ({phase.name}): {len(phase.lost)}: {phase.lost[:5]}")
    stats, seen = sipp_stats(workdir), sipp_messages(workdir)
    if stats or seen:
        print("sipp, whole run, received: " + "  ".join(f"{name} {count}" for name, count in seen.items())
              + "  " + "  ".join(f"{name} {stats.get(key, '?')}" for name, key in
                                 (("failed calls", "FailedCall(C)"),
                                  ("unexpected msgs", "FailedUnexpectedMessage(C)"),
                                  ("retransmissions", "Retransmissions(C)"))))
    print(f"phones still registered: {registered}/{n}   server log errors/warnings: {len(errors)}")
    for line in errors[:5]:
        print(f"  server log: {line[:300]}")
    traceback = first_traceback(log_path)
    if traceback:
        print(f"  first traceback in {log_path}:")
        for line in traceback:
            print(f"    {line[:300]}")
    if errors or traceback or args.log_dir:
        print(f"server log kept: {log_path}   (sipp: {workdir}/sipp.out, sipp_stat.csv)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=20, help="calls kept in flight, both phases")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds measured per phase and round")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring, each phase")
    ap.add_argument("--rounds", type=int, default=1, help="alternate the two phases this many times")
    ap.add_argument("--hold", type=float, default=0.0, help="seconds each call stays connected")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds for any one wait")
    ap.add_argument("--stagger", type=float, default=0.001, help="seconds between phone starts")
    ap.add_argument("--nodelay", action="store_true", help="TCP_NODELAY on the phones' sockets")
    ap.add_argument("--only", choices=("trunk", "p2p"), help="run one phase (e.g. to profile it)")
    ap.add_argument("--profile", metavar="FILE",
                    help="the server under cProfile (twistd --profile --profiler=cprofile --savestats): "
                         "pstats written to FILE when it stops")
    ap.add_argument("--log-dir", help="keep the configuration, server log and sipp files here")
    args = ap.parse_args()
    task.react(run, [args])


if __name__ == "__main__":
    main()
