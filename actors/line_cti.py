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
    service: str  # make_call, answer, clear, hold, retrieve, deflect, single_step, alternate, reconnect
    call_id: int = 0
    called: str = ""
    other_call: int = 0  # alternate/reconnect: the held call


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
        elif m.service == "deflect":
            return self._cti_deflect(conn, m.called)
        elif m.service == "single_step":
            return self._cti_single_step(conn, m.called)
        elif m.service in ("alternate", "reconnect"):
            held = self.connections.get(m.other_call)
            if held is None:
                return ("error", "operation", "invalidConnectionID")
            if held.state != "hold" or conn.state not in ("connected", "hold"):
                return ("error", "stateIncompatibility", "invalidConnectionState")
            device = conn.device or held.device or self._cti_phone()
            if m.service == "alternate":
                if conn.state == "connected":
                    self._hold(conn)
            else:  # reconnect: the active call is cleared
                self._release(conn, "normalClearing")
            self._retrieve(held, device)
            return ("ok", ConnectionID(held.call_id, self.number))
        else:
            return ("error", "operation", "serviceNotSupported")
        return ("ok", ConnectionID(conn.call_id, self.number))

    def _cti_deflect(self, conn, number: str):
        """DeflectCall (alerting only, cme.md): the ringing call goes on to `number`; the
        caller hears of it as a diversion, as with call forward."""
        from actors import calls as c

        if conn.state != "alerting" or conn.peer is None:
            return ("error", "stateIncompatibility", "invalidConnectionState")
        tag, _ = self.telephony.route(number)
        if tag is None or tag == self.dn.tag:
            return ("error", "operation", "invalidDestination")
        caller = conn.peer
        self.publish_diverted(caller, number, "redirected")
        self.telephony.tell_line(caller.tag, c.Diverted(caller.call_id, self.number, number, "redirected"))
        self.telephony.tell_line(tag, c.Offer(caller, number, conn.gcid, "redirected", last_redirection=self.number))
        self._release(conn, "redirected", tell_peer=False)
        return ("ok", ConnectionID(conn.call_id, self.number))

    def _cti_single_step(self, conn, number: str):
        """SingleStepTransferCall: the far end of a call in it goes on to `number`."""
        from actors import calls as c

        if conn.state not in ("connected", "hold") or conn.peer is None or not conn.far_answered:
            return ("error", "stateIncompatibility", "invalidConnectionState")
        if self.telephony.route(number)[0] is None:
            return ("error", "operation", "invalidDestination")
        far = conn.peer
        self._blind_transfer(c.BlindTransfer(conn.call_id, number))
        return ("ok", ConnectionID(far.call_id, far.number))

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
