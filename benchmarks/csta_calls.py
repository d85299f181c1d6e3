"""Click-to-dial cycles per second through CSTA, with the MakeCall response time.

    .venv/bin/python benchmarks/csta_calls.py [--phones 1000] [--concurrency 5 10 25 50]
                                              [--duration 10] [--warmup 2] [--load 0.8]
                                              [--rate R] [--final 20]

The server runs in a child process (`twistd -n cme` on a generated configuration of
--phones ephones, every ephone-dn `cti watch`, CLI off, log to a file). This process
registers the phones (sccp.phonebank; each answers a ringing call at once, auto-answer 0 s)
and opens one CTI session per line, each on its own TCP connection as an Office
Communicator would (sip.client.CSTAClient: INVITE with RequestSystemStatus, then
MonitorStart on the line), so every line has a monitor that receives every event.
Line i calls line i + N/2. One cycle:

    MakeCall(caller → callee, doNotPrompt) → MakeCallResponse        (response time)
    → EstablishedEvent on the caller's monitor (the callee's phone answered)
    → ClearConnection(the caller's connection) → ClearConnectionResponse
    → on both monitors, a ConnectionClearedEvent for each of the two connections
    → both phones idle

Then each monitor's events of the cycle are checked against the expected sequence:
caller ServiceInitiated, Originated, Delivered, Established, ConnectionCleared ×2; callee
Delivered, Established, ConnectionCleared ×2. A cycle with other events is counted as "odd
events" (and the first few kinds shown); a cleared event that never comes is a failure.
Every wait has a --timeout; a cycle that misses one is a failure (by stage), both phones
are hung up, and a pair that does not come back to idle leaves the rotation.

First a closed-loop ramp: for each --concurrency K, K cycles are kept in flight; after
--warmup seconds, cycles are counted over --duration seconds. The best cycles/s of the ramp
is the maximum. Then an open-loop run at --load × that maximum (or at --rate): cycles start
at that fixed rate whatever the responses (each on the next free pair), measured over
--final seconds after the warm-up. Reported per run: completed cycles/s (cycles that ended
inside the window), failures, p50/p99 of the MakeCall response time (request written → response
read), of MakeCall → EstablishedEvent, and of the whole cycle, the server's CPU, this
process's CPU (the phones and the CTI sessions: the load generator shares the machine with
the server) and the rest of the machine's, and errors and warnings in the server log.
In the open-loop run, "lag p99" is how late this process started cycles against the
schedule: above a few ms the load generator, not the server, is the limit.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field

from twisted.internet import defer, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from calls import (CPU, CallFailed, Driver, Pair, add_server_options, launch, now, pct, profiling,  # noqa: E402
                   server_log_errors, server_ms)
from sccp_registration import free_port, raise_nofile, stop_server  # noqa: E402

CLEARED = "ConnectionClearedEvent"
CALLER_EVENTS = ("ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent", CLEARED, CLEARED)
CALLEE_EVENTS = ("DeliveredEvent", "EstablishedEvent", CLEARED, CLEARED)
_EVENT = re.compile(rb"<(\w+Event)\b")
_DROPPED = re.compile(rb"<droppedConnection><callID>[^<]*</callID><deviceID>([^<]*)</deviceID>")
_CALLING = re.compile(rb"<MakeCallResponse\b.*?<callingDevice><callID>([^<]*)</callID>")
_CLEAR_OK = re.compile(rb"<ClearConnectionResponse\b")
_ERROR = re.compile(rb"<CSTAErrorCode\b.*?<(\w+)>([^<]*)<")


class Line:
    """One directory number's CTI session and monitor: the events of the current cycle."""

    def __init__(self, number: str):
        self.number = number
        self.client = None  # sip.client.CSTAClient
        self.events: list[tuple[str, str]] = []  # (element, droppedConnection deviceID)
        self.total = 0  # events received since the session opened
        self._waits: list[tuple[object, defer.Deferred]] = []

    def on_event(self, body: bytes) -> None:
        name = _EVENT.search(body)
        dropped = _DROPPED.search(body) if name and name.group(1) == CLEARED.encode() else None
        self.events.append((name.group(1).decode() if name else "?",
                            dropped.group(1).decode() if dropped else ""))
        self.total += 1
        waits, self._waits = self._waits, []
        for predicate, d in waits:
            if predicate(self):
                d.callback(self)
            else:
                self._waits.append((predicate, d))

    def when(self, predicate) -> defer.Deferred:
        if predicate(self):
            return defer.succeed(self)
        d = defer.Deferred(lambda d: self._waits.remove((predicate, d)))  # cancelled by a timeout
        self._waits.append((predicate, d))
        return d

    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.events)


