"""Call control by CTI, on the line: every call-control service of cme.md's Table 1.

A CTI request does what the endpoint's user would: the same transitions, the same steps,
the same events (with the causes ECMA-323 gives: makeCall, consultation,
singleStepTransfer). The session asks with `CTICall` and gets back ("ok", ConnectionID)
or ("error", category, value), the CSTAErrorCode to answer with. Whether a request fits
the connection is the connection table's rule (fsm/connection.py); a refusal is an
answer, and nothing changes. Checks that need no line state (the device is `cti watch`,
the calls named exist) are made before asking, in actors/cti_services.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors import calls as c
from actors.call_record import FORWARD
from actors.events import ConnectionID
from fsm.connection import CONNECTION


@dataclass(frozen=True, slots=True)
class CTICall:
    service: str  # make_call, answer, clear, hold, retrieve, deflect, single_step, alternate,
    #               reconnect, consult, transfer, digits, snapshot
    call_id: int = 0
    called: str = ""  # the number (make_call, deflect, single_step, consult) or the DTMF digits
    other_call: int = 0  # alternate/reconnect/transfer: the held call
    prompt: bool = False  # make_call: autoOriginate prompt
    # make_call with prompt, `cti csta mode basic`: the lines CTI sessions were opened on. A
    # phone showing one of them is associated with a MOC client and may not be prompted.
    moc_lines: frozenset = frozenset()
    remote: str = ""  # make_call, dial-via-office: the user's remote phone (the DN's snr number), rung first
    remote_timeout: int = 0  # how long it may ring (snr ... timeout S)


def refusal(category: str, value: str):
    """The answer for a CSTAErrorCode: its category element and value."""
    return ("error", category, value)


BAD_STATE = refusal("stateIncompatibility", "invalidConnectionState")
NO_ROOM = refusal("stateIncompatibility", "invalidDeviceState")


class CTIServices:
    def __init__(self, calls, switch, *, prompting, transfers, dtmf, log) -> None:
        self.calls, self.switch, self.log = calls, switch, log
        self.prompting, self.transfers, self.dtmf = prompting, transfers, dtmf

    def serve(self, m: CTICall):
        if m.service == "make_call":
            return self.make_call(m)
        if m.service == "snapshot":  # SnapshotDevice: every connection here, in its CSTA state
            return ("snapshot", [(self.calls.own(conn), conn.csta_state) for conn in self.calls.connections.values()])
        conn = self.calls.connections.get(m.call_id)
        if conn is None:
            return refusal("operation", "invalidConnectionID")
        service = _SERVICES.get(m.service)
        if service is None:
            return refusal("operation", "serviceNotSupported")
        answer = service(self, conn, m)
        if answer[0] != "ok":
            self.log.debug("CTI {service} on call {call} in {state} refused: {why}", service=m.service,
                           call=m.call_id, state=conn.state, why=answer[2])
        return answer

    def _ok(self, conn):
        return ("ok", ConnectionID(conn.call_id, self.calls.number))

    def _phone(self):
        return self.calls.audience.first()

    # -- one method per service: (self, the request's connection, the request) -> answer ---
    def answer(self, conn, m):
        if conn.state == "prompting":
            device = next(iter(self.calls.prompted_endpoints()), None)
            if device is None:
                return refusal("stateIncompatibility", "noCallToAnswer")
            self.prompting.answered(conn, device)
        elif not CONNECTION.allows(conn, "answer"):
            return refusal("stateIncompatibility", "noCallToAnswer")
        else:
            self.calls.answer(conn, self._phone())
        return self._ok(conn)

    def clear(self, conn, m):
        self.calls.release(conn, "normalClearing")
        return self._ok(conn)

    def hold(self, conn, m):
        if not CONNECTION.allows(conn, "hold"):
            return BAD_STATE
        self.calls.hold(conn)
        return self._ok(conn)

    def retrieve(self, conn, m):
        if not CONNECTION.allows(conn, "retrieve"):
            return refusal("stateIncompatibility", "noHeldCall")
        if any(other.state == "connected" for other in self.calls.connections.values()):
            return NO_ROOM  # one active call at a time
        self.calls.retrieve(conn, conn.device or self._phone())
        return self._ok(conn)

    def swap(self, conn, m):
        """AlternateCall (the active call goes on hold) and ReconnectCall (it is cleared):
        either way the held call comes back."""
        held = self.calls.connections.get(m.other_call)
        if held is None:
            return refusal("operation", "invalidConnectionID")
        if held is conn or not CONNECTION.allows(held, "retrieve") or not CONNECTION.allows(conn, "swap_from"):
            return BAD_STATE
        device = conn.device or held.device or self._phone()
        if m.service == "alternate":
            if CONNECTION.allows(conn, "hold"):
                self.calls.hold(conn, "alternate")
        else:
            self.calls.release(conn, "normalClearing")
        self.calls.retrieve(held, device, "alternate" if m.service == "alternate" else "normal")
        return self._ok(held)

    def deflect(self, conn, m):
        """DeflectCall (alerting only, cme.md): the ringing call goes on to the number; the
        caller hears of it as a diversion, as with call forward."""
        if not CONNECTION.allows(conn, "deflect"):
            return BAD_STATE
        calls = self.calls
        tag, _ = self.switch.route(m.called)
        if tag is None or tag == calls.dn.tag:
            return refusal("operation", "invalidDestination")
        caller = conn.peer
        calls.publish_diverted(caller, m.called, "redirected", conn.call_id)
        self.switch.tell_line(caller.tag, c.Diverted(caller.call_id, calls.number, m.called, "redirected", conn.call_id))
        self.switch.offer(tag, c.Offer(caller, conn.dialled or calls.number, conn.gcid, "redirected",
                                           last_redirection=calls.number))
        conn.used |= FORWARD
        calls.release(conn, "redirected", tell_peer=False)  # by the system: CTI's DeflectCall
        return self._ok(conn)

    def single_step(self, conn, m):
        """SingleStepTransferCall: the far end of a call in it goes on to the number."""
        if not CONNECTION.allows(conn, "transfer_away"):
            return BAD_STATE
        if self.switch.route(m.called)[0] is None:
            return refusal("operation", "invalidDestination")
        far = conn.peer
        self.transfers.blind_transfer(c.BlindTransfer(conn.call_id, m.called, cause="singleStepTransfer"))
        return ("ok", ConnectionID(far.call_id, far.number))

    def consult(self, conn, m):
        """ConsultationCall: the call goes on hold and a new one, on this DN's free
        instance, calls the consulted number; TransferCall or the phone's Transfer key may
        then join the two far ends."""
        calls = self.calls
        if not CONNECTION.allows(conn, "consult"):
            return BAD_STATE
        if self.switch.route(m.called)[0] is None:
            return refusal("operation", "invalidCalledDeviceID")
        if calls.free_instance() is None:
            return NO_ROOM  # single-line DN: no room
        device = conn.device or self._phone()
        calls.hold(conn, "consultation")
        consult = calls.originate(device, speaker=True, cause="consultation", number_follows=True)
        if device is not None:
            calls.audience.tell(device, c.Consulting(conn.call_id, consult.call_id))
        calls.digits(consult, m.called + "#")
        return self._ok(consult)

    def transfer(self, conn, m):
        """TransferCall: the held call's far end and the active (consultation) call's far
        end are joined; both of this line's connections clear with cause transfer."""
        calls = self.calls
        held = calls.connections.get(m.other_call)
        if held is None:
            return refusal("operation", "invalidConnectionID")
        if held is conn or not CONNECTION.allows(held, "join_held"):
            return refusal("stateIncompatibility", "noHeldCall")
        if not CONNECTION.allows(conn, "join_active"):
            return refusal("stateIncompatibility", "noActiveCall")
        target = conn.peer
        self.transfers.join_with(c.JoinWith(conn.call_id, held.peer, calls.party(held), held.gcid))
        return ("ok", ConnectionID(target.call_id, target.number))

    def digits(self, conn, m):
        """GenerateDigits: DTMF for the far end of a connected call."""
        if not self.dtmf.send(conn, m.called):
            return BAD_STATE
        return self._ok(conn)

    def make_call(self, m: CTICall):
        calls = self.calls
        if m.prompt and m.moc_lines and self._moc_associated(m.moc_lines):
            # cme.md: prompted MakeCall is not supported on a phone associated with a MOC client
            return refusal("operation", "requestIncompatibleWithObject")
        if self.switch.route(m.called)[0] is None:
            return refusal("operation", "invalidCalledDeviceID")
        if m.remote:  # the user is at the remote phone: the desk phone need not be up
            return self._dial_via_office(m)
        if not calls.in_service():
            return refusal("systemResourceAvailibility", "deviceOutOfService")
        if m.prompt:
            conn = self.prompting.start(m.called)
            if conn == "unpromptable":
                return refusal("operation", "requestIncompatibleWithObject")  # cme.md's excluded models
            if conn == "busy":
                return NO_ROOM
            return self._ok(conn)
        conn = calls.originate(self._phone(), speaker=True, cause="makeCall", number_follows=True)
        if conn is None:
            return NO_ROOM  # no free instance
        calls.digits(conn, m.called + "#")
        return self._ok(conn)

    def _dial_via_office(self, m: CTICall):
        """Ring the user's remote phone through its dial-peer, presenting this line; it
        stands in for the line's phone for this call, so its answer dials the destination
        as a prompted MakeCall does (actors/line_prompt.py)."""
        calls = self.calls
        route, _ = self.switch.route(m.remote)
        if route is None or isinstance(route, int):
            return refusal("operation", "invalidCallingDeviceID")  # no dial-peer reaches it
        if calls.free_instance() is None:
            return NO_ROOM
        endpoint = self.switch.attach(route, calls.dn.tag)
        if endpoint is None:
            return refusal("systemResourceAvailibility", "resourceBusy")
        calls.audience.endpoints[endpoint.device] = endpoint  # before it rings; its EndpointUp follows
        conn = self.prompting.start(m.called, devices=[endpoint.device], remote=m.remote,
                                    timeout=m.remote_timeout or None)
        return self._ok(conn)

    def _moc_associated(self, lines: frozenset) -> bool:
        """An endpoint showing this line also shows a line a CTI session was opened on."""
        return any(endpoint.shows & lines for endpoint in self.calls.audience.endpoints.values())


_SERVICES = {
    "answer": CTIServices.answer,
    "clear": CTIServices.clear,
    "hold": CTIServices.hold,
    "retrieve": CTIServices.retrieve,
    "alternate": CTIServices.swap,
    "reconnect": CTIServices.swap,
    "deflect": CTIServices.deflect,
    "single_step": CTIServices.single_step,
    "consult": CTIServices.consult,
    "transfer": CTIServices.transfer,
    "digits": CTIServices.digits,
}
