"""One line's side of a call: a CSTA connection, with the dialing states a phone needs.

CSTA (ECMA-269) names six connection states: null, initiated, alerting, connected, hold,
fail. A phone's originating side needs two more steps, kept here as their own states and
reported to CTI as the CSTA state in `CSTA_STATE`:
- dialing: digits are being collected (CSTA: initiated);
- originated: the number was routed and the far end is being offered the call; the
  caller hears ringback (CSTA: connected, as after an Originated event);
- prompting: a prompted MakeCall (`autoOriginate prompt`) rings the calling phone first;
  when its user answers, the connection goes on as if the phone went off-hook (CSTA:
  alerting).

A connection returns to null when it is cleared; the instance is then free again.

The rows without a destination are the table's rules for what may be done to a
connection without changing its state (send DTMF, transfer its far end away, deflect
it): the line asks `CONNECTION.allows(conn, trigger)` first and answers a refusal (a tone,
a CSTAErrorCode) as an ordinary outcome. Conditions name facts of the connection
(actors/connection.py): `has_peer` (a far line's connection is known), `in_call` (and
the far end answered).
"""
from fsm.table import StateTable

ACTIVE = ["prompting", "initiated", "dialing", "originated", "alerting", "connected", "hold", "fail"]
COLLECTING = ["initiated", "dialing"]
# The user of the endpoint is in the call (a ringing call is not theirs to end by hanging up).
USER_IN_CALL = ["initiated", "dialing", "originated", "connected", "hold", "fail"]

CONNECTION = StateTable(
    "connection",
    states=["null"] + ACTIVE,
    initial="null",
    transitions=[
        {"trigger": "offhook", "source": "null", "dest": "initiated"},
        {"trigger": "prompt", "source": "null", "dest": "prompting"},
        {"trigger": "digit", "source": COLLECTING, "dest": "dialing"},
        {"trigger": "dial", "source": COLLECTING, "dest": "originated"},
        {"trigger": "fail", "source": ["initiated", "dialing", "originated"], "dest": "fail"},
        {"trigger": "offer", "source": "null", "dest": "alerting"},
        {"trigger": "answer", "source": "alerting", "dest": "connected"},
        {"trigger": "answer", "source": "prompting", "dest": "initiated"},  # then it dials
        {"trigger": "answered", "source": "originated", "dest": "connected"},
        {"trigger": "hold", "source": "connected", "dest": "hold"},
        {"trigger": "retrieve", "source": "hold", "dest": "connected"},
        {"trigger": "clear", "source": ACTIVE, "dest": "null"},
        # rules: what may be done in a state, the state unchanged
        {"trigger": "hang_up", "source": USER_IN_CALL, "dest": None},
        {"trigger": "far_alerting", "source": "originated", "dest": None},
        {"trigger": "far_rejected", "source": "originated", "dest": None},
        {"trigger": "send_dtmf", "source": "connected", "dest": None, "conditions": "in_call"},
        {"trigger": "play_dtmf", "source": "connected", "dest": None},
        {"trigger": "deflect", "source": "alerting", "dest": None, "conditions": "has_peer"},
        {"trigger": "transfer_away", "source": ["connected", "hold"], "dest": None, "conditions": "in_call"},
        {"trigger": "consult", "source": "connected", "dest": None, "conditions": "has_peer"},
        {"trigger": "join_held", "source": "hold", "dest": None, "conditions": "in_call"},
        {"trigger": "join_active", "source": ["originated", "connected"], "dest": None, "conditions": "has_peer"},
        {"trigger": "swap_from", "source": ["connected", "hold"], "dest": None},
    ],
    doc=__doc__,
)

CSTA_STATE = {
    "null": "null",
    "prompting": "alerting",
    "initiated": "initiated",
    "dialing": "initiated",
    "originated": "connected",
    "alerting": "alerting",
    "connected": "connected",
    "hold": "hold",
    "fail": "fail",
}
