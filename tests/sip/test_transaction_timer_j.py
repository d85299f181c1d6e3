"""Over a reliable transport Timer J is zero and the non-INVITE server transaction ends in
respond itself: the same effects and state the general path gives, which starts Timer J
and has it fire (what _start does inline for a zero timer)."""
import pytest

from sip.timers import Timers
from sip.transaction import NonInviteServerTransaction, Send, StartTimer, Terminated
from tests.sip.test_transaction import request, respond


@pytest.mark.parametrize("status", [200, 404, 500])
def test_reliable_final_ends_the_transaction_as_timer_j_firing_would(status):
    req = request(transport="TCP")
    fast = NonInviteServerTransaction(req, Timers().over(True))
    fast.start()
    fast_effects = fast.respond(respond(req, status))

    general = NonInviteServerTransaction(req, Timers().over(False))  # J = 64*T1: a real timer
    general.start()
    effects = general.respond(respond(req, status))
    assert [type(e) for e in effects] == [Send, StartTimer]
    effects = effects[:1] + general.timer_fired("J")  # the timer fires: Completed ends

    assert [type(e) for e in fast_effects] == [Send, Terminated]
    assert [repr(e) if not isinstance(e, Send) else e.message.status for e in fast_effects] == \
           [repr(e) if not isinstance(e, Send) else e.message.status for e in effects]
    assert fast.state == general.state == "terminated"
    assert not fast.running_timers and not general.running_timers


def test_provisional_then_final_and_retransmission_after_the_end():
    req = request(transport="TCP")
    tx = NonInviteServerTransaction(req, Timers().over(True))
    tx.start()
    assert [type(e) for e in tx.respond(respond(req, 100))] == [Send]
    assert [type(e) for e in tx.respond(respond(req, 200))] == [Send, Terminated]
    assert tx.receive(req) == []  # over: a late retransmission finds nothing to resend
    assert tx.respond(respond(req, 200)) == []