def established(line: Line) -> bool:
    return any(name == "EstablishedEvent" for name, _ in line.events)


def cleared(*devices: str):
    """Whether a monitor has seen the connections of all `devices` cleared."""
    wanted = set(devices)
    return lambda line: wanted <= {dropped for name, dropped in line.events if name == CLEARED}


def make_call(caller: str, callee: str) -> bytes:
    from cme.csta import build_request
    return build_request("make-call", caller, [callee], None)


def clear_connection(call_id: str, device: str) -> bytes:
    from sip.client import ED3, csta
    return csta(f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared><callID>{call_id}</callID>'
                f'<deviceID>{device}</deviceID></connectionToBeCleared></ClearConnection>')


def refused(body: bytes) -> str:
    error = _ERROR.search(body)
    return (b"%s %s" % error.groups() if error else body[-120:]).decode("utf-8", "replace")


@dataclass
class Cycle:
    start: float  # MakeCall written
    responded: float = 0.0  # MakeCallResponse read
    established: float = 0.0  # EstablishedEvent on the caller's monitor
    cleared: float = 0.0  # both connections cleared on both monitors
    end: float = 0.0
    failed: str = ""
    odd_events: tuple = ()  # (caller's, callee's) event names when not the expected ones


@dataclass(eq=False)
class LinePair(Pair):
    lines: tuple = field(default=())  # (caller Line, callee Line)


class CSTADriver(Driver):
    """calls.Driver's rotation and recovery, with a click-to-dial cycle as the call."""

    new_call = staticmethod(lambda: Cycle(start=now()))

    @defer.inlineCallbacks
    def steps(self, pair, cycle):
        caller, callee = pair.lines
        caller.events.clear()
        callee.events.clear()
        cycle.start = now()
        body = yield self.wait(caller.client.request(make_call(caller.number, callee.number)), "MakeCall")
        cycle.responded = now()
        calling = _CALLING.search(body)
        if calling is None:
            raise CallFailed("MakeCall", refused(body))
        yield self.wait(caller.when(established), "Established")
        cycle.established = now()
        body = yield self.wait(caller.client.request(clear_connection(calling.group(1).decode(), caller.number)),
                               "ClearConnection")
        if not _CLEAR_OK.search(body):
            raise CallFailed("ClearConnection", refused(body))
        both = cleared(caller.number, callee.number)
        yield self.wait(caller.when(both), "ConnectionCleared ×2 (caller)")
        yield self.wait(callee.when(both), "ConnectionCleared ×2 (callee)")
        cycle.cleared = now()
        yield self.when_idle(pair)
        if caller.names() != CALLER_EVENTS or callee.names() != CALLEE_EVENTS:
            cycle.odd_events = (caller.names(), callee.names())

    @defer.inlineCallbacks
    def recover(self, pair):
        """After the server has done what it was asked, phones on-hook (calls.Driver); then the
        stragglers of the cycle's events are let in and dropped."""
        yield task.deferLater(self.reactor, 1.0, lambda: None)
        yield super().recover(pair)
        yield task.deferLater(self.reactor, 0.5, lambda: None)
        for line in pair.lines:
            line.events.clear()

    @defer.inlineCallbacks
    def paced(self, rate: float):
        """Open loop: start cycles at `rate` per second on free pairs until stopping."""
        t0, started, running, self.skipped, self.lags = now(), 0, [], 0, []

        def release(cycle, pair):
            if not pair.broken:
                self.pairs.append(pair)
            return cycle

        while not self.stopping:
            due = int((now() - t0) * rate) + 1
            for i in range(started, due):
                if not self.pairs:
                    self.skipped += 1  # every pair busy: the cycle is not started
                    continue
                scheduled = t0 + i / rate
                self.lags.append((now() - scheduled) * 1000)
                pair = self.pairs.popleft()
                running.append(self.one_call(pair).addCallback(release, pair))
            started = due
            running = [d for d in running if not d.called]
            yield task.deferLater(self.reactor, 0.002, lambda: None)
        yield defer.DeferredList(running, consumeErrors=True)


