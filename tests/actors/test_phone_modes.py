"""The phone's modes (fsm/phone.py): what a user has started that no line knows yet.

Regression tests for a hostile probe's findings: an OnHook that arrived before the line
had answered the OffHook was lost, leaving the line dialling (then failed) for as long as
the interdigit and reorder timers ran, and callers heard busy.
"""
import pytest

from cme.testing import Exchange
from fsm.phone import PHONE_MODE, PhoneMode
from sccp.callcontrol import OffHookMessage, OnHookMessage
from sccp.enums import CallState
from sccp.framing import encode

CONFIG = """
hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
ephone-dn 1
 number 201
ephone-dn 2
 number 202
ephone 1
 mac-address 001E.4A34.A35F
 button 1:1
ephone 2
 mac-address 0000.0000.0002
 button 1:2
"""
A, B = "SEP001E4A34A35F", "SEP000000000002"


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def line(ex, tag):
    return ex.telephony.lines[tag]._actor_weakref()


def phone_actor(ex, device):
    return ex.telephony.directory[device]._actor_weakref()


def raw(phone, *messages, times=1):
    """Write SCCP messages straight to the server in one segment, bypassing the Station."""
    phone.protocol.dataReceived(b"".join(encode(m) for m in messages) * times)
    phone.exchange.settle()


def test_onhook_before_the_line_answered_the_offhook_is_not_lost(ex):
    a, b = ex.phone(A), ex.phone(B)
    raw(a, OffHookMessage(), OnHookMessage())
    assert line(ex, 1).connections == {}
    assert ex.telephony.board.lines[1].state == "idle"
    assert phone_actor(ex, A).calls == {} and phone_actor(ex, A).mode.state == "ready"
    # and 201 takes calls: nothing is left half-started
    b.do("off_hook").do("dial", "201")
    assert a.ringing()


def test_ten_thousand_offhook_onhook_pairs_in_one_write_leave_nothing(ex):
    a, b = ex.phone(A), ex.phone(B)
    raw(a, OffHookMessage(), OnHookMessage(), times=10_000)
    assert line(ex, 1).connections == {}
    assert phone_actor(ex, A).calls == {} and phone_actor(ex, A).mode.state == "ready"
    assert line(ex, 1).actor_ref.is_alive() and phone_actor(ex, A).actor_ref.is_alive()
    b.do("off_hook").do("dial", "201")
    assert a.ringing()


def test_offhook_again_before_the_line_answered_keeps_the_call(ex):
    a = ex.phone(A)
    raw(a, OffHookMessage(), OnHookMessage(), OffHookMessage())
    (conn,) = line(ex, 1).connections.values()
    assert conn.state == "initiated" and phone_actor(ex, A).calls == {conn.call_id: (1, "initiated")}


def test_digits_and_onhook_in_one_write_clear_the_call_they_dialled(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.burst(("off_hook",), ("dial", "202"), ("on_hook",))
    assert line(ex, 1).connections == {} and line(ex, 2).connections == {}
    assert not b.ringing()
    assert all(c.state in (CallState.ON_HOOK, CallState.IDLE) for c in b.calls().values())


def test_a_refused_offhook_returns_to_ready(ex):
    a, b = ex.phone(A), ex.phone(B)
    b.do("off_hook").do("dial", "201")
    a.do("answer")
    # 201 has one call instance, in use: a second off-hook on it is refused by the line
    mode = phone_actor(ex, A).mode
    phone_actor(ex, A).user._new_call(1, speaker=True)
    assert mode.state == "starting"
    ex.settle()
    assert mode.state == "ready" and len(line(ex, 1).connections) == 1


def test_a_mode_refuses_what_it_does_not_take_without_raising():
    mode = PhoneMode()
    assert not PHONE_MODE.allows(mode, "call_started")  # nothing was asked for
    assert not PHONE_MODE.allows(mode, "number_done")
    PHONE_MODE.fire(mode, "collect_forward")
    assert not PHONE_MODE.allows(mode, "new_call")  # typing a forward number is not a call
    assert PHONE_MODE.allows(mode, "reset")


CONSULT = """
hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
 transfer-system full-consult
ephone-dn 1 {dual}
 number 201
ephone-dn 2
 number 202
ephone-dn 3
 number 203
ephone 1
 mac-address 001E.4A34.A35F
 button 1:1
ephone 2
 mac-address 0000.0000.0002
 button 1:2
ephone 3
 mac-address 0000.0000.0003
 button 1:3
"""


@pytest.mark.parametrize("dual", ["dual-line", ""], ids=["consultation", "blind"])
def test_digits_typed_with_trnsfer_in_one_write_reach_the_transfer(dual):
    """Trnsfer and the number in one segment: the digits arrive before the consultation
    call exists (or before the phone knows there is no room for one); they are kept for
    it, not lost."""
    from sccp.enums import SoftKeyEvent

    ex = Exchange(CONSULT.format(dual=dual))
    try:
        a, b, c = ex.phone(A), ex.phone("SEP000000000002"), ex.phone("SEP000000000003")
        b.do("off_hook").do("dial", "201")
        a.do("answer")
        a.burst(("softkey", SoftKeyEvent.TRANSFER), ("dial", "203"))
        assert c.ringing()
        if dual:  # consultative: C answers the consultation call, Trnsfer again joins B and C
            c.do("answer")
            a.do("softkey", SoftKeyEvent.TRANSFER)
        else:  # blind: B is sent on to 203 and rings C itself
            c.do("answer")
        assert line(ex, 1).connections == {}
        (b_conn,) = line(ex, 2).connections.values()
        (c_conn,) = line(ex, 3).connections.values()
        assert b_conn.state == c_conn.state == "connected" and b_conn.peer.tag == 3
    finally:
        ex.close()
