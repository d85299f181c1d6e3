"""DTMF during a call, on the line: the keypad of a phone in a connected call, or CTI's
GenerateDigits, sends digits to the far end, whose phone plays them to its user.

Part of the line actor. CME relays DTMF out of band between SCCP phones: here the far
line presents StartTone (the DTMF tone, direction user) and StopTone for each digit.
"""
from __future__ import annotations

from actors import calls as c
from sccp import presenter as show


class LineDtmfMixin:
    """Mixed into LineActor (uses its connections, telephony and _present)."""

    def _send_dtmf(self, conn, digits: str) -> None:
        if conn.peer is not None and conn.far_answered:
            self.telephony.tell_line(conn.peer.tag, c.Dtmf(conn.peer.call_id, digits))

    def _dtmf(self, m: c.Dtmf) -> None:
        """The far end sent digits: this line's phone plays them to its user (CME relays
        DTMF out of band between SCCP phones)."""
        conn = self.connections.get(m.call_id)
        if conn is not None and conn.state == "connected" and conn.device is not None:
            self._present(conn, show.dtmf(self._line_instance(conn.device), conn.call_id, m.digits))
