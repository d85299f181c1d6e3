"""Every rendered response and event follows the element order (and choices) of the ed3
schema digest, `csta-ed3-elements.txt`, recursively wherever the digest describes a type."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from sip.csta import render_event
from tests.sip.test_csta_events import EVENTS
from tests.sip.test_csta_responses import GOLDEN

DIGEST = Path(__file__).resolve().parent.parent / "data" / "csta-ed3-elements.txt"


def load_digest(path: Path = DIGEST):
    """{type: ("seq"|"choice", [child names], {child: child type})}"""
    types: dict[str, tuple[str, list[str], dict[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            if line.startswith("# Enumerations"):
                break
            continue
        if not line.startswith(" "):
            head = line.split("(")[0].strip()
            if ":" in head and not line.strip().endswith(")"):
                name, names = line.split(":", 1)  # "CallControlServList: a, b, c"
                types[name.strip()] = ("seq", [n.strip() for n in names.split(",")], {})
                current = None
            else:
                current = head
                types[current] = ("seq", [], {})
            continue
        body = line.strip()
        if current is None:
            continue
        choice = re.match(r"one of <(.*)>", body)
        if choice:
            names = [re.sub(r"\s*\(.*\)", "", n) for n in choice.group(1).split("|")]
            types[current] = ("choice", names, {})
        elif current == "ConnectionID":
            types[current] = ("seq", ["callID", "deviceID"], {})
        else:
            field, kind = body.split(":", 1)
            if "(attribute)" in kind or "(text)" in kind:
                continue
            types[current][1].append(field.strip())
            types[current][2][field.strip()] = kind.strip()
    return types


TYPES = load_digest()
# Fields the digest types by name only where the choice wraps a DeviceID.
CHOICE_CHILD = {"deviceIdentifier": "DeviceID", "numberDialed": "DeviceID", "snapshotData": None}


def check(element, type_name: str, path: str) -> int:
    """Assert `element`'s children follow `type_name`; returns the number of elements checked."""
    if type_name is None or type_name not in TYPES:
        return 0
    kind, names, fields = TYPES[type_name]
    kids = [c for c in element if isinstance(c.tag, str)]
    local = [etree.QName(c).localname for c in kids]
    where = f"{path} ({type_name})"
    if kind == "choice":
        assert len(local) == 1 and local[0] in names, f"{where}: {local} is not one of {names}"
    else:
        unknown = [n for n in local if n not in names]
        assert not unknown, f"{where}: {unknown} not in the schema's {names}"
        positions = [names.index(n) for n in local]
        assert positions == sorted(positions), f"{where}: {local} out of the schema's order {names}"
    checked = 1
    for kid, name in zip(kids, local):
        child_type = fields.get(name)
        if child_type is None:
            checked += check(kid, CHOICE_CHILD.get(name), f"{path}/{name}")
            continue
        if child_type.endswith("[]"):  # a list wrapper: every item is of the base type
            for item in kid:
                checked += check(item, child_type[:-2], f"{path}/{name}/{etree.QName(item).localname}")
        else:
            checked += check(kid, child_type, f"{path}/{name}")
    return checked


def test_digest_is_read():
    assert TYPES["EstablishedEvent"][1][:3] == ["monitorCrossRefID", "establishedConnection", "answeringDevice"]
    assert TYPES["SubjectDeviceID"][0] == "choice"
    assert "singleStepTransfer" in TYPES["CallControlServList"][1]
    assert TYPES["ConnectionListItem"][2]["endpoint"] == "ConnectionListItemEndpoint"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_responses_follow_schema_order(name):
    root = etree.fromstring(GOLDEN[name][0](None))
    assert etree.QName(root).localname == name
    check(root, name, name)


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_events_follow_schema_order(name):
    event, _ = EVENTS[name]
    root = etree.fromstring(render_event(event, "1"))
    element = etree.QName(root).localname
    assert [etree.QName(c).localname for c in root][0] == "monitorCrossRefID"
    assert check(root, element, element) > 1


def test_checker_catches_disorder():
    root = etree.fromstring(b"<HeldEvent><heldConnection/><monitorCrossRefID>1</monitorCrossRefID></HeldEvent>")
    with pytest.raises(AssertionError):
        check(root, "HeldEvent", "HeldEvent")
    root = etree.fromstring(b"<ForwardingEvent><monitorCrossRefID>1</monitorCrossRefID><forwardDN>1</forwardDN>"
                            b"</ForwardingEvent>")
    with pytest.raises(AssertionError):
        check(root, "ForwardingEvent", "ForwardingEvent")
