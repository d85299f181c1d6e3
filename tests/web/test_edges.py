"""Bad HTTP against the web view's channel: cut off, answered in one line, nothing kept.
Raw bytes into the real ViewChannel on a StringTransport; deadlines on a task.Clock."""
import pytest

from cme.web import site as web_site
from tests.web.http import Harness, basic, drop, parse

GOOD = b"GET / HTTP/1.1\r\nHost: x\r\n" + basic().encode() + b"\r\n\r\n"


@pytest.fixture
def web():
    return Harness()


def test_a_malformed_request_line_is_400_and_closed(web):
    status, _, _, transport = web.exchange(b"HELLO\r\n\r\n")
    assert status == 400 and transport.disconnecting


def test_a_malformed_header_is_400_and_closed(web):
    status, _, _, transport = web.exchange(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n")
    assert status == 400 and transport.disconnecting


def test_headers_over_8_kib_are_400_and_closed(web):
    assert web_site.ViewChannel.totalHeadersSize == 8192  # Twisted's default is 16 KiB
    big = b"GET / HTTP/1.1\r\nX-Pad: " + b"a" * 8200 + b"\r\n\r\n"
    status, _, _, transport = web.exchange(big)
    assert status == 400 and transport.disconnecting


def test_more_than_50_headers_are_400_and_closed(web):
    many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(51)) + b"\r\n"
    status, _, _, transport = web.exchange(many)
    assert status == 400 and transport.disconnecting
    ok = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(40)) + basic().encode() + b"\r\n\r\n"
    assert web.exchange(ok)[0] == 200


@pytest.mark.parametrize("head", [b"POST /login HTTP/1.1\r\nContent-Length: 4097\r\n\r\n",
                                  b"POST /login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"])
def test_a_body_bigger_than_a_login_form_is_refused_before_it_is_read(web, head):
    channel, transport = web.connect()
    channel.dataReceived(head)
    assert parse(transport.value())[0] == 413 and transport.disconnecting
    answered = transport.value()
    channel.dataReceived(b"x" * 100_000)  # what follows is dropped: no body is kept, nothing answered
    assert all(request.content is None for request in channel.requests)
    assert transport.value() == answered


def test_a_head_sent_a_byte_at_a_time_is_cut_off_after_10_seconds(web):
    channel, transport = web.connect()
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
        channel.dataReceived(bytes([byte]))  # every byte resets Twisted's idle timer
        web.clock.advance(0.2)
        if transport.disconnecting:
            break
    assert transport.disconnecting
    assert parse(transport.value())[0] == 408
    assert web.site.connections.held("192.0.2.7") == 1  # until the transport reports the loss
    drop(channel)
    assert web.site.connections.held("192.0.2.7") == 0


def test_the_head_deadline_counts_from_the_first_byte_not_from_the_connection(web):
    channel, transport = web.connect()
    web.clock.advance(25)  # an idle new connection: the idle timeout (30 s) applies, not the head's
    assert not transport.disconnecting
    channel.dataReceived(GOOD)
    assert parse(transport.value())[0] == 200
    web.clock.advance(9.9)
    assert not transport.disconnecting


def test_an_idle_keep_alive_connection_is_closed_after_30_seconds(web):
    channel, transport = web.connect()
    channel.dataReceived(GOOD)
    assert parse(transport.value())[0] == 200 and not transport.disconnecting
    transport.clear()
    web.clock.advance(29)
    channel.dataReceived(GOOD)  # a second request on the same connection
    assert parse(transport.value())[0] == 200
    web.clock.advance(29.5)
    assert not transport.disconnecting
    web.clock.advance(1)
    assert transport.disconnecting


def test_a_second_request_head_has_its_own_deadline(web):
    channel, transport = web.connect()
    channel.dataReceived(GOOD)
    transport.clear()
    channel.dataReceived(b"GET / HTTP/1.1\r\n")
    for _ in range(11):
        channel.dataReceived(b"X: 1\r\n")
        web.clock.advance(1)
    assert transport.disconnecting and parse(transport.value())[0] == 408


def test_connections_per_source_are_capped_and_given_back(web):
    held = [web.connect("203.0.113.1") for _ in range(web_site.CONNECTIONS_PER_SOURCE)]
    assert all(channel is not None for channel, _ in held)
    assert web.connect("203.0.113.1") == (None, None)  # closed at once by Twisted
    assert web.connect("203.0.113.2")[0] is not None  # another address
    drop(held[0][0])
    assert web.connect("203.0.113.1")[0] is not None


def test_a_stream_does_not_time_out_while_it_is_open(web):
    channel, transport = web.connect()
    channel.dataReceived(b"GET /events HTTP/1.1\r\nHost: x\r\n" + basic().encode() + b"\r\n\r\n")
    for _ in range(20):
        web.clock.advance(5)  # 100 s: past both deadlines
    assert not transport.disconnecting
    assert b"event: section" in transport.value()


def test_a_login_body_sent_slowly_is_cut_off_too(web):
    channel, transport = web.connect()
    channel.dataReceived(b"POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: 100\r\n\r\nusername=")
    for _ in range(11):
        channel.dataReceived(b"a")
        web.clock.advance(1)
    assert transport.disconnecting and parse(transport.value())[0] == 408
