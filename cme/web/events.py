"""Server-sent events: the view's sections pushed to the pages watching (`/events`).

A stream first gets every section, then, every `interval` seconds, the sections whose
HTML changed since the last round (one render for all streams; compared as text). A
render that took long spaces the rounds out, so that rendering takes at most `share` of
the reactor's time (calls first). The
timer runs only while at least one stream is open: nobody watching costs nothing. A
comment line every `heartbeat` seconds finds dead connections.

Limits: at most `per_source` streams per address and `total` in all (over them, 429 or
503); a stream whose client stopped reading (the transport paused us: its buffer is
over Twisted's bound, 64 KiB) is ended when there is something to send: the browser's
EventSource connects again and starts from the whole page.

    hub = EventHub(view.sections, clock)
    hub.subscribe(request, host)   # None when admitted, else (status, reason)
"""
from __future__ import annotations

import time

from zope.interface import implementer
from twisted.internet.interfaces import IPushProducer

from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.web")

INTERVAL = 0.25  # seconds between two renders while someone watches (at least)
SHARE = 0.1  # at most this share of the reactor's time goes to rendering: a render that took
# 67 ms (4,000 phones) waits 0.67 s for the next one (400 phones and 200 call legs: 6.7 ms)
HEARTBEAT = 15.0
PER_SOURCE = 4
TOTAL = 32


def frame(html: str, event: str = "section") -> bytes:
    """One SSE message: `event:` then the text as `data:` lines."""
    lines = html.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return (f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n").encode("utf-8")


@implementer(IPushProducer)
class Stream:
    """One open `/events` response. The transport pauses it when the client does not
    read; then it is ended at the next thing to send."""

    def __init__(self, hub: "EventHub", request, host: str, allowed=None) -> None:
        self.hub, self.request, self.host = hub, request, host
        self.allowed = allowed  # () -> bool: is its log-in still good (None: always)
        self.paused = False
        self.open = True

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False

    def stopProducing(self) -> None:
        self.hub._gone(self)

    def send(self, data: bytes) -> None:
        if not self.open:
            return
        if self.paused:
            log.info("event stream to {host} ended: the client stopped reading", host=self.host)
            self.end()
            return
        self.request.write(data)

    def end(self) -> None:
        if not self.open:
            return
        self.hub._gone(self)
        try:
            self.request.unregisterProducer()
            self.request.finish()
        except Exception:  # the connection went at the same moment: nothing to end
            pass


class EventHub:
    def __init__(self, render, clock, *, interval: float = INTERVAL, heartbeat: float = HEARTBEAT,
                 per_source: int = PER_SOURCE, total: int = TOTAL, share: float = SHARE,
                 timer=time.perf_counter) -> None:
        self.render, self.clock = render, clock
        self.share, self.timer = share, timer
        self.pause = interval  # until the next round: interval, or longer after a slow render
        self.interval, self.heartbeat = interval, heartbeat
        self.per_source, self.total = per_source, total
        self.streams: list[Stream] = []
        self._last: dict[str, str] = {}
        self._timer = None
        self._quiet_since = 0.0
        self.rounds = 0  # renders done for the streams (tests, `show` later)

    def subscribe(self, request, host: str, allowed=None):
        """Open a stream on `request`; None when admitted, else (HTTP status, reason).
        `allowed()` is asked each round: once it is false (logged out) the stream ends."""
        if sum(1 for s in self.streams if s.host == host) >= self.per_source:
            return 429, f"at most {self.per_source} live views per address"
        if len(self.streams) >= self.total:
            return 503, f"at most {self.total} live views at once"
        stream = Stream(self, request, host, allowed)
        self.streams.append(stream)
        request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        request.setHeader(b"x-accel-buffering", b"no")
        request.registerProducer(stream, True)
        request.notifyFinish().addBoth(lambda _: self._gone(stream))
        parts = self.render() if self._timer is None or not self._last else self._last
        if self._timer is None:
            self._last = parts
            self._quiet_since = self.clock.seconds()
            self._timer = self.clock.callLater(self.interval, self._round)
        request.write(b"retry: 1000\n\n" + b"".join(frame(html) for html in parts.values()))
        return None

    def _gone(self, stream: Stream) -> None:
        if not stream.open:
            return
        stream.open = False
        self.streams.remove(stream)
        if not self.streams and self._timer is not None:
            if self._timer.active():
                self._timer.cancel()
            self._timer = None
            self._last = {}

    def _round(self) -> None:
        self._timer = None
        if not self.streams:
            self._last = {}
            return
        self.rounds += 1
        for stream in [s for s in self.streams if s.allowed is not None and not s.allowed()]:
            log.info("event stream to {host} ended: its log-in ended", host=stream.host)
            stream.end()
        if not self.streams:
            self._last = {}
            return
        started = self.timer()
        parts = self.render()
        self.pause = max(self.interval, (self.timer() - started) / self.share)
        changed = b"".join(frame(html) for name, html in parts.items() if self._last.get(name) != html)
        self._last = parts
        now = self.clock.seconds()
        if not changed and now - self._quiet_since >= self.heartbeat:
            changed = b": still here\n\n"
        if changed:
            self._quiet_since = now
            for stream in list(self.streams):
                stream.send(changed)
        if self.streams:
            self._timer = self.clock.callLater(self.pause, self._round)

    def close_all(self) -> None:
        for stream in list(self.streams):
            stream.end()
