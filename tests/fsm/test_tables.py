"""State tables: every (state, trigger) pair is either the expected move or IllegalEvent."""
import gc
import weakref

import pytest

from fsm.connection import CONNECTION
from fsm.cti_session import CTI_SESSION
from fsm.registration import REGISTRATION
from fsm.sip_transaction import INVITE_SERVER, NON_INVITE_CLIENT, NON_INVITE_SERVER
from fsm.table import IllegalEvent, StateTable


class Model:
    __slots__ = ("state", "calls", "has_peer", "in_call", "__weakref__")

    def __init__(self):
        self.calls = []
        self.has_peer = self.in_call = True  # the connection table's conditions, met


# (state, trigger) -> destination; every pair not listed must be refused.
_ACTIVE = ["prompting", "initiated", "dialing", "originated", "alerting", "connected", "hold", "fail"]
EXPECTED = {
    CONNECTION: {
        ("null", "offhook"): "initiated",
        ("null", "prompt"): "prompting",
        ("prompting", "answer"): "initiated",
        ("initiated", "digit"): "dialing",
        ("dialing", "digit"): "dialing",
        ("initiated", "dial"): "originated",
        ("dialing", "dial"): "originated",
        ("initiated", "fail"): "fail",
        ("dialing", "fail"): "fail",
        ("originated", "fail"): "fail",
        ("null", "offer"): "alerting",
        ("alerting", "answer"): "connected",
        ("originated", "answered"): "connected",
        ("connected", "hold"): "hold",
        ("hold", "retrieve"): "connected",
        **{(state, "clear"): "null" for state in _ACTIVE},
        # rules that change nothing: what may be done to a connection in a state
        **{(state, "hang_up"): state for state in ["initiated", "dialing", "originated", "connected", "hold", "fail"]},
        ("originated", "far_alerting"): "originated",
        ("originated", "far_rejected"): "originated",
        ("connected", "send_dtmf"): "connected",
        ("connected", "play_dtmf"): "connected",
        ("alerting", "deflect"): "alerting",
        ("connected", "transfer_away"): "connected",
        ("hold", "transfer_away"): "hold",
        ("connected", "consult"): "connected",
        ("hold", "join_held"): "hold",
        ("originated", "join_active"): "originated",
        ("connected", "join_active"): "connected",
        ("connected", "swap_from"): "connected",
        ("hold", "swap_from"): "hold",
    },
    REGISTRATION: {
        ("unregistered", "register"): "registering",
        ("unregistered", "reject"): "rejected",
        ("rejected", "register"): "registering",
        ("rejected", "reject"): "rejected",
        ("registering", "capabilities"): "registered",
        ("registering", "keepalive"): "registering",
        ("registered", "keepalive"): "registered",
        ("registering", "keepalive_timeout"): "unregistered",
        ("registered", "keepalive_timeout"): "unregistered",
        ("registering", "unregister"): "unregistered",
        ("registered", "unregister"): "unregistered",
        ("registering", "connection_lost"): "unregistered",
        ("registered", "connection_lost"): "unregistered",
        ("registering", "replaced"): "unregistered",
        ("registered", "replaced"): "unregistered",
    },
    CTI_SESSION: {
        ("invited", "accept"): "establishing",
        ("invited", "reject"): "terminated",
        ("establishing", "ack"): "active",
        ("establishing", "ack_timeout"): "terminated",
        ("active", "request"): "active",
        ("active", "refresh"): "active",
        ("invited", "bye_received"): "terminated",
        ("establishing", "bye_received"): "terminated",
        ("active", "bye_received"): "terminated",
        ("establishing", "expire"): "terminating",
        ("active", "expire"): "terminating",
        ("establishing", "clear"): "terminating",
        ("active", "clear"): "terminating",
        ("active", "application_gone"): "terminating",
        ("terminating", "bye_answered"): "terminated",
        ("invited", "transport_lost"): "terminated",
        ("establishing", "transport_lost"): "terminated",
        ("active", "transport_lost"): "terminated",
        ("terminating", "transport_lost"): "terminated",
        # the dialog's owner is the session: its requests, a re-INVITE's ACK, the BYE's wait
        ("establishing", "in_dialog"): "establishing",
        ("active", "in_dialog"): "active",
        ("establishing", "refresh"): "establishing",
        ("active", "ack"): "active",
        ("terminating", "bye_timeout"): "terminated",
        ("terminating", "abandon"): "terminated",
    },
    INVITE_SERVER: {
        ("proceeding", "invite"): "proceeding",
        ("accepted", "invite"): "accepted",
        ("completed", "invite"): "completed",
        ("confirmed", "invite"): "confirmed",
        ("proceeding", "provisional"): "proceeding",
        ("proceeding", "final_2xx"): "accepted",
        ("accepted", "final_2xx"): "accepted",
        ("proceeding", "final_error"): "completed",
        ("accepted", "ack"): "accepted",
        ("completed", "ack"): "confirmed",
        ("confirmed", "ack"): "confirmed",
        ("completed", "timer_g"): "completed",
        ("completed", "timer_h"): "terminated",
        ("confirmed", "timer_i"): "terminated",
        ("accepted", "timer_l"): "terminated",
        ("proceeding", "transport_error"): "terminated",
        ("completed", "transport_error"): "terminated",
    },
    NON_INVITE_SERVER: {
        ("trying", "request"): "trying",
        ("proceeding", "request"): "proceeding",
        ("completed", "request"): "completed",
        ("trying", "provisional"): "proceeding",
        ("proceeding", "provisional"): "proceeding",
        ("trying", "final"): "completed",
        ("proceeding", "final"): "completed",
        ("completed", "timer_j"): "terminated",
        ("proceeding", "transport_error"): "terminated",
        ("completed", "transport_error"): "terminated",
    },
    NON_INVITE_CLIENT: {
        ("trying", "timer_e"): "trying",
        ("proceeding", "timer_e"): "proceeding",
        ("trying", "timer_f"): "terminated",
        ("proceeding", "timer_f"): "terminated",
        ("trying", "transport_error"): "terminated",
        ("proceeding", "transport_error"): "terminated",
        ("trying", "provisional"): "proceeding",
        ("proceeding", "provisional"): "proceeding",
        ("completed", "provisional"): "completed",
        ("trying", "final"): "completed",
        ("proceeding", "final"): "completed",
        ("completed", "final"): "completed",
        ("completed", "timer_k"): "terminated",
    },
}


def all_pairs():
    for table, expected in EXPECTED.items():
        triggers = sorted(table.machine.events)
        for state in table.states:
            for trigger in triggers:
                yield pytest.param(table, state, trigger, expected.get((state, trigger)), id=f"{table.name}:{state}:{trigger}")


@pytest.mark.parametrize("table,state,trigger,dest", list(all_pairs()))
def test_every_state_and_trigger(table, state, trigger, dest):
    model = Model()
    model.state = state
    if dest is None:
        with pytest.raises(IllegalEvent, match=f"'{trigger}' is not allowed in state '{state}'"):
            table.fire(model, trigger)
        assert model.state == state
        assert not table.can(state, trigger)
    else:
        assert table.fire(model, trigger) is True
        assert model.state == dest
        assert table.can(state, trigger)


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
