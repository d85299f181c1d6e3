"""sip.executor: the one place effects are carried out, with task.Clock (no sleeps)."""
from twisted.internet import task

from sip.dialog import OkRetransmission
from sip.executor import Executor
from sip.timers import Timers
from sip.transaction import CancelTimer, Deliver, Send, StartTimer, Terminated, Timeout


class Flow:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def make():
    clock, seen = task.Clock(), []
    ex = Executor(clock, on_timer=lambda o, n: seen.append(("timer", o, n)),
                  on_deliver=lambda o, m, f: seen.append(("deliver", o, m)),
                  on_timeout=lambda o, t, f: seen.append(("timeout", o, t)),
                  on_terminated=lambda o: seen.append(("terminated", o)))
    return clock, ex, seen


def test_send_deliver_timeout_in_order():
    clock, ex, seen = make()
    flow = Flow()
    ex.run("tx", [Send("m1"), Deliver("up"), Timeout("F"), Send("m2")], flow)
    assert flow.sent == ["m1", "m2"] and ex.sent == 2
    assert seen == [("deliver", "tx", "up"), ("timeout", "tx", "F")]


def test_a_timer_fires_once_and_is_forgotten():
    clock, ex, seen = make()
    ex.run("tx", [StartTimer("E", 0.5)], Flow())
    assert ex.timer_count() == 1
    clock.advance(0.5)
    assert seen == [("timer", "tx", "E")] and ex.timer_count() == 0
    clock.advance(10)
    assert len(seen) == 1


def test_restart_replaces_and_cancel_stops_a_timer():
    clock, ex, seen = make()
    ex.run("tx", [StartTimer("E", 1), StartTimer("E", 2)], Flow())
    clock.advance(1.5)
    assert seen == []  # the first was replaced
    ex.run("tx", [CancelTimer("E"), CancelTimer("never-started")], Flow())
    clock.advance(5)
    assert seen == [] and clock.getDelayedCalls() == []


def test_terminated_drops_the_owners_timers_only():
    clock, ex, seen = make()
    ex.run("a", [StartTimer("E", 1), StartTimer("F", 32)], Flow())
    ex.run("b", [StartTimer("E", 1)], Flow())
    ex.run("a", [Terminated("done")], Flow())
    assert seen == [("terminated", "a")] and ex.timer_count() == 1
    clock.advance(1)
    assert seen[-1] == ("timer", "b", "E") and clock.getDelayedCalls() == []


def test_it_runs_the_2xx_retransmission_as_it_runs_transactions():
    clock, flow = task.Clock(), Flow()
    ok = OkRetransmission("200 OK", Timers(reliable=False))
    timeouts = []
    ex = Executor(clock, on_timer=lambda o, n: ex.run(o, o.timer_fired(n), flow),
                  on_timeout=lambda o, t, f: timeouts.append(t))
    ex.run(ok, ok.start(), flow)
    clock.advance(0.5)
    clock.advance(1)
    assert flow.sent == ["200 OK"] * 3
    clock.pump([1] * 40)
    assert timeouts == ["ack"] and clock.getDelayedCalls() == []
