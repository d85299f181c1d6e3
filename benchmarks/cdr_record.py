"""What a call leg's record costs the reactor thread: building it from the connection,
keeping it (CallHistory) and writing it to the JSON-lines and CSV files in batches.

    .venv/bin/python benchmarks/cdr_record.py [--legs 20000] [--per-turn 2 20]

A real Connection (actors/connection.py) answered and released, `record_of` it
(actors/call_record.py), then `CallHistory.record` with real `CdrFiles` in a temporary
directory on a task.Clock: each reactor turn (clock.advance(0)) writes the turn's records
with one write per file. Prints microseconds a leg for the build, and for keep + write at
each --per-turn (legs a reactor turn carries: a quiet server has ~2, a loaded one ~20).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twisted.internet import task  # noqa: E402

import conf  # noqa: E402
from actors.call_record import record_of  # noqa: E402
from actors.connection import Connection  # noqa: E402
from cme.cdr import CallHistory  # noqa: E402
from cme.cdr.files import CdrFiles  # noqa: E402


def connection(i: int) -> Connection:
    conn = Connection(i, 1, "3f2a9c10-00000001-00000002-00000003")
    conn.calling, conn.called, conn.outbound = "201", "202", True
    conn.setup, conn.connect = 1_700_000_000.0, 1_700_000_002.5
    return conn


def build(legs: int) -> float:
    conns = [connection(i) for i in range(legs)]
    start = time.perf_counter()
    for conn in conns:
        record_of(conn, "201", None, 1_700_000_060.0, "normalClearing", "local")
    return (time.perf_counter() - start) / legs * 1e6


def keep_and_write(legs: int, per_turn: int) -> float:
    config = conf.parse_text("hostname bench\n").config
    records = [record_of(connection(i), "201", None, 1_700_000_060.0, "normalClearing", "local")
               for i in range(legs)]
    with tempfile.TemporaryDirectory() as state:
        clock = task.Clock()
        files = CdrFiles(config, state, clock=clock)
        history = CallHistory(files)
        start = time.perf_counter()
        for n, rec in enumerate(records, 1):
            history.record(rec)
            if n % per_turn == 0:
                clock.advance(0)  # the reactor turn ends: the batch is written
        clock.advance(0)
        elapsed = time.perf_counter() - start
        files.close()
    return elapsed / legs * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--legs", type=int, default=20000)
    ap.add_argument("--per-turn", type=int, nargs="+", default=[2, 20])
    args = ap.parse_args()
    print(f"build a record: {build(args.legs):.2f} us a leg")
    for per_turn in args.per_turn:
        print(f"keep + write, {per_turn:>3} legs a turn: {keep_and_write(args.legs, per_turn):.2f} us a leg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
