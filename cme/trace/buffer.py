"""The last lines logged, kept in memory for the CLI's ``show logging`` / ``clear logging``.

An IOS router keeps a logging buffer so an operator can look back without a log file;
this is that buffer. The CLI reads it from its own connection while events arrive, and
a library may log from a worker thread, so it takes a lock.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Mapping

from twisted.logger import ILogObserver
from zope.interface import implementer

from cme.trace.format import format_event, is_servers

__all__ = ["LogBuffer"]


@implementer(ILogObserver)
class LogBuffer:
    """Ring buffer of the last *size* formatted lines (IOS ``show logging``)."""

    def __init__(self, size: int = 1000) -> None:
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"log buffer size must be a positive integer, not {size!r}")
        self.size = size
        self._lines: deque[str] = deque(maxlen=size)
        self._lock = threading.Lock()

    def __call__(self, event: Mapping[str, Any]) -> None:
        if not is_servers(event):
            return  # `show logging` is the server's log, not the libraries' chatter
        line = format_event(event)
        with self._lock:
            self._lines.append(line)

    def lines(self) -> list[str]:
        """The buffered lines, oldest first."""
        with self._lock:
            return list(self._lines)

    def clear(self) -> None:
        """``clear logging``."""
        with self._lock:
            self._lines.clear()

    def __len__(self) -> int:
        return len(self._lines)
