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
