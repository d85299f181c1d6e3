"""A CTI session end to end in memory: SIP requests in, CSTA responses and events out."""
from pathlib import Path

import pytest
from lxml import etree

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip.framing import parse_datagram
from sip.message import Request, Response

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "conf" / "cme.cfg").read_text()
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"


class Flow:
    reliable = True
    transport_name = "TCP"
    peer = ("127.0.0.9", 5070)

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(parse_datagram(message.encode()))  # as the application reads it


def sip(method, *, to_tag=None, cseq=1, body=b"", ctype="application/csta+xml", to="201", extra=""):
    text = (f"{method} sip:{to}@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP 127.0.0.9:5070;branch=z9hG4bK{method.lower()}{cseq}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:alice@apps.example>;tag=app1\r\n"
            f"To: <sip:{to}@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "") + "\r\n"
            "Call-ID: cti-1@127.0.0.9\r\n"
            f"CSeq: {cseq} {method}\r\n"
            "Contact: <sip:alice@127.0.0.9:5070;transport=tcp>\r\n"
            + (f"Content-Type: {ctype}\r\n" if body else "") + extra
            + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    message = parse_datagram(text)
    assert isinstance(message, Request)
    return message


def csta(xml):
    return f'<?xml version="1.0" encoding="UTF-8"?>{xml}'.encode()


STATUS = csta(f'<RequestSystemStatus xmlns="{ED3}"/>')


@pytest.fixture
def lab():
    ex = Exchange(DEFAULT)
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    flow = Flow()
    yield ex, gateway, flow
    ex.close()


def send(ex, gateway, flow, message):
    before = len(flow.sent)
    gateway.core.receive(message, flow)
    ex.settle()
    return flow.sent[before:]


def asker(ex, gateway, flow, tag):
    """`ask(xml)`: a CSTA request in an INFO of the session `tag`; the body of its 200."""
    cseq = iter(range(2, 1000))

    def ask(xml):
        number = next(cseq)
        out = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=number, body=csta(xml)))
        (answer,) = [m for m in out if not isinstance(m, Request) and m.cseq.number == number]
        assert answer.status == 200
        return answer.body

    return ask


def open_session(ex, gateway, flow):
    (ok,) = send(ex, gateway, flow, sip("INVITE", body=STATUS, extra="Supported: timer\r\n"))
    assert ok.status == 200 and b"<systemStatus>normal</systemStatus>" in ok.body
    send(ex, gateway, flow, sip("ACK", to_tag=ok.to_tag))
    return ok.to_tag


def open_manager_session(ex, gateway, flow):
    """open_session as `alice` (sip()'s From user) registered as a cti-aware session
    manager: its session may use every cti watch line (anyone else's only its To line)."""
    from conf.model import SessionServer

    ex.config.session_servers[8] = SessionServer(8, register_id="alice", keepalive=3600, cti_aware=True)
    register = parse_datagram(
        ("REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n"
         "Via: SIP/2.0/TCP 127.0.0.9:5070;branch=z9hG4bKregalice\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=r1\r\nTo: <sip:alice@127.0.0.1>\r\n"
         "Call-ID: reg-alice@127.0.0.9\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.9:5070>\r\n"
         "Content-Length: 0\r\n\r\n").encode())
    (registered,) = send(ex, gateway, flow, register)
    assert registered.status == 200
    flow.sent.remove(registered)
    return open_session(ex, gateway, flow)


