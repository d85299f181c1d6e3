"""Forward all, do not disturb, message waiting: from the phone, in the events, kept."""
import pytest

from actors import calls as c
from cme.features import FeatureStore
from cme.testing import Exchange
from sccp import softkeys
from sccp.enums import CallState, LampMode, SoftKeyEvent, Stimulus, Tone
from tests.actors.test_calls import A, B, C, CONFIG, only_call, tone


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    yield ex
    ex.close()


def tell(ex, number, message):
    ex.telephony.directory[number].tell(message)
    ex.settle()


def test_call_forward_all_from_configuration_diverts_to_the_target(ex):
    ex.config.ephone_dns[2].call_forward_all = "2030"
    a, b, cc = ex.phone(A), ex.phone(B), ex.phone(C)
    events = ex.watch("201", "202", "2030")
    a.do("off_hook").do("dial", "202")
    assert cc.ringing() and not b.ringing()
    assert only_call(a).state == CallState.RING_OUT
    cc.do("answer")
    assert only_call(a).state == only_call(cc).state == CallState.CONNECTED
    assert len(a.transmissions) == len(cc.transmissions) == 1  # media straight to the target
    diverted = [e for e in events if e.kind == "diverted"]
    assert [(e.device, e.diverting, e.new_destination, e.cause) for e in diverted] == [
        ("202", "202", "2030", "callForwardImmediate"), ("201", "202", "2030", "callForwardImmediate")]
    delivered = [(e.device, e.alerting, e.last_redirection, e.cause) for e in events if e.kind == "delivered"]
    assert delivered == [("2030", "2030", "202", "redirected"), ("201", "2030", "202", "redirected")]


def test_a_forwarding_loop_ends_not_obtainable(ex):
    ex.config.ephone_dns[2].call_forward_all = "2030"
    ex.config.ephone_dns[3].call_forward_all = "202"
    a = ex.phone(A)
    a.do("off_hook").do("dial", "202")
    assert only_call(a).state == CallState.INVALID_NUMBER


def test_cfwdall_soft_key_sets_and_clears_forwarding(ex):
    b = ex.phone(B)
    events = ex.watch("202")
    b.do("softkey", SoftKeyEvent.CFWD_ALL)
    assert b.prompt == "Forward all: enter number"
    b.do("dial", "2030")  # a complete DN number ends the collection
    assert ex.config.ephone_dns[2].call_forward_all == "2030"
    assert b.lines[1].forward_all == "2030" and b.prompt == ""
    assert [(e.kind, e.on, e.forward_to) for e in events] == [("forwarding", True, "2030")]
    b.do("softkey", SoftKeyEvent.CFWD_ALL)  # pressed while forwarded: off
    assert ex.config.ephone_dns[2].call_forward_all is None and b.lines[1].forward_all == ""
    b.do("softkey", SoftKeyEvent.CFWD_ALL).do("dial", "99#")  # any number, ended by '#'
    assert ex.config.ephone_dns[2].call_forward_all == "99"
    b.do("softkey", SoftKeyEvent.CFWD_ALL)
    b.do("softkey", SoftKeyEvent.CFWD_ALL).do("dial", "5").do("on_hook")  # cancelled
    assert ex.config.ephone_dns[2].call_forward_all is None


def test_dnd_soft_key_makes_callers_hear_busy(ex):
    a, b = ex.phone(A), ex.phone(B)
    events = ex.watch("201", "202")
    b.do("softkey", softkeys.DND_EVENT)
    assert ex.config.ephone_dns[2].do_not_disturb and b.notify == "Do Not Disturb"
    a.do("off_hook").do("dial", "202")
    assert not b.ringing() and only_call(a).state == CallState.BUSY and tone(a) == Tone.BUSY
    failed = [e for e in events if e.kind == "failed"]
    assert [(e.device, e.cause) for e in failed] == [("201", "doNotDisturb")]
    assert ("do_not_disturb", True) in [(e.kind, e.on) for e in events if e.kind == "do_not_disturb"]
    a.do("on_hook")
    b.do("softkey", softkeys.DND_EVENT)
    assert not ex.config.ephone_dns[2].do_not_disturb and b.notify == ""


def test_message_waiting_lamp_follows_the_line_and_is_shown_at_registration(ex):
    b = ex.phone(B)
    tell(ex, "202", c.SetMwi(True))
    assert b.lamps[(Stimulus.VOICEMAIL, 0)] == LampMode.ON
    b2 = ex.phone(B)  # registers again: the lamp is lit from the start
    assert b2.lamps[(Stimulus.VOICEMAIL, 0)] == LampMode.ON
    tell(ex, "202", c.SetMwi(False))
    assert b2.lamps[(Stimulus.VOICEMAIL, 0)] == LampMode.OFF


def test_features_survive_a_restart_through_the_state_file(tmp_path):
    store = FeatureStore(tmp_path / "state" / "features.json")
    ex = Exchange(CONFIG, feature_store=store)
    try:
        b = ex.phone(B)
        b.do("softkey", SoftKeyEvent.CFWD_ALL).do("dial", "2030")
        b.do("softkey", softkeys.DND_EVENT)
        tell(ex, "201", c.SetMwi(True))
    finally:
        ex.close()
    again = Exchange(CONFIG, feature_store=store)  # the "restart"
    try:
        dn201, dn202 = again.config.ephone_dns[1], again.config.ephone_dns[2]
        assert (dn202.call_forward_all, dn202.do_not_disturb, dn201.message_waiting) == ("2030", True, True)
        import conf

        text = conf.render(again.config)
        assert " call-forward all 2030" in text and " do-not-disturb" in text and " message-waiting" in text
    finally:
        again.close()
    assert not list((tmp_path / "state").glob(".features.*"))  # no temporary file left


def test_a_damaged_state_file_is_ignored_not_fatal(tmp_path):
    path = tmp_path / "features.json"
    path.write_text("{not json")
    ex = Exchange(CONFIG, feature_store=FeatureStore(path))
    try:
        assert ex.config.ephone_dns[2].call_forward_all is None
    finally:
        ex.close()
