"""One SIP call leg of a trunk call (RFC 3261 UAC or UAS), as its actor lives it.

A leg goes out (we send the INVITE: the call leaves the building) or comes in (a trunk
peer's INVITE rings a DN). The rows say which SIP and call-core happenings a leg takes in
which phase; actors/trunk_leg.py does what each means.

outbound:
- waiting: the call was offered to the trunk; the caller's media address is awaited for
  the SDP offer (a phone opens its receive channel first);
- calling: INVITE sent, no answer yet; early: a provisional came (the far end rings or
  sends early media) -- CANCEL is possible from here only (§9.1);
inbound:
- offered: the INVITE is with us (100 Trying sent); ringing: 180 sent;
- answering: the DN answered; the 200 waits for the answering phone's media address;
both:
- confirmed: the dialog is up (2xx and ACK);
- ending: CANCEL or BYE sent, or the INVITE refused; the leg ends when that is answered;
- ended.
"""
from fsm.table import StateTable

EARLY = ["waiting", "calling", "early", "offered", "ringing", "answering"]

TRUNK_LEG = StateTable(
    "trunk-leg",
    states=["idle"] + EARLY + ["confirmed", "ending", "ended"],
    initial="idle",
    transitions=[
        {"trigger": "offered_out", "source": "idle", "dest": "waiting"},
        {"trigger": "invite", "source": "waiting", "dest": "calling"},
        {"trigger": "provisional", "source": ["calling", "early"], "dest": "early"},
        {"trigger": "answered", "source": ["calling", "early"], "dest": "confirmed"},
        {"trigger": "hunt", "source": ["calling", "early"], "dest": "waiting"},  # 5xx/timeout: next peer
        {"trigger": "invite_in", "source": "idle", "dest": "offered"},
        {"trigger": "ring", "source": "offered", "dest": "ringing"},
        {"trigger": "answer", "source": ["offered", "ringing"], "dest": "answering"},
        {"trigger": "accepted", "source": "answering", "dest": "confirmed"},
        {"trigger": "reinvite", "source": "confirmed", "dest": None},
        {"trigger": "far_reinvite", "source": "confirmed", "dest": None},
        {"trigger": "dtmf", "source": "confirmed", "dest": None},
        {"trigger": "hang_up", "source": EARLY + ["confirmed"], "dest": "ending"},
        {"trigger": "refused", "source": EARLY, "dest": "ended"},
        {"trigger": "late_answer", "source": "ending", "dest": "confirmed"},  # a 2xx crossed our CANCEL: BYE it
        {"trigger": "far_bye", "source": ["confirmed", "ending"], "dest": "ended"},
        {"trigger": "done", "source": ["ending"] + EARLY + ["confirmed"], "dest": "ended"},
    ],
    doc=__doc__,
)
