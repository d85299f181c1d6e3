"""Timers of one duration in one queue, with one reactor call per queue.

Every event INFO starts Timer F (64·T1) and nearly every one is cancelled by its 200 a
few milliseconds later: a reactor DelayedCall each, pushed onto the reactor's heap and
cancelled, was about 3 % of the server's CPU on the CSTA path. Timers of one duration
expire in the order they were started, so each duration gets a first-in-first-out
queue and a single reactor call armed for the earliest live timer in it. Cancelling
marks the timer dead (dead timers at the head are dropped at once, and the queue is
compacted when they pile up behind a live one); a queue with nothing live has no
reactor call at all, as with plain callLater.

A timer fires at its own time, each by its own reactor call, so timers of different
queues fire in time order as they did. What :meth:`Deadlines.call_later` returns
answers ``active()``, ``cancel()`` and ``getTime()`` as a DelayedCall does.
"""
from __future__ import annotations

from collections import deque

EPSILON = 1e-9  # a re-armed call's time is now + (due - now): equal to due but for rounding


class Deadline:
    __slots__ = ("due", "func", "args", "live", "queue")

    def __init__(self, due: float, func, args: tuple, queue: "_Queue") -> None:
        self.due = due
        self.func = func
        self.args = args
        self.live = True
        self.queue = queue

    def active(self) -> bool:
        return self.live

    def cancel(self) -> None:
        if self.live:
            self.queue.cancel(self)

    def getTime(self) -> float:
        return self.due


class _Queue:
    __slots__ = ("owner", "seconds", "entries", "live", "call")

    def __init__(self, owner: "Deadlines", seconds: float) -> None:
        self.owner = owner
        self.seconds = seconds
        self.entries: deque[Deadline] = deque()
        self.live = 0
        self.call = None  # the reactor's DelayedCall for the earliest live entry

    def add(self, func, args: tuple) -> Deadline:
        clock = self.owner.clock
        entry = Deadline(clock.seconds() + self.seconds, func, args, self)
        self.entries.append(entry)
        self.live += 1
        if self.call is None:
            self.call = clock.callLater(self.seconds, self.fire)
        return entry

    def cancel(self, entry: Deadline) -> None:
        entry.live = False
        entry.func = entry.args = None  # a dead entry waiting in the queue keeps no owner alive
        self.live -= 1
        if not self.live:
            self._close()
            return
        self._first_live()
        if len(self.entries) > 2 * self.live + 64:  # answered out of order: drop the dead behind
            self.entries = deque(e for e in self.entries if e.live)

    def fire(self) -> None:
        self.call = None  # armed only while something is live (_close cancels it)
        clock = self.owner.clock
        head = self._first_live()
        if head.due <= clock.seconds() + EPSILON:
            self.entries.popleft()
            head.live = False
            self.live -= 1
            head.func(*head.args)  # may start or cancel timers, of this queue too
        if self.call is not None:  # a timer started while it ran armed the queue for itself:
            self.call.cancel()     # the head may be due sooner
            self.call = None
        if not self.live:
            self._close()
            return
        self.call = clock.callLater(max(0.0, self._first_live().due - clock.seconds()), self.fire)

    def _first_live(self) -> Deadline:
        """The earliest live timer, the dead before it dropped (there is one: live > 0)."""
        entries = self.entries
        while not entries[0].live:
            entries.popleft()
        return entries[0]

    def _close(self) -> None:
        self.entries.clear()
        if self.call is not None:
            self.call.cancel()
            self.call = None
        if self.owner.queues.get(self.seconds) is self:
            del self.owner.queues[self.seconds]


class Deadlines:
    """``clock`` provides ``callLater`` and ``seconds`` (the reactor, or task.Clock)."""

    __slots__ = ("clock", "queues")

    def __init__(self, clock) -> None:
        self.clock = clock
        self.queues: dict[float, _Queue] = {}

    def call_later(self, seconds: float, func, *args) -> Deadline:
        queue = self.queues.get(seconds)
        if queue is None:
            queue = self.queues[seconds] = _Queue(self, seconds)
        return queue.add(func, args)
