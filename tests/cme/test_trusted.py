"""`ip address trusted list` for every SIP request: who is trusted, and that a refused
source gets a stateless 403 and costs nothing (no transaction, dialog, session or actor)."""
from pathlib import Path

import pytest
from twisted.internet import defer
from twisted.logger import globalLogPublisher

from cme.cti import CTIGateway
from cme.testing import Exchange
from cme.trunks import TrunkGateway
from tests.actors.test_cti_session import STATUS, Flow, send, sip
from tests.cme.test_session_managers import invite, register

ROOT = Path(__file__).resolve().parents[2]
CONFIG = (ROOT / "conf" / "cme.cfg").read_text() + """
voice service voip
 ip address trusted list
  ipv4 192.0.2.0 255.255.255.0
  ipv4 198.51.100.7
voice register session-server 1
 register-id apps
 cti-aware
dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:203.0.113.20:5060
dial-peer voice 101 voip
 destination-pattern 8T
 session protocol sipv2
 session target dns:gw.example.com
"""


def flow_from(host):
    flow = Flow()
    flow.peer = (host, 5070)
    return flow


@pytest.fixture
def lab():
    ex = Exchange(CONFIG)
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    gateway.trunks = TrunkGateway(ex.config, ex.telephony.switch, gateway.core, ex.clock, local_host="127.0.0.1",
                                  local_port=5060, resolve=lambda name: defer.succeed("203.0.113.44"))
    yield ex, gateway
    ex.close()


def nothing_allocated(ex, gateway):
    assert gateway.core.stats()["transactions"] == 0 and gateway.core.stats()["delivered"] == 0
    assert gateway.sessions == {} and len(gateway.dialogs) == 0
    assert [a for a in ex.runtime.actors() if a.namespace == "cme.cti.session"] == []


def test_a_cti_invite_from_an_untrusted_source_gets_403_and_nothing_is_allocated(lab):
    ex, gateway = lab
    flow = flow_from("127.0.0.9")  # loopback is not listed: the probe's attack
    (answer,) = send(ex, gateway, flow, sip("INVITE", body=STATUS))
    assert (answer.status, answer.reason) == (403, "Not in the trusted list")
    send(ex, gateway, flow, sip("ACK", to_tag=answer.to_tag))  # dropped, no answer
    assert len(flow.sent) == 1
    nothing_allocated(ex, gateway)
    assert gateway.core.stats()["refused"] == 2


@pytest.mark.parametrize("host", ["192.0.2.77", "198.51.100.7", "203.0.113.20"],
                         ids=["listed-network", "listed-host", "dial-peer-target"])
def test_trusted_sources_open_cti_sessions(lab, host):
    ex, gateway = lab
    (answer,) = send(ex, gateway, flow_from(host), sip("INVITE", body=STATUS))
    assert answer.status == 200 and len(gateway.sessions) == 1


def test_a_dns_targets_resolved_address_is_trusted_once_resolved(lab):
    ex, gateway = lab
    assert not gateway.trusted.allows("203.0.113.44")
    target = gateway.trunks._target(101)
    gateway.trunks._resolve(target.host, lambda address: None)  # as a call out through it does
    assert gateway.trusted.allows("203.0.113.44")
    ex.config.dial_peers.pop(101)  # the dial-peer goes: its address is no longer trusted
    assert not gateway.trusted.allows("203.0.113.44")


def test_a_session_manager_registers_from_anywhere_and_its_host_is_trusted_while_registered(lab):
    ex, gateway = lab
    flow = flow_from("127.0.0.9")
    assert send(ex, gateway, flow, register("nobody"))[0].status == 403  # not a register-id
    assert send(ex, gateway, flow, invite("apps"))[0].status == 403  # not registered yet
    assert send(ex, gateway, flow, register("apps"))[0].status == 200
    assert send(ex, gateway, flow, invite("apps", cseq=2))[0].status == 200
    assert send(ex, gateway, flow, register("apps", cseq=2, expires=0))[0].status == 200
    assert send(ex, gateway, flow, invite("apps", cseq=3))[0].status == 403  # no longer trusted


def test_refusals_are_logged_once_per_source_per_minute(lab):
    ex, gateway = lab
    lines = []

    def observe(event):
        if event.get("log_namespace") == "cme.sip.trusted":
            lines.append(event)

    globalLogPublisher.addObserver(observe)
    try:
        for i in range(50):
            send(ex, gateway, flow_from("127.0.0.9"), sip("INVITE", body=STATUS, cseq=i + 1))
        send(ex, gateway, flow_from("127.0.0.10"), sip("INVITE", body=STATUS))
        ex.advance(60)
        send(ex, gateway, flow_from("127.0.0.9"), sip("INVITE", body=STATUS, cseq=99))
    finally:
        globalLogPublisher.removeObserver(observe)
    assert len(lines) == 3 and gateway.trusted.refused == 52
    assert lines[-1]["suppressed"] == 49


def test_without_the_list_every_source_is_admitted():
    ex = Exchange((ROOT / "conf" / "cme.cfg").read_text())
    try:
        gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
        (answer,) = send(ex, gateway, flow_from("203.0.113.99"), sip("INVITE", body=STATUS))
        assert answer.status == 200
    finally:
        ex.close()
