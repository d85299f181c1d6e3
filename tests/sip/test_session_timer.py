"""RFC 4028 arithmetic: intervals, Min-SE, 422, refresher, expiry."""
from __future__ import annotations

import pytest

from sip.grammar import GrammarError
from sip.parser import parse_message
from sip.session_timer import (DEFAULT_INTERVAL, MAX_INTERVAL, MIN_SE, SessionTimer,
                               TooSmall, negotiate)


def invite(*headers: str):
    text = ("INVITE sip:201@cme SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.7;branch=z9hG4bK1\r\n"
            "To: <sip:201@cme>\r\nFrom: <sip:app@x>;tag=a\r\nCall-ID: c\r\n"
            "CSeq: 1 INVITE\r\nContact: <sip:app@192.0.2.7>\r\nMax-Forwards: 70\r\n"
            + "".join(h + "\r\n" for h in headers) + "Content-Length: 0\r\n\r\n")
    return parse_message(text.encode())


def test_defaults_stated():
    assert (DEFAULT_INTERVAL, MIN_SE, MAX_INTERVAL) == (1800, 90, 86400)


def test_absent_session_expires_gives_1800_without_headers():
    st = negotiate(invite())
    assert st == SessionTimer(1800, "uac", 90, False)
    assert st.response_headers() == []
    assert st.expire_after == 1800 - 32 and st.refresh_after is None


def test_supported_timer_without_session_expires_gets_the_default_with_headers():
    st = negotiate(invite("Supported: timer"))
    assert st.interval == 1800 and st.refresher == "uac"
    assert st.response_headers() == [("Session-Expires", "1800;refresher=uac"),
                                     ("Require", "timer")]


def test_requested_interval_and_refresher_are_kept():
    st = negotiate(invite("Supported: timer", "Session-Expires: 600;refresher=uac"))
    assert (st.interval, st.refresher) == (600, "uac")
    assert negotiate(invite("Supported: timer", "Session-Expires: 600;refresher=UAS")).we_refresh
    st = negotiate(invite("Supported: timer", "Session-Expires: 600;refresher=uas"))
    assert st.refresh_after == 300


def test_too_small_with_timer_support_is_422_with_our_min_se():
    req = invite("Supported: timer", "Session-Expires: 60")
    result = negotiate(req)
    assert result == TooSmall(90)
    response = result.response(req)
    assert response.status == 422 and response.reason == "Session Interval Too Small"
    assert response.min_se == 90


def test_request_min_se_above_ours_raises_the_floor():
    req = invite("Supported: timer", "Session-Expires: 150", "Min-SE: 200")
    assert negotiate(req) == TooSmall(200)
    st = negotiate(invite("Supported: timer", "Min-SE: 3600"))
    assert st.interval == 3600 and st.min_se == 3600
    assert negotiate(invite("Supported: timer", "Session-Expires: 90")).interval == 90


def test_too_small_without_timer_support_is_raised_not_refused():
    st = negotiate(invite("Session-Expires: 30"))
    assert isinstance(st, SessionTimer) and st.interval == 90 and not st.negotiated


def test_too_large_is_lowered_and_own_min_se_is_configurable():
    assert negotiate(invite("Supported: timer", "Session-Expires: 4000000")).interval == 86400
    assert negotiate(invite("Supported: timer", "Session-Expires: 100"), min_se=120) == TooSmall(120)
    assert negotiate(invite(), default=300).interval == 300


@pytest.mark.parametrize("interval,expected", [(1800, 1768), (90, 60), (60, 40), (96, 64)])
def test_expiry_deadline_is_interval_minus_min_32_or_a_third(interval, expected):
    st = SessionTimer(interval, "uac", 90, True)
    assert st.expire_after == expected and st.interval / 2 < st.expire_after


def test_bad_refresher_is_refused():
    with pytest.raises(GrammarError):
        negotiate(invite("Supported: timer", "Session-Expires: 600;refresher=both"))
