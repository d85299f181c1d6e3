"""`cme csta`: each command builds the one CSTA request the server parses as meant."""
import pytest

from cme.csta import build_request
from sip.csta import requests as rq
from sip.csta.requests import parse_request
from sip.csta.responses import SnapshotItem, snapshot_device_response
from actors.events import ConnectionID

SNAPSHOT = snapshot_device_response([SnapshotItem(ConnectionID(7, "201"), "hold"),
                                     SnapshotItem(ConnectionID(9, "201"), "connected"),
                                     SnapshotItem(ConnectionID(11, "201"), "alerting")])


def parsed(command, *arguments):
    return parse_request(build_request(command, "201", list(arguments), SNAPSHOT)).request


def test_make_call_with_and_without_prompt():
    made = parsed("make-call", "202")
    assert isinstance(made, rq.MakeCall) and made.auto_originate == "doNotPrompt"
    assert made.calling_device.digits == "201" and made.called_directory_number.digits == "202"
    assert parsed("make-call", "202", "prompt").auto_originate == "prompt"


def test_call_commands_pick_the_call_in_the_fitting_state():
    assert parsed("answer").call_to_be_answered.call_id == 11
    assert parsed("hold").call_to_be_held.call_id == 9
    assert parsed("retrieve").call_to_be_retrieved.call_id == 7
    deflect = parsed("deflect", "203")
    assert (deflect.call_to_be_diverted.call_id, deflect.new_destination.digits) == (11, "203")
    single = parsed("transfer", "203")
    assert isinstance(single, rq.SingleStepTransferCall)
    assert (single.active_call.call_id, single.transferred_to.digits) == (9, "203")
    both = parsed("transfer")
    assert isinstance(both, rq.TransferCall)
    assert (both.held_call.call_id, both.active_call.call_id) == (7, 9)
    consult = parsed("consult", "203")
    assert (consult.existing_call.call_id, consult.consulted_device.digits) == (9, "203")
    digits = parsed("digits", "12*#")
    assert (digits.connection_to_send_digits.call_id, digits.characters_to_send) == (9, "12*#")


@pytest.mark.parametrize("command, arguments", [
    ("make-call", []), ("make-call", ["202", "loudly"]), ("deflect", []), ("consult", ["203", "204"]),
    ("digits", []), ("hold", ["now"]), ("dnd", ["maybe"]), ("forward", ["on"])])
def test_bad_arguments_are_refused_before_anything_is_sent(command, arguments):
    with pytest.raises(ValueError):
        build_request(command, "201", arguments, None)


def test_arguments_cannot_inject_xml():
    body = build_request("digits", "201", ["1</charactersToSend><x/>"], SNAPSHOT)
    with pytest.raises(Exception) as caught:  # the server's parser refuses it as not DTMF
        parse_request(body)
    assert "not DTMF" in str(caught.value)


def test_dial_via_office_is_a_prompted_make_call_from_the_remote_phone():
    made = parsed("dial-via-office", "202", "95551234")
    assert isinstance(made, rq.MakeCall) and made.auto_originate == "prompt"
    assert made.calling_device.digits == "95551234" and made.called_directory_number.digits == "202"
    with pytest.raises(ValueError):
        build_request("dial-via-office", "201", ["202"], None)


def test_dial_via_office_takes_the_remote_phone_from_the_dns_snr(tmp_path):
    from cme.csta import snr_number
    from pathlib import Path
    cfg = Path(__file__).resolve().parents[2] / "conf" / "examples" / "trunk.cfg"
    assert snr_number(str(cfg), "201") == "95551234"
    with pytest.raises(ValueError, match="no 'snr NUMBER'"):
        snr_number(str(cfg), "202")
