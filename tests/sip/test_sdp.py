"""SDP parse/build and offer/answer: bodies as real gateways, test tools and softphones
send them, our own body read back, and every way a body is refused."""
from __future__ import annotations

import pytest

from sip.sdp import (CODECS, MAX_SIZE, Media, NoCommonCodec, SDPError, agreed, answer,
                     build, parse, reverse)

# An IOS voice gateway's offer (session-level c=, G.711 µ-law with RFC 2833/4733 events)
CISCO = (
    b"v=0\r\n"
    b"o=CiscoSystemsSIP-GW-UserAgent 4382 7461 IN IP4 10.1.1.1\r\n"
    b"s=SIP Call\r\n"
    b"c=IN IP4 10.1.1.1\r\n"
    b"t=0 0\r\n"
    b"m=audio 16384 RTP/AVP 0 101 19\r\n"
    b"c=IN IP4 10.1.1.1\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-16\r\n"
    b"a=rtpmap:19 CN/8000\r\n"
    b"a=ptime:20\r\n"
)

# sipp's default uac scenario body (PCMU only, no rtpmap for the static type, LF ends)
SIPP = (
    b"v=0\n"
    b"o=user1 53655765 2353687637 IN IP4 127.0.1.1\n"
    b"s=-\n"
    b"c=IN IP4 127.0.1.1\n"
    b"t=0 0\n"
    b"m=audio 6000 RTP/AVP 0\n"
    b"a=rtpmap:0 PCMU/8000\n"
)

# An Asterisk/Linphone-style offer: dynamic types first (opus, speex), A-law before
# µ-law, telephone-event at 8000 and 48000, a video stream, session-level sendrecv
# overridden by the audio stream's sendonly (a hold)
ASTERISK = (
    b"v=0\r\n"
    b"o=- 1712345678 1712345679 IN IP4 203.0.113.9\r\n"
    b"s=Asterisk\r\n"
    b"c=IN IP4 203.0.113.9\r\n"
    b"b=AS:64\r\n"
    b"t=0 0\r\n"
    b"a=sendrecv\r\n"
    b"m=video 0 RTP/AVP 96\r\n"
    b"a=rtpmap:96 H264/90000\r\n"
    b"m=audio 10456 RTP/AVP 107 98 8 0 100 101\r\n"
    b"c=IN IP4 203.0.113.10\r\n"
    b"a=rtpmap:107 opus/48000/2\r\n"
    b"a=rtpmap:98 speex/16000\r\n"
    b"a=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:100 telephone-event/48000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-16\r\n"
    b"a=ptime:30\r\n"
    b"a=maxptime:150\r\n"
    b"a=sendonly\r\n"
)


def test_cisco_gateway_offer():
    media = parse(CISCO)
    assert media == Media(address="10.1.1.1", port=16384, codecs=("g711ulaw",),
                          telephone_event=101, direction="sendrecv", ptime=20)
    assert not media.on_hold


def test_sipp_default_body():
    media = parse(SIPP)
    assert (media.address, media.port, media.codecs) == ("127.0.1.1", 6000, ("g711ulaw",))
    assert media.telephone_event is None and media.ptime is None
    assert media.direction == "sendrecv"


def test_asterisk_style_offer_with_dynamic_types_video_and_hold():
    media = parse(ASTERISK)
    assert media.address == "203.0.113.10"          # the stream's c= over the session's
    assert media.port == 10456
    assert media.codecs == ("g711alaw", "g711ulaw")  # the m-line's order, known ones only
    assert media.telephone_event == 101              # the 8 kHz one, not the 48 kHz
    assert media.direction == "sendonly" and media.ptime == 30 and media.on_hold


def test_static_types_without_rtpmap_and_rfc2543_hold():
    body = SIPP.replace(b"m=audio 6000 RTP/AVP 0\n", b"m=audio 6000 RTP/AVP 8 0 18\n") \
               .replace(b"a=rtpmap:0 PCMU/8000\n", b"").replace(b"127.0.1.1\nt", b"0.0.0.0\nt")
    media = parse(body)
    assert media.codecs == ("g711alaw", "g711ulaw") and media.address == "0.0.0.0"
    assert media.on_hold


def test_a_dynamic_type_named_pcmu_is_pcmu_and_a_static_number_renamed_is_not():
    body = SIPP.replace(b"RTP/AVP 0\n", b"RTP/AVP 0 97\n").replace(
        b"a=rtpmap:0 PCMU/8000\n", b"a=rtpmap:0 G729/8000\na=rtpmap:97 pcmu/8000\n")
    assert parse(body).codecs == ("g711ulaw",)


def test_rejected_stream_and_session_level_direction():
    body = SIPP.replace(b"m=audio 6000", b"m=audio 0").replace(b"t=0 0\n",
                                                               b"t=0 0\na=inactive\n")
    media = parse(body)
    assert media.port == 0 and media.direction == "inactive"


def test_build_is_what_a_cisco_gateway_sends_and_parses_back():
    body = build(address="192.0.2.1", port=20000, codecs=["g711ulaw", "g711alaw"],
                 telephone_event=101, session_id=77, version=1)
    assert body == (
        b"v=0\r\n"
        b"o=CiscoSystemsSIP-GW-UserAgent 77 1 IN IP4 192.0.2.1\r\n"
        b"s=SIP Call\r\n"
        b"c=IN IP4 192.0.2.1\r\n"
        b"t=0 0\r\n"
        b"m=audio 20000 RTP/AVP 0 8 101\r\n"
        b"a=rtpmap:0 PCMU/8000\r\n"
        b"a=rtpmap:8 PCMA/8000\r\n"
        b"a=rtpmap:101 telephone-event/8000\r\n"
        b"a=fmtp:101 0-16\r\n"
        b"a=ptime:20\r\n"
        b"a=sendrecv\r\n")
    assert parse(body) == Media("192.0.2.1", 20000, ("g711ulaw", "g711alaw"), 101,
                                "sendrecv", 20)


