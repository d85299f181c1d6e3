"""SIP over TLS and digest configuration: `sip-ua / crypto signaling default trustpoint`,
`voice service voip / sip / listen-port secure`, `voice register session-server / digest
algorithm`: parse, render, `no`."""
import pytest

from conf import render

from .helpers import messages, parse

CASES = [
    ("sip-ua", "crypto signaling default trustpoint cme-tls", "no crypto signaling default",
     lambda c: (c.sip_ua.trustpoint, c.sip_ua.client_vtp), ("cme-tls", None), (None, None)),
    ("sip-ua", "crypto signaling default trustpoint /etc/cme/server client-vtp ocs-ca",
     "no crypto signaling default trustpoint /etc/cme/server",
     lambda c: (c.sip_ua.trustpoint, c.sip_ua.client_vtp), ("/etc/cme/server", "ocs-ca"), (None, None)),
    ("voice service voip\n sip", "listen-port secure 5071", "no listen-port secure",
     lambda c: c.voip.listen_port_secure, 5071, 5061),
    ("voice register session-server 1", "digest algorithm md5", "no digest algorithm",
     lambda c: c.session_servers[1].digest_algorithm, "md5", None),
    ("voice register session-server 1", "digest algorithm sha-256", "no digest algorithm",
     lambda c: c.session_servers[1].digest_algorithm, "sha-256", None),
]


@pytest.mark.parametrize("enter, line, undo, get, value, default", CASES, ids=[c[1] for c in CASES])
def test_sets_renders_back_and_no_restores(enter, line, undo, get, value, default):
    assert get(parse(enter).config) == default
    result = parse(f"{enter}\n{line}\n")
    assert messages(result) == [] and get(result.config) == value
    text = render(result.config)
    assert line in text
    again = parse(text)
    assert messages(again) == [] and get(again.config) == value
    undone = parse(f"{enter}\n{line}\n{undo}\n")
    assert messages(undone) == [] and get(undone.config) == default
    assert line not in render(undone.config)


def test_other_crypto_and_listen_port_lines_stay_verbatim():
    text = ("voice service voip\n sip\n  listen-port non-secure 5080\n"
            "sip-ua\n crypto signaling remote-addr 192.0.2.0 255.255.255.0 trustpoint other\n"
            " crypto signaling default trustpoint cme-tls\n")
    result = parse(text)
    assert messages(result) == []
    c = result.config
    assert c.sip_ua.extra == ["crypto signaling remote-addr 192.0.2.0 255.255.255.0 trustpoint other"]
    assert c.voip.sip_extra == ["listen-port non-secure 5080"] and c.voip.listen_port_secure == 5061
    assert c.sip_ua.trustpoint == "cme-tls"
    assert parse(render(c)).config == c


def test_bad_secure_port_is_named():
    result = parse("voice service voip\n sip\n  listen-port secure 70000\n")
    assert any("70000" in m for m in messages(result))
