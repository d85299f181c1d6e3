"""Basic calls per second between virtual phones, with the time from last digit to ring-in.

    .venv/bin/python benchmarks/calls.py [--phones 1000] [--concurrency 50 100 200 400]
                                         [--duration 20] [--warmup 3] [--hold 0]

The server runs in a child process (`twistd -n cme` on a generated configuration of
--phones ephones, CLI off, log to a file); this process registers the phones
(sccp.phonebank) over loopback TCP and pairs them: phone i calls phone i + N/2.
For each concurrency K, K drivers keep K calls in flight, each taking the next free pair
from a rotation of all N/2 pairs and making one basic call with it:

    caller off-hook → dial tone → 4 digits (KeypadButton) → callee sees RING_IN →
    callee answers (Answer soft key, at once) → both CONNECTED → both transmitting media
    (StartMediaTransmission) → hold --hold seconds → caller on-hook → both phones idle

Every wait has a --timeout; a call that misses one counts as a failure (by stage), both
phones are hung up, and a pair that does not come back to idle leaves the rotation.

After --warmup seconds, calls are counted over --duration seconds. Reported per K:
completed calls/s (calls that came back to idle inside the window), failures, p50/p99 of
"last digit written → callee sees RING_IN" and of call setup "off-hook → both CONNECTED"
(timestamps taken in this process, which sees both phones, so they include this process's
own queueing; --stages splits them per step), the server's CPU and this (phones) process's CPU over the window (100 % =
one core), the CPU the rest of the machine used meanwhile (kernel work on loopback not
charged to either process, and anything else running: a busy neighbour skews the
figures), whether every phone is still registered, and errors and warnings in the server
log (the log is kept when it has any, or always with --log-dir).
"""
from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

from twisted.internet import defer, task

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sccp_registration import (cpu_seconds, free_port, raise_nofile,  # noqa: E402
                               start_server, stop_server)

now = time.perf_counter
TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds spent by the whole machine, all cores, not idle or waiting for I/O."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS  # user..steal less idle, iowait


class CallFailed(Exception):
    def __init__(self, stage: str, why: str = ""):
        super().__init__(stage, why)
        self.stage, self.why = stage, why


@dataclass
class Call:
    start: float  # off-hook sent
    tone: float = 0.0  # caller in OFF_HOOK (dial tone)
    dialed: float = 0.0  # last digit written
    ring: float = 0.0  # callee saw RING_IN
    caller_connected: float = 0.0
    connected: float = 0.0  # both CONNECTED
    media: float = 0.0  # both transmitting (StartMediaTransmission)
    hung_up: float = 0.0  # on-hook sent
    end: float = 0.0  # both idle again (or the failure)
    failed: str = ""  # the stage that timed out or broke


@dataclass(eq=False)
class Pair:
    caller: object  # StationProtocol
    callee: object
    number: str  # the callee's directory number
    broken: bool = False  # did not come back to idle after a failure: left out


def _states(station):
    return {call.state for call in station.calls().values()}


def _idle(station) -> bool:
    return not station.calls()


@dataclass
class CPU:
    """CPU over a measuring window, as fractions of one core: the server, this process, and
    the rest of the machine (kernel work on loopback not charged to either process, and
    anything else running: a busy neighbour skews the figures)."""
    seconds: float
    server: float
    own: float
    other: float

    @staticmethod
    def sample(server_pid: int) -> tuple[float, float, float, float]:
        return now(), cpu_seconds(server_pid), cpu_seconds(os.getpid()), busy_seconds()

    @classmethod
    def between(cls, a, b) -> CPU:
        seconds, server, own = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        # /proc/stat is tick-sampled, the processes' times are not: a rough figure, floored at 0
        other = max(0.0, (b[3] - a[3]) - server - own)
        return cls(seconds, server / seconds, own / seconds, other / seconds)

    def note(self) -> None:
        if self.other > 0.25:
            print(f"      note: {self.other * 100:.0f} % of a core went to something else meanwhile "
                  f"(another process?): these figures are low")


