"""Digest authentication of session managers with credentials (issue 13): REGISTER and
INVITE get 401 until they prove the xml user's password; others behave as before."""
from pathlib import Path

import pytest
from twisted.logger import globalLogPublisher, formatEvent

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip import digest
from sip.framing import parse_datagram
from tests.actors.test_cti_session import Flow, send
from tests.cme.test_session_managers import invite, register

ROOT = Path(__file__).resolve().parents[2]
CONFIG = (ROOT / "conf" / "cme.cfg").read_text() + """
telephony-service
 xml user apps password s3cret 15
voice register session-server 1
 keepalive 120
 register-id apps
 cti-aware
voice register session-server 2
 register-id open
 cti-aware
telephony-service
 xml user old password pw 1
voice register session-server 3
 register-id old
 digest algorithm md5
"""


@pytest.fixture
def lab():
    ex = Exchange(CONFIG)
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    yield ex, gateway, Flow()
    ex.close()


def challenge_of(response, algorithm):
    assert response.status == 401
    values = response.headers.get_all("WWW-Authenticate")
    assert [v.split("algorithm=")[1].split(",")[0] for v in values] == ["SHA-256", "MD5"]
    (value,) = [v for v in values if f"algorithm={algorithm}," in v]
    return digest.parse_challenge(value)


def authorized(message, challenge, algorithm="SHA-256", password="s3cret", username="apps", nc="00000001"):
    """``message`` again with the Authorization a client would compute, CSeq + 1."""
    uri = str(message.uri)
    response = digest.response_for(algorithm=algorithm, username=username, realm=challenge["realm"],
                                   password=password, method=message.method, uri=uri,
                                   nonce=challenge["nonce"], qop="auth", nc=nc, cnonce="c0ffee")
    text = message.encode().decode()
    cseq = message.cseq.number
    text = text.replace(f"CSeq: {cseq} ", f"CSeq: {cseq + 1} ").replace(
        "\r\nContent-Length", f'\r\nAuthorization: Digest username="{username}", realm="{challenge["realm"]}", '
        f'nonce="{challenge["nonce"]}", uri="{uri}", response="{response}", algorithm={algorithm}, '
        f'qop=auth, nc={nc}, cnonce="c0ffee", opaque="{challenge.get("opaque", "")}"\r\nContent-Length', 1)
    return parse_datagram(text.encode())


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_register_is_challenged_then_accepted(lab, algorithm):
    ex, gateway, flow = lab
    (first,) = send(ex, gateway, flow, register())
    challenge = challenge_of(first, algorithm)
    assert challenge["realm"] == ex.config.hostname and challenge["qop"] == "auth"
    assert "apps" not in gateway.managers.registrations
    (ok,) = send(ex, gateway, flow, authorized(register(), challenge, algorithm))
    assert ok.status == 200 and "apps" in gateway.managers.registrations


def test_wrong_password_and_wrong_user_look_the_same_and_are_logged_once(lab):
    ex, gateway, flow = lab
    challenge = challenge_of(send(ex, gateway, flow, register())[0], "MD5")
    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        (wrong_pw,) = send(ex, gateway, flow, authorized(register(), challenge, "MD5", password="guess"))
        (wrong_user,) = send(ex, gateway, flow, authorized(register(cseq=5), challenge, "MD5", username="root"))
    finally:
        globalLogPublisher.removeObserver(seen.append)
    assert wrong_pw.status == wrong_user.status == 401 and wrong_pw.reason == wrong_user.reason
    assert [h for h, _ in wrong_pw.headers if h == "WWW-Authenticate"] == ["WWW-Authenticate"] * 2
    lines = [formatEvent(e) for e in seen if e.get("log_namespace") == "cme.cti.auth"]
    assert len(lines) == 1 and "wrong password" in lines[0] and "127.0.0.9" in lines[0]  # throttled per source
    assert "apps" not in gateway.managers.registrations


