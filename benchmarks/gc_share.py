"""The garbage collector's share of the server's CPU, at the server's setting and at CPython's.

    .venv/bin/python benchmarks/gc_share.py [--bench csta|cti|calls] [--rounds 2] [--young 700]

The server runs under a probe: a copy of this tree's import path (symbolic links) with a
``sitecustomize`` module that times every collection by generation (``gc.callbacks``) and
writes the totals when the server exits. Each round runs the benchmark twice, alternated:
with the server's own thresholds (cme/service.py YOUNG_PASS) and with the young pass forced
to ``--young`` net allocations (CPython's default 700; the probe then ignores the server's
``gc.set_threshold``). Printed per run: the benchmark's server CPU per unit of work, and per
generation the passes, their milliseconds, their share of the server's CPU and the objects
they freed (how much cyclic garbage there was to find).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = '''
import atexit, gc, os, time
_out = os.environ["GC_PROBE_OUT"]
_young = os.environ.get("GC_PROBE_YOUNG")
if _young:
    gc.set_threshold(int(_young), *gc.get_threshold()[1:])
    gc.set_threshold = lambda *args: None  # the probe's setting stands
_start = [0.0]
_ms = [0.0, 0.0, 0.0]
_passes = [0, 0, 0]
_freed = [0, 0, 0]
_threshold = [0]  # the young threshold while the server ran (it restores the old one at stop)

def _timed(phase, info):
    if phase == "start":
        _start[0] = time.perf_counter()
        _threshold[0] = max(_threshold[0], gc.get_threshold()[0])
        return
    g = info["generation"]
    _ms[g] += 1000 * (time.perf_counter() - _start[0])
    _passes[g] += 1
    _freed[g] += info["collected"]

gc.callbacks.append(_timed)

@atexit.register
def _write():
    with open(_out, "w") as f:
        f.write(f"{time.process_time()} {_threshold[0]} " +
                " ".join(f"{_passes[g]} {_ms[g]:.1f} {_freed[g]}" for g in range(3)))
'''

BENCHES = {  # script, arguments, the row to read and the column of the server's CPU per unit
    "csta": ("csta_calls.py", ["--phones", "200", "--concurrency", "25", "--duration", "8", "--final", "0"],
             r"^\s*K=25\s.*", 11, "ms a cycle"),
    "calls": ("calls.py", ["--phones", "400", "--concurrency", "100", "--duration", "8", "--warmup", "2"],
              r"^\s*100\s.*", 10, "ms a call"),
    "cti": ("cti_requests.py", ["--calls", "2000", "--sipp-calls", "1000"],
            r"round 1: server.*", None, "ms a transaction"),
}


def probe_tree(where: Path) -> Path:
    tree = where / "tree"
    tree.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in (".git", ".venv"):
            (tree / entry.name).symlink_to(entry)
    (tree / "sitecustomize.py").write_text(PROBE)
    return tree


def one(bench: str, tree: Path, young: int | None, out: Path) -> str:
    script, args, row, column, unit = BENCHES[bench]
    env = {**os.environ, "GC_PROBE_OUT": str(out)}
    env.pop("GC_PROBE_YOUNG", None)
    if young is not None:
        env["GC_PROBE_YOUNG"] = str(young)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args, "--tree", str(tree)],
                          capture_output=True, text=True, env=env, timeout=900)
    if done.returncode or not out.exists():
        raise SystemExit(f"{script} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    lines = [line for line in done.stdout.splitlines() if re.match(row, line)]
    if not lines:
        raise SystemExit(f"no figures from {script}:\n{done.stdout[-1500:]}")
    if column is None:
        cost = re.search(r"([\d.]+) ms a transaction", lines[-1]).group(1)
    else:
        cost = lines[-1].split()[column]
    cpu, threshold, *gens = out.read_text().split()
    cpu = float(cpu)
    parts = []
    for g in range(3):
        passes, ms, freed = gens[3 * g:3 * g + 3]
        parts.append(f"gen{g} {passes:>4} passes {float(ms):6.0f} ms {100 * float(ms) / 1000 / cpu:4.1f} % "
                     f"{freed:>6} freed")
    total = sum(float(gens[3 * g + 1]) for g in range(3))
    return (f"young pass every {threshold:>6}: {cost} {unit}; GC {100 * total / 1000 / cpu:4.1f} % of "
            f"{cpu:.1f} s CPU ({'; '.join(parts)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", choices=sorted(BENCHES), default="csta")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--young", type=int, default=700, help="the young threshold to compare with")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cme-gc-") as where:
        tree = probe_tree(Path(where))
        for r in range(args.rounds):
            order = [None, args.young] if r % 2 == 0 else [args.young, None]
            for young in order:
                print(one(args.bench, tree, young, Path(where) / f"gc-{r}-{young}.txt"), flush=True)


if __name__ == "__main__":
    main()
