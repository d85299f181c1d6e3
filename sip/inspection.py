"""The UAS's first look at a well-formed request (RFC 3261 §8.2.1-§8.2.3): can it be
processed at all? Method (405/501), Request-URI scheme (416), Require (420), body type
(415) and Accept (406); for a UA that relays calls onward (a trunk, B2BUA-style),
Max-Forwards (483) and loops (482). What the request then *means* is the dialog and CTI
layers' job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sip.grammar import GrammarError
from sip.message import Request, Response

KNOWN_METHODS = frozenset({
    "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "PRACK", "UPDATE",
    "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH",
})
"""Methods we recognise: one of these we do not allow gets 405 with Allow, anything
else 501 (§21.5.2). Methods are case-sensitive and never %-decoded (RFC 4475 esc02)."""


@dataclass(frozen=True)
class UASPolicy:
    """What this UAS handles. Defaults fit the uaCSTA CTI server."""

    methods: frozenset = frozenset({"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO",
                                    "REGISTER"})
    uri_schemes: frozenset = frozenset({"sip", "sips"})
    extensions: frozenset = frozenset({"timer"})
    body_types: frozenset = frozenset({"application/csta+xml"})
    """Content types accepted in requests (415 otherwise)."""
    response_types: frozenset = frozenset({"application/csta+xml"})
    """Content types our responses may carry (406 when Accept allows none of them)."""
    body_methods: frozenset = frozenset({"INVITE", "INFO"})
    """Methods whose success response carries a body, so Accept matters (§8.2.3)."""
    relays: bool = False
    """This UA places a call onward for a request it takes (a trunk between a gateway
    and the phones): one with Max-Forwards 0 may go no further, so it gets 483 Too Many
    Hops (§16.3 step 2, which a B2BUA keeps by relaying Max-Forwards less one); OPTIONS
    is still answered here. A plain UAS (the CTI server) is the request's last hop and
    takes Max-Forwards 0."""
    sent_by: frozenset = frozenset()
    """Our Via sent-by values, lower case (``"192.0.2.1:5060"``): an INVITE carrying one
    with the branch of an INVITE we are sending came back to us, 482 Loop Detected
    (§8.2.2.2, §16.3 step 4). Empty: no loop check."""


def _media_types(values: list[str]) -> list[str]:
    return [v.split(";", 1)[0].strip().lower() for v in values if v.strip()]


def _accepts(pattern: str, media_type: str) -> bool:
    if pattern in ("*/*", media_type):
        return True
    return pattern.endswith("/*") and media_type.split("/")[0] == pattern[:-2]


LISTS_READ_LATER = ("Accept", "Supported")
"""Comma-list headers the parser leaves unchecked (they shape no routing) but that are
read after it: Accept here, Supported by sip.session_timer. inspect_request splits them
first, so one that turns out bad (an unterminated quote or ``<``) is answered 400 naming
it instead of raising in a later layer."""


def _unreadable(request: Request, to_tag: str | None) -> Response | None:
    for name in LISTS_READ_LATER:
        try:
            request.headers.values(name)
        except GrammarError as exc:
            return request.response(400, f"Bad {name}: {exc}", to_tag=to_tag)
    return None


def inspect_request(request: Request, policy: UASPolicy = UASPolicy(), *,
                    to_tag: str | None = None) -> Response | None:
    """The rejection this request earns before any processing, or None to go on.

    An ACK is never rejected (there is no response to an ACK)."""
    if request.method == "ACK":
        return None
    bad = _unreadable(request, to_tag)
    if bad is not None:
        return bad
    if request.method not in policy.methods:
        if request.method in KNOWN_METHODS:
            return request.response(405, to_tag=to_tag,
                                    headers=[("Allow", ", ".join(sorted(policy.methods)))])
        return request.response(501, to_tag=to_tag)
    if request.uri.scheme not in policy.uri_schemes:
        return request.response(416, to_tag=to_tag)
    if policy.relays and request.max_forwards == 0 and request.method != "OPTIONS":
        return request.response(483, to_tag=to_tag)
    if request.method != "CANCEL":  # §9.2: CANCEL's Require is not inspected
        unsupported = [tag for tag in request.option_tags("Require")
                       if tag.lower() not in policy.extensions]
        if unsupported:
            return request.response(420, to_tag=to_tag,
                                    headers=[("Unsupported", ", ".join(unsupported))])
    if request.body and request.content_type not in policy.body_types:
        return request.response(415, to_tag=to_tag,
                                headers=[("Accept", ", ".join(sorted(policy.body_types)))])
    accept = _media_types(request.headers.values("Accept"))
    if accept and request.method in policy.body_methods and not any(_accepts(a, t) for a in accept for t in policy.response_types):
        return request.response(
            406, to_tag=to_tag,
            headers=[("Warning", '399 - "responses are only '
                      + ", ".join(sorted(policy.response_types)) + '"')])
    return None


def loop_detected(request: Request, policy: UASPolicy,
                  sent_invite: Callable[[str | None], bool]) -> bool:
    """Whether ``request`` is an INVITE of ours come back: one of its Vias has our
    sent-by and the branch of an INVITE we are still sending (``sent_invite(branch)``,
    the transaction table's :meth:`~sip.transaction.TransactionTable.sent_invite`). A
    gateway routing a call back at us through a proxy keeps our Via below its own; a
    misconfigured route that points at ourselves brings it on top. Another UA's INVITE
    that merely shares the call's From tag and Call-ID is the transaction table's
    merged-request check."""
    if not policy.sent_by or request.method != "INVITE":
        return False
    return any(via.sent_by.lower() in policy.sent_by and sent_invite(via.branch)
               for via in request.vias)
