"""The scope of a CTI session (issue 13): a session opened by an application that is not a
session manager controls and monitors only its To line; a registered cti-aware session
manager may use every cti watch line. The probe's attack: a session opened on 201 made 202
go off-hook and call out, and set 202's DND and forwarding."""
import pytest
from lxml import etree

from actors.cti_scope import SessionScope
from cme.cti import CTIGateway
from cme.testing import Exchange
from sccp.enums import SpeakerMode
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, asker, open_manager_session, open_session

REFUSED = b"<operation>privilegeViolationSpecifiedDevice</operation>"


def name(body):
    return etree.QName(etree.fromstring(body)).localname


@pytest.fixture
def lab():
    ex = Exchange(DEFAULT)
    gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
    a, b = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681")  # 201, 202
    yield ex, gateway, flow, a, b
    ex.close()


def test_a_session_on_201_cannot_drive_or_set_202(lab):
    ex, gateway, flow, a, b = lab
    ask = asker(ex, gateway, flow, open_session(ex, gateway, flow))  # alice, no session manager, on 201
    assert REFUSED in ask(f'<MakeCall xmlns="{ED3}"><callingDevice>202</callingDevice><calledDirectoryNumber>'
                          '9000</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
    ex.settle()
    assert b.speaker != SpeakerMode.ON and not b.in_call()  # 202 stayed on-hook
    assert REFUSED in ask(f'<SetDoNotDisturb xmlns="{ED3}"><device>202</device>'
                          '<doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>')
    assert REFUSED in ask(f'<SetForwarding xmlns="{ED3}"><device>202</device><forwardingType>forwardImmediate'
                          '</forwardingType><activateForward>true</activateForward><forwardDN>2424</forwardDN>'
                          '</SetForwarding>')
    assert REFUSED in ask(f'<SetMessageWaitingIndicator xmlns="{ED3}"><device>202</device>'
                          '<messageWaitingOn>true</messageWaitingOn></SetMessageWaitingIndicator>')
    ex.settle()
    dn202 = ex.config.ephone_dns[2]
    assert not dn202.do_not_disturb and dn202.call_forward_all is None
    for xml in (f'<GetDoNotDisturb xmlns="{ED3}"><device>202</device></GetDoNotDisturb>',
                f'<GetForwarding xmlns="{ED3}"><device>202</device></GetForwarding>',
                f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>202</snapshotObject></SnapshotDevice>',
                f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>tel:202</deviceObject>'
                '</monitorObject></MonitorStart>'):
        assert REFUSED in ask(xml), xml
    (session,) = [x for x in ex.runtime.actors() if x.namespace == "cme.cti.session"]
    assert session.monitors == {}
    # a number that is no line is still invalidDeviceID, as for any session
    assert b"invalidDeviceID" in ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>299</device></GetDoNotDisturb>')


def test_a_call_on_202_cannot_be_answered_held_or_cleared_from_201s_session(lab):
    ex, gateway, flow, a, b = lab
    ask = asker(ex, gateway, flow, open_session(ex, gateway, flow))
    made = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice><calledDirectoryNumber>202'
               '</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
    assert name(made) == "MakeCallResponse"  # its own line, to another line: a destination is allowed
    assert b.ringing()
    (ring,) = [c for c in b.calls().values() if c.state == 4]
    at_202 = f'<callID>{ring.callref}</callID><deviceID>202</deviceID>'
    for xml in (f'<AnswerCall xmlns="{ED3}"><callToBeAnswered>{at_202}</callToBeAnswered></AnswerCall>',
                f'<DeflectCall xmlns="{ED3}"><callToBeDiverted>{at_202}</callToBeDiverted>'
                '<newDestination>203</newDestination></DeflectCall>',
                f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared>{at_202}</connectionToBeCleared>'
                '</ClearConnection>'):
        assert REFUSED in ask(xml), xml
    assert b.ringing()  # untouched
    call_id = etree.fromstring(made).findtext(f".//{{{ED3}}}callID")
    ask(f'<ClearConnection xmlns="{ED3}"><connectionToBeCleared><callID>{call_id}</callID><deviceID>201'
        '</deviceID></connectionToBeCleared></ClearConnection>')
    assert not a.in_call() and not b.in_call()


def test_a_registered_cti_aware_session_manager_may_use_every_watched_line(lab):
    ex, gateway, flow, a, b = lab
    ask = asker(ex, gateway, flow, open_manager_session(ex, gateway, flow))
    assert name(ask(f'<SetDoNotDisturb xmlns="{ED3}"><device>202</device>'
                    '<doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>')) == "SetDoNotDisturbResponse"
    ex.settle()
    assert ex.config.ephone_dns[2].do_not_disturb
    assert name(ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>202</deviceObject>'
                    '</monitorObject></MonitorStart>')) == "MonitorStartResponse"
    ex.config.ephone_dns[2].cti_watch_own = False  # and still only cti watch lines
    assert REFUSED in ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>202</device></GetDoNotDisturb>')


def test_the_gateway_scopes_a_session_to_every_number_of_its_to_line():
    text = DEFAULT.replace("ephone-dn 1\n number 201", "ephone-dn 1\n number 201 secondary 2201")
    ex = Exchange(text)
    try:
        gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
        open_session(ex, gateway, flow)
        (session,) = [x for x in ex.runtime.actors() if x.namespace == "cme.cti.session"]
        assert session.scope == SessionScope.line(["201", "2201"])
    finally:
        ex.close()


def test_scope_values():
    line = SessionScope.line(["201"])
    assert line.allows("201") and not line.allows("202") and str(line) == "line 201"
    manager = SessionScope.session_manager("apps")
    assert manager.allows("202") and "apps" in str(manager)
