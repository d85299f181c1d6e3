"""sip.deadlines against plain callLater: the same timers fire at the same times."""
from hypothesis import given, settings, strategies as st
from twisted.internet import task

from sip.deadlines import Deadlines

DURATIONS = (0.5, 1.0, 4.0, 32.0)
ops = st.lists(st.one_of(
    st.tuples(st.just("start"), st.sampled_from(DURATIONS), st.booleans()),  # chained: starts one when it fires
    st.tuples(st.just("cancel"), st.integers(0, 40), st.booleans()),  # the timer, or its follow-up
    st.tuples(st.just("advance"), st.sampled_from((0.0, 0.25, 0.5, 1.0, 3.0, 31.5, 40.0)))),
    max_size=60)


def play(program, later):
    """Run `program` with `later(clock)` as the timer service; (time, timer) per firing."""
    clock = task.Clock()
    start = later(clock)
    fired, calls, names = [], {}, iter(range(10_000))

    def arm(seconds, chained, name=None):
        # a follow-up is named after the timer that started it, so that its name does not
        # depend on the order in which timers due at the same instant ran
        name = next(names) if name is None else name

        def fire():
            fired.append((clock.seconds(), name))
            if chained:
                arm(seconds, False, f"after {name}")
        calls[name] = start(seconds, fire)

    for op in program:
        if op[0] == "start":
            arm(op[1], op[2])
        elif op[0] == "cancel":
            call = calls.get(f"after {op[1]}" if op[2] else op[1])
            if call is not None and call.active():
                call.cancel()
        else:
            clock.advance(op[1])
    clock.advance(1000)
    clock.advance(1000)  # a timer's follow-up, started at the first advance's end
    return fired, clock.getDelayedCalls()


def by_time(fired):
    """Firings grouped by time; the order within one instant is the reactor's (a heap's
    ties are in no order), the order of instants is kept."""
    out = {}
    for when, name in fired:
        out.setdefault(round(when, 9), set()).add(name)
    return list(out.items())


@settings(max_examples=400, deadline=None)
@given(ops)
def test_same_firings_as_call_later(program):
    plain, plain_left = play(program, lambda clock: clock.callLater)
    queued, left = play(program, lambda clock: Deadlines(clock).call_later)
    assert by_time(queued) == by_time(plain)
    assert left == plain_left == []  # every timer fired or was cancelled: no reactor call left


def test_one_reactor_call_for_many_timers_and_none_once_all_are_cancelled():
    clock = task.Clock()
    deadlines = Deadlines(clock)
    timers = [deadlines.call_later(32.0, lambda: None) for _ in range(100)]
    assert len(clock.getDelayedCalls()) == 1
    for timer in timers[:99]:
        timer.cancel()
    assert len(clock.getDelayedCalls()) == 1 and len(deadlines.queues[32.0].entries) == 1
    timers[99].cancel()
    assert clock.getDelayedCalls() == [] and deadlines.queues == {}


def test_answered_out_of_order_the_dead_do_not_pile_up():
    clock = task.Clock()
    deadlines = Deadlines(clock)
    first = deadlines.call_later(32.0, lambda: None)  # never answered: stays at the head
    for _ in range(10_000):
        deadlines.call_later(32.0, lambda: None).cancel()
    assert first.active() and len(deadlines.queues[32.0].entries) < 200


def test_a_timer_started_while_one_fires_does_not_delay_the_next():
    clock = task.Clock()
    deadlines = Deadlines(clock)
    fired = []
    deadlines.call_later(1.0, lambda: (fired.append("a"), deadlines.call_later(1.0, lambda: fired.append("c"))))
    clock.advance(0.5)
    deadlines.call_later(1.0, lambda: fired.append("b"))
    clock.advance(0.5)
    assert fired == ["a"]
    clock.advance(0.5)
    assert fired == ["a", "b"]  # at 1.5, not held back to c's 2.0
    clock.advance(0.5)
    assert fired == ["a", "b", "c"] and clock.getDelayedCalls() == []


def test_a_cancelled_timer_keeps_nothing_of_its_owner_alive():
    import gc
    import weakref

    class Owner:
        def fired(self):
            pass

    clock = task.Clock()
    deadlines = Deadlines(clock)
    deadlines.call_later(32.0, lambda: None)  # a live timer at the head: the dead wait behind it
    owner = Owner()
    gone = weakref.ref(owner)
    deadlines.call_later(32.0, owner.fired).cancel()
    del owner
    gc.collect()
    assert gone() is None
