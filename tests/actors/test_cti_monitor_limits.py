"""What monitors may cost (issue 13): one monitor per device per session, `cti max-monitors
per-session N` and `cti max-monitors total N`, the total owned by the gateway and given back
when monitors stop and when sessions end. Shown: 1,000 MonitorStarts in one session turned
one call into 6,000 INFOs."""
import pytest
from lxml import etree

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip.framing import parse_datagram
from sip.message import Request
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, asker, open_manager_session, send, sip

LIMIT = b"<systemResourceAvailibility>overallMonitorLimitExceeded</systemResourceAvailibility>"


def start(dn):
    return f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>{dn}</deviceObject></monitorObject></MonitorStart>'


def xref(body):
    return etree.fromstring(body).findtext(f"{{{ED3}}}monitorCrossRefID")


def monitor_actors(ex):
    return [a for a in ex.runtime.actors() if a.namespace == "cme.monitor"]


@pytest.fixture
def lab():
    ex = Exchange(DEFAULT)
    gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
    yield ex, gateway, flow
    ex.close()


def test_a_thousand_monitor_starts_on_one_device_make_one_monitor_and_one_calls_infos(lab):
    ex, gateway, flow = lab
    a, b = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681")
    tag = open_manager_session(ex, gateway, flow)
    forms = ("201", "tel:201", "sip:201@127.0.0.1")
    ids = set()
    for i in range(1000):
        body = f'<?xml version="1.0"?>{start(forms[i % 3])}'.encode()
        (answer,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=i + 2, body=body))
        ids.add(xref(answer.body))
    assert len(ids) == 1 and len(monitor_actors(ex)) == 1 and gateway.monitors_total == 1
    before = len(flow.sent)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    infos = [m for m in flow.sent[before:] if isinstance(m, Request) and m.method == "INFO"]
    names = [etree.QName(etree.fromstring(m.body)).localname for m in infos]
    assert names == ["ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent"]


def test_the_per_session_cap_refuses_more_and_a_stop_gives_the_slot_back(lab):
    ex, gateway, flow = lab
    ex.config.voip.cti_max_monitors_session = 2
    ask = asker(ex, gateway, flow, open_manager_session(ex, gateway, flow))
    first, second = xref(ask(start("201"))), xref(ask(start("202")))
    assert first and second
    assert LIMIT in ask(start("203"))
    assert len(monitor_actors(ex)) == 2 and gateway.monitors_total == 2
    ask(f'<MonitorStop xmlns="{ED3}"><monitorCrossRefID>{first}</monitorCrossRefID></MonitorStop>')
    ex.settle()
    assert gateway.monitors_total == 1
    assert xref(ask(start("203")))  # the slot came back
    assert xref(ask(start("201"))) != first  # a new monitor: the old one is gone


def open_other_session(ex, gateway, flow, call_id):
    text = sip("INVITE", body=ED3_STATUS).encode().replace(b"cti-1@", call_id.encode() + b"@").replace(
        b"z9hG4bKinvite1", b"z9hG4bK" + call_id.encode())
    (ok,) = send(ex, gateway, flow, parse_datagram(text))
    assert ok.status == 200
    ack = sip("ACK", to_tag=ok.to_tag).encode().replace(b"cti-1@", call_id.encode() + b"@")
    send(ex, gateway, flow, parse_datagram(ack))
    return ok.to_tag


ED3_STATUS = f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="{ED3}"/>'.encode()


def test_the_server_wide_cap_counts_every_session_and_a_session_ending_gives_its_monitors_back(lab):
    ex, gateway, flow = lab
    ex.config.voip.cti_max_monitors_total = 2
    ask = asker(ex, gateway, flow, open_manager_session(ex, gateway, flow))
    assert xref(ask(start("201"))) and xref(ask(start("202")))
    other = Flow()
    other.peer = ("127.0.0.10", 5070)
    tag = open_other_session(ex, gateway, other, "other")
    body = send(ex, gateway, other, parse_datagram(
        sip("INFO", to_tag=tag, cseq=2, body=f'<?xml version="1.0"?>{start("201")}'.encode())
        .encode().replace(b"cti-1@", b"other@")))
    assert LIMIT in body[0].body  # the second session (201's own) finds the server full
    (first_session,) = [sid for sid, (user, f) in gateway.opened.items() if f is flow]
    gateway.clear(first_session)
    ex.settle()
    assert gateway.monitors_total == 0  # its BYE is out: its monitors are given back
    body = send(ex, gateway, other, parse_datagram(
        sip("INFO", to_tag=tag, cseq=3, body=f'<?xml version="1.0"?>{start("201")}'.encode())
        .encode().replace(b"cti-1@", b"other@")))
    assert xref(body[0].body) and gateway.monitors_total == 1
    gateway.core.flow_lost(other)  # the connection closes: the session and its monitor end
    ex.settle()
    assert gateway.monitors_total == 0 and gateway._monitors == {}
