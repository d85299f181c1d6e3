"""What one log line costs: the text of an info event, and the whole line through twistd's text observer.

    .venv/bin/python benchmarks/log_line.py

Times (best of 7, µs a line) for a CTI session's "accepted" line: twisted.logger's
``formatEvent`` (its Python ``string.Formatter``), ``cme.trace.format.event_text`` (the same
text by ``str.format_map`` where the two agree), the ``show logging`` line
(``format_event``), and the whole line through twistd's own ``textFileLogObserver``, which
formats it with ``formatEvent`` and an RFC 3339 time stamp of its own.
"""
from __future__ import annotations

import io
import time
import timeit

from twisted.logger import LogLevel, formatEvent, textFileLogObserver

from cme.trace.format import event_text, format_event

EVENT = {"log_format": "CTI session {id} from {user} accepted on line {line} ({app})", "id": "abc-123",
         "user": "alice", "line": "201", "app": "sipp", "log_level": LogLevel.info,
         "log_namespace": "cme.cti", "log_time": time.time(), "log_logger": None, "log_source": None}


def best(fn, number: int = 20000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def main() -> None:
    twistd = textFileLogObserver(io.StringIO())
    assert event_text(EVENT) == formatEvent(EVENT)
    for name, fn in (("twisted formatEvent", lambda: formatEvent(EVENT)),
                     ("cme event_text", lambda: event_text(EVENT)),
                     ("show logging line (format_event)", lambda: format_event(EVENT)),
                     ("twistd's text observer, whole line", lambda: twistd(EVENT))):
        print(f"{name:38s} {best(fn):6.2f} us a line")


if __name__ == "__main__":
    main()
