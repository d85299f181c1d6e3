"""Server CPU per call in the call core alone: no sockets, no second process.

    .venv/bin/python benchmarks/call_core.py [--pairs 200] [--calls 3000] [--repeat 5]

The real line and phone actors and SCCP server protocol (cme.testing.Exchange, a fake
clock, in-memory transports) with --pairs × 2 virtual phones; phone i calls phone
i + pairs, the callee answers, both get media, the caller hangs up. Each of --repeat
rounds makes --calls calls and reports the process CPU time per call (min and median over
the rounds). The virtual phones' own work (sccp/station.py) is in the figure too, the same
in every version; what differs between versions is the server side. The loopback
benchmarks (calls.py, csta_calls.py) share the machine with their client process, and on a
busy machine their figures move by ±20 %; this one moves by a few per cent, so it is the one
to compare two versions with, alternated in one sitting.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cme.testing import Exchange  # noqa: E402


def config(pairs: int) -> str:
    out = ["hostname bench", "telephony-service", " ip source-address 127.0.0.1 port 2000"]
    for i in range(2 * pairs):
        out += [f"ephone-dn {i + 1}", f" number {1000 + i}"]
    for i in range(2 * pairs):
        out += [f"ephone {i + 1}", f" mac-address 0000.0001.{i:04X}", f" button 1:{i + 1}"]
    return "\n".join(out) + "\n"


def device(i: int) -> str:
    return f"SEP00000001{i:04X}"


def timed(fn, times: int) -> tuple[float, float, object]:
    """(median ms, max ms, the last result) of `times` calls of `fn`."""
    spent, result = [], None
    for _ in range(times):
        start = time.perf_counter()
        result = fn()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent) * 1e3, max(spent) * 1e3, result


def half_calling(phones: int):
    """An Exchange with `phones` phones registered, the first half calling (ringing) the
    second: (exchange, an Application over it) for what reads the live state (metrics,
    the web view)."""
    from cme.app import Application

    pairs = phones // 2
    ex = Exchange(config(pairs))
    stations = [ex.phone(device(i)) for i in range(2 * pairs)]
    for i in range(pairs):
        stations[i].do("off_hook").do("dial", str(1000 + pairs + i))
    app = Application(config=ex.config, board=ex.telephony.board, directory=ex.telephony.directory)
    app.runtime, app.telephony = ex.runtime, ex.telephony
    return ex, app


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ex = Exchange(config(args.pairs))
    phones = [ex.phone(device(i)) for i in range(2 * args.pairs)]
    assert all(p.registered for p in phones)
    gc.collect()
    gc.freeze()
    per_call = []
    for _ in range(args.repeat):
        start = time.process_time()
        for n in range(args.calls):
            i = n % args.pairs
            caller, callee = phones[i], phones[i + args.pairs]
            caller.do("off_hook").do("dial", str(1000 + args.pairs + i))
            if not callee.ringing():
                raise SystemExit(f"call {n}: {callee.device_name} does not ring")
            callee.do("answer")
            caller.do("on_hook")
        per_call.append((time.process_time() - start) / args.calls * 1e6)
    leftover = {tag: c for tag, c in ex.line_connections().items() if c}
    ex.close()
    print(f"pairs {args.pairs}, {args.calls} calls x {args.repeat} rounds; CPU per call (us): "
          f"min {min(per_call):.0f}  median {statistics.median(per_call):.0f}  "
          f"all {' '.join(f'{x:.0f}' for x in per_call)}; calls left up: {len(leftover)}")
    return 1 if leftover else 0


if __name__ == "__main__":
    raise SystemExit(main())
