"""Issue 15's before/after table: the server's CPU per unit of work, this tree against another.

    .venv/bin/python benchmarks/before_after.py --tree ../base [--rounds 2]

For each round, each benchmark below runs twice, once with the other checkout's server
(`--tree`, e.g. a worktree of the commit before a change) and once with this one's, in
alternating order (base first in odd rounds, this tree first in even ones), so both see
the same machine. The load generator is always this tree's. Figures taken from each run:

  calls.py        phone-to-phone calls, K calls in flight: server CPU ms a call
  csta_calls.py   click-to-dial cycles with CSTA monitors: server CPU ms a cycle, with
                  --csta-concurrency cycles in flight (closed loop: as many as the server
                  takes), and then open loop at a fixed --csta-rate (the same offered load
                  for both; a lightly loaded server does less per reactor turn, so a cycle
                  costs more there)
  cti_requests.py sipp's INVITE, 10 INFO SnapshotDevice, BYE: server CPU ms a transaction,
                  and the ratio of the server's transactions/s to sipp answering itself

Printed: each run's figures as they come, then per benchmark the mean of the rounds, the
ratio this/base, and the issue's goal (calls <= 1/2, CSTA cycle <= 1/3, CTI ratio >= 0.2).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from statistics import mean

HERE = Path(__file__).resolve().parent


def run(script: str, args: list[str], tree: Path | None) -> str:
    command = [sys.executable, str(HERE / script), *args, *(["--tree", str(tree)] if tree else [])]
    out = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise SystemExit(f"{script} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return out.stdout


def last_row(text: str, first: str) -> list[str]:
    """The columns of the last table row whose first column is `first`."""
    rows = [line.split() for line in text.splitlines() if line.split()[:1] == [first]]
    if not rows:
        raise SystemExit(f"no row {first!r} in:\n{text[-2000:]}")
    return rows[-1]


def calls(tree: Path | None, args) -> dict[str, float]:
    k = str(args.calls_concurrency)
    text = run("calls.py", ["--phones", str(args.calls_phones), "--concurrency", k,
                            "--duration", str(args.duration), "--warmup", "2"], tree)
    row = last_row(text, k)  # K calls calls/s failed ring50 ring99 setup50 setup99 cycle50 srv% srv-ms/c ...
    return {"calls/s": float(row[2]), "failed": float(row[3]), "ms": float(row[10])}


def csta(tree: Path | None, args) -> dict[str, float]:
    k = args.csta_concurrency
    text = run("csta_calls.py", ["--phones", str(args.csta_phones), "--concurrency", str(k),
                                 "--duration", str(args.duration), "--warmup", "2", "--final", str(args.duration),
                                 "--rate", str(args.csta_rate)], tree)
    closed = last_row(text, f"K={k}")  # label cycles cycles/s failed resp50 ... srv% srv-ms/c
    fixed = last_row(text, f"{args.csta_rate:.0f}/s")
    return {"cycles/s": float(closed[2]), "failed": float(closed[3]) + float(fixed[3]),
            "ms": float(closed[11]), "ms at rate": float(fixed[11])}


def cti(tree: Path | None, args) -> dict[str, float]:
    text = run("cti_requests.py", ["--calls", str(args.cti_calls), "--sipp-calls", str(3 * args.cti_calls)], tree)
    ms = re.findall(r"([\d.]+) ms a transaction", text)
    ratio = re.findall(r"ratio server / sipp: ([\d.]+)", text)
    failed = re.findall(r"\((\d+) sessions, (\d+) failed", text)
    if not ms or not ratio:
        raise SystemExit(f"cti_requests.py printed no figures:\n{text[-2000:]}")
    return {"ratio": float(ratio[-1]), "failed": float(failed[0][1]), "ms": float(ms[-1])}


BENCHMARKS = (("phone-to-phone call (calls.py)", calls, "ms a call", 1 / 2),
              ("CSTA click-to-dial cycle (csta_calls.py)", csta, "ms a cycle", 1 / 3),
              ("CTI transaction (cti_requests.py)", cti, "ms a transaction", None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", type=Path, required=True, help="the 'before' checkout (its server runs)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--duration", type=float, default=8.0, help="seconds measured per run")
    ap.add_argument("--calls-phones", type=int, default=400)
    ap.add_argument("--calls-concurrency", type=int, default=100)
    ap.add_argument("--csta-phones", type=int, default=200)
    ap.add_argument("--csta-concurrency", type=int, default=25, help="cycles in flight in the closed loop")
    ap.add_argument("--csta-rate", type=float, default=60.0, help="click-to-dial cycles/s offered to both "
                    "in the open loop that follows")
    ap.add_argument("--cti-calls", type=int, default=1000, help="CTI sessions against the server")
    ap.add_argument("--only", choices=("calls", "csta", "cti"), help="run one benchmark")
    args = ap.parse_args()
    base = args.tree.resolve()
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    chosen = [b for b in BENCHMARKS if not args.only or b[1].__name__ == args.only]
    for n in range(args.rounds):
        order = [("base", base), ("this", None)]
        if n % 2:
            order.reverse()
        for title, measure, unit, _ in chosen:
            for name, tree in order:
                figures = measure(tree, args)
                results.setdefault(title, {}).setdefault(name, []).append(figures)
                shown = "  ".join(f"{k} {v:g}" for k, v in figures.items())
                print(f"round {n + 1}  {name:<4}  {title}: {shown}", flush=True)
    print()
    print(f"base: {base}   this: {HERE.parent}   rounds: {args.rounds}")
    print(f"{'':<42} {'base':>9} {'this':>9} {'this/base':>9}  goal")
    for title, measure, unit, goal in chosen:
        before = mean(r["ms"] for r in results[title]["base"])
        after = mean(r["ms"] for r in results[title]["this"])
        want = f"<= {goal:.2f}" if goal else ""
        print(f"{title:<42} {before:>9.3f} {after:>9.3f} {after / before:>9.2f}  {want}  ({unit})")
        if measure is csta:
            before = mean(r["ms at rate"] for r in results[title]["base"])
            after = mean(r["ms at rate"] for r in results[title]["this"])
            label = f"  the same, open loop at {args.csta_rate:g}/s"
            print(f"{label:<42} {before:>9.3f} {after:>9.3f} {after / before:>9.2f}  {want}  ({unit})")
        if measure is cti:
            for name in ("base", "this"):
                ratio = mean(r["ratio"] for r in results[title][name])
                print(f"{'  server/sipp transactions/s, ' + name:<42} {ratio:>9.3f}{'':>20}  >= 0.2")


if __name__ == "__main__":
    main()