def server_log_errors(log_path: Path, mark: int) -> list[str]:
    """Errors, warnings and tracebacks the server logged after byte `mark`."""
    with log_path.open(errors="replace") as f:
        f.seek(mark)
        return [line.rstrip() for line in f
                if re.search(r"#(error|critical|warn)\]|Traceback|Unhandled", line)]


def launch(config_text: str, log_dir: str | None, prefix: str, twistd_args: tuple[str, ...] = (),
           tree: str | None = None):
    """The server on `config_text` in a child process: (process, work directory, its log)."""
    workdir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    server = start_server(config_text, workdir, twistd_args, Path(tree).resolve() if tree else None)
    (log_path,) = sorted(workdir.glob("bench-*.log"), key=lambda p: p.stat().st_mtime)[-1:]
    return server, workdir, log_path


def add_server_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--tree", help="run the server of this checkout (e.g. a worktree of the commit before "
                                   "a change) instead of this one's; the load generator stays this one's")
    ap.add_argument("--profile", metavar="FILE", help="run the server under cProfile, stats to FILE when it stops")


def profiling(args) -> tuple[str, ...]:
    """twistd's arguments for --profile (none without it)."""
    if not args.profile:
        return ()
    return (f"--profile={os.path.abspath(args.profile)}", "--profiler=cprofile", "--savestats")


def server_ms(cpu, ok) -> float:
    """The server's CPU milliseconds per completed call (or cycle) of the window."""
    return cpu.server * cpu.seconds * 1000 / len(ok) if ok else float("nan")


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


class Driver:
    """Keeps K calls in flight over a rotation of (caller, callee) pairs."""

    def __init__(self, reactor, pairs, args):
        from sccp.enums import CallState
        self.CallState = CallState
        self.reactor = reactor
        self.pairs = deque(pairs)  # free pairs; a pair in use is out of the deque
        self.args = args
        self.calls: list[Call] = []
        self.stopping = False
        self.lost_pairs: list[str] = []

    def wait(self, d: defer.Deferred, stage: str) -> defer.Deferred:
        def failed(failure):
            if failure.check(defer.TimeoutError, defer.CancelledError):
                raise CallFailed(stage, "timeout")
            raise CallFailed(stage, f"{failure.type.__name__}: {failure.getErrorMessage()}")
        d.addTimeout(self.args.timeout, self.reactor)
        return d.addErrback(failed)

    new_call = staticmethod(lambda: Call(start=now()))

    @defer.inlineCallbacks
    def one_call(self, pair):
        """One call on `pair` by `steps`; a failure is recorded by stage and the pair recovered."""
        call = self.new_call()
        try:
            if any(phone.lost for phone in (pair.caller, pair.callee) if phone is not None):
                raise CallFailed("connection", "lost")
            yield self.steps(pair, call)
        except CallFailed as exc:
            call.failed = exc.stage if exc.why == "timeout" else f"{exc.stage}: {exc.why}"
            yield self.recover(pair)
        except Exception as exc:  # a bug here must not stop the driver silently
            call.failed = f"unexpected {type(exc).__name__}: {exc}"
            yield self.recover(pair)
        call.end = now()
        self.calls.append(call)
        return call

    @defer.inlineCallbacks
    def steps(self, pair, call):
        caller, callee, number = pair.caller, pair.callee, pair.number
        CallState = self.CallState
        caller.off_hook()
        yield self.wait(caller.when(lambda s: CallState.OFF_HOOK in _states(s)), "dial tone")
        call.tone = now()
        ringing = self.wait(callee.when_ringing(line=1), "ring-in")

        def rang(station):
            call.ring = now()
            callee.answer()  # the Answer soft key as soon as it rings
            return station
        ringing.addCallback(rang)
        caller.dial(number)
        call.dialed = now()
        yield ringing
        yield self.wait(caller.when(lambda s: s.in_call()), "connected (caller)")
        call.caller_connected = now()
        yield self.wait(callee.when(lambda s: s.in_call()), "connected (callee)")
        call.connected = now()
        # Two-way media: each phone transmits to the other (StartMediaTransmission).
        yield self.wait(caller.when(lambda s: s.transmissions), "media (caller)")
        yield self.wait(callee.when(lambda s: s.transmissions), "media (callee)")
        call.media = now()
        if self.args.hold > 0:
            yield task.deferLater(self.reactor, self.args.hold, lambda: None)
        call.hung_up = now()
        caller.on_hook()
        yield self.when_idle(pair)

    @defer.inlineCallbacks
    def when_idle(self, pair):
        yield self.wait(pair.caller.when(_idle), "idle (caller)")
        yield self.wait(pair.callee.when(_idle), "idle (callee)")

    @defer.inlineCallbacks
    def recover(self, pair):
        """Hang up both phones after a failed call; a pair that does not come back to idle
        leaves the rotation (reported)."""
        caller, callee = pair.caller, pair.callee
        for phone in (caller, callee):
            if not phone.lost and not _idle(phone.station):
                phone.on_hook()
        try:
            for phone in (caller, callee):
                yield self.wait(phone.when(_idle), "recover")
            if caller.lost or callee.lost:
                raise CallFailed("recover", "connection lost")
        except CallFailed:
            self.lost_pairs.append(f"{caller.station.device_name}->{pair.number}")
            pair.broken = True

    @defer.inlineCallbacks
    def worker(self):
        while not self.stopping:
            if not self.pairs:
                yield task.deferLater(self.reactor, 0.01, lambda: None)
                continue
            pair = self.pairs.popleft()
            call = yield self.one_call(pair)
            if call.failed:  # one that failed without waiting must not starve the reactor
                yield task.deferLater(self.reactor, 0.01, lambda: None)
            if not pair.broken:
                self.pairs.append(pair)


