"""Where one SIP message ends: by Content-Length on a stream (TCP, later TLS), by the
datagram on UDP (RFC 3261 §18.3).

Limits are checked before anything is buffered past them, so a peer can make us hold at
most :data:`MAX_HEADER_SECTION` octets while we look for the end of a header section and
:data:`MAX_BODY` octets of body:

- uaCSTA messages are small: an INVITE with RequestSystemStatus and its headers is under
  2 KiB, the largest CSTA body we send or expect (GetCSTAFeaturesResponse, a snapshot) a
  few KiB. 64 KiB of body is an order of magnitude of headroom and the most a UDP
  datagram could carry anyway; 16 KiB of headers takes RFC 4475 longreq (3.5 KiB) and
  any real Via/Record-Route stack. A message is thus at most 80 KiB.
- Over TCP, exceeding a limit, a missing, negative, malformed or repeated Content-Length
  all lose framing: :class:`FramingError` carries the 400/413 to send, and the caller
  closes that connection after sending it (RFC 4475 INDEX: "a framing error closes the
  connection after the error response").
- A message whose framing is intact but whose content is bad is reported in-line (as a
  :class:`~sip.parser.SIPParseError` among the messages) and the connection goes on.
"""
from __future__ import annotations

from sip.message import Request, Response
from sip.parser import SIPParseError, build_message, content_length, head_end, parse_head
from sip.parser import parse_message

MAX_HEADER_SECTION = 16 * 1024
"""Octets from the start line to the blank line, exclusive."""
MAX_BODY = 64 * 1024
"""Octets of body (Content-Length)."""
MAX_MESSAGE = MAX_HEADER_SECTION + 4 + MAX_BODY
"""The most one message can occupy, blank line included (80 KiB + 4)."""

Event = Request | Response | SIPParseError
"""What :meth:`StreamFramer.feed` yields: a message, or the error a well-framed but
malformed message earned (answer it per :func:`sip.response.error_response`)."""


_CRLF = b"\r\n"  # the octets skipped before a start line (data[i] is an int: 13 or 10)


class FramingError(SIPParseError):
    """The stream can no longer be split into messages: answer (``status``, ``reason``,
    salvaged ``headers`` as for any SIPParseError), then close the connection.

    ``messages`` holds what was complete before the failure in the same feed call.
    """

    def __init__(self, error: SIPParseError, messages: list[Event] | None = None):
        super().__init__(error.status, error.reason, kind=error.kind, method=error.method,
                         headers=error.headers, start_line=error.start_line)
        self.messages = messages or []


