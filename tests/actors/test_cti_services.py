"""CSTA feature services through a session: the same line messages and events as the keys."""
import pytest
from lxml import etree

from cme.cti import CTIGateway
from cme.testing import Exchange
from sccp.enums import CallState, LampMode, Stimulus
from sip.message import Request
from tests.actors.test_cti_consult import DUAL, Lab, conn
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, asker, open_manager_session


@pytest.fixture
def session():
    ex = Exchange(DEFAULT)
    gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
    ask = asker(ex, gateway, flow, open_manager_session(ex, gateway, flow))  # acts on every line
    yield ex, gateway, flow, ask
    ex.close()


def text(body, name):
    root = etree.fromstring(body)
    found = root.find(f".//{{{ED3}}}{name}")
    return None if found is None else found.text


def events(flow):
    return [etree.QName(etree.fromstring(m.body)).localname for m in flow.sent
            if isinstance(m, Request) and m.method == "INFO"]


def test_do_not_disturb_get_set_and_its_event(session):
    ex, gateway, flow, ask = session
    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
    assert text(ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>201</device></GetDoNotDisturb>'), "doNotDisturbOn") == "false"
    body = ask(f'<SetDoNotDisturb xmlns="{ED3}"><device>201</device><doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>')
    assert etree.QName(etree.fromstring(body)).localname == "SetDoNotDisturbResponse"
    assert ex.config.ephone_dns[1].do_not_disturb
    assert text(ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>201</device></GetDoNotDisturb>'), "doNotDisturbOn") == "true"
    assert events(flow) == ["DoNotDisturbEvent"]


def test_forwarding_get_set_and_types(session):
    ex, gateway, flow, ask = session
    ask(f'<SetForwarding xmlns="{ED3}"><device>201</device><forwardingType>forwardImmediate</forwardingType>'
        '<activateForward>true</activateForward><forwardDN>2424</forwardDN></SetForwarding>')
    assert ex.config.ephone_dns[1].call_forward_all == "2424"
    got = ask(f'<GetForwarding xmlns="{ED3}"><device>201</device></GetForwarding>')
    assert (text(got, "forwardingType"), text(got, "forwardStatus"), text(got, "forwardDN")) == (
        "forwardImmediate", "true", "2424")
    bad = ask(f'<SetForwarding xmlns="{ED3}"><device>201</device><forwardingType>forwardBusy</forwardingType>'
              '<activateForward>true</activateForward><forwardDN>2424</forwardDN></SetForwarding>')
    assert text(bad, "operation") == "invalidForwardingType"


def test_message_waiting_lights_the_phone_lamp(session):
    ex, gateway, flow, ask = session
    phone = ex.phone("SEP001E4A34A35F")
    ask(f'<SetMessageWaitingIndicator xmlns="{ED3}"><device>201</device>'
        '<messageWaitingOn>true</messageWaitingOn></SetMessageWaitingIndicator>')
    assert phone.lamps[(Stimulus.VOICEMAIL, 0)] == LampMode.ON


def snapshot(ask, dn: str) -> list[tuple[int, str, str]]:
    """A SnapshotDeviceResponse read element by element, each exactly where the schema puts
    it: (callID, deviceID, localConnectionState) of every snapshotDeviceResponseInfo."""
    def only(parent, name):
        assert [etree.QName(c).localname for c in parent] == [name], etree.tostring(parent)
        return parent[0]

    root = etree.fromstring(ask(f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>{dn}</snapshotObject></SnapshotDevice>'))
    assert root.tag == f"{{{ED3}}}SnapshotDeviceResponse"
    items = []
    for info in only(only(root, "crossRefIDorSnapshotData"), "snapshotData"):
        assert [etree.QName(c).localname for c in info] == ["connectionIdentifier", "localCallState"]
        ident, local = info
        assert [etree.QName(c).localname for c in ident] == ["callID", "deviceID"]
        state = only(only(local, "compoundCallState"), "localConnectionState")
        assert len(state) == 0
        items.append((int(ident[0].text), ident[1].text, state.text))
    return sorted(items)


def shown(phone) -> dict[int, CallState]:
    """The phone's own view: call reference (the line's CSTA callID) -> SCCP call state."""
    return {callref: call.state for (_, callref), call in phone.calls().items()}


def test_snapshot_device_lists_the_calls_and_states():
    lab = Lab(DUAL)  # 201 is dual-line: a second call can ring while the first is up
    try:
        ask, a, b, c = lab.ask, lab.a, lab.b, lab.c
        made = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice><calledDirectoryNumber>202'
                   '</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
        first = int(text(made, "callID"))
        b.do("answer")
        c.do("off_hook").do("dial", "201")
        lab.events()
        (second,) = set(shown(a)) - {first}
        assert shown(a) == {first: CallState.CONNECTED, second: CallState.CALL_WAITING}
        (far,), (caller,) = shown(b), shown(c)
        assert snapshot(ask, "201") == sorted([(first, "201", "connected"), (second, "201", "alerting")])
        assert snapshot(ask, "202") == [(far, "202", "connected")]
        assert snapshot(ask, "203") == [(caller, "203", "connected")]  # ringback: originated

        ask(f'<HoldCall xmlns="{ED3}"><callToBeHeld>{conn(first)}</callToBeHeld></HoldCall>')
        ask(f'<AnswerCall xmlns="{ED3}"><callToBeAnswered>{conn(second)}</callToBeAnswered></AnswerCall>')
        lab.events()
        assert shown(a) == {first: CallState.HOLD, second: CallState.CONNECTED}
        assert snapshot(ask, "201") == sorted([(first, "201", "hold"), (second, "201", "connected")])
        assert snapshot(ask, "202") == [(far, "202", "connected")]  # the held party stays connected
        assert snapshot(ask, "203") == [(caller, "203", "connected")]

        b.do("on_hook")
        c.do("on_hook")
        lab.events()
        assert snapshot(ask, "201") == snapshot(ask, "202") == snapshot(ask, "203") == []
    finally:
        lab.ex.close()


def test_device_checks(session):
    ex, gateway, flow, ask = session
    ex.config.ephone_dns[2].cti_watch_own = False
    assert text(ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>299</device></GetDoNotDisturb>'), "operation") == "invalidDeviceID"
    assert text(ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>202</device></GetDoNotDisturb>'),
                "operation") == "privilegeViolationSpecifiedDevice"


def test_make_call_answer_hold_retrieve_clear_by_cti(session):
    ex, gateway, flow, ask = session
    a, b = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681")
    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
    made = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice>'
               '<calledDirectoryNumber>202</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
    assert etree.QName(etree.fromstring(made)).localname == "MakeCallResponse"
    call_id = text(made, "callID")
    assert b.ringing() and a.speaker == 1  # the calling phone went off-hook on its speaker
    (ring,) = [c for c in b.calls().values() if c.state == 4]
    answered = ask(f'<AnswerCall xmlns="{ED3}"><callToBeAnswered><callID>{ring.callref}</callID>'
                   '<deviceID>202</deviceID></callToBeAnswered></AnswerCall>')
    assert etree.QName(etree.fromstring(answered)).localname == "AnswerCallResponse"
    assert len(a.transmissions) == 1 and len(b.transmissions) == 1
    conn = f'<callID>{call_id}</callID><deviceID>201</deviceID>'
    ask(f'<HoldCall xmlns="{ED3}"><callToBeHeld>{conn}</callToBeHeld></HoldCall>')
    assert not a.transmissions
    ask(f'<RetrieveCall xmlns="{ED3}"><callToBeRetrieved>{conn}</callToBeRetrieved></RetrieveCall>')
    assert len(a.transmissions) == 1
    ask(f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared>{conn}</connectionToBeCleared></ClearConnection>')
    assert not a.in_call() and not b.in_call()
    names = events(flow)
    assert names[:4] == ["ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent"]
    assert "HeldEvent" in names and "RetrievedEvent" in names and names[-1] == "ConnectionClearedEvent"
    first = [m for m in flow.sent if isinstance(m, Request) and m.method == "INFO"][0]
    assert text(first.body, "cause") == "makeCall"


def test_call_control_errors(session):
    ex, gateway, flow, ask = session
    ex.phone("SEP001E4A34A35F")
    bad = ask(f'<AnswerCall xmlns="{ED3}"><callToBeAnswered><callID>999</callID>'
              '<deviceID>201</deviceID></callToBeAnswered></AnswerCall>')
    assert text(bad, "operation") == "invalidCallID"  # no call 999 anywhere
    ex.phone("SEP000F8FC7B681").do("off_hook")  # 202 starts a call: its call id is not 201's
    (theirs,) = ex.telephony.board.lines[2].calls
    bad = ask(f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared><callID>{theirs}</callID>'
              '<deviceID>201</deviceID></connectionToBeCleared></ClearConnection>')
    assert text(bad, "operation") == "invalidConnectionID"
    assert list(ex.telephony.board.lines[2].calls) == [theirs]  # untouched
    bad = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice>'
              '<calledDirectoryNumber>999</calledDirectoryNumber></MakeCall>')
    assert text(bad, "operation") == "invalidCalledDeviceID"
    bad = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>299</callingDevice>'
              '<calledDirectoryNumber>202</calledDirectoryNumber></MakeCall>')
    assert text(bad, "operation") == "invalidCallingDeviceID"


def ring_call(phone):
    (ring,) = [c for c in phone.calls().values() if c.state == 4]
    return ring.callref


def test_deflect_sends_a_ringing_call_on(session):
    ex, gateway, flow, ask = session
    a, b, c = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681"), ex.phone("SEP0019E7FF1E30")
    a.do("off_hook").do("dial", "202")
    done = ask(f'<DeflectCall xmlns="{ED3}"><callToBeDiverted><callID>{ring_call(b)}</callID><deviceID>202'
               '</deviceID></callToBeDiverted><newDestination>203</newDestination></DeflectCall>')
    assert etree.QName(etree.fromstring(done)).localname == "DeflectCallResponse"
    assert not b.ringing() and c.ringing()
    c.do("answer")
    assert len(a.transmissions) == 1 and len(c.transmissions) == 1


def test_single_step_transfer_alternate_and_reconnect(session):
    ex, gateway, flow, ask = session
    a, b, c = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681"), ex.phone("SEP0019E7FF1E30")
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    (call,) = [x for x in b.calls().values() if x.state == 5]
    moved = ask(f'<SingleStepTransferCall xmlns="{ED3}"><activeCall><callID>{call.callref}</callID>'
                '<deviceID>202</deviceID></activeCall><transferredTo>203</transferredTo></SingleStepTransferCall>')
    assert etree.QName(etree.fromstring(moved)).localname == "SingleStepTransferCallResponse"
    assert not b.in_call() and c.ringing()
    c.do("answer")
    assert len(a.transmissions) == 1 and len(c.transmissions) == 1
    a.do("on_hook")
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_alternate_and_reconnect_on_a_dual_line_dn():
    lab = Lab(DUAL)
    try:
        ex, ask, a, b, c = lab.ex, lab.ask, lab.a, lab.b, lab.c
        b.do("off_hook").do("dial", "201")
        a.do("answer")
        a.do("hold")
        c.do("off_hook").do("dial", "201")
        a.do("answer")
        lines = {v.state: v.call_id for v in ex.telephony.board.lines[1].calls.values()}
        held, active = lines["hold"], lines["connected"]
        body = ask(f'<AlternateCall xmlns="{ED3}"><heldCall>{conn(held)}</heldCall>'
                   f'<activeCall>{conn(active)}</activeCall></AlternateCall>')
        assert etree.QName(etree.fromstring(body)).localname == "AlternateCallResponse"
        states = {cid: v.state for cid, v in ex.telephony.board.lines[1].calls.items()}
        assert states == {held: "connected", active: "hold"}
        body = ask(f'<ReconnectCall xmlns="{ED3}"><activeCall>{conn(held)}</activeCall>'
                   f'<heldCall>{conn(active)}</heldCall></ReconnectCall>')
        assert etree.QName(etree.fromstring(body)).localname == "ReconnectCallResponse"
        assert {v.state for v in ex.telephony.board.lines[1].calls.values()} == {"connected"}
        assert not b.in_call() and c.in_call()
    finally:
        lab.ex.close()


@pytest.mark.parametrize("target", ["", "201", "sip:alice@example.com", "12345678901234567890123456789012", "20a"])
def test_forwarding_to_an_invalid_number_is_refused_and_changes_nothing(session, target):
    ex, gateway, flow, ask = session
    bad = ask(f'<SetForwarding xmlns="{ED3}"><device>201</device><forwardingType>forwardImmediate</forwardingType>'
              f'<activateForward>true</activateForward><forwardDN>{target}</forwardDN></SetForwarding>')
    assert text(bad, "operation") == "invalidForwardingDestination"
    assert ex.config.ephone_dns[1].call_forward_all is None and events(flow) == []


def test_a_cti_notify_line_with_no_phone_originates_on_its_own(session):
    ex, gateway, flow, ask = session
    b = ex.phone("SEP000F8FC7B681")
    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>204</deviceObject></monitorObject></MonitorStart>')
    made = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>204</callingDevice>'
               '<calledDirectoryNumber>202</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
    assert text(made, "deviceID") == "204"
    b.do("answer")
    assert b.in_call()
    prompt = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>204</callingDevice>'
                 '<calledDirectoryNumber>203</calledDirectoryNumber><autoOriginate>prompt</autoOriginate></MakeCall>')
    assert text(prompt, "operation") == "requestIncompatibleWithObject"  # no phone to ring
    ask(f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared><callID>{text(made, "callID")}</callID>'
        '<deviceID>204</deviceID></connectionToBeCleared></ClearConnection>')
    assert not b.in_call() and ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    assert events(flow) == ["ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent",
                            "ConnectionClearedEvent", "ConnectionClearedEvent"]
