"""The reactor actor runtime: pykka semantics, drained on the reactor, no threads."""
import threading

import pykka
import pytest
import pytest_twisted
from twisted.internet import task, threads
from twisted.logger import globalLogPublisher

from actors.directory import Directory, UnknownDevice
from actors.runtime import (
    BlockingGetError,
    ReactorActor,
    ReactorFuture,
    Runtime,
    as_deferred,
    set_runtime,
)


@pytest.fixture
def clock():
    return task.Clock()


@pytest.fixture
def runtime(clock):
    rt = Runtime(clock, batch=100, per_actor=4)
    previous = set_runtime(rt)
    yield rt
    rt.stop_all()
    set_runtime(previous)


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


class Recorder(ReactorActor):
    namespace = "cme.test"

    def __init__(self, name="r", journal=None):
        super().__init__()
        self.name = name
        self.journal = journal if journal is not None else []
        self.seen = []

    @property
    def trace_id(self):
        return self.name

    def on_start(self):
        self.journal.append(("start", self.name))

    def on_stop(self):
        self.journal.append(("stop", self.name))

    def on_receive(self, message):
        if message == "boom":
            raise ValueError("boom in " + self.name)
        self.seen.append(message)
        return ("echo", message)

    def add(self, a, b):
        return a + b


def test_tell_is_handled_on_a_reactor_turn_in_order(runtime, clock):
    ref = Recorder.start()
    for i in range(10):
        ref.tell(i)
    actor = ref._actor_weakref()
    assert actor.seen == []  # nothing runs inside tell()
    clock.advance(0)
    assert actor.seen == list(range(10))


def test_ask_future_becomes_a_deferred(runtime, clock):
    ref = Recorder.start()
    future = ref.ask("hello", block=False)
    assert isinstance(future, ReactorFuture)
    results = []
    as_deferred(future).addCallback(results.append)
    assert results == []
    clock.advance(0)
    assert results == [("echo", "hello")]
    # A resolved future can be read without blocking, even on the reactor thread.
    assert future.get() == ("echo", "hello")


def test_proxy_calls_methods(runtime, clock):
    proxy = Recorder.start().proxy()
    d = proxy.add(2, 3).deferred()
    got = []
    d.addCallback(got.append)
    clock.advance(0)
    assert got == [5]


def test_blocking_get_on_the_reactor_thread_is_a_clear_error(runtime, clock):
    ref = Recorder.start()
    with pytest.raises(BlockingGetError, match="deadlock"):
        ref.ask("x")  # block=True
    with pytest.raises(BlockingGetError):
        ref.ask("x", block=False).get()


def test_exception_in_tell_stops_that_actor_only_and_is_logged(runtime, clock, logged):
    bad, good = Recorder.start("bad"), Recorder.start("good")
    bad.tell("boom")
    good.tell("still here")
    clock.advance(0)
    assert not bad.is_alive()
    assert good.is_alive()
    assert good._actor_weakref().seen == ["still here"]
    failures = [e for e in logged if e.get("log_failure") is not None]
    assert len(failures) == 1
    assert failures[0]["log_namespace"] == "cme.test.bad"
    assert failures[0]["actor"] == "cme.test.bad"
    assert "boom in bad" in str(failures[0]["log_failure"].value)
    with pytest.raises(pykka.ActorDeadError):
        bad.tell("again")


def test_exception_in_ask_goes_to_the_asker_and_the_actor_lives(runtime, clock):
    ref = Recorder.start()
    errors = []
    ref.ask("boom", block=False).deferred().addErrback(errors.append)
    clock.advance(0)
    assert errors and errors[0].check(ValueError)
    assert ref.is_alive()


def test_on_start_runs_before_messages_and_stop_all_runs_on_stop_lifo(runtime, clock):
    journal = []
    refs = [Recorder.start(n, journal) for n in "abc"]
    refs[0].tell("m")
    assert journal == [("start", "a"), ("start", "b"), ("start", "c")]
    assert runtime.stop_all() == 3
    assert journal[3:] == [("stop", "c"), ("stop", "b"), ("stop", "a")]
    assert refs[0]._actor_weakref().seen == ["m"]  # queued mail handled before stopping
    assert runtime.actors() == []