@defer.inlineCallbacks
def drive(reactor, driver, k: int, server_pid: int, args):
    """K workers on `driver`; after args.warmup seconds, a window of args.duration seconds,
    then the workers drain. Returns (CPU over the window, the calls that ended inside it)."""
    workers = [driver.worker() for _ in range(k)]
    yield task.deferLater(reactor, args.warmup, lambda: None)
    before = CPU.sample(server_pid)
    yield task.deferLater(reactor, args.duration, lambda: None)
    after = CPU.sample(server_pid)
    driver.stopping = True
    yield defer.DeferredList(workers, consumeErrors=True)
    inside = [c for c in driver.calls if before[0] <= c.end < after[0]]
    return CPU.between(before, after), inside


@defer.inlineCallbacks
def run_level(reactor, bank, pairs, k: int, server, log_path: Path, args):
    driver = Driver(reactor, pairs, args)
    log_mark = log_path.stat().st_size
    cpu, inside = yield drive(reactor, driver, k, server.pid, args)
    window = cpu.seconds
    ok = [c for c in inside if not c.failed]
    failed = Counter(c.failed for c in driver.calls if c.failed)
    ring = [(c.ring - c.dialed) * 1000 for c in ok]
    setup = [(c.connected - c.start) * 1000 for c in ok]
    cycle = [(c.end - c.start) * 1000 for c in ok]
    summary = bank.summary()
    errors = server_log_errors(log_path, log_mark)
    print(f"{k:>5} {len(ok):>7} {len(ok) / window:>8.1f} {sum(1 for c in inside if c.failed):>6} "
          f"{pct(ring, 50):>8.1f} {pct(ring, 99):>8.1f} {pct(setup, 50):>8.1f} {pct(setup, 99):>8.1f} "
          f"{pct(cycle, 50):>8.1f} {cpu.server * 100:>8.0f} {server_ms(cpu, ok):>8.2f} {cpu.own * 100:>8.0f} "
          f"{cpu.other * 100:>8.0f} {summary.registered:>6} {len(errors):>6}")
    cpu.note()
    if failed:
        print(f"      failures this level (incl. warm-up and drain): {dict(failed)}")
    if driver.lost_pairs:
        print(f"      pairs stuck and left out: {len(driver.lost_pairs)}: {driver.lost_pairs[:5]}")
    if args.stages:
        for name, a, b in (("off-hook→tone", "start", "tone"), ("tone→dialed", "tone", "dialed"),
                           ("dialed→ring", "dialed", "ring"),
                           ("ring→caller conn", "ring", "caller_connected"),
                           ("caller→callee conn", "caller_connected", "connected"),
                           ("conn→media", "connected", "media"),
                           ("media→on-hook", "media", "hung_up"), ("on-hook→idle", "hung_up", "end")):
            v = [(getattr(c, b) - getattr(c, a)) * 1000 for c in ok]
            print(f"      {name:<20} p50 {pct(v, 50):7.1f}  p99 {pct(v, 99):7.1f} ms")
    for line in errors[:5]:
        print(f"      server log: {line[:300]}")
    sys.stdout.flush()
    # Broken pairs stay out of the next levels too.
    pairs[:] = [p for p in pairs if not p.broken]
    return len(errors)


