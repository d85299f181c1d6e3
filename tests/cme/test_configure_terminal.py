"""configure terminal on the vty: the file's grammar line by line, and every accepted line
takes effect at once (a new ephone registers and takes calls without a restart)."""
import re

import pytest

from twisted.conch.insults import insults
from twisted.internet.testing import StringTransport

from cme.app import Application
from cme.cli.shell import CLIShell
from cme.testing import Exchange
from cme.cli import builtin, ephone
from sccp.enums import CallState

_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
CONFIG = """hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
ephone-dn 1
 number 201
ephone 1
 mac-address 0000.0000.0001
 button 1:1
"""
NEW = "SEP000000000009"


@pytest.fixture
def exchange():
    """Exchange(config text), closed after the test."""
    made = []

    def make(text=CONFIG):
        made.append(Exchange(text))
        return made[-1]

    yield make
    for ex in made:
        ex.close()


class Vty:
    def __init__(self, ex):
        self.app = Application(config=ex.config, telephony=ex.telephony, board=ex.telephony.board)
        self.ex, self.transport = ex, StringTransport()
        self.server = insults.ServerProtocol(CLIShell, self.app, ephone.register(builtin.default_table()),
                                             username="admin", peer="127.0.0.1:5555")
        self.server.makeConnection(self.transport)

    def type(self, data: bytes) -> str:
        self.transport.clear()
        self.server.dataReceived(data)
        self.ex.settle()
        return _ESCAPES.sub(b"", self.transport.value()).decode()

    def line(self, text: str) -> str:
        return self.type(text.encode() + b"\r")


def test_a_phone_added_in_configuration_mode_registers_and_takes_calls_without_a_restart(exchange):
    ex = exchange(CONFIG)
    vty = Vty(ex)
    a = ex.phone("SEP000000000001")
    assert vty.line("configure terminal").endswith("lab(config)#")
    assert vty.line("ephone-dn 9").endswith("lab(config-ephone-dn)#")
    vty.line(" number 209")
    assert vty.line("ephone 9").endswith("lab(config-ephone)#")
    vty.line(" mac-address 0000.0000.0009")
    vty.line(" type 7961")
    vty.line(" button 1:9")
    assert vty.line("end").endswith("lab#")
    b = ex.phone(NEW)
    assert b.registered
    a.do("off_hook").do("dial", "209")
    assert b.ringing()
    b.do("answer")
    assert any(c.state == CallState.CONNECTED for c in b.calls().values())
    assert "ephone 9" in vty.line("show running-config")


def test_a_refused_line_prints_iOS_error_and_changes_nothing(exchange):
    ex = exchange(CONFIG)
    vty = Vty(ex)
    vty.line("configure terminal")
    out = vty.line("ephone-dn 0")
    assert "^" in out and "% ephone-dn 0 out of range" in out
    assert set(ex.config.ephone_dns) == {1}
    out = vty.line("bogus command")
    assert "% Invalid input detected at '^' marker" in out
    assert out.endswith("lab(config)#")


def test_exit_do_and_ctrl_z(exchange):
    ex = exchange(CONFIG)
    vty = Vty(ex)
    vty.line("configure terminal")
    vty.line("ephone-dn 1")
    assert vty.line("exit").endswith("lab(config)#")  # one sub-mode up
    assert "ephone-dn 1" in vty.line("do show running-config")
    vty.line("telephony-service")
    assert vty.type(b"\x1a").endswith("lab#")  # Ctrl-Z: out of configuration mode
    assert vty.line("configure terminal").endswith("lab(config)#")
    assert vty.line("exit").endswith("lab#")


def test_removing_an_ephone_and_its_dn_clears_their_call_and_the_phone_restarts(exchange):
    ex = exchange(CONFIG + "ephone-dn 2\n number 202\nephone 2\n mac-address 0000.0000.0002\n button 1:2\n")
    vty = Vty(ex)
    a, b = ex.phone("SEP000000000001"), ex.phone("SEP000000000002")
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    vty.line("configure terminal")
    vty.line("no ephone 2")
    vty.line("no ephone-dn 2")
    vty.line("end")
    assert not [c for c in a.calls().values() if c.state not in (CallState.ON_HOOK, CallState.IDLE)]
    assert 2 not in ex.telephony.lines and "SEP000000000002" not in ex.telephony.board.phones
    assert any(type(m).__name__ == "ResetMessage" for m in b.received)  # told to restart


