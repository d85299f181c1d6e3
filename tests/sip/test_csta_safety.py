"""Hostile CSTA bodies: DTDs, entities (billion laughs, external), oversize, not XML, wrong
roots are refused with CSTAParseError, never expanded or fetched; random bytes cost only
CSTAParseError."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.csta import MAX_CSTA_BODY, CSTAParseError, parse_request
from sip.csta.devices import dial_digits

ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<MonitorStop xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
<monitorCrossRefID>&lol9;</monitorCrossRefID></MonitorStop>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<GetDoNotDisturb><device>&xxe;</device></GetDoNotDisturb>"""

NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE GetCSTAFeatures SYSTEM "http://127.0.0.1:9/evil.dtd">
<GetCSTAFeatures/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><GetCSTAFeatures/>"""

UTF16_DTD = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]>'
             "<MonitorStop><monitorCrossRefID>&a;</monitorCrossRefID></MonitorStop>").encode("utf-16")


def refused(body) -> CSTAParseError:
    with pytest.raises(CSTAParseError) as info:
        parse_request(body)
    return info.value


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, NETWORK_DTD, PARAMETER_ENTITY, UTF16_DTD,
                                  b"<!doctype x><GetCSTAFeatures/>"],
                         ids=["billion-laughs", "external-entity", "network-dtd", "parameter-entity",
                              "utf16-dtd", "lowercase-doctype"])
def test_dtds_and_entities_are_refused(body):
    err = refused(body)
    assert err.reason == "dtd"
    assert (err.category, err.value) == ("unspecified", "unspecified")
    assert b"<unspecified>unspecified</unspecified>" in err.error_xml()


def test_undeclared_entity_reference_is_refused_not_resolved():
    err = refused(b"<MonitorStop><monitorCrossRefID>&lol9;</monitorCrossRefID></MonitorStop>")
    assert err.reason in ("xml", "dtd")


def test_oversize_body_is_refused_before_parsing():
    body = b"<GetCSTAFeatures>" + b" " * MAX_CSTA_BODY + b"</GetCSTAFeatures>"
    err = refused(body)
    assert err.reason == "size"
    assert str(MAX_CSTA_BODY) in str(err)
    assert MAX_CSTA_BODY == 64 * 1024


def test_body_at_the_cap_is_accepted():
    head, tail = b"<GetCSTAFeatures>", b"</GetCSTAFeatures>"
    body = head + b" " * (MAX_CSTA_BODY - len(head) - len(tail)) + tail
    assert len(body) == MAX_CSTA_BODY
    parse_request(body)


@pytest.mark.parametrize("body", [b"", b"   ", b"not xml", b"<MakeCall>", b"<a></b>", b"\xff\xfe\x00<",
                                  b"<?xml version='1.0'?>", b"<MakeCall><callingDevice>201</MakeCall>"])
def test_not_xml_is_refused(body):
    err = refused(body)
    assert err.reason == "xml"
    assert (err.category, err.value) == ("unspecified", "unspecified")


def test_root_in_a_foreign_namespace_is_refused():
    err = refused(b'<MakeCall xmlns="http://example.com/not-csta"><callingDevice>201</callingDevice></MakeCall>')
    assert (err.category, err.value, err.reason) == ("unspecified", "unspecified", "request")


def test_unknown_csta_root_is_service_not_supported_in_the_request_namespace():
    ed5 = "http://www.ecma-international.org/standards/ecma-323/csta/ed5"
    err = refused(f'<html xmlns="{ed5}"/>'.encode())
    assert (err.category, err.value) == ("operation", "serviceNotSupported")
    assert err.namespace == ed5
    assert f'xmlns="{ed5}"'.encode() in err.error_xml()


def test_non_bytes_body_is_refused():
    assert refused(12345).reason != "size"


def test_error_xml_defaults_to_ed3_and_rejects_unknown_categories():
    from sip.csta import error_xml
    assert error_xml("operation", "invalidCallID") == (
        f'<?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="{ED3}">'
        "<operation>invalidCallID</operation></CSTAErrorCode>").encode()
    with pytest.raises(ValueError):
        error_xml("systemResourceAvailability", "resourceBusy")  # the schema's spelling is "Availibility"


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = [
    b'<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><callingDevice>201'
    b"</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber></MakeCall>",
    b"<AnswerCall><callToBeAnswered><callID>42</callID><deviceID>202</deviceID></callToBeAnswered></AnswerCall>",
    b"<SetForwarding><device>201</device><forwardingType>forwardImmediate</forwardingType>"
    b"<activateForward>true</activateForward><forwardDN>2424</forwardDN></SetForwarding>",
    BILLION_LAUGHS,
]


def mutated():
    return st.tuples(st.sampled_from(SEEDS), st.integers(0, 2000), st.binary(max_size=6),
                     st.integers(0, 10)).map(lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + t[3]:])


@FAST
@given(st.one_of(st.binary(max_size=3000), mutated(), st.text(max_size=500)))
def test_random_bodies_only_raise_csta_parse_error(body):
    try:
        parse_request(body)
    except CSTAParseError as err:
        err.error_xml()  # the error is always renderable


@FAST
@given(st.text(max_size=60))
def test_dial_digits_only_raises_value_error(text):
    try:
        digits = dial_digits(text)
    except ValueError:
        return
    assert digits and len(digits) <= 32


def test_parser_itself_refuses_dtds_when_the_prescan_is_bypassed(monkeypatch):
    """Defence in depth: even if the byte pre-scan missed a declaration, lxml is configured
    not to expand entities or load DTDs, and the parsed tree's DTD is refused."""
    import re

    import sip.csta.xml as cxml
    monkeypatch.setattr(cxml, "_DECLARATION", re.compile(rb"(?!x)x"))
    for body in (BILLION_LAUGHS, EXTERNAL_ENTITY, NETWORK_DTD):
        err = refused(body)
        assert err.reason in ("dtd", "xml")


def test_deep_nesting_and_lone_surrogates_are_refused():
    deep = b"<GetCSTAFeatures>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</GetCSTAFeatures>"
    assert len(deep) < MAX_CSTA_BODY
    assert refused(deep).reason == "xml"
    assert refused("<GetCSTAFeatures>\ud800</GetCSTAFeatures>").reason == "xml"
    assert refused(b"<!-- only a comment -->").reason == "xml"
