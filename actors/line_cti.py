"""Call control by CTI, on the line: MakeCall, AnswerCall, ClearConnection, HoldCall,
RetrieveCall.

Part of the line actor. A CTI request does what the phone's user would: the same
transitions, the same phone sequences, the same events (with cause makeCall where ECMA-323
says so). The session asks with `CTICall` and gets back ("ok", ConnectionID) or
("error", category, value), the CSTAErrorCode to answer with.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.events import ConnectionID


@dataclass(frozen=True, slots=True)
class CTICall:
    service: str  # make_call, answer, clear, hold, retrieve
    call_id: int = 0
    called: str = ""


class LineCTIMixin:
    """Mixed into LineActor (uses connections, phones and the call steps of line.py)."""

    def _cti(self, m: CTICall):
        if m.service == "make_call":
            return self._cti_make_call(m.called)
        conn = self.connections.get(m.call_id)
        if conn is None:
            return ("error", "operation", "invalidConnectionID")
        if m.service == "answer":
            if conn.state != "alerting":
                return ("error", "stateIncompatibility", "noCallToAnswer")
            self._answer(conn, self._cti_phone())
        elif m.service == "clear":
            self._release(conn, "normalClearing")
        elif m.service == "hold":
            if conn.state != "connected":
                return ("error", "stateIncompatibility", "invalidConnectionState")
            self._hold(conn)
        elif m.service == "retrieve":
            if conn.state != "hold":
                return ("error", "stateIncompatibility", "noHeldCall")
            self._retrieve(conn, conn.device or self._cti_phone())
        else:
            return ("error", "operation", "serviceNotSupported")
        return ("ok", ConnectionID(conn.call_id, self.number))

    def _cti_phone(self):
        """The phone a CTI action plays on: the first registered phone showing the line
        (None for a `cti notify` line with no phone)."""
        return next(iter(self.phones), None)

    def _cti_make_call(self, called: str):
        if not self.in_service():
            return ("error", "systemResourceAvailibility", "deviceOutOfService")
        if self.telephony.route(called)[0] is None:
            return ("error", "operation", "invalidCalledDeviceID")
        conn = self._originate(self._cti_phone(), speaker=True, cause="makeCall")
        if conn is None:
            return ("error", "stateIncompatibility", "invalidDeviceState")  # no free instance
        self._digits(conn, called + "#")
        return ("ok", ConnectionID(conn.call_id, self.number))
