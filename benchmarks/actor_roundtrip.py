"""Ask round-trips per second and memory per idle actor: ReactorActor vs pykka.ThreadingActor.

    .venv/bin/python benchmarks/actor_roundtrip.py [--actors 10000] [--seconds 3] [--tree CHECKOUT]

Round-trip: `ref.ask(msg, block=False)` to every actor, then the answers are read. For the
reactor runtime the answers are collected on the running Twisted reactor (the production
path: the runtime drains inboxes in reactor turns); for ThreadingActor a caller thread asks
every actor and then `get()`s every future. Both run in this process, one after the other,
with the same actor count. Tell + handle: the CPU time of one `tell` and its handling,
drained by the runtime on a task.Clock (best of 9 passes over 100 actors), the per-message
overhead every actor of the server pays; `--tree` measures another checkout's runtime
(before/after). Memory is resident set size growth per idle actor, measured in a
fresh child process for each actor type.
"""
from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pykka  # noqa: E402


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reactor_roundtrips(n_actors: int, seconds: float) -> dict:
    from twisted.internet import reactor

    from actors.runtime import ReactorActor, Runtime, set_runtime

    class Echo(ReactorActor):
        def on_receive(self, message):
            return message

    set_runtime(Runtime(reactor))
    refs = [Echo.start() for _ in range(n_actors)]
    result: dict = {}

    def run_rounds():
        start = time.perf_counter()
        rounds = 0

        def one_round(_=None):
            nonlocal rounds
            if time.perf_counter() - start >= seconds and rounds:
                elapsed = time.perf_counter() - start
                result.update(rounds=rounds, asks=rounds * n_actors, elapsed=elapsed)
                reactor.stop()
                return
            futures = [ref.ask(rounds, block=False) for ref in refs]
            rounds += 1

            def check(_):
                assert all(f.get() == rounds - 1 for f in futures)
                reactor.callLater(0, one_round)

            futures[-1].deferred().addCallback(check)

        one_round()

    reactor.callWhenRunning(run_rounds)
    reactor.run(installSignalHandlers=False)
    for ref in refs:
        ref.tell(pykka.messages._ActorStop())
    return result


def reactor_tell_cost(passes: int = 9, rounds: int = 3000, n_actors: int = 100) -> float:
    """CPU microseconds of one tell and its handling (best of `passes`)."""
    from twisted.internet import task

    from actors.runtime import ReactorActor, Runtime, set_runtime

    class Sink(ReactorActor):
        def on_receive(self, message):
            return None

    runtime = Runtime(reactor=task.Clock())
    previous = set_runtime(runtime)
    refs = [Sink.start() for _ in range(n_actors)]
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        for _ in range(rounds):
            for ref in refs:
                ref.tell("x")
            runtime.run_until_idle()
        best = min(best, time.process_time() - started)
    runtime.stop_all()
    set_runtime(previous)
    return best / (rounds * n_actors) * 1e6


def threading_roundtrips(n_actors: int, seconds: float) -> dict:
    class Echo(pykka.ThreadingActor):
        def on_receive(self, message):
            return message

    refs = [Echo.start() for _ in range(n_actors)]
    start = time.perf_counter()
    rounds = 0
    while time.perf_counter() - start < seconds or not rounds:
        futures = [ref.ask(rounds, block=False) for ref in refs]
        assert all(f.get(timeout=60) == rounds for f in futures)
        rounds += 1
    elapsed = time.perf_counter() - start
    for ref in refs:
        ref.stop(block=False)
    pykka.ActorRegistry.stop_all()
    return dict(rounds=rounds, asks=rounds * n_actors, elapsed=elapsed)


def memory_child(kind: str, n_actors: int) -> None:
    """Run in a child: print resident bytes per idle actor as JSON."""
    if kind == "reactor":
        from actors.runtime import ReactorActor, Runtime, set_runtime

        class Idle(ReactorActor):
            pass

        set_runtime(Runtime(_NullReactor()))
    else:

        class Idle(pykka.ThreadingActor):  # type: ignore[no-redef]
            pass

    warm = [Idle.start() for _ in range(100)]  # import/allocator warm-up, not counted
    gc.collect()
    before = rss_bytes()
    refs = [Idle.start() for _ in range(n_actors)]
    gc.collect()
    after = rss_bytes()
    print(json.dumps({"kind": kind, "actors": n_actors, "bytes_per_actor": (after - before) / n_actors}))
    sys.stdout.flush()
    del warm, refs
    os._exit(0)  # threads would otherwise keep the child alive


class _NullReactor:
    def callLater(self, delay, f, *args):
        pass


def memory_per_actor(kind: str, n_actors: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", kind, "--actors", str(n_actors)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["bytes_per_actor"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actors", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--memory-child", choices=["reactor", "threading"])
    ap.add_argument("--tree", help="measure this checkout's actors/runtime.py instead of this one's")
    args = ap.parse_args()
    if args.tree:
        sys.path.insert(0, str(Path(args.tree).resolve()))
    if args.memory_child:
        memory_child(args.memory_child, args.actors)
        return

    n = args.actors
    mem_reactor = memory_per_actor("reactor", n)
    mem_threading = memory_per_actor("threading", n)
    thr = threading_roundtrips(n, args.seconds)
    rea = reactor_roundtrips(n, args.seconds)
    tell = reactor_tell_cost()
    r_rate = rea["asks"] / rea["elapsed"]
    t_rate = thr["asks"] / thr["elapsed"]
    print(f"actors: {n}   cpus: {os.cpu_count()}   python: {sys.version.split()[0]}   pykka: {importlib.metadata.version('pykka')}")
    print(f"ReactorActor    ask round-trips/s: {r_rate:12,.0f}   ({rea['asks']:,} in {rea['elapsed']:.2f} s)")
    print(f"ThreadingActor  ask round-trips/s: {t_rate:12,.0f}   ({thr['asks']:,} in {thr['elapsed']:.2f} s)")
    print(f"ratio: {r_rate / t_rate:.1f}x")
    print(f"ReactorActor    tell + handle: {tell:.3f} us of CPU ({sys.modules['actors.runtime'].__file__})")
    print(f"ReactorActor    resident memory per idle actor: {mem_reactor / 1024:.2f} KiB")
    print(f"ThreadingActor  resident memory per idle actor: {mem_threading / 1024:.2f} KiB")


if __name__ == "__main__":
    main()