@defer.inlineCallbacks
def run(reactor, args):
    from cme.phones import generate_config, generated_devices
    from sccp.phonebank import PhoneBank

    raise_nofile()
    n = args.phones - args.phones % 2
    half = n // 2
    port, sip_port = free_port(), free_port()  # SIP moved too: two benchmarks may run side by side
    server, workdir, log_path = launch(generate_config(n).replace("port 2000", f"port {port}")
                                       .replace("port 5060", f"port {sip_port}"),
                                       args.log_dir, "cme-calls-", profiling(args), args.tree)
    try:
        bank = PhoneBank("127.0.0.1", port, generated_devices(n), reactor=reactor,
                         stagger=args.stagger)
        t = now()
        progress = yield bank.start()
        print(f"cpus: {os.cpu_count()}   python: {sys.version.split()[0]}   phones: {n} "
              f"({progress.registered} registered in {now() - t:.1f} s)   pairs: {half}   "
              f"warm-up {args.warmup:g} s, window {args.duration:g} s, hold {args.hold:g} s, "
              f"timeout {args.timeout:g} s")
        print(f"server log: {log_path}")
        if progress.registered != n:
            raise RuntimeError(f"only {progress.registered} of {n} phones registered")
        if args.nodelay:
            for phone in bank.phones:
                phone.protocol.transport.setTcpNoDelay(True)
        pairs = [Pair(bank.phones[i].protocol, bank.phones[half + i].protocol, str(1000 + half + i))
                 for i in range(half)]
        print(f"{'K':>5} {'calls':>7} {'calls/s':>8} {'failed':>6} "
              f"{'ring p50':>8} {'ring p99':>8} {'setup50':>8} {'setup99':>8} {'cycle50':>8} "
              f"{'srv CPU%':>8} {'srv ms/c':>8} {'ph CPU%':>8} {'oth CPU%':>8} {'regd':>6} {'errors':>6}")
        print(f"{'':>5} {'':>7} {'':>8} {'':>6} {'ms':>8} {'ms':>8} {'ms':>8} {'ms':>8} {'ms':>8}")
        sys.stdout.flush()
        errors = 0
        for k in args.concurrency:
            if k > len(pairs):
                print(f"      concurrency {k} > {len(pairs)} pairs: using {len(pairs)}")
                k = len(pairs)
            errors += yield run_level(reactor, bank, pairs, k, server, log_path, args)
        yield bank.stop()
    finally:
        stop_server(server)
    if not args.log_dir and not errors:
        shutil.rmtree(workdir, ignore_errors=True)  # kept (path printed above) when it has errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[50, 100, 200, 400],
                    help="calls kept in flight; one measurement per value")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds measured per level")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    ap.add_argument("--hold", type=float, default=0.0, help="seconds each call stays connected")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds for any one wait")
    ap.add_argument("--stagger", type=float, default=0.001, help="seconds between phone starts")
    ap.add_argument("--stages", action="store_true", help="also print p50/p99 per stage")
    ap.add_argument("--nodelay", action="store_true", help="TCP_NODELAY on the phones' sockets")
    ap.add_argument("--log-dir", help="keep the configuration and server log here")
    add_server_options(ap)
    args = ap.parse_args()
    task.react(run, [args])


if __name__ == "__main__":
    main()
