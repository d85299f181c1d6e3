"""The observers a process logs to, each behind the trace gate's filter.

The server under twistd gates at the source (`actors.trace.TraceLogger`) because twistd's
own text observer knows nothing of traces. A program that builds its own log publisher
(a tool, a test) gets the same rule from :func:`build_observers`: human text to a
stream, optionally JSON lines and the CLI's buffer, each dropping untraced debug events.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import IO, Any, Mapping

from twisted.logger import FilteringLogObserver, ILogObserver
from zope.interface import implementer

from actors.trace import TraceControl
from cme.trace.buffer import LogBuffer
from cme.trace.format import format_event
from cme.trace.json_log import json_observer

__all__ = ["TraceFilteredObserver", "build_observers"]


@implementer(ILogObserver)
class _TextObserver:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: Mapping[str, Any]) -> None:
        line = format_event(event) + "\n"
        with self._lock:
            try:
                self.stream.write(line)
                self.stream.flush()
            except Exception:  # noqa: BLE001 - closed pipe etc.
                pass


class TraceFilteredObserver(FilteringLogObserver):
    """A ``FilteringLogObserver`` that remembers its target and can close it."""

    def __init__(self, target: Any, trace: TraceControl) -> None:
        super().__init__(target, [trace])
        self.target = target

    def close(self) -> None:
        close = getattr(self.target, "close", None)
        if close is not None and not isinstance(self.target, _TextObserver):
            close()


def build_observers(
    trace: TraceControl,
    *,
    stream: IO[str] | None = None,
    json_path: str | os.PathLike[str] | None = None,
    buffer: LogBuffer | None = None,
) -> list[TraceFilteredObserver]:
    """Observers to add to the log publisher, each filtered by *trace*.

    In order: human text to *stream* (default ``sys.stdout``), JSON lines to
    *json_path* if given (opened now: ``OSError`` for a bad path), formatted
    lines into *buffer* if given.  Each is a ``FilteringLogObserver``; its
    ``close()`` closes the JSON file (the stream is left open).
    """
    targets: list[Any] = [_TextObserver(stream if stream is not None else sys.stdout)]
    if json_path is not None:
        targets.append(json_observer(json_path))
    if buffer is not None:
        targets.append(buffer)
    return [TraceFilteredObserver(target, trace) for target in targets]