class StreamFramer:
    """Splits one connection's incoming byte stream into messages (sans-I/O).

    Feed bytes as they arrive, split or coalesced in any way. CRLFs between messages
    (RFC 5626 keepalives, §7.5 "ignore any CRLF before the start-line") are skipped.
    """

    def __init__(self, max_header: int = MAX_HEADER_SECTION, max_body: int = MAX_BODY):
        self.max_header = max_header
        self.max_body = max_body
        self._buffer = bytearray()
        self._scanned = 0  # how far the search for the blank line has got
        self._pending = None  # (Head, content length) while waiting for a body
        self._failure: SIPParseError | None = None

    @property
    def buffered(self) -> int:
        """Octets held (a partial header section, or a body not yet complete)."""
        return len(self._buffer)

    @property
    def awaiting(self) -> int | None:
        """Body octets still to come for a message whose header section is in, else None."""
        if self._pending is None:
            return None
        return max(0, self._pending[1] - len(self._buffer))

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def feed(self, data: bytes) -> list[Event]:
        if self._failure is not None:
            raise FramingError(self._failure)
        out: list[Event] = []
        start = 0
        if not self._buffer and self._pending is None and data.__class__ is bytes:
            start = self._whole(data, out)  # (a bytearray would make bytearray bodies)
            if start == len(data):
                return out
        self._buffer += memoryview(data)[start:] if start else data
        return self._drain(out)

    def _whole(self, data: bytes, out: list[Event]) -> int:
        """The fast path, with nothing buffered: the messages that ``data`` holds whole
        (the usual read: one message, or a few), read from ``data`` itself without going
        through the buffer. Returns where it stopped: at the end, or where something the
        general path handles begins (CR/LF between messages, a message not complete in
        this read, any framing error), which :meth:`_drain` then takes from there with
        the same outcome as for the whole read."""
        start, end_of_data = 0, len(data)
        max_header, max_body = self.max_header, self.max_body
        while start < end_of_data and data[start] not in _CRLF:
            blank = data.find(b"\r\n\r\n", start)
            if blank < 0 or blank - start > max_header:
                break
            head = parse_head(data[start:blank])
            if head.bare_lf:
                break  # an earlier LF LF / LF CR LF may end it: head_end's (the general path)
            # without a bare LF in the section, CRLFCRLF is where head_end finds the end
            # (test_receive_fast), and the section as parsed is the one to take
            body_start = blank + 4
            try:
                length = content_length(head)
            except SIPParseError:
                break
            if length is None or length > max_body:
                break
            stop = body_start + length
            if stop > end_of_data:
                break
            try:
                out.append(build_message(head, data[body_start:stop], length_checked=True))
            except SIPParseError as exc:
                out.append(exc)
            start = stop
        return start

    def _drain(self, out: list[Event]) -> list[Event]:
        """The general path: the messages complete in the buffer, appended to ``out``."""
        buffer = self._buffer
        while True:
            if self._pending is None:
                skip = len(buffer) - len(buffer.lstrip(b"\r\n"))
                if skip:
                    del buffer[:skip]
                    self._scanned = 0
                if not buffer:
                    break
                match = head_end(buffer, max(0, self._scanned - 3))
                if match is None:
                    if len(buffer) > self.max_header:
                        self._fail(parse_head(bytes(buffer[:self.max_header])).error(
                            400, f"Header section exceeds {self.max_header} octets"), out)
                    self._scanned = len(buffer)
                    break
                head = parse_head(bytes(buffer[:match[0]]))
                if match[0] > self.max_header:
                    self._fail(head.error(
                        400, f"Header section exceeds {self.max_header} octets"), out)
                try:
                    length = content_length(head)
                except SIPParseError as exc:
                    self._fail(exc, out)
                if length is None:
                    self._fail(head.error(
                        400, "Missing Content-Length (required on stream transports)"), out)
                if length > self.max_body:
                    self._fail(head.error(
                        413, f"Request Entity Too Large: body exceeds {self.max_body} octets"),
                        out)
                del buffer[:match[1]]
                self._scanned = 0
                self._pending = (head, length)
            head, length = self._pending
            if len(buffer) < length:
                break
            body = bytes(buffer[:length])
            del buffer[:length]
            self._pending = None
            try:
                out.append(build_message(head, body, length_checked=True))
            except SIPParseError as exc:
                out.append(exc)
        return out

    def _fail(self, error: SIPParseError, out: list[Event]):
        self._failure = error
        self._buffer.clear()
        self._pending = None
        raise FramingError(error, out)


def parse_datagram(data: bytes) -> Request | Response | None:
    """One UDP datagram: the message, or None for a keepalive (only CR/LF octets).

    The listener reads every datagram whole (sip.transport.UDP_READ_SIZE, 65,535 octets:
    all UDP can carry), so anything up to :data:`MAX_MESSAGE` arrives here uncut.

    Octets after Content-Length are ignored (RFC 4475 dblreq); Content-Length beyond the
    datagram is 400 (clerr); without Content-Length the body is the rest (§18.3).
    Raises :class:`SIPParseError`.
    """
    if not data.strip(b"\r\n"):
        return None
    if len(data) > MAX_MESSAGE:
        raise parse_head(data[:MAX_HEADER_SECTION]).error(
            413, f"Message Too Large: over {MAX_MESSAGE} octets")
    return parse_message(data, max_header=MAX_HEADER_SECTION, max_body=MAX_BODY)
