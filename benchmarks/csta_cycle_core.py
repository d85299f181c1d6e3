"""CPU per CSTA click-to-dial cycle with no sockets: the real server in one process.

    .venv/bin/python benchmarks/csta_cycle_core.py [--pairs 20] [--cycles 1000] [--repeat 5]
                                                   [--tree DIR] [--profile FILE]

csta_calls.py's cycle without its two processes, loopback and timing noise: the line,
phone, monitor and CTI session actors, the SCCP and SIP protocols (cme.testing.Exchange,
a fake clock, memory transports). --pairs × 2 virtual 7961s (cme.testing.VirtualPhone),
each line with its own uaCSTA session on its own SIPStreamProtocol and a monitor. Per
cycle: MakeCall (caller → callee, doNotPrompt) in an INFO; the callee's phone answers
when it rings; ClearConnection of the caller's connection; every event INFO answered 200
as an application answers it. Each cycle checks the events both monitors got (caller:
ServiceInitiated, Originated, Delivered, Established, ConnectionCleared ×2; callee:
Delivered, Established, ConnectionCleared ×2). The application side is written with
regular expressions (no SIP stack), so it is small and the same for --tree; the virtual
phones (sccp/station.py) are the tree's own. Printed: µs of process CPU per cycle, best
and median of --repeat rounds. Steady under valgrind (instructions per cycle: run with
two --cycles values and take the difference).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--pairs", type=int, default=20)
ap.add_argument("--cycles", type=int, default=1000)
ap.add_argument("--repeat", type=int, default=5)
ap.add_argument("--tree", help="the server of this checkout (e.g. a worktree of the commit before a change)")
ap.add_argument("--profile", metavar="FILE", help="cProfile one round of --cycles, stats to FILE")
args = ap.parse_args()
ROOT = Path(args.tree).resolve() if args.tree else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)


from cme.cti import CTIGateway  # noqa: E402
from cme.phones import generate_config, generated_devices  # noqa: E402
from cme.testing import Exchange  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory_app import ED3, XML, App  # noqa: E402

CALLER = ("ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent",
          "ConnectionClearedEvent", "ConnectionClearedEvent")
CALLEE = ("DeliveredEvent", "EstablishedEvent", "ConnectionClearedEvent", "ConnectionClearedEvent")
CALL_ID = re.compile(rb"<callingDevice><callID>([^<]+)</callID>")


def main() -> None:
    n = 2 * args.pairs
    ex = Exchange(generate_config(n))
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    phones = [ex.phone(device, int(kind)) for device, kind in generated_devices(n)]
    apps = [App.connect(gateway.core, str(1000 + i), f"127.0.{i // 250}.{i % 250 + 2}") for i in range(n)]

    def settle() -> None:  # Exchange.settle, looking only at the transports written to
        run = ex.runtime.run_until_idle
        while True:
            run()
            busy = False
            for phone in phones:
                if phone.transport.io.tell():
                    phone.pump()
                    busy = True
            for app in apps:
                if app.pump():
                    busy = True
            if not busy:
                return

    status = f'{XML}<RequestSystemStatus xmlns="{ED3}"/>'.encode()
    for app in apps:
        app.request("INVITE", status)
        settle()
        app.request("ACK")
        app.request("INFO", f'{XML}<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>{app.number}'
                            '</deviceObject></monitorObject></MonitorStart>'.encode())
        settle()
        if b"<monitorCrossRefID>" not in app.answers[-1]:
            raise SystemExit(f"MonitorStart on {app.number} refused: {app.answers[-1][:200]!r}")

    def cycle(i: int) -> None:
        caller, callee = apps[i], apps[i + args.pairs]
        caller.events.clear()
        callee.events.clear()
        caller.request("INFO", f'{XML}<MakeCall xmlns="{ED3}"><callingDevice>{caller.number}</callingDevice>'
                               f'<calledDirectoryNumber>{callee.number}</calledDirectoryNumber>'
                               '<autoOriginate>doNotPrompt</autoOriginate></MakeCall>'.encode())
        settle()
        call_id = CALL_ID.search(caller.answers[-1])
        if call_id is None:
            raise SystemExit(f"MakeCall refused: {caller.answers[-1][:300]!r}")
        phones[i + args.pairs].send(phones[i + args.pairs].station.answer())
        settle()
        caller.request("INFO", f'{XML}<ClearConnection xmlns="{ED3}"><connectionToBeCleared><callID>'
                               f'{call_id.group(1).decode()}</callID><deviceID>{caller.number}</deviceID>'
                               '</connectionToBeCleared></ClearConnection>'.encode())
        settle()
        if tuple(caller.events) != CALLER or tuple(callee.events) != CALLEE:
            raise SystemExit(f"odd events: caller {caller.events}, callee {callee.events}")

    def cycles(count: int) -> float:
        t0 = time.process_time()
        for k in range(count):
            cycle(k % args.pairs)
        return (time.process_time() - t0) / count * 1e6

    cycles(2 * args.pairs)  # warm the memos
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.runcall(cycles, args.cycles)
        profiler.dump_stats(args.profile)
    figures = [cycles(args.cycles) for _ in range(args.repeat)]
    print(f"tree {ROOT}: one CSTA click-to-dial cycle, no sockets: best {min(figures):.0f} µs, "
          f"median {statistics.median(figures):.0f} µs ({args.repeat} rounds of {args.cycles}, "
          f"{args.pairs} pairs)")
    ex.close()


main()
