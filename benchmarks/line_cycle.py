"""The call core's cost per call and per CSTA cycle, without sockets: a loop to count.

    PYTHONPATH=. .venv/bin/python benchmarks/line_cycle.py {call,csta} N [--pairs 10] [--profile FILE]

`call`: N phone-to-phone calls (phone i calls phone i + pairs, the callee answers, the
caller hangs up), the real line and phone actors and SCCP server protocol on in-memory
transports (cme.testing.Exchange). `csta`: N click-to-dial cycles as benchmarks/csta_calls.py
makes them: every line has a CTI session with a monitor (cme.cti.CTIGateway, fed parsed SIP
as tests/actors/test_cti_session.py does), MakeCall(caller → callee), the callee's phone
answers, ClearConnection of the caller's connection; every event INFO is answered with 200.
Each run checks the calls come back idle and the events are the expected ones.

Wall-clock figures on a shared machine move; count instructions instead, N and M rounds,
so start-up cancels out (benchmarks/README.md, "Counting instructions"):

    PYTHONPATH=. valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/line_cycle.py csta 600     # then 200

or count function calls: `--profile FILE` runs the N rounds under cProfile and prints the
calls per round.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
from pathlib import Path

from twisted.internet import task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cme.testing  # noqa: E402
from cme.cti import CTIGateway  # noqa: E402
from cme.phones import generate_config, generated_devices  # noqa: E402
from cme.testing import Exchange  # noqa: E402
from sip.framing import parse_datagram  # noqa: E402
from sip.message import Request  # noqa: E402

ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
CALLER = ("ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent",
          "ConnectionClearedEvent", "ConnectionClearedEvent")
CALLEE = ("DeliveredEvent", "EstablishedEvent", "ConnectionClearedEvent", "ConnectionClearedEvent")


class LoopClock(task.Clock):
    """task.Clock, without sorting every pending call at each callLater (the loop never
    advances the clock; it sorts when it does). The reactor's callLater is a heap push;
    Clock's sort of the twenty sessions' and transactions' timers at each one would be
    most of what a line's timer costs here."""

    def callLater(self, delay, callable, *args, **kw):
        dc = task.DelayedCall(self.seconds() + delay, callable, args, kw, self.calls.remove,
                              lambda c: None, self.seconds)
        self.calls.append(dc)
        return dc


def exchange(config: str) -> Exchange:
    cme.testing.task.Clock = LoopClock
    try:
        return Exchange(config)
    finally:
        cme.testing.task.Clock = task.Clock


