"""Call control by CTI, on the line: every call-control service of cme.md's Table 1.

Part of the line actor. A CTI request does what the phone's user would: the same
transitions, the same phone sequences, the same events (with the causes ECMA-323 gives:
makeCall, consultation, singleStepTransfer). The session asks with `CTICall` and gets back
("ok", ConnectionID) or ("error", category, value), the CSTAErrorCode to answer with.
Checks that need no line state (the device is `cti watch`, the calls named exist, no
prompting for a MOC client in basic mode) are made before asking, in
actors/cti_services.py. Prompted MakeCall is in line_prompt.py, DTMF in line_dtmf.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors import calls as c
from actors.events import ConnectionID


@dataclass(frozen=True, slots=True)
class CTICall:
    service: str  # make_call, answer, clear, hold, retrieve, deflect, single_step, alternate,
    #               reconnect, consult, transfer, digits
    call_id: int = 0
    called: str = ""  # the number (make_call, deflect, single_step, consult) or the DTMF digits
    other_call: int = 0  # alternate/reconnect/transfer: the held call
    prompt: bool = False  # make_call: autoOriginate prompt


def refusal(category: str, value: str):
    """The answer for a CSTAErrorCode: its category element and value."""
    return ("error", category, value)


BAD_STATE = refusal("stateIncompatibility", "invalidConnectionState")


class LineCTIMixin:
    """Mixed into LineActor (uses connections, phones and the call steps of line.py)."""

    def _cti(self, m: CTICall):
        if m.service == "make_call":
            return self._cti_make_call(m.called, m.prompt)
        conn = self.connections.get(m.call_id)
        if conn is None:
            return refusal("operation", "invalidConnectionID")
        service = _SERVICES.get(m.service)
        if service is None:
            return refusal("operation", "serviceNotSupported")
        return service(self, conn, m)

    # -- one method per service: (self, the request's connection, the request) -> answer ---
    def _cti_answer(self, conn, m):
        if conn.state == "prompting":
            device = next(iter(self._prompted_phones()), None)
            if device is None:
                return refusal("stateIncompatibility", "noCallToAnswer")
            self._prompt_answered(conn, device)
        elif conn.state != "alerting":
            return refusal("stateIncompatibility", "noCallToAnswer")
        else:
            self._answer(conn, self._cti_phone())
        return self._ok(conn)

    def _cti_clear(self, conn, m):
        self._release(conn, "normalClearing")
        return self._ok(conn)

    def _cti_hold(self, conn, m):
        if conn.state != "connected":
            return BAD_STATE
        self._hold(conn)
        return self._ok(conn)

    def _cti_retrieve(self, conn, m):
        if conn.state != "hold":
            return refusal("stateIncompatibility", "noHeldCall")
        if any(other.state == "connected" for other in self.connections.values()):
            return refusal("stateIncompatibility", "invalidDeviceState")  # one active call at a time
        self._retrieve(conn, conn.device or self._cti_phone())
        return self._ok(conn)

    def _cti_swap(self, conn, m):
        """AlternateCall (the active call goes on hold) and ReconnectCall (it is cleared):
        either way the held call comes back."""
        held = self.connections.get(m.other_call)
        if held is None:
            return refusal("operation", "invalidConnectionID")
        if held.state != "hold" or conn.state not in ("connected", "hold") or held is conn:
            return BAD_STATE
        device = conn.device or held.device or self._cti_phone()
        if m.service == "alternate":
            if conn.state == "connected":
                self._hold(conn, "alternate")
        else:
            self._release(conn, "normalClearing")
        self._retrieve(held, device, "alternate" if m.service == "alternate" else "normal")
        return self._ok(held)

    def _cti_deflect(self, conn, m):
        """DeflectCall (alerting only, cme.md): the ringing call goes on to the number; the
        caller hears of it as a diversion, as with call forward."""
        if conn.state != "alerting" or conn.peer is None:
            return BAD_STATE
        tag, _ = self.telephony.route(m.called)
        if tag is None or tag == self.dn.tag:
            return refusal("operation", "invalidDestination")
        caller = conn.peer
        self.publish_diverted(caller, m.called, "redirected", conn.call_id)
        self.telephony.tell_line(caller.tag, c.Diverted(caller.call_id, self.number, m.called, "redirected", conn.call_id))
        self.telephony.tell_line(tag, c.Offer(caller, conn.dialled or self.number, conn.gcid, "redirected",
                                              last_redirection=self.number))
        self._release(conn, "redirected", tell_peer=False)
        return self._ok(conn)

    def _cti_single_step(self, conn, m):
        """SingleStepTransferCall: the far end of a call in it goes on to the number."""
        if conn.state not in ("connected", "hold") or conn.peer is None or not conn.far_answered:
            return BAD_STATE
        if self.telephony.route(m.called)[0] is None:
            return refusal("operation", "invalidDestination")
        far = conn.peer
        self._blind_transfer(c.BlindTransfer(conn.call_id, m.called, cause="singleStepTransfer"))
        return ("ok", ConnectionID(far.call_id, far.number))

    def _cti_consult(self, conn, m):
        """ConsultationCall: the call goes on hold and a new one, on this DN's free
        instance, calls the consulted number; TransferCall or the phone's Transfer key may
        then join the two far ends."""
        if conn.state != "connected" or conn.peer is None:
            return BAD_STATE
        if self.telephony.route(m.called)[0] is None:
            return refusal("operation", "invalidCalledDeviceID")
        if self._free_instance() is None:
            return refusal("stateIncompatibility", "invalidDeviceState")  # single-line DN: no room
        device = conn.device or self._cti_phone()
        self._hold(conn, "consultation")
        consult = self._originate(device, speaker=True, cause="consultation")
        if device is not None:
            self.telephony.tell_phone(device, c.Consulting(conn.call_id, consult.call_id))
        self._digits(consult, m.called + "#")
        return self._ok(consult)

    def _cti_transfer(self, conn, m):
        """TransferCall: the held call's far end and the active (consultation) call's far
        end are joined; both of this line's connections clear with cause transfer."""
        held = self.connections.get(m.other_call)
        if held is None:
            return refusal("operation", "invalidConnectionID")
        if held.state != "hold" or not held.far_answered or held is conn:
            return refusal("stateIncompatibility", "noHeldCall")
        if conn.state not in ("originated", "connected") or conn.peer is None:
            return refusal("stateIncompatibility", "noActiveCall")
        target = conn.peer
        self._join_with(c.JoinWith(conn.call_id, held.peer, self.party(held), held.gcid))
        return ("ok", ConnectionID(target.call_id, target.number))

    def _cti_digits(self, conn, m):
        """GenerateDigits: DTMF for the far end of a connected call."""
        if conn.state != "connected" or conn.peer is None or not conn.far_answered:
            return BAD_STATE
        self._send_dtmf(conn, m.called)
        return self._ok(conn)

    # -- helpers ----------------------------------------------------------------------------
    def _ok(self, conn):
        return ("ok", ConnectionID(conn.call_id, self.number))

    def _cti_phone(self):
        """The phone a CTI action plays on: the first registered phone showing the line
        (None for a `cti notify` line with no phone)."""
        return next(iter(self.phones), None)

    def _cti_make_call(self, called: str, prompt: bool):
        if not self.in_service():
            return refusal("systemResourceAvailibility", "deviceOutOfService")
        if self.telephony.route(called)[0] is None:
            return refusal("operation", "invalidCalledDeviceID")
        if prompt:
            return self._prompt(called)
        conn = self._originate(self._cti_phone(), speaker=True, cause="makeCall")
        if conn is None:
            return refusal("stateIncompatibility", "invalidDeviceState")  # no free instance
        self._digits(conn, called + "#")
        return self._ok(conn)

_SERVICES = {
    "answer": LineCTIMixin._cti_answer,
    "clear": LineCTIMixin._cti_clear,
    "hold": LineCTIMixin._cti_hold,
    "retrieve": LineCTIMixin._cti_retrieve,
    "alternate": LineCTIMixin._cti_swap,
    "reconnect": LineCTIMixin._cti_swap,
    "deflect": LineCTIMixin._cti_deflect,
    "single_step": LineCTIMixin._cti_single_step,
    "consult": LineCTIMixin._cti_consult,
    "transfer": LineCTIMixin._cti_transfer,
    "digits": LineCTIMixin._cti_digits,
}
