"""What lines publish: protocol-neutral call and feature events, one per change, in order.

Each maps one-to-one to an ECMA-323 event of csta.md (the CTI layer renders the XML):
`kind` is the event's name without "Event" in snake case. A line publishes the events that
concern its own calls, whether the change happened on its side or on the far side, with
`local_state` always the CSTA state of the publishing line's own connection — what a
monitor on that device expects in localConnectionInfo.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ConnectionID:
    """A CSTA ConnectionID: one call leg at one device (a directory number)."""

    call_id: int
    device: str


@dataclass(frozen=True, slots=True)
class CallEvent:
    kind: str  # service_initiated, originated, delivered, established, connection_cleared,
    #            held, retrieved, diverted, transferred, failed
    device: str  # the publishing line's number
    connection: ConnectionID  # the connection the event is about
    local_state: str  # CSTA state of the publishing line's own connection
    cause: str
    gcid: str = ""
    calling: str | None = None
    called: str | None = None
    alerting: str | None = None
    answering: str | None = None
    releasing: str | None = None
    holding: str | None = None
    retrieving: str | None = None
    initiating: str | None = None
    last_redirection: str | None = None
    diverting: str | None = None
    new_destination: str | None = None
    extra: dict = field(default_factory=dict)  # event-specific (transferred, diverted)


@dataclass(frozen=True, slots=True)
class FeatureEvent:
    kind: str  # do_not_disturb, forwarding, message_waiting
    device: str
    on: bool
    forward_to: str | None = None


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Ask a line to tell `subscriber` (an ActorRef, or a callable) every event it publishes."""

    subscriber: object


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    subscriber: object
