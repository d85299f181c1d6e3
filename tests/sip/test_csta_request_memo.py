"""parse_request remembers what a short body parsed to: the same answer as the general
path (parse_request_uncached), for every example, edition and variant, however often it
is asked; a body that fails is refused each time and never remembered; the memo is
bounded."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sip.csta import CSTAParseError
from sip.csta import requests as rq
from sip.csta.xml import NAMESPACES
from tests.sip.test_csta_requests import EXAMPLES, MALFORMED, with_extensions, with_namespace


def _body(xml: str, namespace, extensions: bool, as_bytes: bool):
    text = with_namespace(with_extensions(xml) if extensions else xml, namespace)
    return text.encode() if as_bytes else text


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES), st.sampled_from([None, *NAMESPACES.values()]), st.booleans(),
       st.booleans(), st.integers(1, 3))
def test_remembered_parse_is_the_general_parse(example, namespace, extensions, as_bytes, times):
    body = _body(example[0], namespace, extensions, as_bytes)
    expected = rq.parse_request_uncached(body)
    for _ in range(times):
        assert rq.parse_request(body) == expected
    assert rq._PARSED.get(body) == expected


@pytest.mark.parametrize("xml,category,value", MALFORMED)
def test_a_failing_body_is_refused_each_time_and_never_remembered(xml, category, value):
    for body in (xml, xml.encode()):
        for _ in range(2):
            with pytest.raises(CSTAParseError) as caught:
                rq.parse_request(body)
            assert (caught.value.category, caught.value.value) == (category, value)
        assert body not in rq._PARSED


def test_the_memo_is_bounded_and_long_bodies_are_not_kept():
    for i in range(rq._PARSED_MAX + 10):
        rq.parse_request(f"<MonitorStop><monitorCrossRefID>{i:08x}</monitorCrossRefID></MonitorStop>".encode())
        assert len(rq._PARSED) <= rq._PARSED_MAX
    long_body = ("<MonitorStop><monitorCrossRefID>1</monitorCrossRefID>" + " " * rq._PARSED_BODY_MAX
                 + "</MonitorStop>").encode()
    assert rq.parse_request(long_body) == rq.parse_request_uncached(long_body)
    assert long_body not in rq._PARSED


def test_other_buffers_take_the_general_path():
    body = b"<SnapshotDevice><snapshotObject>201</snapshotObject></SnapshotDevice>"
    assert rq.parse_request(bytearray(body)) == rq.parse_request_uncached(body)
    assert rq.parse_request(memoryview(body)) == rq.parse_request_uncached(body)