@pytest.mark.parametrize("direction", ["sendrecv", "sendonly", "recvonly", "inactive"])
def test_round_trip_each_direction_without_events_or_ptime(direction):
    body = build(address="0.0.0.0", port=20002, codecs=["g711alaw"], direction=direction,
                 session_id=1, version=3, username="cme", ptime=None)
    media = parse(body)
    assert media == Media("0.0.0.0", 20002, ("g711alaw",), None, direction, None)
    assert b"o=cme 1 3 IN IP4 0.0.0.0" in body and b"ptime" not in body


def test_build_ipv6():
    body = build(address="2001:db8::1", port=4000, codecs=["g711ulaw"], session_id=1,
                 version=1)
    assert b"c=IN IP6 2001:db8::1\r\n" in body and parse(body).address == "2001:db8::1"


@pytest.mark.parametrize("kwargs", [
    {"codecs": []}, {"codecs": ["g729r8"]}, {"direction": "both"}, {"port": 70000},
    {"telephone_event": 8},
])
def test_build_refuses_what_it_cannot_write(kwargs):
    args = dict(address="192.0.2.1", port=20000, codecs=["g711ulaw"], session_id=1,
                version=1)
    with pytest.raises(ValueError):
        build(**{**args, **kwargs})


# -- offer/answer -------------------------------------------------------------------------
def test_answer_takes_the_offers_order_among_what_we_allow():
    offer = parse(ASTERISK)  # offers A-law, then µ-law
    assert answer(offer, codecs=["g711ulaw", "g711alaw"], want_telephone_event=True) == \
        ("g711alaw", 101)
    assert answer(offer, codecs=["g711ulaw"], want_telephone_event=False) == ("g711ulaw", None)
    assert answer(parse(SIPP), codecs=["g711ulaw"], want_telephone_event=True) == \
        ("g711ulaw", None)  # we want events, the offer has none


def test_no_common_codec():
    with pytest.raises(NoCommonCodec) as e:
        answer(parse(SIPP), codecs=["g711alaw"], want_telephone_event=True)
    assert "g711ulaw" in str(e.value) and isinstance(e.value, SDPError)
    with pytest.raises(NoCommonCodec):
        answer(parse(CISCO.replace(b"RTP/AVP 0 101 19", b"RTP/AVP 18 101")
                     .replace(b"a=rtpmap:0 PCMU/8000\r\n", b"")),
               codecs=list(CODECS), want_telephone_event=True)


def test_answer_to_a_rejected_stream_is_an_error():
    with pytest.raises(SDPError):
        answer(parse(SIPP.replace(b"m=audio 6000", b"m=audio 0")), codecs=["g711ulaw"],
               want_telephone_event=False)


def test_agreed_reads_the_answer_to_our_offer():
    assert agreed(parse(ASTERISK), ["g711ulaw", "g711alaw"]) == "g711alaw"
    with pytest.raises(NoCommonCodec):
        agreed(parse(SIPP), ["g711alaw"])


def test_reverse():
    assert [reverse(d) for d in ("sendrecv", "sendonly", "recvonly", "inactive")] == \
        ["sendrecv", "recvonly", "sendonly", "inactive"]
    with pytest.raises(SDPError):
        reverse("sideways")


# -- refusals -----------------------------------------------------------------------------
@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"\r\n\r\n", "empty"),
    (SIPP.replace(b"v=0\n", b""), "v=0"),
    (SIPP.replace(b"v=0\n", b"v=1\n"), "v=0"),
    (b"o=x 1 1 IN IP4 1.2.3.4\nv=0\n", "v=0"),
    (SIPP.replace(b"o=user1 53655765 2353687637 IN IP4 127.0.1.1\n", b""), "o="),
    (SIPP.replace(b"s=-\n", b""), "s="),
    (SIPP.replace(b"t=0 0\n", b""), "t="),
    (SIPP.replace(b"c=IN IP4 127.0.1.1\n", b""), "c="),
    (SIPP.replace(b"c=IN IP4 127.0.1.1", b"c=IN IP4"), "c="),
    (SIPP.replace(b"c=IN IP4 127.0.1.1", b"c=ATM NSAP 47.0091"), "c="),
    (SIPP.replace(b"m=audio 6000 RTP/AVP 0\n", b""), "audio"),
    (SIPP.replace(b"m=audio 6000 RTP/AVP 0", b"m=audio 6000 RTP/SAVP 0"), "audio"),
    (SIPP.replace(b"m=audio 6000 RTP/AVP 0", b"m=audio 6000 RTP/AVP"), "formats"),
    (SIPP.replace(b"m=audio 6000 RTP/AVP 0", b"m=audio 6000"), "m="),
    (SIPP.replace(b"m=audio 6000", b"m=audio 99999"), "port"),
    (SIPP.replace(b"m=audio 6000", b"m=audio sixty"), "port"),
    (SIPP.replace(b"RTP/AVP 0", b"RTP/AVP 0 300"), "payload type"),
    (SIPP.replace(b"s=-\n", b"s=-\nthis is no sdp\n"), "line 4"),
    (SIPP.replace(b"s=-\n", b"S=-\n"), "line 3"),
    (SIPP + b"a=" + b"x" * MAX_SIZE + b"\n", "bytes"),
])
def test_every_refusal_says_what_is_wrong(body, message):
    with pytest.raises(SDPError) as e:
        parse(body)
    assert message in str(e.value)


def test_a_latin1_session_name_is_not_a_refusal():
    assert parse(SIPP.replace(b"s=-", "s=Zürich".encode("latin-1"))).port == 6000