def test_invite_features_monitor_events_and_bye(lab):
    ex, gateway, flow = lab
    tag = open_session(ex, gateway, flow)
    (status,) = gateway.status.values()
    assert (status.user, status.line, status.state, status.transport) == ("alice", "201", "active", "TCP")
    (features,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2,
                                               body=csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')))
    assert features.status == 200 and b"<makeCall/>" in features.body and b"<transferred/>" in features.body
    start = csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>tel:201</deviceObject>'
                 '</monitorObject></MonitorStart>')
    (started,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=3, body=start))
    assert b"<MonitorStartResponse" in started.body
    xref = started.body.split(b"<monitorCrossRefID>")[1].split(b"<")[0].decode()
    a, b = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681")
    before = len(flow.sent)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    infos = [m for m in flow.sent[before:] if isinstance(m, Request) and m.method == "INFO"]
    names = [etree.QName(etree.fromstring(m.body)).localname for m in infos]
    assert names == ["ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent"]
    assert all(f"<monitorCrossRefID>{xref}</monitorCrossRefID>".encode() in m.body for m in infos)
    assert [m.cseq.number for m in infos] == [1, 2, 3, 4]  # our CSeq, in order, in the dialog
    assert all(m.to_tag == "app1" and m.from_tag == tag for m in infos)
    for info in infos:  # the application answers each event
        send(ex, gateway, flow, parse_datagram(info.response(200).encode()))
    (bye_ok,) = send(ex, gateway, flow, sip("BYE", to_tag=tag, cseq=4))
    assert bye_ok.status == 200
    assert gateway.status == {} and len(gateway.dialogs) == 0
    line = ex.telephony.lines[1]._actor_weakref()
    assert line.subscribers == []  # the monitor unsubscribed when the session ended
    (late,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=5, body=start))
    assert late.status == 481


@pytest.mark.parametrize("change,status", [
    (lambda cfg, req: setattr(cfg.voip, "cti_shutdown", True), 503),
    (lambda cfg, req: None, 404),
])
def test_refusals(lab, change, status):
    ex, gateway, flow = lab
    change(ex.config, None)
    request = sip("INVITE", body=STATUS, to="201" if status != 404 else "299")
    (answer,) = send(ex, gateway, flow, request)
    assert answer.status == status and gateway.status == {}


def test_refusals_for_watch_body_and_type(lab):
    ex, gateway, flow = lab
    ex.config.ephone_dns[2].cti_watch_own = False
    assert send(ex, gateway, flow, sip("INVITE", body=STATUS, to="202"))[0].status == 403
    assert send(ex, gateway, flow, sip("INVITE", cseq=2))[0].status == 400
    assert send(ex, gateway, flow, sip("INVITE", cseq=3, body=b"hello", ctype="text/plain"))[0].status == 415
    assert send(ex, gateway, flow, sip("INVITE", cseq=4, body=csta(f'<MonitorStart xmlns="{ED3}"/>')))[0].status == 400


def test_monitor_start_errors(lab):
    ex, gateway, flow = lab
    tag = open_session(ex, gateway, flow)
    bad = csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>299</deviceObject>'
               '</monitorObject></MonitorStart>')
    (answer,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2, body=bad))
    assert b"<operation>invalidDeviceID</operation>" in answer.body
    (answer,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=3,
                                             body=csta(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice>'
                                                       '<calledDirectoryNumber>202</calledDirectoryNumber></MakeCall>')))
    assert b"<systemResourceAvailibility>deviceOutOfService" in answer.body  # 201 has no phone up
    digits = csta(f'<GenerateDigits xmlns="{ED3}"><connectionToSendDigits><callID>1</callID><deviceID>201'
                  '</deviceID></connectionToSendDigits><charactersToSend>12</charactersToSend></GenerateDigits>')
    (answer,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=4, body=digits))
    assert b"<operation>invalidCallID</operation>" in answer.body  # no such call


def test_session_timer_expiry_sends_bye_and_ends_the_session(lab):
    ex, gateway, flow = lab
    open_session(ex, gateway, flow)
    ex.advance(1800)
    byes = [m for m in flow.sent if isinstance(m, Request) and m.method == "BYE"]
    assert len(byes) == 1 and gateway.status == {}


def test_clear_cti_session_from_the_cli_side(lab):
    ex, gateway, flow = lab
    open_session(ex, gateway, flow)
    (session_id,) = gateway.status
    assert gateway.clear(session_id)
    ex.settle()
    assert [m.method for m in flow.sent if isinstance(m, Request)] == ["BYE"]
    assert gateway.status == {} and not gateway.clear(session_id)


