"""The phases of a uaCSTA (ECMA TR/87) CTI session carried in one SIP dialog (cme.md).

invited: an INVITE with a System Status request arrived and is being checked (CTI
    enabled, To line configured and `cti watch`, body valid).
establishing: 200 OK with the System Status response was sent; waiting for the ACK.
active: the dialog is confirmed; GetCSTAFeatures, MonitorStart/Stop and services arrive
    in INFO, events leave in INFO, re-INVITE refreshes the session timer.
terminating: BYE sent (CLI `clear cti session`, session timer expiry, the application
    stopped answering) and waiting for its answer or timeout.
terminated: the dialog, its monitors and the session actor are gone.
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
        {"trigger": "ack_timeout", "source": "establishing", "dest": "terminated"},
        {"trigger": "request", "source": "active", "dest": None},
        {"trigger": "refresh", "source": "active", "dest": None},
        {"trigger": "bye_received", "source": OPEN, "dest": "terminated"},
        {"trigger": "expire", "source": ["establishing", "active"], "dest": "terminating"},
        {"trigger": "clear", "source": ["establishing", "active"], "dest": "terminating"},
        {"trigger": "application_gone", "source": "active", "dest": "terminating"},
        {"trigger": "bye_answered", "source": "terminating", "dest": "terminated"},
        {"trigger": "transport_lost", "source": OPEN + ["terminating"], "dest": "terminated"},
    ],
    doc=__doc__,
)
