"""The view's sections: from a status board filled by hand (escaping), and from real calls
between virtual phones (cme.testing.Exchange), with CTI sessions and CDRs from small
stand-ins that have the attributes the real ones have."""
import types

import pytest

from actors.status import CallView, LineStatus, PhoneStatus
from cme.cli.cti import show_cti_session
from cme.testing import Exchange
from cme.web.view import View, login_page
from sccp.buttons import LineButton
from tests.actors.test_calls import CONFIG, A, B
from tests.web.http import app_for

EVIL = '<script>alert("x")</script>&'


def test_everything_from_the_network_is_escaped():
    app = app_for()
    board = app.board
    board.phones["SEP<b>"] = PhoneStatus(tag=1, device="SEP<b>", mac="x", model="79<61>", state="registered",
                                         ip='10.0.0.1"><img', port=2000, lines=[LineButton(1, 1, 7)])
    board.lines[7] = LineStatus(tag=7, number="<201>", name=EVIL, state="idle", phones={"SEP<b>"},
                                calls={3: CallView(3, 1, "connected", gcid="<g>", calling=EVIL, called="'202'",
                                                   device="SEP<b>")})
    html = "".join(View(app, types.SimpleNamespace(seconds=lambda: 100.0)).sections().values())
    for raw in ("<script>", "<b>", "<201>", "<img", "<g>", "<61>", "'202'"):
        assert raw not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in html
    assert "SEP&lt;b&gt;" in html and "&#x27;202&#x27;" in html


def test_the_login_page_escapes_its_message_and_hostname():
    html = login_page("<r1>", "<oops>")
    assert "<r1>" not in html and "<oops>" not in html and "&lt;oops&gt;" in html


@pytest.fixture
def ex():
    ex = Exchange(CONFIG + "ephone-dn 4\n call-forward all 2030\n")
    yield ex
    ex.close()


def view_of(ex, **extra):
    app = app_for(**extra)
    app.config, app.board = ex.config, ex.telephony.board
    return View(app, ex.clock)


def test_phones_and_lines_as_the_cli_sees_them(ex):
    ex.phone(A)
    parts = view_of(ex).sections()
    phones = parts["phones"]
    assert '<tr class="registered"><td>ephone-1</td><td>SEP000000000001</td>' in phones
    assert '<tr class="unregistered"><td>ephone-2</td><td>SEP000000000002</td>' in phones
    assert "<td>1:201</td>" in phones and "<td>1:202</td>" in phones  # the buttons, also unregistered
    assert "127.0.0.1:" in phones  # the phone's address
    lines = parts["lines"]
    assert "<td>201</td><td>Alice</td><td>IDLE</td><td>-</td><td>-</td><td>-</td><td>-</td><td>ephone-1</td>" in lines
    assert "<td>204</td><td></td><td>DOWN</td><td>-</td><td>2030</td>" in lines  # forward all
    assert "1 of 3 phones registered" in parts["summary"]


def test_dnd_and_message_waiting_come_from_the_line(ex):
    ex.config.ephone_dns[1].do_not_disturb = True
    ex.config.ephone_dns[1].message_waiting = True
    lines = view_of(ex).sections()["lines"]
    assert "<td>201</td><td>Alice</td><td>DOWN</td><td>-</td><td>-</td><td>on</td><td>on</td>" in lines


def test_a_call_shows_both_legs_under_one_gcid_with_durations_and_goes_when_it_clears(ex):
    a, b = ex.phone(A), ex.phone(B)
    view = view_of(ex)
    assert "No calls in progress." in view.sections()["calls"]
    a.do("off_hook").do("dial", "202")
    calls = view.sections()["calls"]
    (gcid,) = {c.gcid for line in ex.telephony.board.lines.values() for c in line.calls.values()}
    assert calls.count(f'data-gcid="{gcid}"') == 1 and f'<th rowspan="2">{gcid}</th>' in calls
    assert "<td>RINGBACK</td>" in calls and "<td>ALERT</td>" in calls
    b.do("answer")
    for _ in range(13):  # 65 s, the phones keeping their registrations
        ex.advance(5)
        a.do("keepalive"), b.do("keepalive")
    calls = view.sections()["calls"]
    assert calls.count("<td>ACT</td>") == 2
    assert calls.count("<td>1:05</td>") == 2  # counted from the first render that showed the call
    assert "<td>201</td><td>202</td>" in calls
    a.do("on_hook")
    assert "No calls in progress." in view.sections()["calls"]
    assert view._first_seen == {}  # nothing kept for calls that are gone


