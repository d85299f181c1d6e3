"""Calls between phones: the user's story on virtual phones, and the events lines publish."""
import pytest

from cme.testing import Exchange
from sccp.enums import CallState, LampMode, RingMode, Stimulus, Tone

CONFIG = """
hostname lab
voice service voip
 gcid
telephony-service
 ip source-address 127.0.0.1 port 2000
 timeouts interdigit 5
ephone-dn 1 dual-line
 number 201
 name Alice
ephone-dn 2
 number 202
 name Bob
ephone-dn 3
 number 2030
ephone-dn 4
 number 204
ephone 1
 mac-address 0000.0000.0001
 button 1:1
ephone 2
 mac-address 0000.0000.0002
 button 1:2
ephone 3
 mac-address 0000.0000.0003
 button 1:3
"""
A, B, C = "SEP000000000001", "SEP000000000002", "SEP000000000003"


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def kinds(events, device=None):
    return [(e.device, e.kind) for e in events if device in (None, e.device)]


def tone(phone, call=None):
    """The tone the phone plays on that call (default: its one call in progress)."""
    call = call or only_call(phone)
    return phone.tones.get((call.line, call.callref))


def only_call(phone):
    (call,) = [c for c in phone.calls().values() if c.state not in (CallState.ON_HOOK, CallState.IDLE)]
    return call


def test_a_basic_call_rings_answers_gets_media_and_clears(ex):
    a, b = ex.phone(A), ex.phone(B)
    events = ex.watch("201", "202")
    a.do("off_hook")
    call = only_call(a)
    assert call.state == CallState.OFF_HOOK and tone(a) == Tone.INSIDE_DIAL
    a.do("dial", "202")
    assert only_call(a).state == CallState.RING_OUT and tone(a) == Tone.ALERTING
    ring = only_call(b)
    assert ring.state == CallState.RING_IN and b.ringer == RingMode.INSIDE
    assert (ring.calling, ring.calling_name, ring.called) == ("201", "Alice", "202")
    assert b.lamps[(Stimulus.LINE, 1)] == LampMode.BLINK
    b.do("answer")
    assert only_call(a).state == only_call(b).state == CallState.CONNECTED
    # Media flows phone to phone: each transmits to the other's receive port.
    (tx_a,) = a.transmissions.values()
    (tx_b,) = b.transmissions.values()
    assert tx_a.remote_port == b.rtp_port and tx_b.remote_port == a.rtp_port
    assert a.receive_channels and b.receive_channels
    a.do("on_hook")
    assert not a.in_call() and not b.in_call()
    assert not a.transmissions and not b.transmissions
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    assert kinds(events, "201") == [
        ("201", "service_initiated"), ("201", "originated"), ("201", "delivered"),
        ("201", "established"), ("201", "connection_cleared"), ("201", "connection_cleared")]  # both sides
    assert kinds(events, "202") == [
        ("202", "delivered"), ("202", "established"), ("202", "connection_cleared"),
        ("202", "connection_cleared")]
    delivered = [e for e in events if e.kind == "delivered"]
    assert {e.local_state for e in delivered} == {"connected", "alerting"}
    assert all(e.alerting == "202" and e.calling == "201" for e in delivered)
    gcids = {e.gcid for e in events}
    assert len(gcids) == 1 and len(gcids.pop()) == 35  # one GCID for both legs


def test_interdigit_timeout_routes_a_number_that_is_a_prefix(ex):
    a, c = ex.phone(A), ex.phone(C)
    a.do("off_hook").do("dial", "203")  # 203 is a prefix of 2030: wait
    assert only_call(a).state == CallState.OFF_HOOK
    ex.advance(5)
    assert only_call(a).state == CallState.INVALID_NUMBER and tone(a) == Tone.REORDER
    a.do("on_hook")
    a.do("off_hook").do("dial", "2030")
    assert c.ringing()


def test_hash_ends_dialing_and_unknown_numbers_get_reorder(ex):
    a = ex.phone(A)
    events = ex.watch("201")
    a.do("off_hook").do("dial", "9")
    assert only_call(a).state == CallState.INVALID_NUMBER
    assert events[-1].kind == "failed" and events[-1].cause == "destNotObtainable"
    a.do("on_hook")
    a.do("off_hook").do("dial", "203#")
    assert only_call(a).state == CallState.INVALID_NUMBER