def test_show_and_clear_cti_session_commands(lab):
    import types

    from cme.cli import builtin, cti
    from cme.cli.testing import run

    ex, gateway, flow = lab
    open_session(ex, gateway, flow)
    app = types.SimpleNamespace(config=ex.config, board=ex.telephony.board, hostname="cme", cti=gateway)
    table = cti.register(builtin.default_table())
    text = run(table, "show cti session", app).output
    header, row = text.splitlines()
    assert header.split() == ["ID", "Peer", "Transport", "User", "Line", "State", "Monitors", "Expires", "Events"]
    assert row.split() == ["1", "127.0.0.9:5070", "TCP", "alice", "201", "ACTIVE", "0", "1768s", "0"]
    assert "cleared" in run(table, "clear cti session id 1", app).output
    ex.settle()
    assert run(table, "show cti session", app).output.strip().count("\n") == 0
    assert "No CTI session 7" in run(table, "clear cti session id 7", app).output


def test_the_applications_connection_closing_ends_its_session(lab):
    ex, gateway, flow = lab
    open_session(ex, gateway, flow)
    gateway.core.flow_lost(flow)
    ex.settle()
    assert gateway.status == {} and len(gateway.dialogs) == 0


class UdpFlow(Flow):
    reliable = False
    transport_name = "UDP"


def test_over_udp_the_200_ok_is_resent_until_the_ack():
    ex = Exchange(DEFAULT)
    try:
        gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), UdpFlow()
        gateway.core.verified.add(flow.peer)  # it has shown it receives what we send
        (ok,) = send(ex, gateway, flow, sip("INVITE", body=STATUS))
        ex.advance(0.5)
        ex.advance(1)
        assert [m.status for m in flow.sent] == [200, 200, 200]  # T1, then 2*T1
        send(ex, gateway, flow, sip("ACK", to_tag=ok.to_tag))
        ex.advance(40)
        assert len(flow.sent) == 3 and [s.state for s in gateway.status.values()] == ["active"]
    finally:
        ex.close()


def test_over_udp_no_ack_ends_the_session_with_bye():
    ex = Exchange(DEFAULT)
    try:
        gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), UdpFlow()
        gateway.core.verified.add(flow.peer)  # it has shown it receives what we send
        send(ex, gateway, flow, sip("INVITE", body=STATUS))
        for _ in range(70):
            ex.advance(0.5)
        requests = {(m.method, m.cseq.number) for m in flow.sent if isinstance(m, Request)}
        assert requests == {("BYE", 1)} and gateway.status == {}  # one BYE (retransmitted over UDP)
    finally:
        ex.close()


def test_suppress_conversion_echoes_the_applications_device_ids():
    text = DEFAULT.replace(" cti csta mode basic", " cti csta mode basic\n cti message device-id suppress-conversion")
    ex = Exchange(text)
    try:
        assert ex.config.voip.suppress_conversion
        gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
        tag = open_session(ex, gateway, flow)
        start = csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>tel:201</deviceObject>'
                     '</monitorObject></MonitorStart>')
        send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2, body=start))
        ex.phone("SEP001E4A34A35F").do("off_hook")
        (event,) = [m for m in flow.sent if isinstance(m, Request) and m.method == "INFO"]
        assert b"<deviceID>tel:201</deviceID>" in event.body
        assert b"<initiatingDevice><deviceIdentifier>tel:201</deviceIdentifier>" in event.body
    finally:
        ex.close()


def test_a_flood_of_invites_is_capped_and_leaves_nothing_behind(lab):
    from sip.dialog import DialogTable

    ex, gateway, flow = lab
    gateway.dialogs = DialogTable(limit=50)
    statuses = []
    for i in range(60):
        # each INVITE its own Call-ID and branch: 60 applications at once
        text = sip("INVITE", body=STATUS).encode().replace(b"cti-1@", f"flood{i}@".encode()).replace(
            b"z9hG4bKinvite1", f"z9hG4bKflood{i}".encode())
        (answer,) = send(ex, gateway, flow, parse_datagram(text))
        statuses.append(answer.status)
    assert statuses.count(200) == 50 and statuses.count(503) == 10
    ex.advance(33)  # none was ACKed: every session ends (64*T1) and takes its dialog along
    assert gateway.status == {} and len(gateway.dialogs) == 0 and gateway.sessions == {}
    assert [a for a in ex.runtime.actors() if a.namespace == "cme.cti.session"] == []