def test_messages_left_after_stop_are_answered_with_actor_dead(runtime, clock):
    ref = Recorder.start()
    ref.tell(pykka.messages._ActorStop())
    late = ref.ask("late", block=False)
    errors = []
    late.deferred().addErrback(errors.append)
    clock.advance(0)
    assert errors and errors[0].check(pykka.ActorDeadError)


def test_a_stopped_actor_is_not_alive_and_a_tell_to_it_raises(runtime, clock):
    """The ref's lean tell/is_alive (issue 15) keep pykka's semantics."""
    ref = Recorder.start()
    assert ref.is_alive()
    ref.tell("first")
    ref.stop(block=False)
    clock.advance(0)
    assert not ref.is_alive()
    with pytest.raises(pykka.ActorDeadError):
        ref.tell("too late")
    assert pykka.ActorRegistry.get_by_urn(ref.actor_urn) is None


class StepReactor:
    """Records callLater(0, f) so the test runs one reactor turn at a time."""

    def __init__(self):
        self.calls = []

    def callLater(self, delay, f, *args):
        self.calls.append((f, args))

    def turn(self):
        calls, self.calls = self.calls, []
        for f, args in calls:
            f(*args)


def test_batches_yield_to_the_reactor():
    reactor = StepReactor()
    rt = Runtime(reactor, batch=10, per_actor=2)
    previous = set_runtime(rt)
    try:
        refs = [Recorder.start(str(i)) for i in range(5)]
        for ref in refs:
            for j in range(6):
                ref.tell(j)
        assert len(reactor.calls) == 1  # one drain scheduled, not one per message
        reactor.turn()
        assert rt.handled == 10  # one turn handles one batch, then yields
        assert rt.pending() == 20
        assert len(reactor.calls) == 1  # and asks for another turn
        # Round robin: every actor got its turn before any got a second one.
        assert [len(r._actor_weakref().seen) for r in refs] == [2, 2, 2, 2, 2]
        reactor.turn()
        reactor.turn()
        assert rt.pending() == 0 and reactor.calls == []
        assert all(r._actor_weakref().seen == list(range(6)) for r in refs)
    finally:
        rt.stop_all()
        set_runtime(previous)


def test_on_start_failure_stops_the_actor(runtime, clock, logged):
    class Broken(ReactorActor):
        def on_start(self):
            raise RuntimeError("cannot start")

    ref = Broken.start()
    assert not ref.is_alive()
    assert any(e.get("log_failure") is not None for e in logged)
    assert runtime.actors() == []


@pytest_twisted.inlineCallbacks
def test_other_threads_may_ask_with_a_blocking_get():
    from twisted.internet import reactor

    rt = Runtime(reactor)
    previous = set_runtime(rt)
    try:
        ref = Recorder.start()
        caller = []

        def in_thread():
            caller.append(threading.get_ident())
            return ref.ask("from a thread", timeout=5)

        result = yield threads.deferToThread(in_thread)
        assert result == ("echo", "from a thread")
        assert caller[0] != threading.get_ident()
    finally:
        rt.stop_all()
        set_runtime(previous)


def test_directory_routes_by_device_id(runtime, clock):
    directory = Directory()
    phone = Recorder.start("SEP001E4A34A35F")
    directory.register("SEP001E4A34A35F", phone)
    directory["SEP001E4A34A35F"].tell("keepalive")
    assert directory.get("SEP000000000000") is None
    clock.advance(0)
    assert phone._actor_weakref().seen == ["keepalive"]
    with pytest.raises(UnknownDevice, match="SEP000000000000"):
        directory["SEP000000000000"]
    # A registration again replaces the old owner.
    newer = Recorder.start("newer")
    directory.register("SEP001E4A34A35F", newer)
    assert directory["SEP001E4A34A35F"] is newer
    # A stopped actor no longer routes.
    runtime.stop_all()
    assert "SEP001E4A34A35F" not in directory
