"""DTMF during a call: the keypad of an endpoint in a connected call, or CTI's
GenerateDigits, sends digits to the far end, whose endpoint plays them to its user.

CME relays DTMF out of band between SCCP phones; here the far line tells its endpoint a
`dtmf` step, which a phone plays as StartTone/StopTone (direction user) for each digit.
"""
from __future__ import annotations

from actors import calls as c
from fsm.connection import CONNECTION


class Dtmf:
    def __init__(self, calls) -> None:
        self.calls = calls

    def send(self, conn, digits: str) -> bool:
        """Digits for the far end; False when the far end is not in the call."""
        if not CONNECTION.allows(conn, "send_dtmf"):
            return False
        self.calls.tell_far(conn, c.Dtmf(conn.peer.call_id, digits))
        return True

    def received(self, m: c.Dtmf) -> None:
        conn = self.calls.connection(m)
        if conn is not None and CONNECTION.allows(conn, "play_dtmf") and conn.device is not None:
            self.calls.show(conn, "dtmf", digits=m.digits)
