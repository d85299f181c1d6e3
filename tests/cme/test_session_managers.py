"""Session managers: REGISTER heartbeat, expiry, and the CTI sessions tied to it."""
from pathlib import Path

import pytest

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip.framing import parse_datagram
from sip.message import Request
from tests.actors.test_cti_session import STATUS, Flow, send

ROOT = Path(__file__).resolve().parents[2]
CONFIG = (ROOT / "conf" / "cme.cfg").read_text() + """
voice service voip
 sip
  registrar server expires max 600 min 60
voice register session-server 1
 keepalive 120
 register-id apps
 cti-aware
voice register session-server 2
 register-id watcher
"""


def register(user="apps", expires=None, cseq=1, contact_expires=None):
    text = (f"REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP 127.0.0.9:5070;branch=z9hG4bKreg{user}{cseq}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{user}@127.0.0.1>;tag=r1\r\n"
            f"To: <sip:{user}@127.0.0.1>\r\n"
            f"Call-ID: reg-{user}@127.0.0.9\r\n"
            f"CSeq: {cseq} REGISTER\r\n"
            f"Contact: <sip:{user}@127.0.0.9:5070>" + (f";expires={contact_expires}" if contact_expires is not None else "") + "\r\n"
            + (f"Expires: {expires}\r\n" if expires is not None else "")
            + "Content-Length: 0\r\n\r\n")
    message = parse_datagram(text.encode())
    assert isinstance(message, Request)
    return message


def invite(user, cseq=1, method="INVITE", to_tag=None):
    body = STATUS if method == "INVITE" else b""
    text = (f"{method} sip:201@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP 127.0.0.9:5070;branch=z9hG4bKinv{user}{cseq}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{user}@127.0.0.9>;tag=i{cseq}\r\n"
            "To: <sip:201@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "") + "\r\n"
            f"Call-ID: inv-{user}-{cseq}@127.0.0.9\r\n"
            f"CSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{user}@127.0.0.9:5070;transport=tcp>\r\n"
            + ("Content-Type: application/csta+xml\r\n" if body else "") +
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    return parse_datagram(text)


@pytest.fixture
def lab():
    ex = Exchange(CONFIG)
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    yield ex, gateway, Flow()
    ex.close()


def test_the_seed_style_configuration_loads(lab):
    ex, _, _ = lab
    assert ex.config.session_servers[1].register_id == "apps" and ex.config.voip.registrar_expires_max == 600


def test_register_is_clamped_refreshed_and_lapses(lab):
    ex, gateway, flow = lab
    (ok,) = send(ex, gateway, flow, register(expires=3600))
    assert ok.status == 200 and ok.headers.get("Expires") == "120"  # the keepalive wins
    (brief,) = send(ex, gateway, flow, register(expires=30, cseq=2))
    assert brief.status == 423 and brief.headers.get("Min-Expires") == "60"
    ex.advance(100)
    (again,) = send(ex, gateway, flow, register(contact_expires=90, cseq=3))
    assert again.status == 200 and again.headers.get("Expires") == "90"
    ex.advance(80)
    assert "apps" in gateway.managers.registrations  # refreshed: 80 s into 90
    ex.advance(11)
    assert "apps" not in gateway.managers.registrations


def test_unknown_register_ids_are_refused(lab):
    ex, gateway, flow = lab
    (answer,) = send(ex, gateway, flow, register(user="stranger"))
    assert answer.status == 404


def test_sessions_of_a_session_manager_end_with_its_registration(lab):
    ex, gateway, flow = lab
    assert send(ex, gateway, flow, invite("apps"))[0].status == 403  # not registered yet
    send(ex, gateway, flow, register())
    (ok,) = send(ex, gateway, flow, invite("apps", cseq=2))
    assert ok.status == 200 and len(gateway.status) == 1
    send(ex, gateway, flow, invite("apps", cseq=2, method="ACK", to_tag=ok.to_tag))
    (moc,) = send(ex, gateway, flow, invite("alice", cseq=3))  # not a session manager: MOC
    assert moc.status == 200 and len(gateway.status) == 2
    send(ex, gateway, flow, invite("alice", cseq=3, method="ACK", to_tag=moc.to_tag))
    ex.advance(121)  # the registration lapses: its session ends with a BYE, MOC's stays
    assert [s.user for s in gateway.status.values()] == ["alice"]
    byes = [m for m in flow.sent if isinstance(m, Request) and m.method == "BYE"]
    assert len(byes) == 1 and byes[0].call_id == "inv-apps-2@127.0.0.9"


def test_unregister_and_a_manager_that_is_not_cti_aware(lab):
    ex, gateway, flow = lab
    send(ex, gateway, flow, register(user="watcher"))
    assert "watcher" in gateway.managers.registrations
    assert send(ex, gateway, flow, invite("watcher"))[0].status == 403  # not cti-aware
    (gone,) = send(ex, gateway, flow, register(user="watcher", expires=0, cseq=2))
    assert gone.status == 200 and "watcher" not in gateway.managers.registrations


def test_show_voice_register_session_server(lab):
    import types

    from cme.cli import builtin, cti
    from cme.cli.testing import run

    ex, gateway, flow = lab
    send(ex, gateway, flow, register())
    app = types.SimpleNamespace(config=ex.config, cti=gateway, hostname="cme")
    text = run(cti.register(builtin.default_table()), "show voice register session-server", app).output
    assert "Session Server 1\n  register-id apps  keepalive 120  cti-aware yes\n  REGISTERED  contact sip:apps@127.0.0.9:5070  expires in 120s" in text
    assert "Session Server 2\n  register-id watcher  keepalive 300  cti-aware no\n  UNREGISTERED" in text


def test_debug_cti_traces_the_messages_of_a_session(lab):
    from twisted.logger import LogLevel, formatEvent, globalLogPublisher

    from actors.trace import TRACE
    from tests.actors.test_cti_session import ED3, csta, open_session, sip

    ex, gateway, flow = lab
    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        tag = open_session(ex, gateway, flow)
        features = csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')
        send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=2, body=features))
        untraced = [e for e in seen if e.get("log_level") is LogLevel.debug]
        TRACE.enable("cme.cti")  # what `debug cti` does
        send(ex, gateway, flow, sip("INFO", to_tag=tag, cseq=3, body=features))
    finally:
        TRACE.disable_all()
        globalLogPublisher.removeObserver(seen.append)
    assert untraced == []
    traced = [formatEvent(e) for e in seen
              if e.get("log_level") is LogLevel.debug and e.get("log_namespace") == "cme.cti.session.1"]
    assert any(t.startswith("<- INFO CSeq 3: ") and "GetCSTAFeatures" in t for t in traced), traced
    assert any(t.startswith("-> 200 to INFO: ") and "GetCSTAFeaturesResponse" in t for t in traced), traced
