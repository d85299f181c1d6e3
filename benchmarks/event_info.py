"""What one CSTA event costs the server on its SIP side, without sockets.

    .venv/bin/python benchmarks/event_info.py [--events 20000] [--rounds 5] [--tree DIR]
                                              [--profile FILE]

One uaCSTA session (conf/cme.cfg, line 201, a monitor on it) on a SIPStreamProtocol
over a memory transport. Each round: the session actor is told one event (what its
monitor sends it), the runtime runs, and the INFO it writes is answered with a 200 as an
application writes it (Via, From, To, Call-ID and CSeq copied, Content-Length 0), fed
to the protocol as bytes: framing, parsing, the transaction's match and its end. Only
the server's calls are timed (the 200 is built outside the clock). Printed: µs of CPU
per event, the best and the median of --rounds; with --tree, that checkout's server code
is imported instead (run this script of this tree with that tree first on sys.path).
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
ap.add_argument("--events", type=int, default=20000)
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--tree", help="import the server from this checkout")
ap.add_argument("--profile", metavar="FILE", help="cProfile one round, stats to FILE")
args = ap.parse_args()
ROOT = Path(args.tree).resolve() if args.tree else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)


from actors.monitor import EventXML  # noqa: E402
from cme.cti import CTIGateway  # noqa: E402
from cme.testing import Exchange  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory_app import ED3, XML, App  # noqa: E402

APP = "127.0.0.9"

def main() -> None:
    ex = Exchange((ROOT / "conf" / "cme.cfg").read_text())
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    app = App.connect(gateway.core, "201", APP)

    def settle() -> None:
        while True:
            ex.settle()
            if not app.pump():
                return

    app.request("INVITE", f'{XML}<RequestSystemStatus xmlns="{ED3}"/>'.encode())
    settle()
    app.request("ACK")
    app.request("INFO", f'{XML}<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>tel:201</deviceObject>'
                        '</monitorObject></MonitorStart>'.encode())
    settle()
    xref = re.search(rb"<monitorCrossRefID>([^<]+)<", app.answers[-1]).group(1).decode()
    (ref,) = gateway.sessions.values()
    body = (f'{XML}<DeliveredEvent xmlns="{ED3}"><monitorCrossRefID>{xref}'
            '</monitorCrossRefID><connection><callID>1</callID><deviceID>201</deviceID></connection>'
            '<alertingDevice><deviceIdentifier>201</deviceIdentifier></alertingDevice>'
            '<callingDevice><deviceIdentifier>202</deviceIdentifier></callingDevice>'
            '<calledDevice><deviceIdentifier>201</deviceIdentifier></calledDevice>'
            '<lastRedirectionDevice><notKnown/></lastRedirectionDevice>'
            '<localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause>'
            '</DeliveredEvent>').encode()
    event = EventXML(xref, body)
    clock = time.process_time_ns

    open_before = len(gateway.core.table)  # the INVITE's, until its timer ends it

    def one_round(n: int) -> float:
        spent = 0
        for _ in range(n):
            t0 = clock()
            ref.tell(event)
            ex.settle()
            t1 = clock()
            ok = app.read()
            if not ok:
                raise SystemExit("the session sent no INFO")
            t2 = clock()
            app.answer(ok)
            ex.settle()
            spent += (t1 - t0) + (clock() - t2)
        if len(gateway.core.table) > open_before:  # every INFO's transaction ended with its 200
            raise SystemExit(f"{len(gateway.core.table) - open_before} INFO transactions left open")
        return spent / n / 1000

    one_round(500)  # warm the memos
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.runcall(one_round, args.events)
        profiler.dump_stats(args.profile)
    figures = [one_round(args.events) for _ in range(args.rounds)]
    print(f"tree {ROOT}: one event INFO and its 200, server side: best {min(figures):.1f} µs, "
          f"median {statistics.median(figures):.1f} µs ({args.rounds} rounds of {args.events})")
    ex.close()


main()
