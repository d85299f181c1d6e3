"""RFC 4028 session timers, the UAS side: arithmetic only, no clock.

The CTI server is always the UAS: the application's INVITE (and each refreshing
re-INVITE) proposes an interval, :func:`negotiate` answers it with either a
:class:`SessionTimer` (what to put in the 2xx, who refreshes, when to give up) or a
:class:`TooSmall` (the 422 to send). Choices:

- No Session-Expires in the request: the interval is ``DEFAULT_INTERVAL`` (1800 s, the
  30 minutes cme.md gives CME), or the request's Min-SE if that is larger.
- Our Min-SE is ``MIN_SE`` (90 s, the smallest RFC 4028 §5 allows). A Session-Expires below
  max(our Min-SE, the request's Min-SE) gets 422 with that Min-SE, but only when the
  request says ``Supported: timer`` (a UAC that does not know 422 could not recover, §9);
  otherwise the interval is raised to the minimum instead.
- Intervals above ``MAX_INTERVAL`` (1 day) are lowered to it (a UAS may shorten, §9), so a
  silent application cannot hold a session for 136 years.
- Refresher: the request's ``refresher`` parameter is kept; absent, the application (uac)
  refreshes when it supports the timer — the server never has to send refreshes then.
  An application without timer support gets no Session-Expires in the 2xx at all, but
  the interval still applies locally: it must re-INVITE within it or the session ends.
- Expiry (§10): the side that does not refresh ends the session (BYE) when no refresh came
  ``interval - min(32, interval / 3)`` seconds after the last one; the refresher
  refreshes at ``interval / 2``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sip.grammar import GrammarError
from sip.message import Request, Response
from sip.response import make_response

DEFAULT_INTERVAL = 1800
MIN_SE = 90
MAX_INTERVAL = 86400


def supports_timer(request: Request) -> bool:
    tags = [t.lower() for t in request.option_tags("Supported") + request.option_tags("Require")]
    return "timer" in tags


@dataclass(frozen=True, slots=True)
class SessionTimer:
    """The agreed session interval of a dialog, from the UAS's point of view."""

    interval: int
    refresher: str          # "uac" (the application) or "uas" (this server)
    min_se: int             # the Min-SE in force (ours or the request's, the larger)
    negotiated: bool        # the request supports the timer: 2xx carries the headers

    @property
    def we_refresh(self) -> bool:
        return self.refresher == "uas"

    @property
    def refresh_after(self) -> float | None:
        """Seconds after which this server sends a refresh; None when the peer refreshes."""
        return self.interval / 2 if self.we_refresh else None

    @property
    def expire_after(self) -> float:
        """Seconds without a refresh after which this server ends the session (§10)."""
        return self.interval - min(32, self.interval / 3)

    def response_headers(self) -> list[tuple[str, str]]:
        """Headers of the 2xx to the (re-)INVITE (RFC 4028 §9): Supported is the
        dialog's; Require: timer only when the refresher was chosen under the timer."""
        if not self.negotiated:
            return []
        return [("Session-Expires", f"{self.interval};refresher={self.refresher}"),
                ("Require", "timer")]


@dataclass(frozen=True, slots=True)
class TooSmall:
    """The request's Session-Expires is below the Min-SE: answer 422 (RFC 4028 §6)."""

    min_se: int

    def response(self, request: Request) -> Response:
        return make_response(request, 422, headers=[("Min-SE", str(self.min_se))])


def negotiate(request: Request, *, default: int = DEFAULT_INTERVAL, min_se: int = MIN_SE,
              maximum: int = MAX_INTERVAL) -> SessionTimer | TooSmall:
    """The session interval for an INVITE or re-INVITE. Raises GrammarError on a
    malformed Session-Expires/Min-SE (the parser has normally refused those already)
    or a refresher other than uac/uas."""
    supported = supports_timer(request)
    requested = request.session_expires
    floor = max(min_se, request.min_se or 0)
    if requested is None:
        interval, refresher = max(default, floor), None
    else:
        interval, refresher = requested.delta, requested.refresher
        if refresher not in (None, "uac", "uas"):
            raise GrammarError(f"refresher must be uac or uas, not {refresher!r}")
        if interval < floor:
            if supported:
                return TooSmall(floor)
            interval = floor
    interval = min(interval, max(maximum, floor))
    if not supported:
        refresher = "uac"  # not negotiated: the application is expected to re-INVITE
    return SessionTimer(interval, refresher or "uac", floor, supported)
