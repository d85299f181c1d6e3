"""What one render of the web view's live sections costs the reactor: View.sections()
with N phones registered and half of them calling the other half.

    .venv/bin/python benchmarks/web_render.py [--phones 400 2000] [--renders 20]

The real phone and line actors (cme.testing.Exchange, a fake clock, in-memory transports)
and the real view (cme/web/view.py). The event stream renders at most 4 times a second
while someone watches and spaces the rounds out so that rendering takes at most 10 % of
the reactor's time; this prints the milliseconds of one render (median, max) and the size
of the HTML, so the share a watcher costs is median × 4 / 1000.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from call_core import half_calling, timed  # noqa: E402
from cme.web.view import View  # noqa: E402


def one(phones: int, renders: int) -> tuple[float, float, int]:
    ex, app = half_calling(phones)  # half the phones ring the other half: every line has a call
    view = View(app, ex.clock)
    p50, worst, sections = timed(view.sections, renders)
    ex.close()
    return p50, worst, sum(map(len, sections.values()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, nargs="+", default=[400, 2000])
    ap.add_argument("--renders", type=int, default=20)
    args = ap.parse_args()
    print(f"{'phones':>7} {'legs':>5} {'ms/render p50':>14} {'max':>7} {'html bytes':>11}")
    for n in args.phones:
        p50, worst, size = one(n, args.renders)
        print(f"{n:>7} {n:>5} {p50:>14.2f} {worst:>7.2f} {size:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
