"""Waiting, bounded, for the wire to settle while the server shuts down.

At SIGTERM the server ends what it holds on the wire before its listeners close (cme/service.py):
each side asks its peers to end (BYE, on-hook) and then waits until they have answered,
or a bound passes, whichever is first: a peer that never answers cannot hold the stop up.
"""
from __future__ import annotations

from typing import Callable

from twisted.internet.defer import Deferred

POLL = 0.05  # seconds between looks at whether everything has ended
BOUND = 2.0  # seconds one side of the server may take to end what it holds


def wait_until(clock, done: Callable[[], bool], timeout: float = BOUND, *, interval: float = POLL) -> Deferred:
    """A Deferred firing True once `done()` is true (looked at every `interval` seconds on
    `clock`), or False when `timeout` seconds passed first."""
    d: Deferred = Deferred()
    deadline = clock.seconds() + timeout

    def look() -> None:
        if done():
            d.callback(True)
        elif clock.seconds() >= deadline:
            d.callback(False)
        else:
            clock.callLater(min(interval, max(0.0, deadline - clock.seconds())), look)

    look()
    return d
