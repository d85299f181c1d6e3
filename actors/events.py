"""What lines publish: protocol-neutral call and feature events, one per change, in order.

Each maps one-to-one to an ECMA-323 event of csta.md (the CTI layer renders the XML):
`kind` is the event's name without "Event" in snake case. A line publishes the events that
concern its own calls, whether the change happened on its side or on the far side, with
`local_state` always the CSTA state of the publishing line's own connection — what a
monitor on that device expects in localConnectionInfo.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, NamedTuple


NO_EXTRA: Mapping = MappingProxyType({})  # a CallEvent's `extra` when it has none


@dataclass(frozen=True, slots=True)
class ConnectionID:
    """A CSTA ConnectionID: one call leg at one device (a directory number)."""

    call_id: int
    device: str


class CallEvent(NamedTuple):
    """One change of one call, as the line that publishes it sees it.

    Immutable like the other messages here, but a NamedTuple rather than a frozen
    dataclass (as CallStep): a monitored line builds one for each CSTA event (ten a
    click-to-dial cycle on its two lines), and a frozen dataclass of these 20 fields costs
    ~5 us to build (a setattr per field, a dict for `extra`) against ~0.6 us for the
    tuple. `extra` defaults to one shared empty read-only mapping."""

    kind: str  # service_initiated, originated, network_reached, delivered, established,
    #            connection_cleared, held, retrieved, diverted, transferred, failed
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
    network: str | None = None  # network_reached: the network interface the call left through
    extra: Mapping = NO_EXTRA  # event-specific (transferred, diverted)


@dataclass(frozen=True, slots=True)
class FeatureEvent:
    kind: str  # do_not_disturb, forwarding, message_waiting; not_saved (to endpoints only: a change was refused)
    device: str
    on: bool
    forward_to: str | None = None
    line: int = 0  # the line's ephone-dn tag (endpoints with several lines tell them apart)


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Ask a line to tell `subscriber` (an ActorRef, or a callable) every event it publishes."""

    subscriber: object


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    subscriber: object


# -- what endpoints showing a line render ------------------------------------------------------
# A line does not know how its endpoints show a call: an SCCP phone turns these steps into
# lamps, prompts, soft keys, tones and media channels (actors/phone_view.py); a SIP trunk
# leg would turn them into responses and SDP. Each step is one moment of the call as the
# user of that endpoint lives it.
STEPS = frozenset({
    "dialtone",        # off-hook: the user may dial (speaker: the line went off-hook for them)
    "digits",          # the first digit was dialled: dial tone stops
    "proceeding",      # the number was routed; the call is being offered
    "ringback",        # the far end rings
    "ringing",         # a call rings here
    "answered",        # the user here answered a ringing call: it is connected
    "picked_up",       # the user here answered a prompted MakeCall: dialling follows
    "connected",       # the far end answered
    "held",            # the user here put the call on hold
    "resumed",         # the user here took the call back
    "failed",          # busy (`busy`) or reorder / invalid number
    "cleared",         # the call is gone from this endpoint (the user was in it)
    "ring_stopped",    # the call rang here and is gone (answered elsewhere, given up)
    "forgotten",       # the call is gone; nothing to show (the endpoint went away)
    "refused",         # off-hook refused: the line has no free call instance (call_id 0)
    "peer_held",       # the far end put us on hold: stop media
    "peer_retrieved",  # the far end took us back: open media again
    "peer_replaced",   # a transfer gave us a new far end: media starts over
    "media",           # transmit to `media` (ip, port), where the far end receives, in `codec`
    "open_media",      # the call goes out to a network: open a receive channel now (its address goes in the offer)
    "dtmf",            # the far end sent `digits`
})


class CallStep(NamedTuple):
    """One step of one call, for one endpoint that shows the line.

    Immutable like the other messages here, but a NamedTuple rather than a frozen
    dataclass: a line builds one for each step of each call (about 13 a phone-to-phone
    call) and a frozen dataclass of these 18 fields costs ~2.4 us to build (a setattr
    per field) against ~0.5 us for the tuple."""

    step: str  # one of STEPS
    line: int  # the line's ephone-dn tag
    call_id: int  # the line's connection (0: none, for `refused`)
    state: str  # the connection's state after the step (fsm/connection.py); "null": gone here
    device: str = ""  # the endpoint it is for
    instance: int = 0  # the connection's call instance on the line
    calling: str = ""
    calling_name: str = ""
    called: str = ""
    called_name: str = ""
    outbound: bool = True  # this line placed the call
    speaker: bool = False  # dialtone: the line went off-hook for the user (CTI, soft key)
    busy: bool = False  # failed: the far end was busy (or does not disturb)
    media: tuple[str, int] | None = None  # media: where the far end receives RTP
    digits: str = ""  # dtmf
    codec: str = ""  # media: the codec to send ("": the default, G.711 mu-law)
    dtmf_payload: int = 0  # media: send keypad digits as RFC 4733 events with this payload type (0: none)
    receiving: bool = False  # connected: the endpoint's receive channel is already open


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What a line knows of an endpoint that shows it: a phone, or a trunk leg."""

    device: str
    ref: object  # where CallSteps, FeatureEvents and Consulting go (ActorRef or callable)
    instance: int = 1  # the button the line is on there
    can_prompt: bool = True  # may ring for a prompted MakeCall (not 792x, 793x, ATA, ...)
    shows: frozenset = frozenset()  # every number the endpoint shows (cme.md: MOC association)
    network: bool = False  # a network interface (trunk leg): calls offered to it leave the
    #                        switch (NetworkReached); it says itself when the far end alerts


@dataclass(frozen=True, slots=True)
class EndpointUp:
    """An endpoint now shows the line: it subscribes to the line's CallSteps."""

    endpoint: Endpoint


@dataclass(frozen=True, slots=True)
class EndpointDown:
    """That endpoint no longer shows the line (unregistered, lost, replaced)."""

    device: str
    reason: str = ""


def deliver(target, message) -> bool:
    """Tell an ActorRef (or call a callable) `message`; False when the actor is gone."""
    if callable(target):
        target(message)
        return True
    if target.is_alive():
        target.tell(message)
        return True
    return False
