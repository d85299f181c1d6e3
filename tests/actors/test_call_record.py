"""Call detail records: the table (pure), and the records a scripted scenario leaves, field
by field, on virtual phones with a fake clock (each leg's record as its line releases it)."""
import pytest

from actors import calls as c
from actors.call_record import (FIELDS, Q850, CallRecord, FORWARD, HOLD, TRANSFER, features_of, q850)
from actors.line_cti import CTICall
from cme.testing import EPOCH, Exchange
from tests.actors.test_calls import A, B, C, CONFIG, TRANSFER_CONFIG

T0 = float(EPOCH)


# -- the table ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cause, code", [
    ("normalClearing", 16), ("transfer", 16), ("singleStepTransfer", 16), ("busy", 17), ("doNotDisturb", 17),
    ("alertTimeExpired", 19), ("noAnswer", 19), ("destNotObtainable", 1), ("redirected", 23),
    ("networkOutOfOrder", 38), ("resourcesNotAvailable", 47), ("callNotAnswered", 21), ("blocked", 21),
    ("incompatibleDestination", 88), ("unspecified", 31), ("somethingElse", 31), ("", 31),
])
def test_q850_codes_of_csta_causes(cause, code):
    assert q850(cause) == code


def test_every_cause_the_table_names_has_a_code_ios_knows():
    assert set(Q850.values()) <= {1, 16, 17, 19, 21, 23, 31, 34, 38, 47, 88}


def test_features_in_a_fixed_order_then_the_cti_service():
    assert features_of(0, "newCall") == ()
    assert features_of(HOLD | TRANSFER, "newCall") == ("transfer", "hold")
    assert features_of(FORWARD, "makeCall") == ("forward", "MakeCall")
    assert features_of(0, "consultation") == ("ConsultationCall",)


def test_a_record_as_a_dict_in_field_order_and_back():
    rec = CallRecord("G", 7, "201", "201", "202", "outgoing", "202", None, 1.0, 2.0, 5.5, 3.5,
                     "normalClearing", 16, "local", ("hold", "MakeCall"))
    d = rec.as_dict()
    assert tuple(d) == FIELDS and d["features"] == ["hold", "MakeCall"]
    assert CallRecord.from_dict(d) == rec and rec.answered
    with pytest.raises(KeyError):
        CallRecord.from_dict({"gcid": "G"})


# -- the call core's records -------------------------------------------------------------------
def recording(config: str):
    """An Exchange whose switch hands every leg's record to `ex.records`."""
    ex = Exchange(config)
    ex.records = []
    ex.telephony.switch.accounting = ex.records.append
    return ex


@pytest.fixture
def ex():
    ex = recording(CONFIG)
    yield ex
    ex.close()


@pytest.fixture
def tx():
    ex = recording(TRANSFER_CONFIG)
    yield ex
    ex.close()


def by_line(records):
    out = {}
    for r in records:
        out.setdefault(r.line, []).append(r)
    return out


def fields(rec, *names):
    return tuple(getattr(rec, n) for n in names)


