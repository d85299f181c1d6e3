"""The phases of a uaCSTA (ECMA TR/87) CTI session carried in one SIP dialog (cme.md).

invited: an INVITE with a System Status request arrived and is being checked (CTI
    enabled, To line configured and `cti watch`, body valid).
establishing: 200 OK with the System Status response was sent; waiting for the ACK.
active: the dialog is confirmed; GetCSTAFeatures, MonitorStart/Stop and services arrive
    in INFO, events leave in INFO, re-INVITE refreshes the session timer.
terminating: BYE sent (CLI `clear cti session`, session timer expiry) and waiting for its
    final response (bye_answered) or for Timer F / a transport error (bye_timeout). RFC
    3261 §15.1.1: the session is over for us once the BYE is sent, so an in-dialog
    request of the application is refused here (481), and a second clear sends no
    second BYE. When the application already stopped answering (an INFO got none) no BYE
    is sent and nothing is awaited (abandon).
terminated: the dialog, its monitors and the session actor are gone. No ACK in 64*T1
    (ack_timeout) ends here directly: the application is deemed gone, the §13.3.1.4 BYE
    is sent but not awaited.

A trigger a state does not take is refused (StateTable.try_fire is False): nothing
changes; an application request gets the status in REFUSED (481 when not listed).
"""
from fsm.table import StateTable

OPEN = ["invited", "establishing", "active"]

CTI_SESSION = StateTable(
    "cti-session",
    states=["invited", "establishing", "active", "terminating", "terminated"],
    initial="invited",
    transitions=[
        {"trigger": "accept", "source": "invited", "dest": "establishing"},
        {"trigger": "reject", "source": "invited", "dest": "terminated"},
        {"trigger": "ack", "source": "establishing", "dest": "active"},
        {"trigger": "ack", "source": "active", "dest": None},  # the ACK of a re-INVITE
        {"trigger": "ack_timeout", "source": "establishing", "dest": "terminated"},
        # an in-dialog request of the application reaches the dialog's §12.2.2 checks
        {"trigger": "in_dialog", "source": ["establishing", "active"], "dest": None},
        {"trigger": "request", "source": "active", "dest": None},
        {"trigger": "refresh", "source": ["establishing", "active"], "dest": None},
        {"trigger": "bye_received", "source": OPEN, "dest": "terminated"},
        {"trigger": "expire", "source": ["establishing", "active"], "dest": "terminating"},
        {"trigger": "clear", "source": ["establishing", "active"], "dest": "terminating"},
        {"trigger": "application_gone", "source": "active", "dest": "terminating"},
        {"trigger": "bye_answered", "source": "terminating", "dest": "terminated"},
        {"trigger": "bye_timeout", "source": "terminating", "dest": "terminated"},
        {"trigger": "abandon", "source": "terminating", "dest": "terminated"},
        {"trigger": "transport_lost", "source": OPEN + ["terminating"], "dest": "terminated"},
    ],
    doc=__doc__,
)

REFUSED = {
    ("request", "establishing"): 491,  # an INFO before our 2xx is ACKed: Request Pending
}
"""(trigger, state) -> the SIP status an application request gets when refused there."""


def refusal_status(trigger: str, state: str) -> int:
    """What a refused application request is answered: REFUSED, else 481 (no dialog or
    session for it: RFC 3261 §12.2.2, §15.1.1)."""
    return REFUSED.get((trigger, state), 481)
