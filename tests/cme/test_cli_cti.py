"""`show cti call`, `show cti gcid`, `show cti line-node` on real calls between virtual phones."""
import types

import pytest

from cme.cli import builtin, cti, ephone
from cme.cli.testing import run
from cme.testing import Exchange
# Two single-line DNs and a dual-line one (for call waiting), GCIDs on: the calls' lab.
from tests.actors.test_calls import CONFIG, A, B, C

CALL_HEADER = "DN    CallID   GCID                                  Calling  Called  State"
GCID_HEADER = "GCID                                   callIDs"
LINE_NODE_HEADER = "line dn   number of call instance"


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def show(ex, line):
    app = types.SimpleNamespace(config=ex.config, board=ex.telephony.board, hostname="lab")
    result = run(cti.register(ephone.register(builtin.default_table())), line, app)
    assert result.ok, result.output
    return result.output.rstrip("\n").splitlines()


def gcid_of(ex, tag):
    (call,) = ex.telephony.board.lines[tag].calls.values()
    return call.gcid


def connected_call(ex):
    """201 (ephone 1) calls 202 (ephone 2), who answers: call ids 1 (201) and 2 (202)."""
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    return a, b


def test_no_calls_prints_headers_only(ex):
    ex.phone(A), ex.phone(B)
    assert show(ex, "show cti call") == [CALL_HEADER]
    assert show(ex, "show cti gcid") == [GCID_HEADER]
    assert show(ex, "show cti line-node") == [LINE_NODE_HEADER]


def test_show_cti_call_of_a_connected_call(ex):
    connected_call(ex)
    gcid = gcid_of(ex, 1)
    assert len(gcid) == 35 and gcid_of(ex, 2) == gcid
    assert show(ex, "show cti call") == [
        CALL_HEADER,
        f"201   1        {gcid}   201      202     ACT",
        f"202   2        {gcid}   201      202     ACT",
    ]


def test_show_cti_gcid_groups_both_legs(ex):
    connected_call(ex)
    gcid = gcid_of(ex, 1)
    assert show(ex, "show cti gcid") == [GCID_HEADER, f"{gcid}    1, 2,"]


def test_show_cti_line_node_marks_each_lines_side(ex):
    connected_call(ex)
    assert show(ex, "show cti line-node") == [
        LINE_NODE_HEADER,
        "201       1",
        "   callID 1(1   ), *cg = 201, cd = 202",
        "202       1",
        "   callID 2(2   ), cg = 201, *cd = 202",
    ]


def test_states_through_a_call_and_after_it_clears(ex):
    a, b = ex.phone(A), ex.phone(B)

    def states():
        return [row.split()[-1] for row in show(ex, "show cti call")[1:]]

    a.do("off_hook")
    rows = show(ex, "show cti call")
    assert rows[1] == f"201   1        {gcid_of(ex, 1)}   201      -       DIAL"
    a.do("dial", "202")
    assert states() == ["RINGBACK", "ALERT"]
    b.do("answer")
    assert states() == ["ACT", "ACT"]
    a.do("hold")
    assert states() == ["HOLD", "ACT"]
    a.do("resume")
    assert states() == ["ACT", "ACT"]
    a.do("on_hook")
    assert show(ex, "show cti call") == [CALL_HEADER]
    assert show(ex, "show cti gcid") == [GCID_HEADER]
    assert show(ex, "show cti line-node") == [LINE_NODE_HEADER]


def test_call_waiting_puts_two_instances_on_a_dual_line_dn(ex):
    a, b, c = ex.phone(A), ex.phone(B), ex.phone(C)
    b.do("off_hook").do("dial", "201")  # call ids 1 (202) and 2 (201)
    a.do("answer")
    c.do("off_hook").do("dial", "201")  # call ids 3 (2030) and 4 (201, second instance)
    first, second = gcid_of(ex, 2), gcid_of(ex, 3)
    assert first != second
    assert show(ex, "show cti line-node") == [
        LINE_NODE_HEADER,
        "201       2",
        "   callID 2(2   ), cg = 202, *cd = 201",
        "   callID 4(4   ), cg = 2030, *cd = 201",
        "202       1",
        "   callID 1(1   ), *cg = 202, cd = 201",
        "2030      1",
        "   callID 3(3   ), *cg = 2030, cd = 201",
    ]
    assert show(ex, "show cti gcid") == [GCID_HEADER, f"{first}    1, 2,", f"{second}    3, 4,"]
    assert [row.split()[-1] for row in show(ex, "show cti call")[1:]] == ["ACT", "ALERT", "ACT", "RINGBACK"]
    rows = show(ex, "show ephone-dn")
    assert rows[1].split()[:7] == ["1", "201", "Alice", "CONNECTED,ALERTING", "CH1", "CONNECTED", "CH2"]
    assert rows[1].split()[7] == "ALERTING"


def test_without_gcid_the_column_shows_a_dash(ex):
    plain = Exchange(CONFIG.replace("voice service voip\n gcid\n", ""))
    try:
        a, b = plain.phone(A), plain.phone(B)
        a.do("off_hook").do("dial", "202")
        b.do("answer")
        assert show(plain, "show cti call")[1] == "201   1        -                                     201      202     ACT"
        assert show(plain, "show cti gcid") == [GCID_HEADER]
    finally:
        plain.close()


def test_call_ids_beyond_four_hex_digits_keep_their_shape(ex):
    board = ex.telephony.board
    from actors.status import CallView

    line = board.lines[1]
    line.calls = {70000: CallView(70000, 1, "connected", "", "201", "202")}
    assert show(ex, "show cti line-node")[2] == "   callID 70000(11170), *cg = 201, cd = 202"
    line.calls = {}


def test_help_describes_show_cti(ex):
    table = cti.register(builtin.default_table())
    assert "CTI information" in table.help("show ")
    text = table.help("show cti ")
    for word in ("call", "gcid", "line-node"):
        assert word in text


def test_every_connection_state_has_its_word():
    from cme.cli.cti import STATE_WORDS
    from fsm.connection import CONNECTION

    assert set(STATE_WORDS) == set(CONNECTION.states)


def test_show_cti_alone_is_a_summary_and_clear_csta_session_is_clear_cti_session(ex):
    connected_call(ex)
    cleared = []
    gateway = types.SimpleNamespace(status={}, managers=types.SimpleNamespace(registrations={}),
                                    clear=lambda sid: cleared.append(sid) or sid == 3)
    app = types.SimpleNamespace(config=ex.config, board=ex.telephony.board, hostname="lab", cti=gateway)
    table = cti.register(ephone.register(builtin.default_table()))
    summary = run(table, "show cti", app)
    assert summary.ok, summary.output
    text = summary.output
    assert "CTI interface:" in text and "Sessions: 0, monitors: 0" in text and "Calls: 2" in text
    assert run(table, "clear csta session id 3", app).ok and cleared == [3]
    refused = run(table, "clear csta session id 4", app)
    assert not refused.ok and "No CTI session 4" in refused.output
