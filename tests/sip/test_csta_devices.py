"""Device IDs as applications write them reduce to the digits a line is dialled with."""
from __future__ import annotations

import pytest

from sip.csta.devices import DeviceID, dial_digits, parse_device_id


@pytest.mark.parametrize("text,digits", [
    ("201", "201"), (" 201 ", "201"), ("tel:201", "201"), ("TEL:201", "201"),
    ("tel:73124;phone-context=dialstring", "73124"),
    ("tel:+1-408-555-1234;phone-context=dialstring", "+14085551234"),
    ("tel:+1 (408) 555.1234", "+14085551234"),
    ("sip:201@cme.example.com", "201"), ("sip:201@10.0.0.1:5060;transport=tcp", "201"),
    ("sips:202@host", "202"), ("sip:201;user=phone@host", "201"), ("sip:201", "201"),
    ("201;ext=7", "201"), ("*21", "*21"), ("#99", "#99"), ("12ab", "12AB"),
])
def test_dial_digits(text, digits):
    assert dial_digits(text) == digits


@pytest.mark.parametrize("text", ["", "  ", "tel:", "sip:@host", "sip:alice@host", "abc", "20 x1",
                                  "+", "1" * 33, "tel:;phone-context=x", "201/1"])
def test_not_device_ids(text):
    with pytest.raises(ValueError):
        dial_digits(text)


def test_parse_device_id_keeps_the_original_text_for_echoing():
    d = parse_device_id(" tel:201;phone-context=dialstring ", "dynamic")
    assert d == DeviceID("tel:201;phone-context=dialstring", "201", "dynamic")
    assert str(d) == "201"


@pytest.mark.parametrize("text,kind", [("tel:201", None), (" sip:201@cme;user=phone ", "dialingNumber"),
                                       ("201", "dialingNumber"), ("201", None)])
def test_a_remembered_device_id_is_what_parsing_gives(text, kind):
    """parse_device_id remembers what a text gives (issue 15): the same value as building
    it afresh, every time, whatever was parsed before."""
    fresh = DeviceID(text.strip(), dial_digits(text), kind)
    assert parse_device_id(text, kind) == fresh
    assert parse_device_id(text, kind) == fresh and parse_device_id(text, kind).type_of_number == kind


def test_a_text_that_names_no_number_fails_every_time():
    for _ in range(2):
        with pytest.raises(ValueError):
            parse_device_id("tel:alice")
