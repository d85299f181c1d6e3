"""Building responses (RFC 3261 §8.2.6): to a parsed request, and to a request that
failed to parse (from the header lines :class:`~sip.parser.SIPParseError` kept).
"""
from __future__ import annotations

from typing import Iterable

from sip.address import parse_address
from sip.entropy import token_hex
from sip.message import Headers, Request, Response
from sip.parser import SIPParseError

REASONS = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 200: "OK", 202: "Accepted", 300: "Multiple Choices",
    301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy",
    380: "Alternative Service", 400: "Bad Request", 401: "Unauthorized",
    402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone",
    413: "Request Entity Too Large", 414: "Request-URI Too Long",
    415: "Unsupported Media Type", 416: "Unsupported URI Scheme", 420: "Bad Extension",
    421: "Extension Required", 422: "Session Interval Too Small",
    423: "Interval Too Brief", 480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist", 482: "Loop Detected", 483: "Too Many Hops",
    484: "Address Incomplete", 485: "Ambiguous", 486: "Busy Here",
    487: "Request Terminated", 488: "Not Acceptable Here", 491: "Request Pending",
    493: "Undecipherable", 500: "Server Internal Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Server Time-out",
    505: "Version Not Supported", 513: "Message Too Large", 600: "Busy Everywhere",
    603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable",
}


def new_tag() -> str:
    """A To/From tag with the 32 bits of randomness §19.3 asks for (and then some)."""
    return token_hex(6)


def _with_tag(to_value: str, tag: str) -> str:
    # appended to the text as received, so the To stays byte-identical but for the tag
    return f"{to_value.rstrip()};tag={tag}"


def make_response(request: Request, status: int, reason: str | None = None, *,
                  to_tag: str | None = None, headers: Iterable[tuple[str, str]] = (),
                  body: bytes = b"", content_type: str | None = None) -> Response:
    """A response to ``request``: Via (every one, in order), From, To, Call-ID and CSeq
    copied as received (§8.2.6.2), a To tag added unless the request had one or this
    is a 100 (``to_tag`` or a fresh one), Timestamp copied into a 100 (§8.2.6.1), then
    ``headers``. Record-Route is the dialog layer's to copy (§12.1.1), not done here.
    """
    return _respond(request.headers, status, reason, to_tag=to_tag, extra=headers,
                    body=body, content_type=content_type, has_to_tag=bool(request.to_tag))


def error_response(error: SIPParseError, *, to_tag: str | None = None,
                   headers: Iterable[tuple[str, str]] = ()) -> Response | None:
    """The answer to a request that failed to parse, or None when there must be none:
    a response (discarded), an ACK (never answered), or no Via to send it along."""
    if not error.is_request or error.method == "ACK" or "Via" not in error.headers:
        return None
    to_value = error.headers.get("To")
    has_tag = False
    if to_value is not None:
        try:
            has_tag = parse_address(to_value).tag is not None
        except ValueError:
            has_tag = True  # an unparseable To is copied as it is, not extended
    return _respond(error.headers, error.status, error.reason, to_tag=to_tag,
                    extra=headers, body=b"", content_type=None, has_to_tag=has_tag)


def _respond(source: Headers, status: int, reason: str | None, *, to_tag: str | None,
             extra: Iterable[tuple[str, str]], body: bytes, content_type: str | None,
             has_to_tag: bool) -> Response:
    # the fields in order, then one Headers built from them (not one add per field)
    fields = [("Via", value) for value in source.get_all("Via")]
    for name in ("From", "To", "Call-ID", "CSeq"):
        value = source.get(name)
        if value is None:
            continue
        if name == "To" and status != 100 and not has_to_tag:
            value = _with_tag(value, to_tag or new_tag())
        fields.append((name, value))
    if status == 100 and "Timestamp" in source:
        fields.append(("Timestamp", source.get("Timestamp")))
    fields.extend(extra)
    out = Headers(fields)
    if content_type is not None:
        out.set("Content-Type", content_type)
    return Response(status, REASONS.get(status, "") if reason is None else reason,
                    out, body)
