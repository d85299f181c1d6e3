"""A burst of digits does what the same digits one at a time do (actors/line_calls.py).

The line arms the interdigit timer once, after a burst's last digit, where it used to arm
it at each digit; and a MakeCall (whose number is dialled whole and ended) arms none. The
outcome must be the same: the same steps shown, the same call offered or failed, and the
same timer pending (when, and with what message)."""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet import task

from actors import calls as c
from actors.events import Endpoint
from actors.line_audience import Audience
from actors.line_calls import LineCalls


class Log:
    namespace = "cme.line.test-digits"

    def debug(self, *a, **kw):
        pass

    info = debug


class Directory:
    def call_started(self, call_id, tag):
        pass

    def call_ended(self, call_id):
        pass


class DN:
    tag, number, name = 1, "100", ""
    octo_line = dual_line = cti_notify = do_not_disturb = False


class Switch:
    interdigit_timeout = 10
    accounting = None

    def __init__(self, plan: dict[str, int]):
        self.plan = plan
        self.prefixes = {n[:i] for n in plan for i in range(1, len(n))}
        self.clock = task.Clock()
        self.directory = Directory()
        self.ids = itertools.count(1)
        self.offers: list = []

    def route(self, digits):
        return self.plan.get(digits), digits in self.prefixes

    def new_call_id(self):
        return next(self.ids)

    def new_gcid(self):
        return "gcid"

    def dn(self, tag):
        return DN()

    def offer(self, tag, message):
        self.offers.append((tag, message))

    def tell_line(self, tag, message):
        self.offers.append((tag, message))


def line(plan):
    shown: list = []
    switch = Switch(plan)
    calls = LineCalls(DN(), switch, Audience(Log(), {"SEP1": Endpoint("SEP1", shown.append)}), Log(),
                      mailbox=lambda m: None)
    return calls, switch, shown


def outcome(calls, switch, shown, conn):
    timers = [(t.getTime(), t.args) for t in switch.clock.getDelayedCalls() if t.active()]
    return shown, switch.offers, conn.state, conn.digits, conn.called, timers


numbers = st.text("12#", min_size=1, max_size=4).filter(lambda n: "#" not in n)
plans = st.dictionaries(numbers, st.integers(2, 9), max_size=4)
dialled = st.lists(st.text("12#", min_size=1, max_size=3), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(plans, dialled)
def test_a_burst_is_the_digits_one_at_a_time(plan, reads):
    """Each read is dialled as one burst, against each of its digits told one by one."""
    one, switch_one, shown_one = line(plan)
    burst, switch_burst, shown_burst = line(plan)
    a = one.originate("SEP1")
    b = burst.originate("SEP1")
    for read in reads:
        for digit in read:
            one.digits(a, digit)
        burst.digits(b, read)
        switch_one.clock.advance(1)  # the reads come a second apart
        switch_burst.clock.advance(1)
    assert outcome(burst, switch_burst, shown_burst, b) == outcome(one, switch_one, shown_one, a)


@settings(max_examples=200, deadline=None)
@given(plans, st.text("12", min_size=0, max_size=5))
def test_a_number_dialled_whole_arms_no_timer_and_does_the_same(plan, number):
    """MakeCall's way (number_follows, the number ended with #) against the phone's
    (off-hook, the timer armed, then the same digits)."""
    timed, switch_timed, shown_timed = line(plan)
    whole, switch_whole, shown_whole = line(plan)
    a = timed.originate("SEP1", speaker=True, cause="makeCall")
    b = whole.originate("SEP1", speaker=True, cause="makeCall", number_follows=True)
    timed.digits(a, number + "#")
    whole.digits(b, number + "#")
    assert outcome(whole, switch_whole, shown_whole, b) == outcome(timed, switch_timed, shown_timed, a)
    assert switch_whole.clock.getDelayedCalls() == []  # no timer was ever made


def test_the_timer_after_a_burst_waits_for_the_burst_s_digits():
    calls, switch, shown = line({"1234": 2})
    conn = calls.originate("SEP1")
    switch.clock.advance(3)
    calls.digits(conn, "12")
    (timer,) = [t for t in switch.clock.getDelayedCalls() if t.active()]
    assert timer.getTime() == 13 and timer.args == (c.DigitTimeout(conn.call_id, "12"),)
