"""ReactorActorRef.tell on the reactor thread queues the bare message (no Envelope); asks
and pykka's stop still come as Envelopes. Mixed in one inbox they keep pykka's semantics:
order, replies, ActorDeadError after stop, teardown answering waiting asks."""
import pykka
import pytest
from pykka._envelope import Envelope
from twisted.internet import task

from actors.runtime import ReactorActor, Runtime, set_runtime


@pytest.fixture
def runtime():
    rt = Runtime(task.Clock(), batch=100, per_actor=4)
    previous = set_runtime(rt)
    yield rt
    rt.stop_all()
    set_runtime(previous)


class Echo(ReactorActor):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_receive(self, message):
        self.seen.append(message)
        if message == "stop-me":
            self.stop()
        return message.upper() if isinstance(message, str) else message


def test_tells_and_asks_mixed_are_handled_in_order_and_asks_answered(runtime):
    ref = Echo.start()
    actor = ref._actor_weakref()
    ref.tell("a")
    future = ref.ask("b", block=False)
    ref.tell("c")
    queued = list(actor._inbox_queue)
    assert queued[0] == "a" and type(queued[1]) is Envelope and queued[2] == "c"
    runtime.run_until_idle()
    assert actor.seen == ["a", "b", "c"]
    assert future.get() == "B"


def test_a_tell_after_stop_raises_and_what_a_failure_leaves_is_dropped_or_failed(runtime):
    class Boom(Echo):
        def on_receive(self, message):
            super().on_receive(message)
            raise ValueError(message)

    ref = Boom.start()
    actor = ref._actor_weakref()
    ref.tell("boom")  # stops the actor at once (pykka: an unhandled exception in a tell)
    ref.tell("late tell")
    late = ref.ask("late ask", block=False)
    runtime.run_until_idle()
    assert actor.seen == ["boom"] and not actor._inbox_queue
    with pytest.raises(pykka.ActorDeadError):
        late.get()
    with pytest.raises(pykka.ActorDeadError):
        ref.tell("after")


def test_a_failing_tell_is_logged_and_stops_only_that_actor(runtime):
    class Boom(ReactorActor):
        def on_receive(self, message):
            raise ValueError(message)

    boom, echo = Boom.start(), Echo.start()
    boom.tell("x")
    echo.tell("y")
    runtime.run_until_idle()
    assert not boom.is_alive() and echo.is_alive()
    assert echo._actor_weakref().seen == ["y"]
