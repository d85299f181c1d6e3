"""State tables: each one well-formed, and the StateTable machinery they share.

What each table means is tested where it is used, by what the actors do, not by a copy
of its rows here (a copy cannot catch a wrong row):
- connection (fsm/connection.py): tests/actors/test_line_states.py drives a line into
  every state and applies every user action and CTI service (also test_calls.py,
  test_cti_services.py, test_cti_consult.py, test_random_calls.py);
- SCCP registration (fsm/registration.py): tests/actors/test_phone.py (register, reject,
  keepalive loss, replaced, TCP loss);
- CTI session (fsm/cti_session.py): tests/actors/test_cti_session.py (accept, refusals,
  ACK timeout, session timer, clear, terminating);
- SIP transactions (fsm/sip_transaction.py): tests/sip/test_transaction.py.

Here every table in fsm/ is checked against itself: its rows name declared states, every
state is reachable from the initial one, a trigger is refused exactly where no row takes
it, and a row that is taken goes where it says.
"""
import gc
import weakref

import pytest

from fsm.cti_session import CTI_SESSION
from fsm.diagrams import load_all
from fsm.registration import REGISTRATION
from fsm.table import TABLES, IllegalEvent, StateTable

load_all()  # every table in fsm/, including ones added later
ALL = [TABLES[name] for name in sorted(TABLES)]


class Model:
    """A model for any table: every condition it names holds, every callback does nothing."""

    def __init__(self, state=None):
        self.state = state

    def __getattr__(self, name):
        return lambda *args, **kwargs: True


def rows(table):
    """(sources, trigger, dest) of each row as written (dest None: the state stays)."""
    for row in table.transitions:
        sources = row["source"]
        sources = table.states if sources == "*" else [sources] if isinstance(sources, str) else sources
        dest = row.get("dest")
        yield list(sources), row["trigger"], None if dest in (None, "=") else dest


def each_table(test):
    return pytest.mark.parametrize("table", ALL, ids=[t.name for t in ALL])(test)


def pairs():
    for table in ALL:
        for state in table.states:
            for trigger in sorted(table.machine.events):
                yield pytest.param(table, state, trigger, id=f"{table.name}:{state}:{trigger}")


@each_table
def test_rows_name_declared_states(table):
    assert table.initial in table.states
    assert len(set(table.states)) == len(table.states)
    for sources, trigger, dest in rows(table):
        assert set(sources) <= set(table.states), (trigger, sources)
        assert dest is None or dest in table.states, (trigger, dest)


@each_table
def test_every_state_is_reachable_from_the_initial_one(table):
    seen, todo = {table.initial}, [table.initial]
    while todo:
        state = todo.pop()
        for src, _, dest in table.edges():
            if src == state and dest not in seen:
                seen.add(dest)
                todo.append(dest)
    assert seen == set(table.states)


@pytest.mark.parametrize("table,state,trigger", list(pairs()))
def test_a_trigger_is_refused_exactly_where_no_row_takes_it(table, state, trigger):
    model = Model(state)
    taken = [dest for sources, t, dest in rows(table) if t == trigger and state in sources]
    assert table.can(state, trigger) == bool(taken)
    if not taken:
        assert table.try_fire(model, trigger) is False and model.state == state
        assert table.allows(model, trigger) is False and model.state == state
        with pytest.raises(IllegalEvent, match=f"'{trigger}' is not allowed in state '{state}'"):
            table.fire(model, trigger)
        assert model.state == state
        return
    # the first row for the state whose conditions hold is the one taken (here all hold)
    dest = taken[0] or state
    assert table.allows(model, trigger) is True and model.state == state  # asking changes nothing
    assert table.fire(model, trigger) is True
    assert model.state == dest


def test_initial_states():
    m = Model()
    REGISTRATION.start(m)
    assert m.state == "unregistered"
    CTI_SESSION.start(m)
    assert m.state == "invited"


def test_unknown_trigger_is_illegal():
    m = Model()
    REGISTRATION.start(m)
    with pytest.raises(IllegalEvent):
        REGISTRATION.fire(m, "no_such_trigger")


def test_callbacks_named_in_the_table_run_on_the_model_and_no_reference_is_kept():
    class Door:
        __slots__ = ("state", "opened", "__weakref__")

        def __init__(self):
            self.opened = 0

        def count(self):
            self.opened += 1

        def unlocked(self):
            return self.opened < 1

    table = StateTable(
        "test-door",
        states=["shut", "open"],
        initial="shut",
        transitions=[
            {"trigger": "open", "source": "shut", "dest": "open", "conditions": "unlocked", "after": "count"},
            {"trigger": "close", "source": "open", "dest": "shut"},
        ],
        register=False,
    )
    door = Door()
    table.start(door)
    assert table.fire(door, "open") and door.state == "open" and door.opened == 1
    table.fire(door, "close")
    assert table.fire(door, "open") is False  # the condition vetoes it
    assert door.state == "shut"
    ref = weakref.ref(door)
    del door
    gc.collect()
    assert ref() is None  # the shared machine holds no model


def test_triggers_lists_the_legal_ones():
    assert REGISTRATION.triggers("unregistered") == ["register", "reject"]
    assert "capabilities" in REGISTRATION.triggers("registering")
    assert REGISTRATION.triggers("rejected") == ["register", "reject"]
    assert REGISTRATION.triggers("registered") == [
        "keepalive", "keepalive_timeout", "unregister", "connection_lost", "replaced"]
