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
"""
from fsm.table import StateTable

ACTIVE = ["prompting", "initiated", "dialing", "originated", "alerting", "connected", "hold", "fail"]

CONNECTION = StateTable(
    "connection",
    states=["null"] + ACTIVE,
    initial="null",
    transitions=[
        {"trigger": "offhook", "source": ["null", "prompting"], "dest": "initiated"},
        {"trigger": "prompt", "source": "null", "dest": "prompting"},
        {"trigger": "digit", "source": ["initiated", "dialing"], "dest": "dialing"},
        {"trigger": "dial", "source": ["initiated", "dialing"], "dest": "originated"},
        {"trigger": "fail", "source": ["initiated", "dialing", "originated"], "dest": "fail"},
        {"trigger": "offer", "source": "null", "dest": "alerting"},
        {"trigger": "answer", "source": "alerting", "dest": "connected"},
        {"trigger": "answered", "source": "originated", "dest": "connected"},
        {"trigger": "hold", "source": "connected", "dest": "hold"},
        {"trigger": "retrieve", "source": "hold", "dest": "connected"},
        {"trigger": "clear", "source": ACTIVE, "dest": "null"},
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
