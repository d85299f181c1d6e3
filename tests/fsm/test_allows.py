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
