"""Shutdown ends what is on the wire before the listeners close (issue 13 §3).

Service level, in memory on a task.Clock: the real lines, phones (virtual, over the real
SCCP protocol) and CTI gateway. Stopping the service clears every call (monitors get
ConnectionCleared, the phones are shown idle), sends each CTI session BYE after those
events, closes the phones' connections, and only then closes the listeners and stops the
actors; it waits for the BYEs' answers, or 2 s.
"""
import pytest
from lxml import etree
from twisted.application.service import Service

from cme.app import Application
from cme.cti import CTIGateway
from cme.service import CMEService
from cme.testing import Exchange
from sccp.enums import CallState
from sip.framing import parse_datagram
from sip.message import Request
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, asker, open_session

A, B = "SEP001E4A34A35F", "SEP000F8FC7B681"  # conf/cme.cfg's phones on 201 and 202


class Listener(Service):
    """Stands in for a listener: records when it closed."""

    def __init__(self, journal):
        self.journal = journal
        self.setName("fake-listener")

    def stopService(self):
        super().stopService()
        self.journal.append("listener closed")


@pytest.fixture
def lab():
    ex = Exchange(DEFAULT)
    gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
    ask = asker(ex, gateway, flow, open_session(ex, gateway, flow))
    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    assert a.call_state(1, next(iter(a.calls()))[1]) == CallState.CONNECTED
    app = Application(config=ex.config, telephony=ex.telephony, cti=gateway)
    service = CMEService(app, runtime=ex.runtime)
    journal = []
    Listener(journal).setServiceParent(service)
    service.running = 1  # started: the listeners are open
    yield ex, gateway, flow, service, journal, (a, b)
    ex.close()


def sent(flow):
    """(method, CSTA event name or '') of what the application was sent."""
    out = []
    for m in flow.sent:
        if isinstance(m, Request):
            name = etree.QName(etree.fromstring(m.body)).localname if m.body else ""
            out.append((m.method, name))
    return out


def stop(ex, service):
    done = []
    service.stopService().addBoth(done.append)
    ex.settle()
    return done


def test_stop_clears_calls_with_their_events_then_byes_then_closes_the_listeners(lab):
    ex, gateway, flow, service, journal, (a, b) = lab
    before, shown = len(sent(flow)), {p: len(p.received) for p in (a, b)}
    done = stop(ex, service)
    after = sent(flow)[before:]
    assert ("INFO", "ConnectionClearedEvent") in after
    assert after[-1] == ("BYE", "")  # after the events it follows
    for phone in (a, b):  # shown idle, then the connection closed
        told = phone.received[shown[phone]:]
        assert CallState.ON_HOOK in [getattr(m, "call_state", None) for m in told]
        assert all(c.state in (CallState.ON_HOOK, CallState.IDLE) for c in phone.calls().values())
        assert not phone.transport.connected
    assert ex.telephony.connections == set()
    assert not done and journal == []  # waiting for the BYE's answer: listeners still open
    (bye,) = [m for m in flow.sent if isinstance(m, Request) and m.method == "BYE"]
    gateway.core.receive(parse_datagram(bye.response(200).encode()), flow)
    ex.advance(0.05)
    assert done and journal == ["listener closed"]
    assert ex.runtime.actors() == []  # then every actor stopped


def test_a_session_asked_for_while_the_server_drains_gets_503(lab):
    from tests.actors.test_cti_session import STATUS, send, sip

    ex, gateway, flow, service, journal, phones = lab
    stop(ex, service)  # waiting for the BYE's answer
    late = sip("INVITE", body=STATUS, cseq=2, extra="Supported: timer\r\n")
    (answer,) = [r for r in send(ex, gateway, flow, late) if r.status >= 200]
    assert answer.status == 503 and not gateway.sessions


def test_an_application_that_never_answers_the_bye_holds_the_stop_two_seconds_at_most(lab):
    ex, gateway, flow, service, journal, phones = lab
    done = stop(ex, service)
    ex.advance(1.9)
    assert not done and journal == []
    ex.advance(0.1)
    assert done and journal == ["listener closed"] and ex.runtime.actors() == []


def test_a_stop_with_nothing_on_the_wire_is_immediate():
    ex = Exchange(DEFAULT)
    try:
        app = Application(config=ex.config, telephony=ex.telephony,
                          cti=CTIGateway(ex.config, ex.telephony, ex.clock))
        service = CMEService(app, runtime=ex.runtime)
        service.running = 1
        assert stop(ex, service)
    finally:
        ex.close()


def test_a_trunk_call_is_sent_bye_and_the_stop_waits_for_its_answer():
    from tests.cme.test_trunk_calls import TrunkLab, answered, make_call

    lab = TrunkLab()
    try:
        call_id, invite = make_call(lab)
        answered(lab, invite)
        assert lab.trunks.legs
        app = Application(config=lab.ex.config, telephony=lab.ex.telephony, cti=lab.gateway, trunks=lab.trunks)
        service = CMEService(app, runtime=lab.ex.runtime)
        service.running = 1
        done = stop(lab.ex, service)
        (bye,) = lab.far.requests("BYE")
        assert bye.call_id == invite.call_id
        lab.far.answer(bye, 200)
        lab.ex.advance(2.0)  # the CTI session's BYE is never answered here: the bound ends it
        assert done and not lab.trunks.legs
    finally:
        lab.ex.close()
