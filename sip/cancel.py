"""CANCEL (RFC 3261 §9.1): how a trunk stops an INVITE it placed that is still ringing.

A CANCEL is a request of its own (a non-INVITE client transaction) that names the
INVITE by copying what identifies it: the top Via (so the same branch: the far end's
§9.2 match), Request-URI, Call-ID, From, To (without the tag the responses added) and
the CSeq number, with method CANCEL, and the INVITE's Route headers so it takes the
INVITE's path. When to send it (only once a provisional has come) is the core's rule
(:meth:`sip.core.UASCore.cancel`); sans-I/O here.
"""
from __future__ import annotations

from sip.message import Headers, Request


def cancel_request(invite: Request) -> Request:
    """The CANCEL of ``invite`` (a request we sent). Raises ValueError for anything but
    an INVITE: only INVITEs are cancelled (§9: other requests complete at once)."""
    if invite.method != "INVITE":
        raise ValueError(f"a {invite.method} is not cancelled (§9.1)")
    out = Headers()
    out.add("Via", invite.headers.values("Via")[0])
    out.add("Max-Forwards", invite.headers.get("Max-Forwards", "70"))
    for route in invite.headers.get_all("Route"):
        out.add("Route", route)
    out.add("From", invite.headers.get("From"))
    out.add("To", invite.headers.get("To"))
    out.add("Call-ID", invite.headers.get("Call-ID"))
    out.add("CSeq", f"{invite.cseq.number} CANCEL")
    return Request("CANCEL", invite.uri, out)
