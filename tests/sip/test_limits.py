"""sip/limits.py: the bounded memories of the amplification guard, and the 2xx
retransmission of an unverified source (sip.dialog.OkRetransmission) as effects."""
from __future__ import annotations

from sip.dialog import OkRetransmission
from sip.limits import IssuedTags, StreamLimits, VerifiedSources
from sip.message import Headers, Response
from sip.timers import DEFAULT
from sip.transaction import CancelTimer, Send, StartTimer, Timeout


def ok() -> Response:
    return Response(200, "OK", Headers(), b"")


def test_verified_sources_are_bounded_least_recently_used_first_out():
    v = VerifiedSources(limit=3)
    for n in range(3):
        v.add(("192.0.2.1", 5000 + n))
    assert ("192.0.2.1", 5000) in v  # used: now the newest
    v.add(("192.0.2.1", 6000))
    assert len(v) == 3 and ("192.0.2.1", 5001) not in v and ("192.0.2.1", 5000) in v


def test_issued_tags_prove_once_and_only_for_their_address():
    tags = IssuedTags(limit=2)
    tags.add("t1", ("192.0.2.1", 5060))
    assert not tags.proves("t1", ("192.0.2.2", 5060))
    assert not tags.proves(None, ("192.0.2.1", 5060))
    assert tags.proves("t1", ("192.0.2.1", 5060))
    assert not tags.proves("t1", ("192.0.2.1", 5060))  # spent
    for n in range(5):
        tags.add(f"x{n}", ("192.0.2.1", n))
    assert len(tags) == 2


def test_unverified_2xx_is_sent_once_and_times_out_without_retransmission():
    retx = OkRetransmission(ok(), DEFAULT.over(False), verified=False)
    effects = retx.start()
    assert [type(e) for e in effects] == [Send, StartTimer]
    assert effects[1] == StartTimer("ack", 64 * DEFAULT.t1)
    assert retx.timer_fired("2xx") == []
    assert retx.timer_fired("ack") == [Timeout("ack")]


def test_verified_2xx_over_udp_is_retransmitted_as_before():
    retx = OkRetransmission(ok(), DEFAULT.over(False))
    assert [type(e) for e in retx.start()] == [Send, StartTimer, StartTimer]
    assert [type(e) for e in retx.timer_fired("2xx")] == [Send, StartTimer]
    assert retx.ack() == [CancelTimer("2xx"), CancelTimer("ack")]


def test_stream_limits_from_sip_ua():
    class SipUa:
        connection_aging = 60
        connection_limit = 0

    limits = StreamLimits.from_sip_ua(SipUa())
    assert limits.idle == 3600 and limits.per_source == 0
    assert StreamLimits().idle == 300 and StreamLimits().per_source == 32
