"""A small uaCSTA client for the CTI share of a load test: one session on one line.

What an Office Communicator sends (sip/client.py is the Twisted original; this one is on a
plain socket and a reader thread, greenlets under Locust): INVITE with
RequestSystemStatus, ACK, INFO MonitorStart on the line, INFO MakeCall, every INFO event
from the server answered 200 and kept with its arrival time, INFO MonitorStop, BYE.
Framing and parsing are the sans-I/O sip.framing and sip.message; XML is parsed by
sip.csta.xml's safe parser.

Failures are :class:`~load.link.StepFailed` with the cause Locust counts: ``refused``,
``timeout``, ``lost session`` (the server closed), ``sip <status>`` (a SIP error),
``garbage`` (a response that is not CSTA), ``csta <errorValue>`` (a CSTAErrorCode).
"""
from __future__ import annotations

import itertools
import socket
import threading
import time
import uuid

from load.link import StepFailed
from sip.csta.xml import ED3, child, local, parse_xml, text
from sip.csta.errors import CSTAParseError
from sip.framing import FramingError, StreamFramer
from sip.message import Request, Response
from sip.uri import parse_uri

CSTA_XML = "application/csta+xml"
READ_SIZE = 65536


def body(xml: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>{xml}'.encode()


def csta_error(root) -> str | None:
    """The errorValue of a CSTAErrorCode (``invalidDeviceID``), None for any other root."""
    if local(root) != "CSTAErrorCode":
        return None
    for category in root:
        if isinstance(category.tag, str):
            return text(category) or local(category)
    return "unspecified"


class CSTASession:
    """One uaCSTA dialog over one TCP connection; requests one at a time."""

    def __init__(self, host: str, port: int, line: str, *, timeout: float = 10.0,
                 user: str = "cme-load"):
        self.host, self.port, self.line = host, port, line
        self.timeout = timeout
        self.user = user
        self.framer = StreamFramer()
        self.call_id = f"{uuid.uuid4().hex}@cme-load"
        self.tag = uuid.uuid4().hex[:10]
        self.remote_tag: str | None = None
        self.cseq = itertools.count(1)
        self.sock: socket.socket | None = None
        self.local = ("127.0.0.1", 0)
        self.lost = False
        self.events: list[tuple[float, str]] = []  # (arrival, event name), in order
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._responses: dict[int, Response] = {}

    # -- connection ------------------------------------------------------------------------

    def connect(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except socket.timeout:
            raise StepFailed("timeout") from None
        except OSError:
            raise StepFailed("refused") from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.local = sock.getsockname()[:2]
        threading.Thread(target=self._read, name=f"csta-{self.line}", daemon=True).start()

    def close(self) -> None:
        """BYE (if the session is up), then close the connection."""
        if self.sock is None:
            return
        if not self.lost and self.remote_tag is not None:
            try:
                self._transaction("BYE", timeout=min(self.timeout, 2.0))
            except StepFailed:
                pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _read(self) -> None:
        sock = self.sock
        while True:
            try:
                data = sock.recv(READ_SIZE)
            except OSError:
                data = b""
            if not data:
                break
            try:
                messages, failed = self.framer.feed(data), False
            except FramingError as exc:
                messages, failed = exc.messages, True
            for message in messages:
                if isinstance(message, Response):
                    self._response(message)
                elif isinstance(message, Request):
                    self._server_request(message)
            if failed:
                break
        with self._changed:
            self.lost = True
            self._changed.notify_all()

    def _response(self, response: Response) -> None:
        cseq = response.cseq
        if cseq is None or response.status < 200:
            return
        with self._changed:
            self._responses[cseq.number] = response
            self._changed.notify_all()

    def _server_request(self, request: Request) -> None:
        arrived = time.monotonic()
        if request.method == "ACK":
            return
        self._write(request.response(200 if request.method in ("INFO", "BYE") else 501).encode())
        if request.method == "INFO" and request.body:
            try:
                name = local(parse_xml(request.body))
            except CSTAParseError:
                name = "garbage"
            with self._changed:
                self.events.append((arrived, name))
                self._changed.notify_all()
        elif request.method == "BYE":
            with self._changed:
                self.lost = True
                self._changed.notify_all()

    def _write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            with self._changed:
                self.lost = True
                self._changed.notify_all()

    # -- requests --------------------------------------------------------------------------

    def _request(self, method: str, cseq: int, payload: bytes = b"", extra=()) -> Request:
        host, port = self.local
        to_tag = f";tag={self.remote_tag}" if self.remote_tag else ""
        headers = [
            ("Via", f"SIP/2.0/TCP {host}:{port};branch=z9hG4bK{uuid.uuid4().hex[:16]}"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:{self.user}@{host}>;tag={self.tag}"),
            ("To", f"<sip:{self.line}@{self.host}>{to_tag}"),
            ("Call-ID", self.call_id),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:{self.user}@{host}:{port};transport=tcp>"),
            *extra,
        ]
        if payload:
            headers.append(("Content-Type", CSTA_XML))
        return Request(method, parse_uri(f"sip:{self.line}@{self.host}:{self.port}"), headers, payload)

    def _transaction(self, method: str, payload: bytes = b"", extra=(), timeout=None):
        """Send a request; (final response, monotonic time it came)."""
        cseq = next(self.cseq)
        sent = self._request(method, cseq, payload, extra).encode()
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self._write(sent)
        response = self._until(lambda: self._responses.pop(cseq, None), deadline)
        return response, time.monotonic(), cseq

    def open(self) -> None:
        """Connect, INVITE with RequestSystemStatus, ACK the 200."""
        self.connect()
        response, _, cseq = self._transaction(
            "INVITE", body(f'<RequestSystemStatus xmlns="{ED3}"/>'),
            [("Supported", "timer"), ("Session-Expires", "1800;refresher=uac"),
             ("Content-Disposition", "signal;handling=required")])
        if response.status != 200:
            raise StepFailed(f"sip {response.status}")
        self.remote_tag = response.to_tag
        self._write(self._request("ACK", cseq).encode())

    def request(self, xml: str):
        """One CSTA request in an INFO: (response root element, monotonic time it came);
        StepFailed for a SIP error, a body that is not XML, or a CSTAErrorCode."""
        response, at, _ = self._transaction("INFO", body(xml))
        if response.status != 200:
            raise StepFailed(f"sip {response.status}")
        try:
            root = parse_xml(response.body)
        except CSTAParseError:
            raise StepFailed("garbage") from None
        error = csta_error(root)
        if error is not None:
            raise StepFailed(f"csta {error}")
        return root, at

    def monitor_start(self) -> str:
        root, _ = self.request(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>'
                               f'{self.line}</deviceObject></monitorObject></MonitorStart>')
        return text(child(root, "monitorCrossRefID")) or ""

    def monitor_stop(self, xref: str) -> None:
        self.request(f'<MonitorStop xmlns="{ED3}"><monitorCrossRefID>{xref}'
                     '</monitorCrossRefID></MonitorStop>')

    def make_call(self, called: str) -> float:
        """MakeCall from this line to ``called``, the phone going off-hook by itself
        (doNotPrompt); the monotonic time the response came."""
        _, at = self.request(f'<MakeCall xmlns="{ED3}"><callingDevice>{self.line}</callingDevice>'
                             f'<calledDirectoryNumber>{called}</calledDirectoryNumber>'
                             '<autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
        return at

    def wait_event(self, name: str, timeout: float | None = None) -> float:
        """The arrival time of the first event called ``name``."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        return self._until(lambda: next((at for at, event in self.events if event == name), None), deadline)

    def _until(self, found, deadline: float):
        """What ``found()`` gives once it is not None (looked at on every change), or the
        step fails: ``lost session`` or ``timeout`` at ``deadline`` (monotonic)."""
        with self._changed:
            while True:
                value = found()
                if value is not None:
                    return value
                if self.lost:
                    raise StepFailed("lost session")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StepFailed("timeout")
                self._changed.wait(left)

