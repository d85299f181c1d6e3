"""What an SCCP phone's user is in the middle of, beside its calls (the phone's modes).

The calls themselves are the lines' (fsm/connection.py); a phone keeps only what it shows
and what its user has started that no line knows yet:
ready: nothing pending; keys and the hook go to the calls they name.
starting: the phone asked a line for a new call (off-hook, New Call, dialling on-hook)
    and the line has not answered yet; digits typed meanwhile follow the request.
abandoned: the user hung up while starting. The call the line then starts is hung up at
    once; off-hook again before that keeps it. (Without this state an OnHook that arrived
    before the line's answer was lost and the line was left dialling.)
forwarding: collecting a call-forward-all number (CFwdAll).
transfer_number: collecting a blind-transfer number (Trnsfer without full-consult).
consulting: Trnsfer held the call and asked a line for the consultation call; digits
    typed meanwhile are kept for it (or for the blind-transfer number, if no line has room).

`reset` (the phone unregistered or its actor restarted) returns to ready from anywhere.
"""
from fsm.table import StateTable

MODES = ["ready", "starting", "abandoned", "forwarding", "transfer_number", "consulting"]

PHONE_MODE = StateTable(
    "phone-mode",
    states=MODES,
    initial="ready",
    transitions=[
        {"trigger": "new_call", "source": ["ready", "abandoned"], "dest": "starting"},
        {"trigger": "new_call", "source": "starting", "dest": None},  # already asked for
        {"trigger": "hook_on", "source": ["starting", "abandoned"], "dest": "abandoned"},
        {"trigger": "type_digits", "source": "starting", "dest": None},
        {"trigger": "call_started", "source": ["starting", "abandoned"], "dest": "ready"},
        {"trigger": "refused", "source": ["starting", "abandoned", "consulting"], "dest": "ready"},
        {"trigger": "collect_forward", "source": "ready", "dest": "forwarding"},
        {"trigger": "collect_transfer", "source": "ready", "dest": "transfer_number"},
        {"trigger": "collect_digits", "source": ["forwarding", "transfer_number"], "dest": None},
        {"trigger": "number_done", "source": ["forwarding", "transfer_number"], "dest": "ready"},
        {"trigger": "consult", "source": "ready", "dest": "consulting"},
        {"trigger": "type_ahead", "source": "consulting", "dest": None},  # digits before the call is here
        {"trigger": "consult_started", "source": "consulting", "dest": "ready"},
        {"trigger": "no_consult_line", "source": "consulting", "dest": "ready"},  # then blind
        {"trigger": "reset", "source": MODES, "dest": "ready"},
    ],
    doc=__doc__,
)


class PhoneMode:
    """The model of PHONE_MODE for one phone (its registration has the actor's `state`)."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        PHONE_MODE.start(self)

    def __repr__(self) -> str:
        return f"<PhoneMode {self.state}>"