HEADER = (f"{'':>10} {'cycles':>7} {'cycles/s':>8} {'failed':>6} {'resp p50':>8} {'resp p99':>8} "
          f"{'estb p50':>8} {'estb p99':>8} {'cycle50':>8} {'cycle99':>8} "
          f"{'srv CPU%':>8} {'srv ms/c':>8} {'cli CPU%':>8} {'oth CPU%':>8} {'odd ev':>6} {'errors':>6}\n"
          f"{'':>10} {'':>7} {'':>8} {'':>6} {'ms':>8} {'ms':>8} {'ms':>8} {'ms':>8} {'ms':>8} {'ms':>8}")


@defer.inlineCallbacks
def measure(reactor, driver, start, label: str, server, log_path, args, duration: float):
    """Start the load (`start()` → its Deferreds), measure `duration` s after the warm-up,
    stop it, print one row; returns (cycles/s, number of server log errors)."""
    log_mark = log_path.stat().st_size
    loads = start()
    yield task.deferLater(reactor, args.warmup, lambda: None)
    before = CPU.sample(server.pid)
    yield task.deferLater(reactor, duration, lambda: None)
    after = CPU.sample(server.pid)
    driver.stopping = True
    yield defer.DeferredList(loads, consumeErrors=True)
    t0, t1 = before[0], after[0]
    cpu = CPU.between(before, after)
    inside = [c for c in driver.calls if t0 <= c.end < t1]
    ok = [c for c in inside if not c.failed]
    odd = [c.odd_events for c in ok if c.odd_events]
    failed = Counter(c.failed for c in driver.calls if c.failed)
    response = [(c.responded - c.start) * 1000 for c in ok]
    establish = [(c.established - c.start) * 1000 for c in ok]
    cycle = [(c.end - c.start) * 1000 for c in ok]
    errors = server_log_errors(log_path, log_mark)
    rate = len(ok) / cpu.seconds
    print(f"{label:>10} {len(ok):>7} {rate:>8.1f} {sum(1 for c in inside if c.failed):>6} "
          f"{pct(response, 50):>8.1f} {pct(response, 99):>8.1f} {pct(establish, 50):>8.1f} "
          f"{pct(establish, 99):>8.1f} {pct(cycle, 50):>8.1f} {pct(cycle, 99):>8.1f} "
          f"{cpu.server * 100:>8.0f} {server_ms(cpu, ok):>8.2f} {cpu.own * 100:>8.0f} {cpu.other * 100:>8.0f} {len(odd):>6} "
          f"{len(errors):>6}")
    cpu.note()
    if failed:
        print(f"      failures (incl. warm-up and drain): {dict(failed)}")
    for caller, callee in list(dict.fromkeys(odd))[:3]:
        print(f"      odd events: caller {list(caller)} callee {list(callee)}")
    if driver.lost_pairs:
        print(f"      pairs stuck and left out: {len(driver.lost_pairs)}: {driver.lost_pairs[:5]}")
    for line in errors[:5]:
        print(f"      server log: {line[:300]}")
    sys.stdout.flush()
    return rate, len(errors)


@defer.inlineCallbacks
def open_sessions(reactor, lines, port: int, batch: int = 50):
    """One CTI session and one monitor per line, `batch` at a time."""
    from sip.client import ED3, connect, csta

    @defer.inlineCallbacks
    def one(line):
        line.client = yield connect(reactor, "127.0.0.1", port, on_event=line.on_event)
        line.client.transport.setTcpNoDelay(True)
        yield line.client.open(line.number)
        body = yield line.client.request(csta(
            f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>{line.number}</deviceObject>'
            '</monitorObject></MonitorStart>'))
        if b"<monitorCrossRefID>" not in body:
            raise RuntimeError(f"MonitorStart on {line.number} refused: {refused(body)}")

    for i in range(0, len(lines), batch):
        yield defer.gatherResults([one(line) for line in lines[i:i + batch]], consumeErrors=True)


