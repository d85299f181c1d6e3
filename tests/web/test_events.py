"""The event stream: frames written, only what changed, no timer without a watcher, caps,
and the end of a stream whose client left or stopped reading. A small request stand-in
(the methods Twisted's Request gives the hub) and a task.Clock."""
import pytest
from twisted.internet import defer, task
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

from cme.web.events import EventHub, frame
from tests.web.http import Harness, basic, drop


class FakeRequest:
    def __init__(self):
        self.written, self.headers, self.producer, self.finished = [], {}, None, False
        self._finish = defer.Deferred()

    def setHeader(self, name, value):
        self.headers[name] = value

    def registerProducer(self, producer, streaming):
        assert streaming
        self.producer = producer

    def unregisterProducer(self):
        self.producer = None

    def notifyFinish(self):
        return self._finish

    def write(self, data):
        assert not self.finished
        self.written.append(data)

    def finish(self):
        self.finished = True
        self._finish.callback(None)

    def gone(self):  # the client closed the connection
        self._finish.errback(Failure(ConnectionDone()))

    def text(self):
        return b"".join(self.written).decode()


class Board:
    """What the view would render: section id -> HTML, changed by the test."""

    def __init__(self):
        self.parts = {"phones": '<section id="phones">3</section>', "calls": '<section id="calls">none</section>'}
        self.renders = 0

    def render(self):
        self.renders += 1
        return dict(self.parts)


def setup(**limits):
    clock, board = task.Clock(), Board()
    return clock, board, EventHub(board.render, clock, **limits)


def test_a_frame_is_one_event_with_a_data_line_per_line():
    assert frame("<p>\na</p>") == b"event: section\ndata: <p>\ndata: a</p>\n\n"
    assert frame("x\r\ny\rz") == b"event: section\ndata: x\ndata: y\ndata: z\n\n"


def test_nothing_runs_while_nobody_watches():
    clock, board, hub = setup()
    assert clock.getDelayedCalls() == [] and board.renders == 0
    request = FakeRequest()
    assert hub.subscribe(request, "10.0.0.1") is None
    assert len(clock.getDelayedCalls()) == 1
    request.gone()
    assert clock.getDelayedCalls() == [] and hub.streams == []
    clock.advance(10)
    assert board.renders == 1  # only the first, for the stream's start


def test_a_new_stream_gets_every_section_then_only_those_that_changed():
    clock, board, hub = setup(interval=0.25)
    request = FakeRequest()
    hub.subscribe(request, "10.0.0.1")
    assert request.headers[b"content-type"].startswith(b"text/event-stream")
    assert request.text() == ("retry: 1000\n\n" + frame(board.parts["phones"]).decode()
                              + frame(board.parts["calls"]).decode())
    request.written.clear()
    clock.advance(0.25)
    assert request.written == []  # nothing changed: nothing sent
    board.parts["calls"] = '<section id="calls">201 -&gt; 202</section>'
    clock.advance(0.25)
    assert request.text() == frame(board.parts["calls"]).decode()
    request.written.clear()
    for _ in range(3):
        clock.advance(0.25)
    assert request.written == []


def test_one_render_a_round_for_all_streams():
    clock, board, hub = setup(interval=0.5)
    streams = [FakeRequest() for _ in range(3)]
    for i, request in enumerate(streams):
        hub.subscribe(request, f"10.0.0.{i}")
    board.renders = 0
    board.parts["phones"] = '<section id="phones">4</section>'
    clock.advance(0.5)
    assert board.renders == 1
    assert all(r.written[-1] == frame(board.parts["phones"]) for r in streams)


def test_a_heartbeat_comment_when_nothing_changed_for_a_while():
    clock, board, hub = setup(interval=0.5, heartbeat=15)
    request = FakeRequest()
    hub.subscribe(request, "10.0.0.1")
    request.written.clear()
    for _ in range(29):
        clock.advance(0.5)
    assert request.written == []
    clock.advance(0.5)
    assert request.written == [b": still here\n\n"]


def test_streams_are_capped_per_address_and_in_all():
    clock, board, hub = setup(per_source=2, total=3)
    assert hub.subscribe(FakeRequest(), "10.0.0.1") is None
    assert hub.subscribe(FakeRequest(), "10.0.0.1") is None
    status, why = hub.subscribe(FakeRequest(), "10.0.0.1")
    assert status == 429 and "per address" in why
    assert hub.subscribe(FakeRequest(), "10.0.0.2") is None
    assert hub.subscribe(FakeRequest(), "10.0.0.3")[0] == 503
    assert len(hub.streams) == 3


