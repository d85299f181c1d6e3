"""What the receive side of a SIP message costs, without sockets: StreamFramer.feed on a
200 to one of our event INFOs and on an in-dialog INFO request with a CSTA body, one
message a read (as ~200 CTI connections deliver them), each message's branch and CSeq
new (as on the wire; our own Vias are remembered as sip.dialog does when it sends).

    PYTHONPATH=. valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        .venv/bin/python benchmarks/sip_receive.py 2500 [ok|info|both]   # then 500
    # (I(2500) - I(500)) / 2000 = instructions a round (one message, or both with 'both')

Without valgrind it prints µs a round (best of 5), for a quick look.
"""
from __future__ import annotations

import sys
import time

from sip.framing import StreamFramer
from sip.headers import Via, remember_our_via

APP = "127.0.0.9"
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
BODY = (f'<?xml version="1.0" encoding="UTF-8"?><SnapshotDevice xmlns="{ED3}"><snapshotObject>'
        '<deviceIdentifier>201</deviceIdentifier></snapshotObject></SnapshotDevice>').encode()


def ok(i: int) -> bytes:
    via = f"SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-ev{i:08x}"
    remember_our_via(via, Via.parse(via))  # as sip.dialog does for the INFO it sends
    return (f"SIP/2.0 200 OK\r\nVia: {via}\r\n"
            f"From: <sip:201@127.0.0.1>;tag=cme7f3a\r\n"
            f"To: <sip:alice@apps.example>;tag=app1\r\n"
            f"Call-ID: cti-bench@{APP}\r\nCSeq: {i + 3} INFO\r\n"
            "User-Agent: bench\r\nContent-Length: 0\r\n\r\n").encode()


def info(i: int) -> bytes:
    return (f"INFO sip:201@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP {APP}:5070;branch=z9hG4bK-in{i:08x}\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:alice@apps.example>;tag=app1\r\n"
            "To: <sip:201@127.0.0.1>;tag=cme7f3a\r\n"
            f"Call-ID: cti-bench@{APP}\r\nCSeq: {i + 3} INFO\r\n"
            f"Contact: <sip:alice@{APP}:5070;transport=tcp>\r\n"
            "Content-Type: application/csta+xml\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n").encode() + BODY


POOL = 2500


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    makers = {"ok": (ok,), "info": (info,), "both": (ok, info)}[which]
    framer = StreamFramer()
    warm = [make(10**6 + i) for i in range(200) for make in makers]
    # the same pool whatever n, so that making it cancels out of I(N) - I(M)
    reads = [make(i) for i in range(max(n, POOL)) for make in makers][:n * len(makers)]
    for data in warm:
        framer.feed(data)
    feed = framer.feed
    t0 = time.perf_counter()
    for data in reads:
        (message,) = feed(data)
        if isinstance(message, Exception):
            raise SystemExit(f"parse failed: {message}")
    spent = time.perf_counter() - t0
    print(f"{n} rounds of {which}: {spent / n * 1e6:.2f} µs a round")


main()
