"""A uaCSTA client over TCP: what an Office Communicator does, for tests and people.

`CSTAClient.open(line)` sends the INVITE with RequestSystemStatus and ACKs the 200 OK;
`request(xml)` sends one INFO and fires with the CSTA body of its 200 OK; events the
server sends (INFO) are answered 200 and handed to `on_event(body)`; `close()` sends BYE.
One dialog per client, requests one at a time (as MOC does), over one TCP connection.
"""
from __future__ import annotations

import itertools
import uuid

from twisted.internet import defer, protocol

from sip.framing import FramingError, StreamFramer
from sip.message import Request, Response
from sip.parser import SIPParseError
from sip.uri import parse_uri

ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
CSTA_XML = "application/csta+xml"


class SIPError(Exception):
    """The server answered with a SIP error status."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"{response.status} {response.reason}")
        self.response = response


def csta(xml: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>{xml}'.encode()


class CSTAClient(protocol.Protocol):
    def __init__(self, user: str = "cme-csta", on_event=None) -> None:
        self.user = user
        self.on_event = on_event or (lambda body: None)
        self.framer = StreamFramer()
        self.call_id = f"{uuid.uuid4().hex}@cme-csta"
        self.tag = uuid.uuid4().hex[:10]
        self.cseq = itertools.count(1)
        self.remote_tag: str | None = None
        self.line = ""
        self.waiting: dict[tuple[int, str], defer.Deferred] = {}
        self.closed = defer.Deferred()

    # -- Twisted ------------------------------------------------------------------------
    def dataReceived(self, data: bytes) -> None:
        try:
            messages = self.framer.feed(data)
        except FramingError as e:
            messages = e.messages
            self.transport.loseConnection()
        for message in messages:
            if isinstance(message, SIPParseError):
                continue
            if isinstance(message, Response):
                cseq = message.cseq
                d = self.waiting.pop((cseq.number, cseq.method), None) if cseq else None
                if d is not None and message.status >= 200:
                    d.callback(message)
                elif d is not None:
                    self.waiting[(cseq.number, cseq.method)] = d  # provisional: keep waiting
            elif isinstance(message, Request):
                self._server_request(message)

    def connectionLost(self, reason=protocol.connectionDone) -> None:
        for d in self.waiting.values():
            d.errback(ConnectionError("connection to the server lost"))
        self.waiting.clear()
        if not self.closed.called:
            self.closed.callback(None)

    def _server_request(self, request: Request) -> None:
        if request.method in ("INFO", "BYE"):
            self.transport.write(request.response(200).encode())
            if request.method == "INFO" and request.body:
                self.on_event(request.body)
            elif request.method == "BYE":
                self.transport.loseConnection()
        elif request.method != "ACK":
            self.transport.write(request.response(501).encode())

    # -- building requests ----------------------------------------------------------------
    def _request(self, method: str, cseq: int, body: bytes = b"", extra=()) -> Request:
        host = self.transport.getHost()
        peer = self.transport.getPeer()
        headers = [
            ("Via", f"SIP/2.0/TCP {host.host}:{host.port};branch=z9hG4bK{uuid.uuid4().hex[:16]}"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:{self.user}@{host.host}>;tag={self.tag}"),
            ("To", f"<sip:{self.line}@{peer.host}>" + (f";tag={self.remote_tag}" if self.remote_tag else "")),
            ("Call-ID", self.call_id),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:{self.user}@{host.host}:{host.port};transport=tcp>"),
            *extra,
        ]
        if body:
            headers.append(("Content-Type", CSTA_XML))
        return Request(method, parse_uri(f"sip:{self.line}@{peer.host}:{peer.port}"), headers, body)

    def _send(self, method: str, body: bytes = b"", extra=()) -> defer.Deferred:
        cseq = next(self.cseq)
        request = self._request(method, cseq, body, extra)
        d = defer.Deferred()
        if method != "ACK":
            self.waiting[(cseq, method)] = d
        self.transport.write(request.encode())
        return d

    # -- the session --------------------------------------------------------------------------
    @defer.inlineCallbacks
    def open(self, line: str):
        """INVITE with RequestSystemStatus; fires with the System Status body."""
        self.line = line
        cseq = next(self.cseq)
        invite = self._request("INVITE", cseq, csta(f'<RequestSystemStatus xmlns="{ED3}"/>'),
                               [("Supported", "timer"), ("Session-Expires", "1800;refresher=uac"),
                                ("Content-Disposition", "signal;handling=required")])
        d = self.waiting[(cseq, "INVITE")] = defer.Deferred()
        self.transport.write(invite.encode())
        response = yield d
        if response.status != 200:
            raise SIPError(response)
        self.remote_tag = response.to_tag
        ack = self._request("ACK", cseq)
        self.transport.write(ack.encode())
        return response.body

    @defer.inlineCallbacks
    def request(self, xml: bytes):
        """One CSTA request in an INFO; fires with the response body (a CSTAErrorCode too)."""
        response = yield self._send("INFO", xml)
        if response.status != 200:
            raise SIPError(response)
        return response.body

    @defer.inlineCallbacks
    def close(self):
        response = yield self._send("BYE")
        self.transport.loseConnection()
        return response.status


def connect(reactor, host: str, port: int, **kwargs) -> defer.Deferred:
    from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

    return connectProtocol(TCP4ClientEndpoint(reactor, host, port, timeout=10), CSTAClient(**kwargs))