def test_a_client_that_stopped_reading_is_ended_at_the_next_change():
    clock, board, hub = setup(interval=0.25)
    slow, fine = FakeRequest(), FakeRequest()
    hub.subscribe(slow, "10.0.0.1")
    hub.subscribe(fine, "10.0.0.2")
    slow.producer.pauseProducing()  # what the transport does when its buffer is over its bound
    clock.advance(0.25)
    assert not slow.finished  # nothing to send yet
    board.parts["calls"] = '<section id="calls">x</section>'
    clock.advance(0.25)
    assert slow.finished and slow.producer is None
    assert fine.written[-1] == frame(board.parts["calls"])
    assert [s.request for s in hub.streams] == [fine]


def test_a_paused_client_that_reads_again_stays():
    clock, board, hub = setup(interval=0.25)
    request = FakeRequest()
    hub.subscribe(request, "10.0.0.1")
    request.producer.pauseProducing()
    request.producer.resumeProducing()
    board.parts["calls"] = '<section id="calls">x</section>'
    clock.advance(0.25)
    assert not request.finished and request.written[-1] == frame(board.parts["calls"])


def test_close_all_ends_every_stream_and_the_timer():
    clock, board, hub = setup()
    requests = [FakeRequest(), FakeRequest()]
    for r in requests:
        hub.subscribe(r, "10.0.0.1")
    hub.close_all()
    assert all(r.finished for r in requests) and hub.streams == [] and clock.getDelayedCalls() == []


def test_the_real_stream_ends_when_its_connection_goes():
    web = Harness()
    channel, transport = web.connect()
    channel.dataReceived(b"GET /events HTTP/1.1\r\nHost: x\r\n" + basic().encode() + b"\r\n\r\n")
    hub = web.site.hub
    assert len(hub.streams) == 1 and b"text/event-stream" in transport.value()
    web.app.board.lines.clear()
    drop(channel)
    assert hub.streams == []
    assert [c for c in web.clock.getDelayedCalls() if c.active()] == []  # no timer, no deadline left


def test_an_unwatched_site_runs_no_timer():
    web = Harness()  # Twisted's HTTPFactory would keep a one-second access-log clock running
    web.get("/", basic())
    assert [c for c in web.clock.getDelayedCalls() if c.active()] != []  # the idle timeout of that connection
    web2 = Harness()
    assert web2.clock.getDelayedCalls() == []


def test_a_slow_render_spaces_the_rounds_out():
    clock, board = task.Clock(), Board()
    took = iter([0.0, 0.2, 0.0, 0.0, 0.0, 0.0])  # the round's render took 0.2 s of the reactor
    seconds = [0.0]

    def timer():
        seconds[0] += next(took)
        return seconds[0]

    hub = EventHub(board.render, clock, interval=0.25, share=0.1, timer=timer)
    hub.subscribe(FakeRequest(), "10.0.0.1")
    clock.advance(0.25)
    assert hub.rounds == 1 and hub.pause == pytest.approx(2.0)  # 0.2 s is 10 % of 2 s
    clock.advance(1.9)
    assert hub.rounds == 1
    clock.advance(0.1)
    assert hub.rounds == 2 and hub.pause == 0.25  # fast again: every 0.25 s


def open_stream(web, *headers):
    channel, transport = web.connect()
    channel.dataReceived(b"GET /events HTTP/1.1\r\nHost: x\r\n" + b"".join(h.encode() + b"\r\n" for h in headers)
                         + b"\r\n")
    assert b"text/event-stream" in transport.value()
    return channel, transport


def test_logging_out_ends_the_open_streams_of_that_session():
    from tests.web.test_site import login
    from tests.web.http import header

    web = Harness()
    cookie = header(login(web)[1], "set-cookie").split(";")[0]
    _, transport = open_stream(web, f"Cookie: {cookie}")
    web.clock.advance(0.25)
    assert len(web.site.hub.streams) == 1
    web.get("/logout", f"Cookie: {cookie}", method="POST")
    web.clock.advance(0.25)
    assert web.site.hub.streams == [] and transport.value().endswith(b"\r\n0\r\n\r\n")  # the response ended


def test_an_open_stream_keeps_its_session_in_use():
    from tests.web.test_site import login
    from tests.web.http import header

    web = Harness()
    cookie = header(login(web)[1], "set-cookie").split(";")[0]
    open_stream(web, f"Cookie: {cookie}")
    for _ in range(10):
        web.clock.advance(3600)  # ten hours watching, no other request
    assert len(web.site.hub.streams) == 1
    assert web.get("/", f"Cookie: {cookie}")[0] == 200


def test_a_basic_stream_ends_when_the_password_changes():
    web = Harness()
    _, transport = open_stream(web, basic())
    web.clock.advance(0.25)
    assert len(web.site.hub.streams) == 1
    web.app.config.accounts["admin"].password = "new-one"
    web.clock.advance(0.25)
    assert web.site.hub.streams == [] and transport.value().endswith(b"\r\n0\r\n\r\n")  # the response ended
