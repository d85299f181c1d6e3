"""sip/csta/xml.py's TextBuilder writes exactly the bytes lxml's Builder writes (issue 15's
fast path for events and responses), and hands anything it does not write itself back
(NotPlain), so lxml still escapes or refuses it."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from actors.events import CallEvent, ConnectionID, FeatureEvent
from sip.csta.events import CALL_EVENTS, FEATURE_EVENTS, _render, render_event
from sip.csta.xml import NAMESPACES, Builder, NotPlain, TextBuilder

NAMES = st.sampled_from(["a", "callID", "deviceID", "notKnown", "x-y", "localConnectionInfo"])
VALUES = st.none() | st.text(max_size=12) | st.text(alphabet="0123456789tel:+@sip.;=&<>\r\n\t\"' ",
                                                      max_size=12)
TREES = st.recursive(st.tuples(NAMES, VALUES, st.just([])),
                     lambda kids: st.tuples(NAMES, VALUES, st.lists(kids, max_size=3)), max_leaves=12)
NS = st.sampled_from([None, "urn:other", *NAMESPACES.values()])


def build(builder, root, namespace, kids):
    b = builder(root, namespace)

    def add(parent, tree):
        name, value, children = tree
        el = b.add(parent, name, value)
        for c in children:
            add(el, c)

    for k in kids:
        add(b.root, k)
    return b.bytes()


@settings(max_examples=400, deadline=None)
@given(NAMES, NS, st.lists(TREES, max_size=4))
@example("X", None, [("a", "", []), ("b", None, []), ("c", "x", [("d", None, [])])])
def test_text_builder_writes_lxmls_bytes_or_steps_aside(root, namespace, kids):
    try:
        expected = build(Builder, root, namespace, kids)
    except ValueError:  # lxml refuses it (control characters): the fast path must too
        with pytest.raises(NotPlain):
            build(TextBuilder, root, namespace, kids)
        return
    try:
        fast = build(TextBuilder, root, namespace, kids)
    except NotPlain:
        return  # lxml's serialiser writes it (escaped): render_event falls back to it
    assert fast == expected


@pytest.mark.parametrize("value", ["a&b", "<", ">", "a\rb", "é", "\x7f", "\x0b"])
def test_what_lxml_escapes_or_refuses_is_not_plain(value):
    b = TextBuilder("X")
    with pytest.raises(NotPlain):
        b.add(b.root, "a", value)


DEVICE = st.none() | st.text(alphabet="0123456789", min_size=1, max_size=6) | st.text(max_size=8)
KINDS = st.sampled_from(sorted([*CALL_EVENTS, "transferred"]))


@settings(max_examples=300, deadline=None)
@given(KINDS, DEVICE, DEVICE, DEVICE, st.text(max_size=6), st.text(max_size=6), NS,
       st.none() | st.text(max_size=10))
def test_render_event_fast_path_matches_lxml(kind, calling, called, other, state, cause, namespace, form):
    event = CallEvent(kind, "201", ConnectionID(7, "201"), state or "connected", cause, calling=calling,
                      called=called, alerting=other, answering=other, releasing=other, holding=other,
                      retrieving=other, network=other, last_redirection=other, new_destination=other,
                      diverting=other)
    forms = None if form is None else (lambda n: f"{form}{n}")
    try:
        expected = _render(event, "00000001", namespace, forms, Builder)
    except ValueError:
        with pytest.raises(ValueError):
            render_event(event, "00000001", namespace, forms)
        return
    assert render_event(event, "00000001", namespace, forms) == expected


@pytest.mark.parametrize("kind", sorted(FEATURE_EVENTS))
@pytest.mark.parametrize("forward_to", [None, "", "203", "tel:+1&2"])
def test_feature_events_fast_path_matches_lxml(kind, forward_to):
    event = FeatureEvent(kind, "201", True, forward_to)
    assert render_event(event, "1", None) == _render(event, "1", None, None, Builder)


def test_responses_with_values_lxml_must_escape_still_come_from_lxml():
    from sip.csta.responses import (
        ForwardItem,
        get_forwarding_response,
        monitor_start_response,
    )

    assert monitor_start_response("a&b") == (
        b'<?xml version="1.0" encoding="UTF-8"?><MonitorStartResponse xmlns="'
        + NAMESPACES[3].encode() + b'"><monitorCrossRefID>a&amp;b</monitorCrossRefID></MonitorStartResponse>')
    items = (ForwardItem("forwardImmediate", True, dn) for dn in ("201", "2&3"))  # a generator, read once
    assert get_forwarding_response(items).count(b"<forwardListItem>") == 2


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["", "urn:x", "http://www.ecma-international.org/standards/ecma-323/csta/ed3"]),
       st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True))
def test_tag_split_reads_as_qname(namespace, name):
    from lxml import etree

    from sip.csta.xml import local, split_tag

    el = etree.Element(f"{{{namespace}}}{name}" if namespace else name)
    q = etree.QName(el)
    assert split_tag(el) == (q.namespace or "", q.localname) and local(el) == q.localname
