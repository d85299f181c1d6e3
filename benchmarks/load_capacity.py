"""What one Locust worker of `cme load` sustains, and what two do: registered phones, calls/s,
and the CPU each worker process uses (issue 14's goal: >= 5,000 phones and >= 100 calls/s per
worker under one core; two workers >= 1.8x).

    .venv/bin/python benchmarks/load_capacity.py [--phones 5000] [--bhca 144] [--hold 2]
                                                 [--duration 60] [--rounds 1]

Each round runs `cme load --local --headless` twice, alternating: once with one Locust
process (standalone: it is the worker), once with `--processes 2` (a master and two forked
workers sharing the phones), each with --phones phones spawned at 500/s, calls placed at
--bhca per phone per hour with --hold seconds of talk, for --duration seconds. The server is
`twistd cme` on the same machine (2 cores here: with two workers the server and the workers
share them, so the two-worker figure is bound by the machine, not by Locust).

Printed per run: phones registered (register successes), calls completed per second
(post-dial delay successes over the run after the spawn), failures by cause, and the CPU of
every process (100 % = one core): each Locust worker, the master, the server.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
SPAWN_RATE = 500


def _descendants(root: int) -> dict[int, tuple[str, float]]:
    """pid -> (command line, CPU seconds) of `root` and every process below it."""
    parent, found = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parent[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, changed = {root}, True
    while changed:
        changed = False
        for pid, ppid in parent.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    for pid in tree:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[pid] = (cmd, (int(fields[11]) + int(fields[12])) / TICK)
    return found


def _role(cmd: str) -> str:
    if "twistd" in cmd or "cme.main run" in cmd:  # cme load --local runs `cme run`
        return "server"
    if "locust" in cmd:
        return "locust"
    return "cme load"


def run(args, processes: int, work: Path) -> dict:
    prefix = work / f"p{processes}-{time.monotonic_ns()}"
    command = [sys.executable, "-m", "cme.main", "load", "--local", "--headless",
               "--phones", str(args.phones), "-u", str(args.phones), "-r", str(SPAWN_RATE),
               "-t", f"{args.duration}s", "--bhca", str(args.bhca), "--hold-time", str(args.hold),
               "--answer-delay", "0", "--csv", str(prefix), "--only-summary"]
    if processes > 1:
        command += ["--processes", str(processes)]
    log = prefix.with_suffix(".log")
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    cpu: dict[int, tuple[str, float]] = {}
    while proc.poll() is None:
        for pid, (cmd, seconds) in _descendants(proc.pid).items():
            # the last reading of each process is its total; an exiting process has lost its
            # command line by then, so the first one seen names it
            cpu[pid] = (cpu[pid][0] if pid in cpu and cpu[pid][0] else cmd, seconds)
        time.sleep(1.0)
    wall = time.monotonic() - started
    rows = {r["Name"]: r for r in csv.DictReader(open(f"{prefix}_stats.csv"))}
    failures = Counter()
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        for r in csv.DictReader(failures_csv.open()):
            failures[f"{r['Name']}: {r['Error']}"] += int(r["Occurrences"])

    def ok(name):
        r = rows.get(name)
        return int(r["Request Count"]) - int(r["Failure Count"]) if r else 0

    steady = max(1.0, args.duration - args.phones / SPAWN_RATE)
    roles = Counter()
    per_process = []
    for pid, (cmd, seconds) in sorted(cpu.items()):
        role = _role(cmd)
        if os.environ.get("CAPACITY_DEBUG"):
            print(f"      {pid} {role} {seconds:.1f}s {cmd[:100]}")
        roles[role] += 1
        per_process.append((role, 100.0 * seconds / wall))
    return {"processes": processes, "registered": ok("register"), "calls_per_s": ok("post-dial delay") / steady,
            "failures": failures, "cpu": per_process, "exit": proc.returncode, "log": str(log)}


def show(r: dict) -> None:
    locust = sorted((pct for role, pct in r["cpu"] if role == "locust"), reverse=True)
    server = [pct for role, pct in r["cpu"] if role == "server"]
    workers = locust if r["processes"] == 1 else locust[:r["processes"]]
    print(f"  {r['processes']} worker(s): {r['registered']:6d} phones registered, {r['calls_per_s']:7.1f} calls/s; "
          f"Locust CPU {' + '.join(f'{p:.0f}%' for p in locust)} (busiest {max(workers or [0]):.0f}%), "
          f"server {sum(server):.0f}%")
    if r["failures"]:
        top = ", ".join(f"{k} x{v}" for k, v in r["failures"].most_common(4))
        print(f"      failures: {top}")
    if r["exit"] not in (0, 1):
        print(f"      cme load exited {r['exit']}: see {r['log']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--bhca", type=float, default=144.0)
    parser.add_argument("--hold", type=float, default=2.0)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cme-load-capacity-"))
    print(f"{args.phones} phones, BHCA {args.bhca:g}, hold {args.hold:g} s, {args.duration} s a run "
          f"(offered {args.phones * args.bhca / 3600:.0f} calls/s); work directory {work}")
    results = {1: [], 2: []}
    for n in range(args.rounds):
        print(f"round {n + 1}:")
        for processes in (1, 2):
            r = run(args, processes, work)
            results[processes].append(r)
            show(r)
    one = sum(r["calls_per_s"] for r in results[1]) / len(results[1])
    two = sum(r["calls_per_s"] for r in results[2]) / len(results[2])
    print(f"two workers / one: {two / one:.2f}x calls/s" if one else "one worker completed no calls")


if __name__ == "__main__":
    main()
