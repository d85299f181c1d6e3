"""ConsultationCall, TransferCall, GenerateDigits and prompted MakeCall through a session,
against the real line and phone actors with virtual phones (cme.testing.Exchange)."""
import pytest
from lxml import etree

from cme.cti import CTIGateway
from cme.testing import Exchange
from sccp.enums import CallState, SoftKeyEvent
from sip.message import Request
from sip.framing import parse_datagram
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, csta, open_manager_session, send, sip

DUAL = DEFAULT.replace("ephone-dn 1\n number 201", "ephone-dn 1 dual-line\n number 201")


class Lab:
    """One CTI session on 201 over an Exchange, with a monitor on every DN (a session
    manager's, so it may act on every line)."""

    def __init__(self, text: str = DUAL) -> None:
        self.ex = Exchange(text)
        self.flow = Flow()
        self.gateway = CTIGateway(self.ex.config, self.ex.telephony, self.ex.clock)
        self.tag = open_manager_session(self.ex, self.gateway, self.flow)
        self.cseq = iter(range(2, 1000))
        self.a, self.b, self.c = (self.ex.phone(d) for d in ("SEP001E4A34A35F", "SEP000F8FC7B681", "SEP0019E7FF1E30"))
        self.monitors = {}
        for dn in ("201", "202", "203"):
            body = self.ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>{dn}</deviceObject>'
                            '</monitorObject></MonitorStart>')
            self.monitors[text_of(body, "monitorCrossRefID")] = dn
        self.flow.sent.clear()

    def ask(self, xml: str) -> bytes:
        number = next(self.cseq)
        out = send(self.ex, self.gateway, self.flow, sip("INFO", to_tag=self.tag, cseq=number, body=csta(xml)))
        (answer,) = [m for m in out if not isinstance(m, Request) and m.cseq.number == number]
        assert answer.status == 200
        return answer.body

    def events(self) -> list[tuple[str, str, str]]:
        """(monitored DN, event name, cause) of every event sent since the last call, each
        INFO answered 200 as an application does."""
        out = []
        infos = [m for m in self.flow.sent if isinstance(m, Request) and m.method == "INFO"]
        self.flow.sent.clear()
        for m in infos:
            root = etree.fromstring(m.body)
            out.append((self.monitors[root.findtext(f"{{{ED3}}}monitorCrossRefID")],
                        etree.QName(root).localname, root.findtext(f"{{{ED3}}}cause")))
            send(self.ex, self.gateway, self.flow, parse_datagram(m.response(200).encode()))
        self.flow.sent.clear()
        return out

    def by_device(self) -> dict[str, list[tuple[str, str]]]:
        """The events since the last call, in order for each monitored DN."""
        out = {}
        for dn, name, cause in self.events():
            out.setdefault(dn, []).append((name, cause))
        return out

    def calls(self, tag: int) -> dict[int, str]:
        return {v.call_id: v.state for v in self.ex.telephony.board.lines[tag].calls.values()}

    def idle(self) -> bool:
        return all(not calls for calls in self.ex.line_connections().values())


def text_of(body: bytes, name: str) -> str | None:
    found = etree.fromstring(body).find(f".//{{{ED3}}}{name}")
    return None if found is None else found.text


def name_of(body: bytes) -> str:
    return etree.QName(etree.fromstring(body)).localname


def conn(call_id, device="201") -> str:
    return f"<callID>{call_id}</callID><deviceID>{device}</deviceID>"


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.ex.close()


def connected_call(lab) -> int:
    """201 calls 202 and 202 answers: 201's call id."""
    lab.a.do("off_hook").do("dial", "202")
    lab.b.do("answer")
    (call_id,) = lab.calls(1)
    lab.events()
    return call_id


def test_consultation_then_transfer_joins_the_far_ends(lab):
    first = connected_call(lab)
    body = lab.ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
                   '<consultedDevice>203</consultedDevice></ConsultationCall>')
    assert name_of(body) == "ConsultationCallResponse"
    consult = int(text_of(body, "callID"))
    assert text_of(body, "deviceID") == "201" and consult != first
    assert lab.calls(1) == {first: "hold", consult: "originated"} and lab.c.ringing()
    assert lab.by_device() == {
        "201": [("HeldEvent", "consultation"), ("ServiceInitiatedEvent", "consultation"),
                ("OriginatedEvent", "consultation"), ("DeliveredEvent", "newCall")],
        "202": [("HeldEvent", "consultation")], "203": [("DeliveredEvent", "newCall")]}
    lab.c.do("answer")
    lab.events()
    body = lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall>'
                   f'<activeCall>{conn(consult)}</activeCall></TransferCall>')
    assert name_of(body) == "TransferCallResponse"
    assert text_of(body, "deviceID") == "203"  # the transferred-to party's connection
    assert lab.calls(1) == {} and not lab.a.in_call()
    assert set(lab.calls(2).values()) == {"connected"} and set(lab.calls(3).values()) == {"connected"}
    assert len(lab.b.transmissions) == 1 and len(lab.c.transmissions) == 1  # b and c talk
    seen = lab.events()
    assert {(dn, name) for dn, name, cause in seen if name == "TransferedEvent"} == {
        ("201", "TransferedEvent"), ("202", "TransferedEvent"), ("203", "TransferedEvent")}
    assert all(cause == "transfer" for _, name, cause in seen if name in ("TransferedEvent", "ConnectionClearedEvent"))
    lab.b.do("on_hook")
    assert lab.idle()