@defer.inlineCallbacks
def run(reactor, args):
    from cme.phones import generate_config, generated_devices
    from sccp.phonebank import PhoneBank

    raise_nofile()
    n = args.phones - args.phones % 2
    half = n // 2
    sccp_port, sip_port = free_port(), free_port()
    config = generate_config(n).replace("port 2000", f"port {sccp_port}").replace("port 5060", f"port {sip_port}")
    server, workdir, log_path = launch(config, args.log_dir, "cme-csta-calls-", profiling(args), args.tree)
    errors = 0
    try:
        t = now()
        bank = PhoneBank("127.0.0.1", sccp_port, generated_devices(n), reactor=reactor,
                         stagger=args.stagger, auto_answer=0.0)
        progress = yield bank.start()
        if progress.registered != n:
            raise RuntimeError(f"only {progress.registered} of {n} phones registered")
        for phone in bank.phones:
            phone.protocol.transport.setTcpNoDelay(True)
        lines = [Line(str(1000 + i)) for i in range(n)]
        yield open_sessions(reactor, lines, sip_port)
        # The phones and sessions live all run long: out of this process's full collections,
        # so that its pauses do not pass for the server's latency.
        gc.collect()
        gc.freeze()
        print(f"cpus: {os.cpu_count()}   python: {sys.version.split()[0]}   lines: {n} (phones registered, "
              f"{n} CTI sessions with a monitor each, in {now() - t:.1f} s)   pairs: {half}   "
              f"warm-up {args.warmup:g} s, window {args.duration:g} s (final {args.final:g} s), "
              f"timeout {args.timeout:g} s")
        print(f"server log: {log_path}")
        pairs = [LinePair(bank.phones[i].protocol, bank.phones[half + i].protocol, lines[half + i].number,
                          lines=(lines[i], lines[half + i])) for i in range(half)]
        print(HEADER)
        best = 0.0
        for k in args.concurrency:
            k = min(k, len(pairs))
            driver = CSTADriver(reactor, pairs, args)
            rate, e = yield measure(reactor, driver, lambda: [driver.worker() for _ in range(k)],
                                    f"K={k}", server, log_path, args, args.duration)
            best, errors = max(best, rate), errors + e
            pairs[:] = [p for p in pairs if not p.broken]
        target = args.rate or best * args.load
        if target > 0 and pairs:
            driver = CSTADriver(reactor, pairs, args)
            rate, e = yield measure(reactor, driver, lambda: [driver.paced(target)], f"{target:.0f}/s",
                                    server, log_path, args, args.final)
            errors += e
            print(f"      open loop at {target:.1f} cycles/s, {target / max(best, 1e-9):.0%} of the ramp's "
                  f"best {best:.1f}: lag p50 {pct(driver.lags, 50):.1f} ms, p99 {pct(driver.lags, 99):.1f} ms; "
                  f"not started (no free pair): {driver.skipped}")
        events = sum(line.total for line in lines)
        print(f"      events received by the {n} monitors over the whole run: {events}")
        for line in lines:
            line.client.transport.loseConnection()  # the server ends the sessions
        yield bank.stop()
    finally:
        stop_server(server)
    if not args.log_dir and not errors:
        shutil.rmtree(workdir, ignore_errors=True)  # kept (path printed above) when it has errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=1000, help="lines (one phone each); half call the other half")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[5, 10, 25, 50],
                    help="cycles kept in flight in the ramp; one measurement per value")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds measured per ramp level")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    ap.add_argument("--load", type=float, default=0.8, help="open-loop rate, as a fraction of the ramp's best")
    ap.add_argument("--rate", type=float, help="open-loop rate in cycles/s, instead of --load × the ramp's best")
    ap.add_argument("--final", type=float, default=20.0, help="seconds measured in the open-loop run")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds for any one wait")
    ap.add_argument("--stagger", type=float, default=0.001, help="seconds between phone starts")
    ap.add_argument("--log-dir", help="keep the configuration and server log here")
    add_server_options(ap)
    args = ap.parse_args()
    task.react(run, [args])


if __name__ == "__main__":
    main()