def test_stale_nonce_gets_stale_challenge_and_foreign_nonce_a_fresh_one(lab):
    ex, gateway, flow = lab
    challenge = challenge_of(send(ex, gateway, flow, register())[0], "SHA-256")
    ex.advance(digest.NONCE_LIFETIME + 5)
    (stale,) = send(ex, gateway, flow, authorized(register(), challenge))
    assert stale.status == 401 and all("stale=true" in v for v in stale.headers.get_all("WWW-Authenticate"))
    forged = dict(challenge, nonce="1234.abcd")
    (fresh,) = send(ex, gateway, flow, authorized(register(), forged))
    assert fresh.status == 401 and "stale" not in fresh.headers.get("WWW-Authenticate")
    (ok,) = send(ex, gateway, flow, authorized(register(cseq=7), challenge_of(stale, "SHA-256")))
    assert ok.status == 200


def test_nonce_from_another_source_is_not_accepted(lab):
    ex, gateway, flow = lab
    challenge = challenge_of(send(ex, gateway, flow, register())[0], "SHA-256")
    other = Flow()
    other.peer = ("127.0.0.10", 5070)
    assert send(ex, gateway, other, authorized(register(), challenge))[0].status == 401


def test_garbage_authorization_is_a_401_not_a_crash(lab):
    ex, gateway, flow = lab
    text = register().encode().decode().replace(
        "\r\nContent-Length", '\r\nAuthorization: Digest username="apps, nonce=\r\nContent-Length', 1)
    (answer,) = send(ex, gateway, flow, parse_datagram(text.encode()))
    assert answer.status == 401


def test_invite_of_a_manager_with_credentials_is_challenged(lab):
    ex, gateway, flow = lab
    challenge = challenge_of(send(ex, gateway, flow, register())[0], "SHA-256")
    assert send(ex, gateway, flow, authorized(register(), challenge))[0].status == 200
    (first,) = [m for m in send(ex, gateway, flow, invite("apps", cseq=10)) if m.status >= 200]
    invite_challenge = challenge_of(first, "MD5")
    assert not gateway.status
    answers = send(ex, gateway, flow, authorized(invite("apps", cseq=11), invite_challenge, "MD5"))
    assert [m.status for m in answers if m.status >= 200] == [200] and len(gateway.status) == 1


def test_managers_without_credentials_and_plain_applications_are_not_asked(lab):
    ex, gateway, flow = lab
    assert send(ex, gateway, flow, register(user="open"))[0].status == 200
    assert [m.status for m in send(ex, gateway, flow, invite("open")) if m.status >= 200] == [200]
    assert [m.status for m in send(ex, gateway, flow, invite("alice", cseq=2)) if m.status >= 200] == [200]
    assert send(ex, gateway, flow, register(user="stranger"))[0].status == 404


def test_digest_algorithm_offers_and_takes_that_one_only(lab):
    ex, gateway, flow = lab
    (first,) = send(ex, gateway, flow, register(user="old"))
    assert first.status == 401
    (only,) = first.headers.get_all("WWW-Authenticate")
    assert "algorithm=MD5," in only
    challenge = digest.parse_challenge(only)
    (refused,) = send(ex, gateway, flow, authorized(register(user="old"), challenge, "SHA-256", password="pw", username="old"))
    assert refused.status == 401
    (ok,) = send(ex, gateway, flow, authorized(register(user="old", cseq=3), challenge, "MD5", password="pw", username="old"))
    assert ok.status == 200


def test_unknown_register_ids_are_logged_once_a_minute_per_source(lab):
    ex, gateway, flow = lab
    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        answers = [send(ex, gateway, flow, register(user=f"probe{i}", cseq=i))[0] for i in range(50)]
    finally:
        globalLogPublisher.removeObserver(seen.append)
    assert {a.status for a in answers} == {404}
    lines = [formatEvent(e) for e in seen if "unknown register-id" in formatEvent(e)]
    assert lines == ["REGISTER for unknown register-id 'probe0' from 127.0.0.9 refused"]
