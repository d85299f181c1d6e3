"""ReactorActor sets what pykka's Actor.__init__ would (without its threading.Event and a
first ActorRef replaced at once): every attribute pykka's own __init__ makes is there, a
fresh URN each, and the actor starts, registers, answers and stops as pykka's do."""
import uuid

import pykka
import pytest
from twisted.internet import task

from actors.runtime import ReactorActor, ReactorActorRef, Runtime, set_runtime


class PlainPykka(pykka.Actor):
    """pykka's own Actor.__init__, with the abstract hooks filled in and never used."""

    @staticmethod
    def _create_actor_inbox():
        return object()

    @staticmethod
    def _create_future():
        raise NotImplementedError

    def _start_actor_loop(self):
        raise NotImplementedError


class Echo(ReactorActor):
    def on_receive(self, message):
        return message


@pytest.fixture
def runtime():
    rt = Runtime(task.Clock())
    previous = set_runtime(rt)
    yield rt
    rt.stop_all()
    set_runtime(previous)


def test_every_attribute_pykka_sets_is_set(runtime):
    expected = set(vars(PlainPykka()))
    actor = Echo()
    assert expected <= set(vars(actor))
    assert isinstance(actor.actor_ref, ReactorActorRef) and actor.actor_ref.actor_class is Echo
    assert uuid.UUID(actor.actor_urn.removeprefix("urn:uuid:")).version == 4
    assert Echo().actor_urn != actor.actor_urn


def test_started_actor_registers_answers_and_stops(runtime):
    ref = Echo.start()
    assert pykka.ActorRegistry.get_by_urn(ref.actor_urn) is ref
    future = ref.ask("ping", block=False)
    runtime.run_until_idle()
    assert future.get() == "ping"
    ref.stop(block=False)
    runtime.run_until_idle()
    assert not ref.is_alive() and pykka.ActorRegistry.get_by_urn(ref.actor_urn) is None