def csta(xml: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>{xml}'.encode()


class Session:
    """One application's CTI session on one line, on its own flow."""

    reliable = True
    transport_name = "TCP"

    def __init__(self, number: str, index: int) -> None:
        self.number, self.peer = number, ("127.0.0.9", 6000 + index)
        self.call_id = f"cti-{number}@127.0.0.9"
        self.cseq = 0
        self.tag = ""
        self.sent: list = []  # what the server sent us, parsed, not yet read

    def send(self, message) -> None:
        self.sent.append(parse_datagram(message.encode()))

    def request(self, method: str, body: bytes = b"") -> Request:
        self.cseq += 1
        text = (f"{method} sip:{self.number}@127.0.0.1:5060 SIP/2.0\r\n"
                f"Via: SIP/2.0/TCP 127.0.0.9:{self.peer[1]};branch=z9hG4bK{method.lower()}{self.cseq}\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:alice@apps.example>;tag=app1\r\n"
                f"To: <sip:{self.number}@127.0.0.1>" + (f";tag={self.tag}" if self.tag else "") + "\r\n"
                f"Call-ID: {self.call_id}\r\n"
                f"CSeq: {self.cseq} {method}\r\n"
                f"Contact: <sip:alice@127.0.0.9:{self.peer[1]};transport=tcp>\r\n"
                + ("Content-Type: application/csta+xml\r\n" if body else "")
                + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        return parse_datagram(text)


class CSTALab:
    def __init__(self, pairs: int) -> None:
        n = 2 * pairs
        self.pairs = pairs
        self.ex = exchange(generate_config(n))
        self.gateway = CTIGateway(self.ex.config, self.ex.telephony, self.ex.clock)
        self.phones = [self.ex.phone(device, int(kind)) for device, kind in generated_devices(n)]
        self.sessions = [Session(str(1000 + i), i) for i in range(n)]
        self.events = {s.number: [] for s in self.sessions}
        for s in self.sessions:
            self.receive(s, s.request("INVITE", csta(f'<RequestSystemStatus xmlns="{ED3}"/>')))
            (ok,) = self.take(s)
            s.tag = ok.to_tag
            self.receive(s, s.request("ACK"))
            self.ask(s, f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>{s.number}</deviceObject>'
                        '</monitorObject></MonitorStart>')

    def receive(self, session: Session, message) -> None:
        self.gateway.core.receive(message, session)
        self.ex.settle()

    def take(self, session: Session) -> list:
        """What the server sent the session; every event INFO is answered with 200 (and kept)."""
        out = []
        while session.sent:
            batch, session.sent = session.sent, []
            for m in batch:
                if isinstance(m, Request):
                    name = m.body.split(b"<", 3)[2].split(b" ", 1)[0].decode()
                    self.events[session.number].append(name)
                    self.gateway.core.receive(parse_datagram(m.response(200).encode()), session)
                else:
                    out.append(m)
            self.ex.settle()
        return out

    def ask(self, session: Session, xml: str) -> bytes:
        self.receive(session, session.request("INFO", csta(xml)))
        (answer,) = [m for m in self.take(session) if m.cseq.number == session.cseq]
        assert answer.status == 200, answer.status
        return answer.body

    def cycle(self, i: int) -> None:
        caller, callee = self.sessions[i], self.sessions[i + self.pairs]
        body = self.ask(caller, f'<MakeCall xmlns="{ED3}"><callingDevice>{caller.number}</callingDevice>'
                                f'<calledDirectoryNumber>{callee.number}</calledDirectoryNumber>'
                                '<autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
        call_id = body.split(b"<callID>")[1].split(b"<")[0].decode()
        phone = self.phones[i + self.pairs]
        if not phone.ringing():
            raise SystemExit(f"{callee.number} does not ring")
        phone.do("answer")
        self.take(callee)
        self.ask(caller, f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared><callID>{call_id}</callID>'
                         f'<deviceID>{caller.number}</deviceID></connectionToBeCleared></ClearConnection>')
        self.take(callee)
        got = (tuple(self.events[caller.number]), tuple(self.events[callee.number]))
        if got != (CALLER, CALLEE):
            raise SystemExit(f"cycle {i}: events {got}")
        self.events[caller.number].clear()
        self.events[callee.number].clear()


class CallLab:
    def __init__(self, pairs: int) -> None:
        n = 2 * pairs
        self.pairs = pairs
        self.ex = exchange(generate_config(n))
        self.phones = [self.ex.phone(device, int(kind)) for device, kind in generated_devices(n)]

    def cycle(self, i: int) -> None:
        caller, callee = self.phones[i], self.phones[i + self.pairs]
        caller.do("off_hook").do("dial", str(1000 + self.pairs + i))
        if not callee.ringing():
            raise SystemExit(f"call {i}: the callee does not ring")
        callee.do("answer")
        caller.do("on_hook")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("call", "csta"))
    ap.add_argument("rounds", type=int)
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--profile", help="run the rounds under cProfile, stats to this file")
    args = ap.parse_args()
    lab = (CSTALab if args.kind == "csta" else CallLab)(args.pairs)
    lab.cycle(0)  # the first round's lazy set-up (imports, caches) is not counted
    gc.collect()
    gc.freeze()
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    for n in range(args.rounds):
        lab.cycle(n % args.pairs)
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
        stats = pstats.Stats(args.profile)
        print(f"{stats.total_calls / args.rounds:.0f} function calls a round")
    leftover = {tag: c for tag, c in lab.ex.line_connections().items() if c}
    lab.ex.close()
    if leftover:
        print(f"calls left up: {leftover}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
