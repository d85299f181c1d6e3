"""A uaCSTA application over a memory transport, for the socket-free benchmarks
(csta_cycle_core.py, event_info.py): its requests written as text, the server's
messages split by Content-Length and every INFO answered 200 with Via, From, To, Call-ID
and CSeq copied, as an application answers it. Regular expressions, no SIP stack, so it
costs the same whichever tree's server runs; the server's modules are imported by the
caller, after it has put that tree on sys.path."""
from __future__ import annotations

import re

ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
XML = '<?xml version="1.0" encoding="UTF-8"?>'
COPIED = re.compile(rb"^(?:Via|From|To|Call-ID|CSeq|[vftic]):[^\r\n]*\r\n", re.MULTILINE | re.IGNORECASE)
LENGTH = re.compile(rb"^(?:Content-Length|l):[ \t]*([0-9]+)\r\n", re.MULTILINE | re.IGNORECASE)
ROOT_TAG = re.compile(rb"<([A-Za-z]+)[ >]")
TO_TAG = re.compile(rb"^To:.*;tag=([^;\r\n]+)", re.MULTILINE)


class App:
    """One application's side of a session on line `number`: ``transport`` and ``proto``
    are a StringTransport and the server's SIPStreamProtocol on it (see :meth:`connect`)."""

    def __init__(self, number: str, host: str, transport, proto) -> None:
        self.number, self.host = number, host
        self.transport, self.proto = transport, proto
        self.cseq = 0
        self.tag = ""
        self.events: list[str] = []  # root elements of the INFOs the server sent
        self.answers: list[bytes] = []  # bodies of the 200s to our requests

    def request(self, method: str, body: bytes = b"") -> None:
        self.cseq += 1
        head = (f"{method} sip:{self.number}@127.0.0.1:5060 SIP/2.0\r\n"
                f"Via: SIP/2.0/TCP {self.host}:5070;branch=z9hG4bK{method.lower()}{self.cseq}\r\n"
                f"Max-Forwards: 70\r\nFrom: <sip:app@{self.host}>;tag=app{self.number}\r\n"
                f"To: <sip:{self.number}@127.0.0.1>{';tag=' + self.tag if self.tag else ''}\r\n"
                f"Call-ID: cti-{self.number}@{self.host}\r\nCSeq: {self.cseq} {method}\r\n"
                f"Contact: <sip:app@{self.host}:5070;transport=tcp>\r\n"
                + ("Content-Type: application/csta+xml\r\n" if body else "")
                + f"Content-Length: {len(body)}\r\n\r\n")
        self.proto.dataReceived(head.encode() + body)

    def read(self) -> bytes | None:
        """What the server wrote, taken in: None when nothing; else the 200s to its INFOs
        (b"" when it sent only responses)."""
        if not self.transport.io.tell():  # nothing written (cheaper than value())
            return None
        data = self.transport.value()
        self.transport.clear()
        replies = []
        while data:
            end = data.index(b"\r\n\r\n") + 4
            head = data[:end]
            length = int(LENGTH.search(head).group(1))
            body, data = data[end:end + length], data[end + length:]
            if head.startswith(b"SIP/2.0 "):
                if not self.tag:
                    self.tag = TO_TAG.search(head).group(1).decode()
                self.answers.append(body)
                continue
            self.events.append(ROOT_TAG.search(body).group(1).decode())
            replies.append(b"SIP/2.0 200 OK\r\n" + b"".join(m.group(0) for m in COPIED.finditer(head))
                           + b"Content-Length: 0\r\n\r\n")
        return b"".join(replies)

    def answer(self, replies: bytes) -> None:
        if replies:
            self.proto.dataReceived(replies)  # the application answers what it read at once

    @classmethod
    def connect(cls, core, number: str, host: str) -> "App":
        """An application at `host` with its session on line `number`, on a fresh
        SIPStreamProtocol of the SIP core `core` over a StringTransport (imported here:
        the caller has chosen the tree)."""
        from twisted.internet.address import IPv4Address
        from twisted.internet.testing import StringTransport

        from sip.transport import SIPStreamProtocol

        transport = StringTransport(peerAddress=IPv4Address("TCP", host, 5070))
        proto = SIPStreamProtocol(core, "TCP")
        proto.makeConnection(transport)
        return cls(number, host, transport, proto)

    def pump(self) -> bool:
        replies = self.read()
        if replies is None:
            return False
        self.answer(replies)
        return True
