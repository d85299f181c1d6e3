"""StateTable.try_fire: a refusal is a False, never an exception, and changes nothing."""
import pytest

from fsm.table import IllegalEvent, StateTable


class Door:
    __slots__ = ("state", "opened", "locked")

    def __init__(self):
        self.opened = 0
        self.locked = False

    def count(self, by=1):
        self.opened += by

    def unlocked(self, by=1):
        return not self.locked


TABLE = StateTable(
    "test-try-fire-door",
    states=["shut", "open"],
    initial="shut",
    transitions=[
        {"trigger": "open", "source": "shut", "dest": "open", "conditions": "unlocked", "after": "count"},
        {"trigger": "close", "source": "open", "dest": "shut"},
    ],
    register=False,
)


@pytest.fixture
def door():
    d = Door()
    TABLE.start(d)
    return d


def test_a_legal_trigger_runs_its_row_with_the_arguments(door):
    assert TABLE.try_fire(door, "open", by=3) is True
    assert door.state == "open" and door.opened == 3


def test_a_trigger_the_state_does_not_take_is_false_and_changes_nothing(door):
    assert TABLE.try_fire(door, "close") is False
    assert door.state == "shut" and door.opened == 0
    with pytest.raises(IllegalEvent):  # fire is unchanged: it still raises
        TABLE.fire(door, "close")


def test_an_unknown_trigger_is_false(door):
    assert TABLE.try_fire(door, "paint") is False and door.state == "shut"


def test_a_vetoing_condition_is_false_and_changes_nothing(door):
    door.locked = True
    assert TABLE.try_fire(door, "open") is False
    assert door.state == "shut" and door.opened == 0


def test_a_callback_that_fails_is_still_an_error():
    class Broken(Door):
        __slots__ = ()

        def count(self, by=1):
            raise RuntimeError("bug")

    d = Broken()
    TABLE.start(d)
    with pytest.raises(RuntimeError):
        TABLE.try_fire(d, "open")