def _session(ex):
    from cme.cti import CTIGateway
    from tests.actors.test_cti_session import ED3, Flow, asker, open_session
    gateway, flow = CTIGateway(ex.config, ex.telephony, ex.clock), Flow()
    ask = asker(ex, gateway, flow, open_session(ex, gateway, flow))
    start = f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>'
    return gateway, flow, ask, start


def test_a_dn_that_loses_cti_watch_ends_its_monitors_and_refuses_new_ones(exchange):
    from sip.message import Request
    ex = exchange(CONFIG.replace(" number 201\n", " number 201\n cti watch\n") + "voice service voip\n no cti shutdown\n")
    gateway, flow, ask, start = _session(ex)
    body = ask(start)
    xref = body.split(b"<monitorCrossRefID>")[1].split(b"<")[0]
    vty = Vty(ex)
    vty.app.cti = gateway
    vty.line("configure terminal")
    vty.line("ephone-dn 1")
    vty.line(" no cti watch")
    vty.line("end")
    stops = [m for m in flow.sent if isinstance(m, Request) and m.method == "INFO" and b"<MonitorStop" in m.body]
    assert len(stops) == 1 and b"<monitorCrossRefID>" + xref in stops[0].body
    assert b"privilegeViolationSpecifiedDevice" in ask(start)


def test_cti_shutdown_ends_every_session_with_bye(exchange):
    from sip.message import Request
    ex = exchange(CONFIG.replace(" number 201\n", " number 201\n cti watch\n") + "voice service voip\n no cti shutdown\n")
    gateway, flow, ask, start = _session(ex)
    vty = Vty(ex)
    vty.app.cti = gateway
    vty.line("configure terminal")
    vty.line("voice service voip")
    vty.line(" cti shutdown")
    vty.line("end")
    assert [m for m in flow.sent if isinstance(m, Request) and m.method == "BYE"]
    assert not gateway.sessions


def test_reset_under_ephone_and_restart_all_under_telephony_service_restart_phones(exchange):
    ex = exchange(CONFIG + "ephone-dn 2\n number 202\nephone 2\n mac-address 0000.0000.0002\n button 1:2\n")
    vty = Vty(ex)
    a, b = ex.phone("SEP000000000001"), ex.phone("SEP000000000002")
    vty.line("configure terminal")
    vty.line("ephone 1")
    assert "Resetting 1 phone" in vty.line(" reset")
    resets = lambda p: sum(type(m).__name__ == "ResetMessage" for m in p.received)  # noqa: E731
    assert (resets(a), resets(b)) == (1, 0)
    vty.line("telephony-service")
    assert "Restarting 2 phones" in vty.line(" restart all")
    assert resets(b) == 1


def test_question_mark_in_configuration_mode_lists_the_modes_commands(exchange):
    ex = exchange(CONFIG)
    vty = Vty(ex)
    vty.line("configure terminal")
    vty.line("ephone-dn 1")
    out = vty.type(b"num?")
    assert "number" in out and "show running-config" not in out
    assert out.rstrip().endswith("lab(config-ephone-dn)#num")


def test_an_unknown_phone_is_listed_as_an_attempted_registration_until_cleared(exchange):
    from cme.cli.testing import run
    ex = exchange(CONFIG)
    rejected = ex.phone("SEP0000000000AA")
    assert not rejected.registered
    vty = Vty(ex)
    table = ephone.register(builtin.default_table())
    out = run(table, "show ephone attempted-registrations", vty.app).output
    assert "SEP0000000000AA" in out and "127.0.0.1" in out
    assert run(table, "clear telephony-service ephone-attempted-registrations", vty.app).ok
    assert "No attempted registrations" in run(table, "show ephone attempted-registrations", vty.app).output


def test_sip_ua_connection_limits_follow_configure_terminal(exchange):
    from twisted.internet import task

    from sip.core import UASCore
    from sip.transport import SIPStreamFactory

    ex = exchange(CONFIG)
    vty = Vty(ex)
    clock = task.Clock()
    factory = SIPStreamFactory(UASCore(clock))
    vty.app.sip_streams["TCP"] = factory
    vty.line("configure terminal")
    vty.line("sip-ua")
    vty.line(" timers connection aging 60")
    vty.line(" connection limit per-source 4")
    vty.line("end")
    assert factory.limits.idle == 3600 and factory.per_source.limit == 4
    assert " timers connection aging 60" in vty.line("show running-config")
