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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from prometheus_client import generate_latest  # noqa: E402

from call_core import half_calling, timed  # noqa: E402
from cme.metrics import registry  # noqa: E402


def one(phones: int, scrapes: int) -> tuple[float, float, int]:
    ex, app = half_calling(phones)  # half the phones ring the other half: every line has a call
    reg, _ = registry(app, ex.clock)
    p50, worst, text = timed(lambda: generate_latest(reg), scrapes)
    ex.close()
    return p50, worst, len(text)


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