def test_consultation_then_the_phones_transfer_key_completes_it(lab):
    first = connected_call(lab)
    lab.ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
            '<consultedDevice>203</consultedDevice></ConsultationCall>')
    lab.c.do("answer")
    lab.a.do("softkey", SoftKeyEvent.TRANSFER)
    assert not lab.a.in_call() and lab.b.in_call() and lab.c.in_call()
    lab.c.do("on_hook")
    assert lab.idle()


def test_consultation_errors(lab):
    first = connected_call(lab)
    ask = lab.ask
    bad = ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
              '<consultedDevice>999</consultedDevice></ConsultationCall>')
    assert text_of(bad, "operation") == "invalidCalledDeviceID"
    bad = ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(4242)}</existingCall>'
              '<consultedDevice>203</consultedDevice></ConsultationCall>')
    assert text_of(bad, "operation") == "invalidCallID"
    ask(f'<HoldCall xmlns="{ED3}"><callToBeHeld>{conn(first)}</callToBeHeld></HoldCall>')
    bad = ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
              '<consultedDevice>203</consultedDevice></ConsultationCall>')
    assert text_of(bad, "stateIncompatibility") == "invalidConnectionState"
    assert lab.calls(1) == {first: "hold"}  # nothing half-done


def test_consultation_needs_a_free_instance_on_a_single_line_dn():
    lab = Lab(DEFAULT)
    try:
        first = connected_call(lab)
        bad = lab.ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
                      '<consultedDevice>203</consultedDevice></ConsultationCall>')
        assert text_of(bad, "stateIncompatibility") == "invalidDeviceState"
        assert lab.calls(1) == {first: "connected"} and lab.events() == []
    finally:
        lab.ex.close()


def test_transfer_with_no_held_call_is_refused_and_changes_nothing(lab):
    first = connected_call(lab)
    bad = lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall>'
                  f'<activeCall>{conn(first)}</activeCall></TransferCall>')
    assert text_of(bad, "stateIncompatibility") == "noHeldCall"
    bad = lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(777)}</heldCall>'
                  f'<activeCall>{conn(first)}</activeCall></TransferCall>')
    assert text_of(bad, "operation") == "invalidCallID"
    bad = lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall>'
                  f'<activeCall>{conn(first, "203")}</activeCall></TransferCall>')
    assert text_of(bad, "operation") == "requestIncompatibleWithObject"
    assert lab.calls(1) == {first: "connected"} and lab.events() == []


def test_generate_digits_reach_the_far_phone(lab):
    first = connected_call(lab)
    body = lab.ask(f'<GenerateDigits xmlns="{ED3}"><connectionToSendDigits>{conn(first)}</connectionToSendDigits>'
                   '<charactersToSend>12*#ad</charactersToSend></GenerateDigits>')
    assert name_of(body) == "GenerateDigitsResponse"
    (far,) = lab.calls(2)
    assert lab.b.heard_digits == {far: "12*#AD"}
    assert lab.a.heard_digits == {}
    lab.b.do("dial", "9")  # and the keypad during a call goes the other way
    assert lab.a.heard_digits == {first: "9"}
    assert lab.calls(1) == {first: "connected"}  # digits in a call dial nothing


def test_generate_digits_errors(lab):
    lab.a.do("off_hook").do("dial", "202")
    (ringing,) = lab.calls(1)
    bad = lab.ask(f'<GenerateDigits xmlns="{ED3}"><connectionToSendDigits>{conn(ringing)}</connectionToSendDigits>'
                  '<charactersToSend>1</charactersToSend></GenerateDigits>')
    assert text_of(bad, "stateIncompatibility") == "invalidConnectionState"
    bad = lab.ask(f'<GenerateDigits xmlns="{ED3}"><connectionToSendDigits>{conn(ringing)}</connectionToSendDigits>'
                  '<charactersToSend>12x</charactersToSend></GenerateDigits>')
    assert text_of(bad, "operation") == "valueOutOfRange"
    assert lab.b.heard_digits == {} and lab.b.ringing()


