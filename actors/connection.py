"""One line's side of one call (a CSTA connection): its state and what the call needs.

The state follows fsm/connection.py; everything else here is what the line's own events
and its far line's messages need to know about the call. The line owns its connections:
nobody else keeps call state (phones keep only what they show, the status board only what
the CLI prints).
"""
from __future__ import annotations

from fsm.connection import CONNECTION, CSTA_STATE


class Connection:
    __slots__ = ("call_id", "instance", "gcid", "state", "device", "outbound", "digits",
                 "calling", "calling_name", "called", "called_name", "peer", "media",
                 "peer_media", "peer_held", "timer", "cause", "last_redirection", "transferred",
                 "far_answered", "prompt_for", "dialled", "codec", "peer_codec", "reached", "early", "remote", "dtmf_payload", "peer_dtmf_payload",
                 "setup", "connect", "used", "failed")

    def __init__(self, call_id: int, instance: int, gcid: str) -> None:
        self.call_id, self.instance, self.gcid = call_id, instance, gcid
        CONNECTION.start(self)
        self.device: str | None = None  # the endpoint the call is on (None while ringing)
        self.outbound = True
        self.digits = ""
        self.calling = self.calling_name = self.called = self.called_name = ""
        self.peer = None  # actors.calls.Party: the far line's connection
        self.media: tuple[str, int] | None = None  # where our endpoint receives RTP
        self.peer_media: tuple[str, int] | None = None  # where the far endpoint receives
        self.codec = ""  # what our endpoint receives ("": the default)
        self.peer_codec = ""  # what the far endpoint receives
        self.dtmf_payload = self.peer_dtmf_payload = 0  # RFC 4733 payload types of those streams
        self.reached = False  # the call left through a network (it may send early media)
        self.early: tuple | None = None  # (address, codec) of the early media shown
        self.remote = ""  # dial-via-office: the user's remote phone, where this call's user is
        self.peer_held = False
        self.timer = None
        self.cause = "newCall"
        self.last_redirection = ""
        self.transferred = ""  # the far end was replaced by a transfer (it may still ring): its cause
        self.far_answered = False  # the far end is in the call (not ringing, not pending)
        self.prompt_for = ""  # a prompted MakeCall: the number to dial once the user answers
        self.dialled = ""  # offered here: the number the caller dialled (calledDevice)
        # what its call detail record needs (actors/call_record.py), stamped as the call goes
        self.setup = 0.0  # when the leg was created (the switch's clock)
        self.connect: float | None = None  # when it was first answered
        self.used = 0  # the features it used: call_record.TRANSFER | FORWARD | HOLD bits
        self.failed = ""  # the cause it failed with (busy, not obtainable...), before its user hung up

    @property
    def csta_state(self) -> str:
        return CSTA_STATE[self.state]

    # conditions the connection table names (fsm/connection.py)
    @property
    def has_peer(self) -> bool:
        return self.peer is not None

    @property
    def in_call(self) -> bool:
        """The far end is in the call: a peer, and it answered."""
        return self.peer is not None and self.far_answered

    def cancel_timer(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def __repr__(self) -> str:
        return f"<Connection {self.call_id} {self.state} instance {self.instance}>"
