"""`show ephone` / `show ephone-dn` read what the phone and line actors report."""
import types

import pytest

from cme.cli import builtin, ephone
from cme.cli.testing import run
from cme.testing import Exchange
from sccp.registration import KeepAliveMessage
from tests.actors.test_phone import PHONE1, PHONE2, Lab, full_registration
from tests.cme.test_cli_cti import CONFIG, A, B


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()


def show(lab, line):
    app = types.SimpleNamespace(config=lab.config, board=lab.telephony.board, hostname="lab")
    result = run(ephone.register(builtin.default_table()), line, app)
    return result.output if hasattr(result, "output") else str(result)


def test_show_ephone_lists_every_configured_phone_with_its_buttons(lab):
    peer = lab.connect()
    full_registration(peer, PHONE1)
    peer.send(KeepAliveMessage())
    text = show(lab, "show ephone")
    blocks = text.split("\n\n")
    assert len(blocks) == 3
    assert blocks[0].startswith("ephone-1 Mac:001E.4A34.A35F TCP socket:[127.0.0.1:50000] REGISTERED")
    assert "7961  keepalive 1  registrations 1" in blocks[0]
    assert "button 1: dn 1  number 201 IDLE" in blocks[0]
    assert "button 3: dn 2  number 202 IDLE" in blocks[0]
    assert blocks[1].startswith("ephone-2 Mac:000F.8FC7.B681 TCP socket:[-1] UNREGISTERED")
    assert "button 1: dn 2  number 202 IDLE" in blocks[1]  # shown by ephone-1 too
    assert "button 1: dn 3  number 203 DOWN" in blocks[2]  # from the logout profile


def test_show_ephone_registered_and_abbreviation(lab):
    assert show(lab, "sh ephone registered").strip() == "No ephones registered."
    peer = lab.connect()
    full_registration(peer, PHONE2)
    assert "Ambiguous" in show(lab, "sh eph reg")  # ephone or ephone-dn, as on IOS
    text = show(lab, "sh ephone reg")
    assert text.count("ephone-") == 1 and "ephone-2 Mac:000F.8FC7.B681" in text


def test_show_ephone_dn(lab):
    peer = lab.connect()
    full_registration(peer, PHONE1)
    rows = show(lab, "show ephone-dn").splitlines()
    assert rows[0].split() == ["Tag", "Number", "Name", "State", "Calls", "Phones"]
    assert rows[1].split() == ["1", "201", "Alice", "IDLE", "-", f"ephone-1({PHONE1})"]
    assert rows[3].split() == ["3", "203", "DOWN", "-", "-"]
    assert rows[4].split() == ["4", "204", "IDLE", "-", "(cti", "notify)"]


def test_show_ephone_dn_shows_each_call_instance_state():
    ex = Exchange(CONFIG)
    try:
        a, b = ex.phone(A), ex.phone(B)
        a.do("off_hook").do("dial", "202")
        app = types.SimpleNamespace(config=ex.config, board=ex.telephony.board, hostname="lab")
        table = ephone.register(builtin.default_table())
        assert run(table, "show ephone-dn", app).output.splitlines()[:3] == [
            "Tag  Number  Name   State       Calls           Phones",
            "1    201     Alice  ORIGINATED  CH1 ORIGINATED  ephone-1(SEP000000000001)",
            "2    202     Bob    ALERTING    CH1 ALERTING    ephone-2(SEP000000000002)",
        ]
        b.do("answer")
        a.do("hold")
        rows = run(table, "show ephone-dn", app).output.splitlines()
        assert rows[1] == "1    201     Alice  HOLD       CH1 HOLD       ephone-1(SEP000000000001)"
        assert rows[2] == "2    202     Bob    CONNECTED  CH1 CONNECTED  ephone-2(SEP000000000002)"
    finally:
        ex.close()
