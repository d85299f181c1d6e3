"""CSTA device identifiers: `tel:201`, `tel:+14085551234;phone-context=dialstring`,
`sip:201@host;user=phone`, bare `201`, reduced to the digits a line is dialled with.

The original text is kept so a server configured with `cti message device-id
suppress-conversion` can echo a device exactly as the application wrote it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sip.memo import Memo

#: Longest dial string accepted (E.164 is 15 digits; dial strings carry prefixes and codes).
MAX_DIGITS = 32
_DIGITS = re.compile(r"\+?[0-9*#][0-9*#A-Da-d]*")
# Visual separators of RFC 3966 that carry no dialling meaning.
_VISUAL = str.maketrans("", "", "-.() ")


def dial_digits(device_id: str) -> str:
    """The dial string of a device ID, or ValueError when it names no number.

    A leading "+" (global number) is kept: dropping it would change what gets dialled.
    Letters A-D are DTMF digits and are upper-cased.
    """
    text = device_id.strip()
    lower = text.lower()
    if lower.startswith("tel:"):
        number = text[4:].split(";", 1)[0]
    elif lower.startswith(("sip:", "sips:")):
        rest = text.split(":", 1)[1]
        if "@" in rest:
            number = rest.split("@", 1)[0]
        else:
            number = rest
        number = number.split(";", 1)[0].split("?", 1)[0]
    else:
        number = text.split(";", 1)[0]
    number = number.translate(_VISUAL)
    if not _DIGITS.fullmatch(number) or len(number) > MAX_DIGITS:
        raise ValueError(f"not a dialable device ID: {device_id!r}")
    return number.upper()


@dataclass(frozen=True, slots=True)
class DeviceID:
    """A device as a request named it: the original text, its digits, its typeOfNumber."""

    text: str
    digits: str
    type_of_number: str | None = None

    def __str__(self) -> str:
        return self.digits


_KNOWN_MAX = 1024  # device IDs remembered; then the memo starts over
_KNOWN = Memo(_KNOWN_MAX)  # (text, type of number) -> DeviceID


def parse_device_id(text: str, type_of_number: str | None = None) -> DeviceID:
    """DeviceID from a request's text (ValueError when it names no number).

    An application names the same few devices in every request, so what a text gives is
    remembered (DeviceID is frozen; a text that names no number is never remembered)."""
    key = (text, type_of_number)
    device = _KNOWN.get(key)
    if device is None:
        device = _KNOWN.keep(key, DeviceID(text.strip(), dial_digits(text), type_of_number))
    return device
