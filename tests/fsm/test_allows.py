"""StateTable.allows: a table's rules asked without changing anything."""
from fsm.connection import CONNECTION
from fsm.table import StateTable


class Conn:
    __slots__ = ("state", "has_peer", "in_call")

    def __init__(self, state, *, has_peer=False, in_call=False):
        self.state, self.has_peer, self.in_call = state, has_peer, in_call


def test_a_rule_holds_only_in_its_states_and_with_its_conditions():
    assert not CONNECTION.allows(Conn("connected"), "send_dtmf")  # the far end is not in it
    assert CONNECTION.allows(Conn("connected", has_peer=True, in_call=True), "send_dtmf")
    assert not CONNECTION.allows(Conn("alerting", has_peer=True, in_call=True), "send_dtmf")
    assert not CONNECTION.allows(Conn("connected"), "no_such_trigger")


def test_asking_changes_nothing():
    conn = Conn("connected")
    for trigger in CONNECTION.machine.events:
        CONNECTION.allows(conn, trigger)
    assert conn.state == "connected"


def test_conditions_may_be_methods_and_negated():
    class Door:
        __slots__ = ("state", "locked")

        def __init__(self):
            self.state, self.locked = "shut", True

        def jammed(self):
            return False

    table = StateTable("test-door", ["shut", "open"], [
        {"trigger": "open", "source": "shut", "dest": "open", "unless": ["locked", "jammed"]}], "shut",
        register=False)
    door = Door()
    assert not table.allows(door, "open")
    door.locked = False
    assert table.allows(door, "open")
    assert table.conditions("shut", "open") == [["not locked", "not jammed"]]
    assert "shut --> open: open [not locked and not jammed]" in table.mermaid()


def test_the_plain_rows_fast_path_lands_where_the_library_would():
    """fire() skips the transitions machinery for rows without conditions or callbacks;
    for every such row of every table it must end in the state the library gives."""
    from fsm import diagrams
    from fsm.table import TABLES

    diagrams.load_all()

    class Model:
        __slots__ = ("state",)

    checked = 0
    for table in TABLES.values():
        for (state, trigger), _ in table._plain.items():
            fast, slow = Model(), Model()
            fast.state = slow.state = state
            assert table.fire(fast, trigger) is True
            assert table.machine.events[trigger].trigger(slow) is True
            assert fast.state == slow.state, (table.name, state, trigger)
            checked += 1
    assert checked > 50


def _allows_by_the_rows(table, model, trigger):
    """The rows' own answer: the reference the precomputed sets stand in for."""
    from fsm.table import _holds

    event = table.machine.events.get(trigger)
    rows = event.transitions.get(model.state) if event is not None else None
    return bool(rows) and any(all(_holds(model, c) for c in row.conditions) for row in rows)


def test_allows_and_can_answer_as_the_rows_do_in_every_table():
    """Every registered table, every state, every trigger and every truth value of every
    condition it names: the precomputed (state, trigger) sets say what the rows say."""
    import itertools

    import fsm.connection, fsm.cti_session, fsm.phone, fsm.registration  # noqa: F401
    import fsm.sip_transaction, fsm.tftp, fsm.trunk_leg  # noqa: F401
    from fsm.table import TABLES

    class Model:
        pass

    for table in TABLES.values():
        names = sorted({c.func for ev in table.machine.events.values()
                        for rows in ev.transitions.values() for row in rows for c in row.conditions})
        for state in table.states:
            for trigger in list(table.machine.events) + ["no_such_trigger"]:
                event = table.machine.events.get(trigger)
                assert table.can(state, trigger) == (event is not None and state in event.transitions)
                for values in itertools.product((False, True), repeat=min(len(names), 4)):
                    model = Model()
                    model.state = state
                    for name, value in itertools.zip_longest(names, values, fillvalue=False):
                        setattr(model, name, value)
                    assert table.allows(model, trigger) == _allows_by_the_rows(table, model, trigger), \
                        (table.name, state, trigger, values)
