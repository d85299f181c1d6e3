"""The messages of a call: what phones ask of lines, and what two lines say to each other.

A call is the two connections two lines hold, one each (DESIGN.md). The lines talk like
two halves of a call: the calling line sends Offer; the called line answers with Alerting
or Reject, later Answered; either side may send Released; each tells the other where its
phone receives media. Every call leg has its own server-wide call id (CME's callID); a GCID
ties the legs of one call together.
"""
from __future__ import annotations

from dataclasses import dataclass


# -- phone -> line: what the user did ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UserAction:
    """`action`: offhook, onhook, digits, answer, hold, resume. `call_id` 0 = none yet."""

    device: str
    action: str
    call_id: int = 0
    digits: str = ""
    speaker: bool = False


@dataclass(frozen=True, slots=True)
class MediaOpened:
    """The phone's OpenReceiveChannelAck: where it receives RTP for that call."""

    device: str
    call_id: int
    ip: str
    port: int
    codec: str = ""  # what the endpoint receives ("g711ulaw", "g711alaw"); "": the default
    dtmf_payload: int = 0  # RFC 4733 telephone-event payload type agreed for this stream (0: none)


# -- a network endpoint (trunk leg) -> its line: what the far network said ---------------------
@dataclass(frozen=True, slots=True)
class FarAlerting:
    """The far end rings (SIP 180/183): the caller may hear ringback now."""

    device: str
    call_id: int


@dataclass(frozen=True, slots=True)
class FarRefused:
    """The network refused the call offered through this endpoint (a 4xx-6xx, no answer)."""

    device: str
    call_id: int
    cause: str  # busy, destNotObtainable, incompatibleDestination, networkOutOfOrder, ...


# -- features: set from a phone's soft keys, or by CTI -------------------------------------------
@dataclass(frozen=True, slots=True)
class SetForward:
    number: str | None  # None: forwarding off


@dataclass(frozen=True, slots=True)
class SetDnd:
    on: bool


@dataclass(frozen=True, slots=True)
class SetMwi:
    on: bool


# -- line <-> line ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Party:
    """One end of a call as the other end sees it."""

    tag: int  # ephone-dn tag
    call_id: int  # that line's connection
    number: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    caller: Party
    called_number: str
    gcid: str = ""
    cause: str = "newCall"
    last_redirection: str = ""  # the DN that forwarded the call here, if one did
    hops: int = 0  # forwards so far: a loop of forwards ends at MAX_FORWARDS


MAX_FORWARDS = 5


@dataclass(frozen=True, slots=True)
class Diverted:
    """The called line forwarded the call: the caller's side learns where it went."""

    call_id: int
    diverting: str
    new_destination: str
    cause: str
    connection: int = 0  # the diverted connection's call id at the diverting line (0: none)


@dataclass(frozen=True, slots=True)
class Alerting:
    call_id: int  # the receiver's connection
    callee: Party


@dataclass(frozen=True, slots=True)
class Reached:
    """The called side is a network interface: the call left the switch through it
    (CSTA NetworkReached). Alerting follows if and when the far network says so."""

    call_id: int  # the receiver's connection
    callee: Party


@dataclass(frozen=True, slots=True)
class Reject:
    call_id: int
    cause: str  # busy, destNotObtainable, doNotDisturb
    callee_number: str


@dataclass(frozen=True, slots=True)
class Answered:
    call_id: int
    callee: Party


@dataclass(frozen=True, slots=True)
class Released:
    call_id: int  # the receiver's connection
    cause: str
    releasing: Party


@dataclass(frozen=True, slots=True)
class PeerMedia:
    """The far phone receives RTP there: start transmitting to it (None: stop)."""

    call_id: int
    address: tuple[str, int] | None
    codec: str = ""
    dtmf_payload: int = 0


@dataclass(frozen=True, slots=True)
class PeerHeld:
    call_id: int
    holding: str
    held: bool  # False: retrieved
    cause: str = "normal"


@dataclass(frozen=True, slots=True)
class Dtmf:
    """DTMF digits for the far end of a call (keypad during a call, or GenerateDigits)."""

    call_id: int  # the receiver's connection
    digits: str


@dataclass(frozen=True, slots=True)
class PromptTimeout:
    """A prompted MakeCall rang the calling phone unanswered for too long."""

    call_id: int


@dataclass(frozen=True, slots=True)
class DigitTimeout:
    call_id: int
    digits: str  # what had been dialled when the timer was set (stale timers do nothing)


@dataclass(frozen=True, slots=True)
class ClearCalls:
    """The server is shutting down: every call of the line is cleared as a hang-up would
    clear it (the far ends, the phones and the monitors hear it); the line stays."""


@dataclass(frozen=True, slots=True)
class Retire:
    """The DN was removed from the configuration (`no ephone-dn N`): its calls are cleared,
    their far ends hear it, and the line stops."""

    reason: str = "removed from the configuration"


# -- transfer -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Transfer:
    """Phone -> the held call's line: join its far end with the consultation call's."""

    call_id: int  # the held call (primary)
    consult_tag: int
    consult_call: int  # the consultation call (secondary)


@dataclass(frozen=True, slots=True)
class JoinWith:
    """Held call's line -> consultation call's line: your far end now talks to `party`."""

    call_id: int  # the consultation call
    party: Party | None  # the held call's far end
    primary: Party  # the held call itself (for the events and the final clear)
    gcid: str = ""  # the held call's GCID: the joined call keeps it


@dataclass(frozen=True, slots=True)
class Joined:
    """Consultation line -> held call's line: done, clear the held call quietly."""

    call_id: int
    transferred_to: str
    secondary: Party


@dataclass(frozen=True, slots=True)
class BlindTransfer:
    """Phone -> the call's line: send the far end on to `number` (no consultation)."""

    call_id: int
    number: str
    cause: str = "transfer"  # singleStepTransfer when CTI asked for it


@dataclass(frozen=True, slots=True)
class ConsultOn:
    """Phone -> its lines in turn (Trnsfer, full-consult): start the consultation call for
    `held_call` here if this line has room, else pass it on to the next of `lines`."""

    device: str
    held_call: int
    lines: tuple  # the dn tags still to ask after this one
    own: bool  # this is the held call's DN: a free instance will do (else the line must be idle)


@dataclass(frozen=True, slots=True)
class NoConsultLine:
    """Line -> phone: none of its lines had room for the consultation call."""

    held_call: int


@dataclass(frozen=True, slots=True)
class Consulting:
    """Line -> phone: CTI started a consultation call; the phone's Transfer key may complete it."""

    held_call: int
    consult_call: int


@dataclass(frozen=True, slots=True)
class Replace:
    """To a far end of a transferred call: your peer is now `peer` (None: being offered)."""

    call_id: int
    peer: Party | None
    transferring: str
    transferred_to: str
    cause: str = "transfer"
    gcid: str = ""  # the GCID the joined call keeps ("" = unchanged)
    peer_answered: bool = True  # False: the new peer still rings
    extra: dict | None = None  # the TransferedEvent's calls and connections, as the transferring line saw them
