"""A trunk line: the far party of a call through a SIP trunk, as a line of its own.

The call core knows calls between lines. A call that leaves the building is a call to a
line whose number is the outside number and whose one endpoint is a SIP leg
(actors/trunk_leg.py, `network=True`); a call from outside is that line calling a DN.
So forward, transfer, hold, DTMF, CTI services and the CSTA events work across trunks
with no second call model. A trunk line lives for one call: it starts with its leg and
stops when the leg ends. Its tag is negative, so it never collides with an ephone-dn's.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.line import LineActor
from actors.status import LineStatus


@dataclass(slots=True)
class OutsideParty:
    """The DN-like facts a line needs, for an outside number: no features, one call."""

    tag: int
    number: str
    name: str = ""
    dial_peer: int = 0  # the dial-peer the call went or came through
    dual_line: bool = False
    octo_line: bool = False
    cti_notify: bool = False
    do_not_disturb: bool = False
    message_waiting: bool = False
    call_forward_all: str | None = None
    call_forward_busy: str | None = None
    call_forward_noan: str | None = None
    call_forward_noan_timeout: int | None = None


def start_trunk_line(switch, party: OutsideParty, status: LineStatus | None = None):
    """Start the line and put it in the directory under its tag (not in the dial plan).
    `status` is where it writes what the CLI prints (never read by an actor)."""
    if status is None:
        status = LineStatus(tag=party.tag, number=party.number, name=party.name)
    ref = LineActor.start(party, status, switch)
    switch.directory.register(party.tag, ref)
    return ref
