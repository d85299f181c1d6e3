"""A read's keypad digits for the call being dialled go to the line as one UserAction
(PhoneUser.collect_digits, issue 15): what every phone receives, and what the lines and
phones end up holding, is the same as when each digit is its own UserAction (the general
path, with collection off)."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors import calls as c
from actors.phone_user import PhoneUser
from actors.runtime import ReactorActorRef
from cme.testing import Exchange
from sccp.callcontrol import KeypadButtonMessage, OffHookMessage, OnHookMessage
from sccp.enums import keypad_button
from sccp.framing import encode

CONFIG = """
hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
ephone-dn 1
 number 201
ephone-dn 2
 number 202
ephone-dn 3
 number 2021
ephone 1
 mac-address 001E.4A34.A35F
 button 1:1
ephone 2
 mac-address 0000.0000.0002
 button 1:2
ephone 3
 mac-address 0000.0000.0003
 button 1:3
"""
DEVICES = ("SEP001E4A34A35F", "SEP000000000002", "SEP000000000003")


def keys(digits: str) -> list:
    return [KeypadButtonMessage(button=keypad_button(d)) for d in digits]


def play(reads: list[list], *, collect: bool, monkeypatch) -> tuple:
    """Play `reads` (each a list of SCCP messages written in one segment) from phone 1,
    settling after each; return what each phone received, the lines' connections and the
    number of digit UserActions told."""
    told = []
    tell = ReactorActorRef.tell

    def counting(self, message):
        if type(message) is c.UserAction and message.action == "digits":
            told.append(message.digits)
        return tell(self, message)

    with monkeypatch.context() as m:
        m.setattr(ReactorActorRef, "tell", counting)
        if not collect:
            m.setattr(PhoneUser, "collect_digits", lambda self: None)
        ex = Exchange(CONFIG)
        try:
            phones = [ex.phone(d) for d in DEVICES]
            for read in reads:
                phones[0].protocol.dataReceived(b"".join(map(encode, read)))
                ex.settle()
                for p in phones:
                    p.pump()
                ex.settle()
            ex.advance(30)
            for p in phones:
                p.pump()
            received = [[encode(x) for x in p.received] for p in phones]
            lines = ex.line_connections()
            return received, lines, told
        finally:
            ex.close()


def test_four_digits_in_one_read_are_one_user_action_and_change_nothing_else(monkeypatch):
    reads = [[OffHookMessage()], keys("2021")]
    fast = play(reads, collect=True, monkeypatch=monkeypatch)
    general = play(reads, collect=False, monkeypatch=monkeypatch)
    assert fast[2] == ["2021"] and general[2] == ["2", "0", "2", "1"]
    assert fast[:2] == general[:2]


def test_digits_then_onhook_in_one_read_reach_the_line_before_the_onhook(monkeypatch):
    reads = [[OffHookMessage()], [*keys("202"), OnHookMessage()]]
    fast = play(reads, collect=True, monkeypatch=monkeypatch)
    assert fast[2] == ["202"]
    assert fast[:2] == play(reads, collect=False, monkeypatch=monkeypatch)[:2]


MESSAGES = st.one_of(
    st.sampled_from("0123456789*#").map(lambda d: KeypadButtonMessage(button=keypad_button(d))),
    st.just(OffHookMessage()), st.just(OnHookMessage()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(MESSAGES, min_size=1, max_size=8), min_size=1, max_size=4))
def test_any_reads_of_keys_and_hooks_end_the_same_as_digit_by_digit(monkeypatch, reads):
    fast = play(reads, collect=True, monkeypatch=monkeypatch)
    general = play(reads, collect=False, monkeypatch=monkeypatch)
    assert fast[:2] == general[:2]
    assert "".join(fast[2]) == "".join(general[2])
