"""SCCP phone registration, as a phone and CallManager/CME go through it (sccp.md).

unregistered --register--> registering: the device is a configured ephone; RegisterAck and
    CapabilitiesReq are sent, the phone asks for its buttons, soft keys and line states.
registering --capabilities--> registered: CapabilitiesRes arrived; the phone is in service.
A keepalive is answered in both live states. Silence for more than the allowed keepalive
intervals, an Unregister, a lost TCP connection, or the same device registering again on a
new connection (`replaced`) all return the phone to unregistered. `reject` is the answer
to a device beyond max-ephones; the connection then closes, and the phone may try again.
"""
from fsm.table import StateTable

LIVE = ["registering", "registered"]

REGISTRATION = StateTable(
    "sccp-registration",
    states=["unregistered", "registering", "registered", "rejected"],
    initial="unregistered",
    transitions=[
        {"trigger": "register", "source": ["unregistered", "rejected"], "dest": "registering"},
        {"trigger": "reject", "source": ["unregistered", "rejected"], "dest": "rejected"},
        {"trigger": "capabilities", "source": "registering", "dest": "registered"},
        {"trigger": "keepalive", "source": LIVE, "dest": None},
        {"trigger": "keepalive_timeout", "source": LIVE, "dest": "unregistered"},
        {"trigger": "unregister", "source": LIVE, "dest": "unregistered"},
        {"trigger": "connection_lost", "source": LIVE, "dest": "unregistered"},
        {"trigger": "replaced", "source": LIVE, "dest": "unregistered"},
    ],
    doc=__doc__,
)
