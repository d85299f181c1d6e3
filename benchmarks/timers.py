"""What a transaction timer costs that is started and then cancelled, as Timer F of an
event INFO is when its 200 comes: the reactor's callLater against sip.deadlines.

    .venv/bin/python benchmarks/timers.py [--timers 200000] [--in-flight 60] [--rounds 3]

Each timer (32 s, Timer F over TCP) is cancelled after --in-flight later ones started,
with a reactor pass (runUntilCurrent) every 10 timers, as answers arrive a few reactor
turns later. Printed: µs of CPU per timer for each, alternated, per round.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet import reactor  # noqa: E402

from sip.deadlines import Deadlines  # noqa: E402


def per_timer(start, n: int, in_flight: int) -> float:
    live: deque = deque()
    t0 = time.process_time()
    for i in range(n):
        live.append(start(32.0, lambda: None))
        if len(live) > in_flight:
            live.popleft().cancel()
        if i % 10 == 0:
            reactor.runUntilCurrent()
    while live:
        live.popleft().cancel()
    reactor.runUntilCurrent()
    return (time.process_time() - t0) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timers", type=int, default=200_000)
    ap.add_argument("--in-flight", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    deadlines = Deadlines(reactor)
    for r in range(1, args.rounds + 1):
        plain = per_timer(reactor.callLater, args.timers, args.in_flight)
        queued = per_timer(deadlines.call_later, args.timers, args.in_flight)
        print(f"round {r}: reactor.callLater {plain:.2f} µs a timer, sip.deadlines {queued:.2f} µs "
              f"({queued / plain:.2f})")


main()