def test_busy_line_gives_busy_tone(ex):
    a, b, c = ex.phone(A), ex.phone(B), ex.phone(C)
    events = ex.watch("2030")
    b.do("off_hook").do("dial", "2030")
    c.do("answer")
    a.do("off_hook").do("dial", "202")
    assert only_call(a).state == CallState.BUSY and tone(a) == Tone.BUSY
    a.do("on_hook")
    assert kinds(events) == [("2030", "delivered"), ("2030", "established")]


def test_call_waiting_on_a_dual_line_dn(ex):
    a, b, c = ex.phone(A), ex.phone(B), ex.phone(C)
    b.do("off_hook").do("dial", "201")
    a.do("answer")
    c.do("off_hook").do("dial", "201")
    waiting = [x for x in a.calls().values() if x.state == CallState.CALL_WAITING]
    assert len(waiting) == 1 and tone(a, waiting[0]) == Tone.CALL_WAITING
    assert c.call_state(1, only_call(c).callref) == CallState.RING_OUT


def test_hold_and_resume_close_and_reopen_media(ex):
    a, b = ex.phone(A), ex.phone(B)
    events = ex.watch("201", "202")
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    a.do("hold")
    assert only_call(a).state == CallState.HOLD and a.lamps[(Stimulus.LINE, 1)] == LampMode.WINK
    assert not a.transmissions and not b.transmissions
    assert only_call(b).state == CallState.CONNECTED
    a.do("resume")
    assert only_call(a).state == CallState.CONNECTED
    assert len(a.transmissions) == 1 and len(b.transmissions) == 1
    held = [(e.device, e.local_state, e.holding) for e in events if e.kind == "held"]
    assert held == [("201", "hold", "201"), ("202", "connected", "201")]
    assert [e.device for e in events if e.kind == "retrieved"] == ["201", "202"]


