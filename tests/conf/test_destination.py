"""Destination-patterns: every wildcard, the errors and where they point, and which
dial-peers a number selects."""

import pytest

from conf.destination import Pattern, PatternError, inbound_peer, longer_possible, outbound_peers
from conf.model import DialPeer, SessionTarget

# (pattern, digits, matches, could_extend)
CASES = [
    ("201", "201", True, False),
    ("201", "20", False, True),
    ("201", "2011", False, False),
    ("201", "", False, True),
    ("*7#", "*7#", True, False),
    ("*7#", "*7", False, True),
    ("20.", "201", True, False),
    ("20.", "20*", True, False),
    ("20.", "20#", True, False),
    ("20.", "20", False, True),
    ("20.", "2012", False, False),
    ("9T", "9", True, True),
    ("9T", "95551234", True, True),
    ("9T", "", False, True),
    ("9T", "8", False, False),
    ("T", "", True, True),
    ("[2-5]1", "31", True, False),
    ("[2-5]1", "61", False, False),
    ("[2-5]1", "5", False, True),
    ("[135]0", "30", True, False),
    ("[135]0", "20", False, False),
    ("[^0]..", "123", True, False),
    ("[^0]..", "023", False, False),
    ("[^0-8]", "9", True, False),
    ("[^0-8]", "*", True, False),
    ("[*#]", "#", True, False),
    ("+1408", "+1408", True, False),
    ("+1408", "1408", False, False),
    ("+1408", "+14", False, True),
    ("9[0-9]+", "9", False, True),
    ("9[0-9]+", "912", True, True),
    ("91?2", "92", True, False),
    ("91?2", "912", True, False),
    ("91?2", "9112", False, False),
    ("91?2", "9", False, True),
    ("91%2", "92", True, False),
    ("91%2", "91112", True, False),
    ("91%2", "911", False, True),
    ("5.%", "5", True, True),
    ("[0-9]+#", "123#", True, False),
    ("[0-9]+#", "123", False, True),
]


@pytest.mark.parametrize("text, digits, matches, could_extend", CASES, ids=[f"{c[0]}~{c[1]}" for c in CASES])
def test_pattern_matching(text, digits, matches, could_extend):
    pattern = Pattern.parse(text)
    assert pattern.matches(digits) is matches
    assert pattern.could_extend(digits) is could_extend


@pytest.mark.parametrize("text, explicit, variable", [
    ("201", 3, False), ("20.", 2, False), ("9T", 1, True), ("[2-5]1", 1, False), ("+1408", 4, False),
    ("9[0-9]+", 1, True), ("91%2", 3, True), ("91?2", 3, False), ("T", 0, True), ("*7#", 3, False),
])
def test_explicit_digits_and_variable_length(text, explicit, variable):
    pattern = Pattern.parse(text)
    assert (pattern.text, pattern.explicit, pattern.variable()) == (text, explicit, variable)


@pytest.mark.parametrize("text, column, reason", [
    ("", 0, "empty pattern"),
    ("9A1", 1, "'A' is not a digit or a wildcard"),
    ("9t", 1, "'t' is not a digit or a wildcard"),
    ("20,1", 2, "',' is not a digit or a wildcard"),
    ("9[0-9", 1, "unclosed '['"),
    ("9[a]", 2, "'a' cannot be in a digit set"),
    ("9[5-2]", 2, "'5-2' is not a range of digits"),
    ("[^0-9*#]", 0, "the digit set matches no digit"),
    ("[]", 0, "the digit set matches no digit"),
    ("9T1", 1, "'T' may only end a pattern"),
    ("TT", 0, "'T' may only end a pattern"),
    ("%1", 0, "'%' has nothing before it to repeat"),
    ("?", 0, "'?' has nothing before it to repeat"),
    ("9++", 2, "'+' cannot repeat a repetition"),
])
def test_bad_patterns_say_why_and_where(text, column, reason):
    with pytest.raises(PatternError) as info:
        Pattern.parse(text)
    assert (info.value.column, info.value.reason) == (column, reason)
    assert str(info.value) == f"{reason} (character {column + 1} of '{text}')"


def test_a_pattern_is_compiled_once():
    assert Pattern.parse("9T") is Pattern.parse("9T")


GW = SessionTarget("ipv4", "192.0.2.10", 5060)


def peer(tag, pattern, **kw):
    kw.setdefault("session_target", GW)
    return DialPeer(tag, destination_pattern=pattern, **kw)


def tags(peers):
    return [p.tag for p in peers]


def test_outbound_order_explicit_digits_then_preference_then_tag():
    peers = [peer(1, "9T"), peer(2, "9555...."), peer(3, "9555....", preference=1), peer(4, "95551234"),
             peer(5, "9555....", preference=0), peer(6, "8T")]
    assert tags(outbound_peers(peers, "95551234")) == [4, 2, 5, 3, 1]
    assert tags(outbound_peers(peers, "9")) == [1]
    assert outbound_peers(peers, "7") == []


def test_outbound_hunt_stops_after_the_first_huntstop_peer():
    peers = [peer(1, "9T"), peer(2, "9555....", huntstop=True), peer(3, "95551234")]
    assert tags(outbound_peers(peers, "95551234")) == [3, 2]
    assert tags(outbound_peers([peer(1, "9T", huntstop=True), peer(2, "9T")], "91")) == [1]


def test_outbound_skips_shutdown_pots_targetless_and_unparsable_peers():
    peers = [peer(1, "9T", shutdown=True), DialPeer(2, "pots", destination_pattern="9T"),
             peer(3, "9T", session_target=None), peer(4, "9[T"), peer(5, None), peer(6, "9T")]
    assert tags(outbound_peers(peers, "91")) == [6]


def test_inbound_prefers_incoming_called_number_then_destination_pattern_of_the_caller():
    peers = [peer(1, "5551...", incoming_called_number="20."), peer(2, "555....", incoming_called_number="201"),
             peer(3, "5551234"), peer(4, "555....", shutdown=True, incoming_called_number="202")]
    assert inbound_peer(peers, "201", "5559999").tag == 2  # more explicit called-number wins
    assert inbound_peer(peers, "205", "5559999").tag == 1
    assert inbound_peer(peers, "301", "5551234").tag == 3  # no called-number peer: by the caller
    assert inbound_peer(peers, "202", "5552222").tag == 1  # peer 4 is shut down
    assert inbound_peer(peers, "301", "4440000") is None
    assert inbound_peer([DialPeer(9, "pots", incoming_called_number="T")], "1", "2") is None


def test_inbound_needs_no_session_target():
    assert inbound_peer([DialPeer(7, incoming_called_number="20.")], "201", "x").tag == 7


def test_longer_possible():
    peers = [peer(1, "9T"), peer(2, "20."), peer(3, "30.", shutdown=True), peer(4, "40.", session_target=None)]
    assert longer_possible(peers, "")
    assert longer_possible(peers, "2") and longer_possible(peers, "20")
    assert not longer_possible(peers, "201")
    assert longer_possible(peers, "9555")  # T: always
    assert not longer_possible(peers, "30") and not longer_possible(peers, "40")
