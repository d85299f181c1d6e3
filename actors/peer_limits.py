"""What one peer may cost: connections held per source address, log lines per source.

Shared by every listener (SIP over TCP and TLS, SCCP before Register, the CLI): each
holds its own :class:`ConnectionsPerSource` and asks it in ``buildProtocol``/
``connectionMade``, and logs through a :class:`PeerLog` so that one peer sending
thousands of bad messages writes a handful of lines, not thousands.

Both are plain objects with a clock passed in (the reactor, or ``task.Clock`` in tests),
no I/O of their own, and bounded memory whatever the peers do.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any


class ConnectionsPerSource:
    """Live connections per source host, capped at ``limit`` (0: no cap).

    ``admit(host)`` counts a new connection and says whether it may stay; every admitted
    connection is given back once with ``release(host)``. Only hosts with live connections
    are remembered, so memory is bounded by the connections the server holds.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: dict[str, int] = {}
        self.refused = 0

    def admit(self, host: str) -> bool:
        count = self.counts.get(host, 0)
        if self.limit and count >= self.limit:
            self.refused += 1
            return False
        self.counts[host] = count + 1
        return True

    def release(self, host: str) -> None:
        count = self.counts.get(host, 0) - 1
        if count > 0:
            self.counts[host] = count
        else:
            self.counts.pop(host, None)

    def held(self, host: str) -> int:
        return self.counts.get(host, 0)


class PeerLog:
    """A logger's lines, at most ``burst`` per key (a source address) per ``interval``.

    ``emit(key, level, format, **kw)`` logs through ``logger`` while the key is within its
    allowance; the first line after a quiet spell says how many were left out. At most
    ``max_keys`` keys are remembered (the oldest forgotten first), so a flood of spoofed
    sources costs bounded memory: a forgotten key simply starts a fresh allowance.
    """

    def __init__(self, logger, clock, *, interval: float = 60.0, burst: int = 1,
                 max_keys: int = 4096) -> None:
        self.logger, self.clock = logger, clock
        self.interval, self.burst, self.max_keys = interval, burst, max_keys
        self._windows: OrderedDict[Any, list] = OrderedDict()  # key -> [start, emitted, suppressed]

    def allow(self, key) -> int | None:
        """None when a line for ``key`` must be left out now, else how many were left out
        since the last one that went (0 mostly)."""
        now = self.clock.seconds()
        window = self._windows.get(key)
        if window is None or now - window[0] >= self.interval:
            suppressed = window[2] if window is not None else 0
            self._windows[key] = [now, 1, 0]
            self._windows.move_to_end(key)
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            return suppressed
        if window[1] < self.burst:
            window[1] += 1
            return 0
        window[2] += 1
        return None

    def emit(self, key, level: str, format: str, **kwargs) -> bool:
        """Log ``format`` at ``level`` ("info", "warn", ...) unless ``key`` is over its
        allowance; True when it was logged."""
        suppressed = self.allow(key)
        if suppressed is None:
            return False
        if suppressed:
            format += " ({suppressed} similar lines from this source left out)"
            kwargs["suppressed"] = suppressed
        getattr(self.logger, level)(format, **kwargs)
        return True