def test_caller_hangs_up_while_ringing(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    assert b.ringing()
    a.do("on_hook")
    assert not b.ringing() and b.ringer == RingMode.OFF
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_unregistered_destination_is_not_obtainable(ex):
    a = ex.phone(A)
    a.do("off_hook").do("dial", "204")
    assert only_call(a).state == CallState.INVALID_NUMBER


def test_a_phone_lost_mid_call_clears_the_call_and_the_far_end_hears_it(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    a.drop()
    assert not b.in_call()
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_keepalive_loss_mid_call_clears_within_the_watchdog(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    for _ in range(3):
        ex.advance(25)
        b.do("keepalive")
    assert not b.in_call()
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_redial_and_enbloc(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("enbloc", "202")
    assert b.ringing()
    a.do("on_hook")
    a.do("softkey", 1)  # Redial
    assert b.ringing()


TRANSFER_CONFIG = CONFIG.replace(" timeouts interdigit 5", " timeouts interdigit 5\n transfer-system full-consult")


@pytest.fixture
def consult():
    ex = Exchange(TRANSFER_CONFIG)
    yield ex
    ex.close()


def test_consultative_transfer_on_a_dual_line_dn_joins_the_far_ends(consult):
    ex = consult
    a, b, cc = ex.phone(A), ex.phone(B), ex.phone(C)
    events = ex.watch("201", "202", "2030")
    b.do("off_hook").do("dial", "201")
    a.do("answer")
    a.do("softkey", 4)  # Trnsfer: B is held, a consultation call gets dial tone
    states = sorted(x.state for x in a.calls().values() if x.state not in (CallState.ON_HOOK,))
    assert states == [CallState.OFF_HOOK, CallState.HOLD]
    a.do("dial", "2030")
    cc.do("answer")
    a.do("softkey", 4)  # Trnsfer again: complete
    assert not a.in_call()
    assert only_call(b).state == only_call(cc).state == CallState.CONNECTED
    (tx_b,) = b.transmissions.values()
    (tx_c,) = cc.transmissions.values()
    assert tx_b.remote_port == cc.rtp_port and tx_c.remote_port == b.rtp_port
    assert ex.line_connections() == {1: [], 2: ["connected"], 3: ["connected"], 4: []}
    transferred = [(e.device, e.extra.get("transferring"), e.extra.get("transferred_to")) for e in events
                   if e.kind == "transferred"]
    # One TransferedEvent per device: the transferring line's two calls are one transfer.
    assert sorted(transferred) == sorted([("201", "201", "2030"), ("202", "201", "2030"), ("2030", "201", "2030")])
    views = [v for tag in (2, 3) for v in ex.telephony.board.lines[tag].calls.values()]
    assert len({v.gcid for v in views}) == 1  # the joined call keeps the first call's GCID
    b.do("on_hook")
    assert not cc.in_call()
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_blind_transfer_without_a_free_instance(consult):
    ex = consult
    a, b, cc = ex.phone(A), ex.phone(B), ex.phone(C)
    a.do("off_hook").do("dial", "2030")
    cc.do("answer")
    cc.do("softkey", 4)  # 2030 is single-line and ephone 3 has no other line: blind
    assert cc.prompt == "Transfer to: enter number"
    cc.do("dial", "202")
    assert not cc.in_call() and b.ringing()
    b.do("answer")
    assert only_call(a).state == only_call(b).state == CallState.CONNECTED
    (tx_a,) = a.transmissions.values()
    assert tx_a.remote_port == b.rtp_port
    a.do("on_hook")
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_a_failing_line_actor_clears_its_calls_and_is_replaced(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    old = ex.telephony.lines[2]
    old.tell("not a message any line understands")  # pykka: logged, not fatal
    old._actor_weakref().on_receive = None  # the next message raises inside the actor
    old.tell(object())
    ex.settle()
    assert not old.is_alive()
    new = ex.telephony.lines[2]
    assert new is not old and new.is_alive()
    assert not a.in_call() and not b.in_call()
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    a.do("off_hook").do("dial", "202")  # the DN works again, on the same phone
    assert b.ringing()


def test_a_call_transferred_back_to_its_own_line_cannot_be_sent_on_while_it_rings(consult):
    """Found by the random-action test: B blind-transfers A's call to A's own number (it
    rings on A's second instance); A then tried to transfer the first leg onward, which
    left two instances ringing each other with nobody to answer or clear them."""
    ex = consult
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    b.do("softkey", 4).do("dial", "201")  # blind: 202 has no second line
    assert ex.line_connections()[1] == ["connected", "alerting"]
    a.do("softkey", 4).do("dial", "201")  # refused: the leg's far end still rings
    assert sorted(ex.line_connections()[1]) == ["alerting", "hold"]
    a.do("resume")
    a.do("on_hook")
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}


def test_the_interdigit_timer_starts_again_at_each_digit_with_the_digits_so_far(ex):
    """The line moves its pending timer at each digit (LineCalls.arm_timer) rather than
    making a new one: it must fire interdigit seconds after the LAST digit, for the digits
    dialled by then (a timer left with the first digit's message would be stale and ignored),
    and only one timer per call may be pending."""
    a = ex.phone(A)
    a.do("off_hook").do("dial", "2")
    pending = len(ex.clock.getDelayedCalls())
    ex.advance(4)
    a.do("dial", "0")
    ex.advance(4)
    a.do("dial", "3")  # 203: a prefix of 2030, so the line waits for more
    assert len(ex.clock.getDelayedCalls()) == pending  # moved, not one more
    ex.advance(4.9)
    assert only_call(a).state == CallState.OFF_HOOK  # 8.9 s after the first digit: still waiting
    ex.advance(0.1)
    assert only_call(a).state == CallState.INVALID_NUMBER and tone(a) == Tone.REORDER  # 203 routed: no such number


def test_the_cli_call_views_are_the_line_connections_as_they_stand(ex):
    """status.calls (show cti call, show ephone-dn) is read from the line's connections
    when asked (actors/status.py CallViews): the same CallViews a copy written after each
    message held, every field, and the board's call index follows."""
    from actors.status import CallView

    a, b = ex.phone(A), ex.phone(B)
    board = ex.telephony.board
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    actors = {tag: ref._actor_weakref() for tag, ref in ex.telephony.lines.items()}
    (ca,) = actors[1].connections.values()
    (cb,) = actors[2].connections.values()
    assert dict(board.lines[1].calls) == {ca.call_id: CallView(
        ca.call_id, 1, "connected", ca.gcid, "201", "202", A, cb.call_id, ca.setup)}
    assert dict(board.lines[2].calls) == {cb.call_id: CallView(
        cb.call_id, 1, "connected", cb.gcid, "201", "202", B, ca.call_id, cb.setup)}
    assert ca.setup == cb.setup == ex.clock.seconds() > 0  # the legs began at the dial, on the line's clock
    assert len(board.lines[1].calls) == 1 and list(board.lines[2].calls) == [cb.call_id]
    assert board.call_lines == {ca.call_id: 1, cb.call_id: 2}
    a.do("hold")
    assert board.lines[1].calls[ca.call_id].state == "hold" and board.lines[1].state == "hold"
    a.do("resume").do("on_hook")
    assert board.lines[1].calls == {} and board.lines[2].calls == {} and board.call_lines == {}
    assert board.lines[1].state == board.lines[2].state == "idle"