def test_without_suppress_conversion_device_ids_are_plain_numbers(lab):
    ex, gateway, flow = lab
    tag = open_session(ex, gateway, flow)
    start = csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>tel:201</deviceObject>'
                 '</monitorObject></MonitorStart>')
    send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2, body=start))
    ex.phone("SEP001E4A34A35F").do("off_hook")
    (event,) = [m for m in flow.sent if isinstance(m, Request) and m.method == "INFO"]
    assert b"<deviceID>201</deviceID>" in event.body


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
          b']><GetCSTAFeatures xmlns="' + ED3.encode() + b'">&lol2;</GetCSTAFeatures>')


@pytest.mark.parametrize("body,status,inside", [
    (LAUGHS, 400, b""),  # refused, never expanded
    (b"<not xml", 400, b""),
    (csta(f'<FlyToTheMoon xmlns="{ED3}"/>'), 200, b"<CSTAErrorCode"),
    (csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>202</deviceObject>'
          '</monitorObject></MonitorStart>'), 200, b"<operation>privilegeViolationSpecifiedDevice</operation>"),
], ids=["billion-laughs", "not-xml", "unknown-request", "unwatched-device"])
def test_bad_csta_in_a_session_gets_a_clear_answer_and_the_session_lives(lab, body, status, inside):
    ex, gateway, flow = lab
    ex.config.ephone_dns[2].cti_watch_own = False
    tag = open_session(ex, gateway, flow)
    (answer,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2, body=body))
    assert answer.status == status and inside in answer.body
    (features,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=3,
                                               body=csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')))
    assert features.status == 200  # the session goes on


def test_info_outside_any_dialog_gets_481(lab):
    ex, gateway, flow = lab
    (answer,) = send(ex, gateway, flow, sip("INFO", to_tag="nobody", cseq=2, body=csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')))
    assert answer.status == 481


def test_t1_is_configurable_and_the_retransmissions_follow_it():
    from sip.timers import Timers

    ex = Exchange(DEFAULT)
    try:
        gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock, timers=Timers(t1=0.1)), UdpFlow()
        gateway.core.verified.add(flow.peer)
        send(ex, gateway, flow, sip("INVITE", body=STATUS))
        ex.advance(0.1)
        ex.advance(0.2)
        assert [m.status for m in flow.sent] == [200, 200, 200]  # T1 = 100 ms, then 200 ms
        for _ in range(70):
            ex.advance(0.1)
        assert gateway.status == {}  # 64 x T1 = 6.4 s without an ACK
    finally:
        ex.close()


# -- terminating: the session waits for the answer to its BYE (RFC 3261 §15.1.1) ---------------
def sessions_alive(ex):
    return [a for a in ex.runtime.actors() if a.namespace == "cme.cti.session"]


def clear_and_get_bye(ex, gateway, flow):
    tag = open_session(ex, gateway, flow)
    (session_id,) = gateway.status
    assert gateway.clear(session_id)
    ex.settle()
    (bye,) = [m for m in flow.sent if isinstance(m, Request) and m.method == "BYE"]
    return tag, bye


def test_the_session_waits_in_terminating_and_ends_on_the_200_to_its_bye(lab):
    ex, gateway, flow = lab
    tag, bye = clear_and_get_bye(ex, gateway, flow)
    (session,) = sessions_alive(ex)
    assert session.state == "terminating" and len(gateway.dialogs) == 1
    assert gateway.status == {} and gateway.sessions == {}  # no longer shown or clearable
    send(ex, gateway, flow, parse_datagram(bye.response(200).encode()))
    assert sessions_alive(ex) == [] and len(gateway.dialogs) == 0


def test_with_no_answer_to_its_bye_the_session_ends_on_timer_f(lab):
    ex, gateway, flow = lab
    clear_and_get_bye(ex, gateway, flow)
    ex.advance(31.9)
    assert [s.state for s in sessions_alive(ex)] == ["terminating"]
    ex.advance(0.1)  # Timer F: 64*T1
    assert sessions_alive(ex) == [] and len(gateway.dialogs) == 0


def test_a_second_clear_in_terminating_sends_no_second_bye(lab):
    from actors.cti_session import Clear, Expire

    ex, gateway, flow = lab
    clear_and_get_bye(ex, gateway, flow)
    (session,) = sessions_alive(ex)
    assert not gateway.clear(session.session_id)
    session.actor_ref.tell(Clear("again"))
    session.actor_ref.tell(Expire(session._expiry_token))
    ex.settle()
    assert [m.method for m in flow.sent if isinstance(m, Request)] == ["BYE"]
    assert session.state == "terminating" and session.actor_ref.is_alive()


@pytest.mark.parametrize("method", ["INFO", "BYE", "INVITE"])
def test_requests_in_terminating_get_481_and_change_nothing(lab, method):
    ex, gateway, flow = lab
    tag, bye = clear_and_get_bye(ex, gateway, flow)
    (session,) = sessions_alive(ex)
    cseq = session.dialog.remote_cseq
    (answer,) = send(ex, gateway, flow, sip(method, to_tag=tag, cseq=cseq + 1,
                                             body=csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')))
    assert answer.status == 481
    assert session.state == "terminating" and session.dialog.remote_cseq == cseq
    send(ex, gateway, flow, parse_datagram(bye.response(200).encode()))
    assert sessions_alive(ex) == []


def test_the_connection_closing_in_terminating_ends_the_session_at_once(lab):
    ex, gateway, flow = lab
    clear_and_get_bye(ex, gateway, flow)
    gateway.core.flow_lost(flow)
    ex.settle()
    assert sessions_alive(ex) == [] and len(gateway.dialogs) == 0


def test_session_timer_expiry_waits_for_the_byes_answer_too(lab):
    ex, gateway, flow = lab
    open_session(ex, gateway, flow)
    ex.advance(1800)
    (bye,) = [m for m in flow.sent if isinstance(m, Request) and m.method == "BYE"]
    assert [s.state for s in sessions_alive(ex)] == ["terminating"]
    send(ex, gateway, flow, parse_datagram(bye.response(481).encode()))  # any final answer
    assert sessions_alive(ex) == [] and len(gateway.dialogs) == 0


def test_the_session_not_the_gateway_checks_cseq_order(lab):
    ex, gateway, flow = lab
    tag = open_session(ex, gateway, flow)
    features = csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')
    assert send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=5, body=features))[0].status == 200
    (stale,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=4, body=features))
    assert (stale.status, stale.reason) == (500, "CSeq Out of Order")
    (session,) = sessions_alive(ex)
    assert session.state == "active" and session.dialog.remote_cseq == 5


def test_over_udp_a_clear_before_the_ack_stops_the_200_ok_retransmission():
    ex = Exchange(DEFAULT)
    try:
        gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), UdpFlow()
        send(ex, gateway, flow, sip("INVITE", body=STATUS))
        (session_id,) = gateway.status
        gateway.clear(session_id)
        ex.settle()
        ex.advance(0.5)
        ex.advance(1)
        statuses = [m.status for m in flow.sent if isinstance(m, Response)]
        assert statuses == [200]  # sent once; the BYE (retransmitted on UDP) is what follows
        assert {m.method for m in flow.sent if isinstance(m, Request)} == {"BYE"}
        for _ in range(70):
            ex.advance(0.5)
        assert sessions_alive(ex) == [] and len(gateway.dialogs) == 0  # Timer F
    finally:
        ex.close()


@pytest.mark.parametrize("ctype,status", [
    ("application/csta+xml", 200), ("Application/CSTA+XML", 200), ("application/csta+xml; charset=UTF-8", 200),
    ("text/plain", 415), ("application/csta+xmlx", 415),
])
def test_an_info_is_csta_by_its_media_type_however_spelled(lab, ctype, status):
    ex, gateway, flow = lab
    tag = open_session(ex, gateway, flow)
    (answer,) = send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2, ctype=ctype,
                                             body=csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')))
    assert answer.status == status
