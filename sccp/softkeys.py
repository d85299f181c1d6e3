"""The soft keys a phone shows in each call situation, as CME offers them.

A phone asks once for the template (every key the server may show, with its label and
the event it sends back) and for the sets (which template keys, in which order, per
call situation); afterwards SelectSoftKeys only names a set. Keys are referred to by
1-based position in the template. Labels "\\x80" + code are the phone's own localized
strings (sccp.md); DND has no such code everywhere, so it is plain text.
"""
from __future__ import annotations

from functools import cache

from sccp.device import SoftKeyDefinition, SoftKeySet, SoftKeySetResMessage, SoftKeyTemplateResMessage
from sccp.enums import SoftKeyEvent, SoftKeySetIndex
from sccp.framing import constant

DND_EVENT = 19  # above 11 the phone echoes whatever event number the template gives

# (name, label, event) in template order.
TEMPLATE: list[tuple[str, str, int]] = [
    ("Redial", "\x80\x01", SoftKeyEvent.REDIAL),
    ("NewCall", "\x80\x02", SoftKeyEvent.NEW_CALL),
    ("Hold", "\x80\x03", SoftKeyEvent.HOLD),
    ("Trnsfer", "\x80\x04", SoftKeyEvent.TRANSFER),
    ("CFwdAll", "\x80\x05", SoftKeyEvent.CFWD_ALL),
    ("<<", "\x80\x08", SoftKeyEvent.BACKSPACE),
    ("EndCall", "\x80\x09", SoftKeyEvent.END_CALL),
    ("Resume", "\x80\x0a", SoftKeyEvent.RESUME),
    ("Answer", "\x80\x0b", SoftKeyEvent.ANSWER),
    ("Confrn", "\x80\x0d", SoftKeyEvent.CONFRN),
    ("Park", "\x80\x0e", SoftKeyEvent.PARK),
    ("Join", "\x80\x0f", SoftKeyEvent.JOIN),
    ("PickUp", "\x80\x11", SoftKeyEvent.PICKUP),
    ("DND", "DND", DND_EVENT),
]

# Call situation -> key names, left to right, as CME lays them out.
SETS: dict[SoftKeySetIndex, list[str]] = {
    SoftKeySetIndex.ON_HOOK: ["Redial", "NewCall", "CFwdAll", "PickUp", "DND"],
    SoftKeySetIndex.CONNECTED: ["Hold", "EndCall", "Trnsfer", "Confrn", "Park"],
    SoftKeySetIndex.ON_HOLD: ["Resume", "NewCall", "EndCall"],
    SoftKeySetIndex.RING_IN: ["Answer", "DND", "EndCall"],
    SoftKeySetIndex.OFF_HOOK: ["Redial", "EndCall", "CFwdAll", "PickUp"],
    SoftKeySetIndex.CONNECTED_TRANSFER: ["Hold", "EndCall", "Trnsfer"],
    SoftKeySetIndex.DIGITS_FOLLOWING: ["<<", "EndCall"],
    SoftKeySetIndex.CONNECTED_CONFERENCE: ["Hold", "EndCall", "Confrn"],
    SoftKeySetIndex.RING_OUT: ["EndCall", "Trnsfer"],
    SoftKeySetIndex.OFF_HOOK_FEATURE: ["Redial", "EndCall"],
    SoftKeySetIndex.IN_USE_HINT: ["NewCall", "PickUp"],
    SoftKeySetIndex.ON_HOOK_STEALABLE: ["Redial", "NewCall", "CFwdAll", "DND"],
}

_POSITION = {name: i + 1 for i, (name, _, _) in enumerate(TEMPLATE)}
EVENT_NAMES = {int(event): name for name, _, event in TEMPLATE}


@cache
def template_message() -> SoftKeyTemplateResMessage:
    """The same (frozen) message each time, its frame encoded once."""
    return constant(_template_message())


def _template_message() -> SoftKeyTemplateResMessage:
    definitions = tuple(SoftKeyDefinition(label=label, event=event) for _, label, event in TEMPLATE)
    return SoftKeyTemplateResMessage(
        soft_key_offset=0,
        soft_key_count=len(definitions),
        total_soft_key_count=len(definitions),
        definitions=definitions,
    )


@cache
def sets_message() -> SoftKeySetResMessage:
    """The same (frozen) message each time, its frame encoded once."""
    return constant(_sets_message())


def _sets_message() -> SoftKeySetResMessage:
    sets = []
    for index in sorted(SETS):
        positions = tuple(_POSITION[name] for name in SETS[index])
        # The info index points into the phone's help texts: 300 + event, as CallManager.
        info = tuple(300 + int(TEMPLATE[p - 1][2]) for p in positions)
        sets.append(SoftKeySet(template_index=positions, info_index=info))
    return SoftKeySetResMessage(
        soft_key_set_offset=0,
        soft_key_set_count=len(sets),
        total_soft_key_set_count=len(sets),
        sets=tuple(sets),
    )


def keys_shown(index: SoftKeySetIndex) -> list[str]:
    """The key names a phone shows in that situation (virtual phones, tests)."""
    return list(SETS[index])