def test_an_answered_call_leaves_both_legs_with_the_connected_time(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    ex.advance(3)  # ringing
    b.do("answer")
    ex.advance(30)
    a.do("on_hook")
    caller, callee = ex.records  # the caller's line releases first, then the far line hears it
    assert caller.line == "201" and callee.line == "202"
    assert caller.gcid == callee.gcid and len(caller.gcid) == 35 and caller.call_id != callee.call_id
    assert fields(caller, "calling", "called", "direction", "peer", "dial_peer") == ("201", "202", "outgoing", "202", None)
    assert fields(callee, "calling", "called", "direction", "peer", "dial_peer") == ("201", "202", "incoming", "201", None)
    assert (caller.setup, caller.connect, caller.disconnect, caller.duration) == (T0, T0 + 3, T0 + 33, 30.0)
    assert (callee.setup, callee.connect, callee.disconnect, callee.duration) == (T0, T0 + 3, T0 + 33, 30.0)
    assert fields(caller, "cause", "q850", "cleared_by", "features") == ("normalClearing", 16, "local", ())
    assert fields(callee, "cause", "q850", "cleared_by", "features") == ("normalClearing", 16, "remote", ())


def test_no_record_before_a_leg_is_released(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    assert ex.records == []


def test_a_call_to_a_do_not_disturb_line_is_a_busy_record_never_connected(ex):
    a, b = ex.phone(A), ex.phone(B)
    ex.config.ephone_dns[2].do_not_disturb = True
    a.do("off_hook").do("dial", "202")
    ex.advance(4)  # the caller listens to busy tone, then hangs up
    a.do("on_hook")
    (rec,) = ex.records  # the DND line never had a connection
    assert fields(rec, "line", "direction", "called", "peer", "connect", "duration") == (
        "201", "outgoing", "202", "202", None, 0.0)
    assert fields(rec, "cause", "q850", "cleared_by", "disconnect") == ("doNotDisturb", 17, "local", T0 + 4)


def test_a_call_to_a_line_in_use_is_busy(ex):
    a, b, cc = ex.phone(A), ex.phone(B), ex.phone(C)
    b.do("off_hook").do("dial", "2030")
    cc.do("answer")
    a.do("off_hook").do("dial", "202")
    a.do("on_hook")
    (rec,) = ex.records
    assert fields(rec, "line", "cause", "q850", "connect", "cleared_by") == ("201", "busy", 17, None, "local")


def test_an_unknown_number_is_unallocated(ex):
    a = ex.phone(A)
    a.do("off_hook").do("dial", "9#")
    a.do("on_hook")
    (rec,) = ex.records
    assert fields(rec, "called", "peer", "cause", "q850") == ("9", "9", "destNotObtainable", 1)


def test_an_abandoned_call_is_normal_clearing_never_connected(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    ex.advance(10)
    a.do("on_hook")
    caller, callee = ex.records
    assert fields(caller, "cause", "connect", "duration", "cleared_by") == ("normalClearing", None, 0.0, "local")
    assert fields(callee, "cause", "connect", "duration", "cleared_by") == ("normalClearing", None, 0.0, "remote")


def test_a_forwarded_call_says_forward_on_both_legs(ex):
    a, cc = ex.phone(A), ex.phone(C)
    ex.phone(B)
    ex.config.ephone_dns[2].call_forward_all = "2030"
    a.do("off_hook").do("dial", "202")
    cc.do("answer")
    ex.advance(5)
    cc.do("on_hook")
    target, caller = ex.records
    assert fields(caller, "line", "called", "peer", "features", "cleared_by", "duration") == (
        "201", "202", "2030", ("forward",), "remote", 5.0)
    assert fields(target, "line", "calling", "called", "direction", "features", "cleared_by") == (
        "2030", "201", "2030", "incoming", ("forward",), "local")
    assert caller.gcid == target.gcid


def test_hold_is_a_feature_of_the_leg_that_held(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    a.do("hold")
    a.do("resume")
    a.do("on_hook")
    caller, callee = ex.records
    assert caller.features == ("hold",) and callee.features == ()


def test_a_blind_transfer_leaves_the_transferring_leg_and_then_the_joined_legs(tx):
    ex = tx
    a, b, cc = ex.phone(A), ex.phone(B), ex.phone(C)
    a.do("off_hook").do("dial", "2030")
    cc.do("answer")
    ex.advance(10)
    cc.do("softkey", 4)  # blind: 2030 has no second line
    cc.do("dial", "202")
    (gone,) = ex.records  # 2030 is out of the call
    assert fields(gone, "line", "direction", "calling", "peer", "cause", "q850", "cleared_by", "features") == (
        "2030", "incoming", "201", "201", "transfer", 16, "local", ("transfer", "hold"))  # held while dialling
    assert (gone.connect, gone.duration) == (T0, 10.0)
    b.do("answer")
    ex.advance(20)
    a.do("on_hook")
    _, caller, target = ex.records
    assert fields(caller, "line", "called", "peer", "features", "cleared_by", "duration") == (
        "201", "2030", "202", ("transfer",), "local", 30.0)  # connected since 2030 answered
    assert fields(target, "line", "calling", "direction", "peer", "features", "cleared_by") == (
        "202", "201", "incoming", "201", ("transfer",), "remote")
    assert target.connect == T0 + 10 and target.duration == 20.0
    assert gone.gcid == caller.gcid == target.gcid


def test_a_consultative_transfer_marks_every_leg(tx):
    ex = tx
    a, b, cc = ex.phone(A), ex.phone(B), ex.phone(C)
    b.do("off_hook").do("dial", "201")
    a.do("answer")
    a.do("softkey", 4)  # Trnsfer: 202 held, consultation on 201's second instance
    a.do("dial", "2030")
    cc.do("answer")
    a.do("softkey", 4)  # complete
    transferring = by_line(ex.records)["201"]
    assert len(transferring) == 2 and all(r.cause == "transfer" and r.cleared_by == "local" for r in transferring)
    assert {r.features for r in transferring} == {("transfer", "hold"), ("transfer",)}
    b.do("on_hook")
    legs = by_line(ex.records)
    assert legs["202"][0].features == ("transfer",) and legs["202"][0].peer == "2030"
    assert legs["2030"][0].features == ("transfer",) and legs["2030"][0].peer == "202"


def cti(ex, tag, service, **fields):
    answers = []
    ex.telephony.lines[tag].ask(CTICall(service, **fields), block=False).add_done_callback(
        lambda f: answers.append(f.get()))
    ex.settle()
    (answer,) = answers
    return answer


def test_cti_click_to_dial_says_make_call(ex):
    ex.phone(A)
    b = ex.phone(B)
    answer = cti(ex, 1, "make_call", called="202")
    assert answer[0] == "ok"
    b.do("answer")
    ex.advance(7)
    cti(ex, 1, "clear", call_id=answer[1].call_id)
    caller, callee = ex.records
    assert fields(caller, "line", "direction", "called", "features", "cleared_by", "duration") == (
        "201", "outgoing", "202", ("MakeCall",), "system", 7.0)
    assert fields(callee, "features", "cleared_by") == ((), "remote")


def test_a_prompted_make_call_nobody_answers_is_no_answer_by_the_system(ex):
    ex.phone(A)
    answer = cti(ex, 1, "make_call", called="202", prompt=True)
    assert answer[0] == "ok"
    ex.advance(180)
    (rec,) = ex.records
    assert fields(rec, "line", "called", "cause", "q850", "cleared_by", "connect", "features") == (
        "201", "202", "alertTimeExpired", 19, "system", None, ("MakeCall",))


def test_the_servers_stop_clears_every_leg_by_the_system(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    ex.telephony.clear_calls()
    ex.settle()
    assert sorted((r.line, r.cleared_by) for r in ex.records) == [("201", "system"), ("202", "system")]


def test_a_phone_lost_mid_call_is_cleared_locally(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    b.drop()
    assert sorted((r.line, r.cleared_by) for r in ex.records) == [("201", "remote"), ("202", "local")]


def test_without_accounting_the_call_core_makes_no_record():
    ex = Exchange(CONFIG)
    try:
        assert ex.telephony.switch.accounting is None
        a, b = ex.phone(A), ex.phone(B)
        a.do("off_hook").do("dial", "202")
        b.do("answer")
        a.do("on_hook")
        assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    finally:
        ex.close()


def test_a_line_that_fails_mid_call_leaves_system_records(ex):
    a, b = ex.phone(A), ex.phone(B)
    a.do("off_hook").do("dial", "202")
    b.do("answer")
    ex.telephony.lines[2].tell(c.Retire("removed"))
    ex.settle()
    assert sorted((r.line, r.cleared_by) for r in ex.records) == [("201", "remote"), ("202", "system")]