@pytest.mark.parametrize("setup, shown", [(40.0, "1:00"), (0.0, "0:00")], ids=["from-setup", "zero-is-not-known"])
def test_a_call_view_counts_its_duration_from_its_setup_time(setup, shown):
    """A leg's setup time (the line's clock) gives its duration; 0.0 is no setup time, and
    the view counts from the first render that showed the leg."""
    app = app_for()
    leg = CallView(5, 1, "connected", gcid="G", setup=setup)
    app.board.lines[1] = LineStatus(tag=1, number="201", calls={5: leg})
    assert f"<td>{shown}</td>" in View(app, types.SimpleNamespace(seconds=lambda: 100.0)).sections()["calls"]


def test_cti_sessions_as_show_cti_session_lists_them():
    from cme.cti import SessionStatus

    gateway = types.SimpleNamespace(clock=types.SimpleNamespace(seconds=lambda: 100.0), status={
        3: SessionStatus(3, "127.0.0.1:5070", "TCP", "moc<user>", "201", "active", 2, 1900.0, 17)})
    app = app_for(cti=gateway)
    html = View(app, gateway.clock).sections()["cti"]
    assert ("<td>3</td><td>127.0.0.1:5070</td><td>TCP</td><td>moc&lt;user&gt;</td><td>201</td>"
            "<td>ACTIVE</td><td>2</td><td>1800s</td><td>17</td>") in html
    cli = show_cti_session(types.SimpleNamespace(app=app))
    assert cli.splitlines()[1].split() == ["3", "127.0.0.1:5070", "TCP", "moc<user>", "201", "ACTIVE", "2",
                                           "1800s", "17"]  # the same facts as the CLI's


class FakeCdrs:
    """The CDR store's read side: recent(limit) -> newest first."""

    def __init__(self, records):
        self.records, self.asked = records, []

    def recent(self, limit):
        self.asked.append(limit)
        return self.records[:limit]


def record(**fields):
    base = dict(gcid="G-1", call_id=7, line="201", calling="201", called="202", direction="outgoing", peer="",
                dial_peer=None, setup=1_700_000_000.0, connect=1_700_000_002.0, disconnect=1_700_000_032.5,
                duration=30.5, cause="normalClearing", q850=16, cleared_by="calling", features=("transfer",))
    return types.SimpleNamespace(**{**base, **fields})


def test_recent_call_records_on_the_page_and_on_history():
    cdrs = FakeCdrs([record(), record(call_id=8, calling=EVIL, features=(), q850=None, duration=None)])
    app = app_for(cdrs=cdrs)
    view = View(app, types.SimpleNamespace(seconds=lambda: 1_700_000_100.0))
    html = view.sections()["history"]
    assert ("<td>2023-11-14 22:13:20</td><td>G-1</td><td>7</td><td>201</td><td>201</td><td>202</td>"
            "<td>outgoing</td><td>-</td><td>-</td><td>30.5s</td><td>normalClearing</td><td>16</td>"
            "<td>calling</td><td>transfer</td>") in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    page = view.history_page("admin")
    assert cdrs.asked == [20, 200]
    assert "/static/view.js" not in page  # a static page


def test_without_a_cdr_store_the_history_says_so():
    assert "No call history" in View(app_for(), types.SimpleNamespace(seconds=lambda: 0.0)).sections()["history"]


def test_a_live_legs_duration_counts_from_the_lines_setup_time():
    """The status board's view of a real line's leg carries its setup time (actors/status.py
    from actors/connection.py): a view opened after the call began shows the whole duration."""
    from cme.app import Application

    ex = Exchange(CONFIG)
    try:
        a, b = ex.phone(A), ex.phone(B)
        a.do("off_hook").do("dial", "202")
        b.do("answer")
        ex.advance(25)
        app = Application(config=ex.config, board=ex.telephony.board, directory=ex.telephony.directory)
        calls = View(app, ex.clock).sections()["calls"]
        assert calls.count("<td>0:25</td>") == 2, calls  # both legs, from the dial 25 s ago
    finally:
        ex.close()
