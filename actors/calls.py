"""The messages of a call: what phones ask of lines, and what two lines say to each other.

A call is the two connections two lines hold, one each (DESIGN.md). The lines talk like
two halves of a call: the calling line sends Offer; the called line answers with Alerting
or Reject, later Answered; either side may send Released; each tells the other where its
phone receives media. Every call leg has its own server-wide call id (CME's callID); a GCID
ties the legs of one call together.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


def message(cls: type) -> type:
    """``@dataclass(frozen=True, slots=True)`` for the messages actors tell each other,
    with a constructor that sets each slot through its own descriptor: the frozen
    dataclass's ``__init__`` goes through ``object.__setattr__`` for every field, and a
    phone-to-phone call builds about 25 of these (1.7 against 1.1 us for a five-field
    UserAction, timeit). Same signature, defaults and effect; equality, hashing, repr and
    immutability are the dataclass's. The dataclass's ``__init__`` stays the reference
    (tests/actors/test_call_messages.py compares them)."""
    cls = dataclass(frozen=True, slots=True)(cls)
    cls.__init__ = _slot_init(cls)
    return cls


def _slot_init(cls: type):
    ns: dict = {}
    params, body = ["self"], []
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: @message takes plain fields only")
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            ns[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        ns[f"_s_{f.name}"] = getattr(cls, f.name).__set__
        body.append(f"    _s_{f.name}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: @message has no __post_init__")
    exec(f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n", ns)
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.dataclass_init = cls.__init__  # the reference, for the tests
    return init


# -- phone -> line: what the user did ---------------------------------------------------------
@message
class UserAction:
    """`action`: offhook, onhook, digits, answer, hold, resume. `call_id` 0 = none yet."""

    device: str
    action: str
    call_id: int = 0
    digits: str = ""
    speaker: bool = False


@message
class MediaOpened:
    """The phone's OpenReceiveChannelAck: where it receives RTP for that call."""

    device: str
    call_id: int
    ip: str
    port: int
    codec: str = ""  # what the endpoint receives ("g711ulaw", "g711alaw"); "": the default
    dtmf_payload: int = 0  # RFC 4733 telephone-event payload type agreed for this stream (0: none)


# -- a network endpoint (trunk leg) -> its line: what the far network said ---------------------
@message
class FarAlerting:
    """The far end rings (SIP 180/183): the caller may hear ringback now."""

    device: str
    call_id: int


@message
class FarRefused:
    """The network refused the call offered through this endpoint (a 4xx-6xx, no answer)."""

    device: str
    call_id: int
    cause: str  # busy, destNotObtainable, incompatibleDestination, networkOutOfOrder, ...


# -- features: set from a phone's soft keys, or by CTI -------------------------------------------
@message
class SetForward:
    number: str | None  # None: forwarding off


@message
class SetDnd:
    on: bool


@message
class SetMwi:
    on: bool


# -- line <-> line ------------------------------------------------------------------------------
@message
class Party:
    """One end of a call as the other end sees it."""

    tag: int  # ephone-dn tag
    call_id: int  # that line's connection
    number: str
    name: str = ""


@message
class Offer:
    caller: Party
    called_number: str
    gcid: str = ""
    cause: str = "newCall"
    last_redirection: str = ""  # the DN that forwarded the call here, if one did
    hops: int = 0  # forwards so far: a loop of forwards ends at MAX_FORWARDS


MAX_FORWARDS = 5


@message
class Diverted:
    """The called line forwarded the call: the caller's side learns where it went."""

    call_id: int
    diverting: str
    new_destination: str
    cause: str
    connection: int = 0  # the diverted connection's call id at the diverting line (0: none)


@message
class Alerting:
    call_id: int  # the receiver's connection
    callee: Party


@message
class Reached:
    """The called side is a network interface: the call left the switch through it
    (CSTA NetworkReached). Alerting follows if and when the far network says so."""

    call_id: int  # the receiver's connection
    callee: Party


@message
class Reject:
    call_id: int
    cause: str  # busy, destNotObtainable, doNotDisturb
    callee_number: str


@message
class Answered:
    call_id: int
    callee: Party


@message
class Released:
    call_id: int  # the receiver's connection
    cause: str
    releasing: Party


@message
class PeerMedia:
    """The far phone receives RTP there: start transmitting to it (None: stop)."""

    call_id: int
    address: tuple[str, int] | None
    codec: str = ""
    dtmf_payload: int = 0


@message
class PeerHeld:
    call_id: int
    holding: str
    held: bool  # False: retrieved
    cause: str = "normal"


@message
class Dtmf:
    """DTMF digits for the far end of a call (keypad during a call, or GenerateDigits)."""

    call_id: int  # the receiver's connection
    digits: str


@message
class PromptTimeout:
    """A prompted MakeCall rang the calling phone unanswered for too long."""

    call_id: int


@message
class DigitTimeout:
    call_id: int
    digits: str  # what had been dialled when the timer was set (stale timers do nothing)


@message
class ClearCalls:
    """The server is shutting down: every call of the line is cleared as a hang-up would
    clear it (the far ends, the phones and the monitors hear it); the line stays."""


@message
class Retire:
    """The DN was removed from the configuration (`no ephone-dn N`): its calls are cleared,
    their far ends hear it, and the line stops."""

    reason: str = "removed from the configuration"


# -- transfer -------------------------------------------------------------------------------------
@message
class Transfer:
    """Phone -> the held call's line: join its far end with the consultation call's."""

    call_id: int  # the held call (primary)
    consult_tag: int
    consult_call: int  # the consultation call (secondary)


@message
class JoinWith:
    """Held call's line -> consultation call's line: your far end now talks to `party`."""

    call_id: int  # the consultation call
    party: Party | None  # the held call's far end
    primary: Party  # the held call itself (for the events and the final clear)
    gcid: str = ""  # the held call's GCID: the joined call keeps it


@message
class Joined:
    """Consultation line -> held call's line: done, clear the held call quietly."""

    call_id: int
    transferred_to: str
    secondary: Party


@message
class BlindTransfer:
    """Phone -> the call's line: send the far end on to `number` (no consultation)."""

    call_id: int
    number: str
    cause: str = "transfer"  # singleStepTransfer when CTI asked for it


@message
class ConsultOn:
    """Phone -> its lines in turn (Trnsfer, full-consult): start the consultation call for
    `held_call` here if this line has room, else pass it on to the next of `lines`."""

    device: str
    held_call: int
    lines: tuple  # the dn tags still to ask after this one
    own: bool  # this is the held call's DN: a free instance will do (else the line must be idle)


@message
class NoConsultLine:
    """Line -> phone: none of its lines had room for the consultation call."""

    held_call: int


@message
class Consulting:
    """Line -> phone: CTI started a consultation call; the phone's Transfer key may complete it."""

    held_call: int
    consult_call: int


@message
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
