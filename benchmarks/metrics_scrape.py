"""What one /metrics scrape costs the reactor: generate_latest over the server's registry
with N phones registered, half of them in a call.

    .venv/bin/python benchmarks/metrics_scrape.py [--phones 1000 5000] [--scrapes 20]

The real phone and line actors (cme.testing.Exchange, a fake clock, in-memory transports),
the real registry (cme/metrics.py: the server's families and the library's process,
platform and GC collectors). Prints, for each --phones, the milliseconds of one scrape
(median and max of --scrapes) and the size of the text. A scrape runs on the reactor
thread, so this is how long it holds calls up.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from prometheus_client import generate_latest  # noqa: E402

from call_core import config, device  # noqa: E402
from cme.app import Application  # noqa: E402
from cme.metrics import registry  # noqa: E402
from cme.testing import Exchange  # noqa: E402


def one(phones: int, scrapes: int) -> tuple[float, float, int]:
    pairs = phones // 2
    ex = Exchange(config(pairs))
    stations = [ex.phone(device(i)) for i in range(2 * pairs)]
    for i in range(pairs):  # half the phones ring the other half: every line has a call
        stations[i].do("off_hook").do("dial", str(1000 + pairs + i))
    app = Application(config=ex.config, board=ex.telephony.board, directory=ex.telephony.directory)
    app.runtime, app.telephony = ex.runtime, ex.telephony
    reg, _ = registry(app, ex.clock)
    times, size = [], 0
    for _ in range(scrapes):
        start = time.perf_counter()
        size = len(generate_latest(reg))
        times.append(time.perf_counter() - start)
    ex.close()
    return statistics.median(times) * 1e3, max(times) * 1e3, size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--scrapes", type=int, default=20)
    args = ap.parse_args()
    print(f"{'phones':>7} {'ms/scrape p50':>14} {'max':>7} {'bytes':>7}")
    for n in args.phones:
        p50, worst, size = one(n, args.scrapes)
        print(f"{n:>7} {p50:>14.2f} {worst:>7.2f} {size:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