NOT_BASIC = DUAL.replace(" cti csta mode basic\n", "")


def make_call(lab, prompt=True, calling="201") -> bytes:
    mode = "prompt" if prompt else "doNotPrompt"
    return lab.ask(f'<MakeCall xmlns="{ED3}"><callingDevice>{calling}</callingDevice><calledDirectoryNumber>202'
                   f'</calledDirectoryNumber><autoOriginate>{mode}</autoOriginate></MakeCall>')


def test_prompted_make_call_rings_the_caller_first_and_dials_on_answer():
    lab = Lab(NOT_BASIC)
    try:
        body = make_call(lab)
        assert name_of(body) == "MakeCallResponse"
        call_id = int(text_of(body, "callID"))
        assert lab.a.ringing() and not lab.b.ringing()
        assert lab.calls(1) == {call_id: "prompting"}
        assert lab.events() == [("201", "DeliveredEvent", "makeCall")]
        lab.a.do("answer")  # the user picks up: the number is dialled
        assert lab.b.ringing() and lab.calls(1) == {call_id: "originated"}
        assert lab.by_device() == {
            "201": [("OriginatedEvent", "makeCall"), ("DeliveredEvent", "newCall")],
            "202": [("DeliveredEvent", "newCall")]}
        lab.b.do("answer")
        assert lab.a.call_state(1, call_id) == CallState.CONNECTED
        lab.a.do("on_hook")
        assert lab.idle()
    finally:
        lab.ex.close()


def test_an_unanswered_prompt_ends_and_clear_connection_cancels_it():
    lab = Lab(NOT_BASIC)
    try:
        make_call(lab)
        lab.events()
        for _ in range(18):  # three minutes of ringing, the phones kept alive
            lab.ex.advance(10)
            for phone in (lab.a, lab.b, lab.c):
                phone.do("keepalive")
        assert lab.idle() and not lab.a.ringing()
        assert lab.events() == [("201", "ConnectionClearedEvent", "alertTimeExpired")]
        call_id = text_of(make_call(lab), "callID")
        lab.ask(f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared>{conn(call_id)}'
                '</connectionToBeCleared></ClearConnection>')
        assert lab.idle() and not lab.a.ringing() and not lab.b.ringing()
    finally:
        lab.ex.close()


def test_prompted_make_call_is_refused_where_cme_md_says():
    lab = Lab(DUAL)  # `cti csta mode basic`, and this session is on 201: a MOC-associated phone
    try:
        assert text_of(make_call(lab), "operation") == "requestIncompatibleWithObject"
        assert name_of(make_call(lab, prompt=False)) == "MakeCallResponse"  # doNotPrompt still works
    finally:
        lab.ex.close()
    lab = Lab(NOT_BASIC.replace("type 7960", "type 7921"))  # 202's phone is a 7921
    try:
        assert text_of(make_call(lab, calling="202"), "operation") == "requestIncompatibleWithObject"
        assert lab.idle() and lab.events() == []
    finally:
        lab.ex.close()


def test_requests_that_do_not_fit_the_connections_state(lab):
    """The issue's bad input: each answered with its CSTA error, nothing changed."""
    first = connected_call(lab)
    (far,) = lab.calls(2)
    cases = [
        (f'<AnswerCall xmlns="{ED3}"><callToBeAnswered>{conn(far, "202")}</callToBeAnswered></AnswerCall>',
         "stateIncompatibility", "noCallToAnswer"),  # a second AnswerCall on a connected call
        (f'<DeflectCall xmlns="{ED3}"><callToBeDiverted>{conn(far, "202")}</callToBeDiverted>'
         '<newDestination>203</newDestination></DeflectCall>', "stateIncompatibility", "invalidConnectionState"),
        (f'<RetrieveCall xmlns="{ED3}"><callToBeRetrieved>{conn(first)}</callToBeRetrieved></RetrieveCall>',
         "stateIncompatibility", "noHeldCall"),
        (f'<AlternateCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall><activeCall>{conn(first)}</activeCall>'
         '</AlternateCall>', "stateIncompatibility", "invalidConnectionState"),
        (f'<SingleStepTransferCall xmlns="{ED3}"><activeCall>{conn(first)}</activeCall>'
         '<transferredTo>999</transferredTo></SingleStepTransferCall>', "operation", "invalidDestination"),
        (f'<HoldCall xmlns="{ED3}"><callToBeHeld>{conn(first, "299")}</callToBeHeld></HoldCall>',
         "operation", "invalidDeviceID"),
    ]
    for xml, category, value in cases:
        assert text_of(lab.ask(xml), category) == value, xml
    assert lab.calls(1) == {first: "connected"} and lab.calls(2) == {far: "connected"}
    assert lab.events() == []
