"""One human line per log event: ``YYYY-MM-DD HH:MM:SS.mmm [namespace] LEVEL text``.

The text stream, the CLI's ``show logging`` buffer and the ``cme trace`` reader print the
same shape, so an operator reads one format wherever a line comes from. Nothing here
raises: a log line about a bad event must not become a second failure.
"""

from __future__ import annotations

import datetime
from typing import Any, Mapping

from twisted.logger import LogLevel, formatEvent
from twisted.python.failure import Failure

__all__ = ["event_text", "failure_text", "format_event", "format_line", "level_name"]

_LEVEL_NAMES = {level: level.name for level in LogLevel.iterconstants()}


_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text


def _format_time(when: Any) -> str:
    # Lines come many to a second: the date and time of the second are formatted once
    # (local time, as datetime.fromtimestamp gives it), only the milliseconds each time.
    global _second
    try:
        when = float(when)
        whole = int(when // 1)
        micro = round((when - whole) * 1e6)  # rounded as datetime.fromtimestamp rounds it
        if micro >= 1_000_000:
            whole, micro = whole + 1, micro - 1_000_000
        if whole != _second[0]:
            _second = (whole, datetime.datetime.fromtimestamp(whole).strftime("%Y-%m-%d %H:%M:%S."))
    except (TypeError, ValueError, OverflowError, OSError):
        return "----------- --:--:--.---"
    return f"{_second[1]}{micro // 1000:03d}"


def level_name(level: Any) -> str:
    """``LogLevel.debug`` -> ``'debug'``; a non-empty string as it is; ``'-'`` otherwise."""
    try:
        return _LEVEL_NAMES[level]
    except (KeyError, TypeError):
        pass
    if isinstance(level, str) and level:
        return level
    return "-"


def format_line(when: Any, namespace: Any, level: Any, text: str, failure: str | None) -> str:
    """The line for these fields (from a live event or a JSON record read back)."""
    line = f"{_format_time(when)} [{namespace or '-'}] {level_name(level).upper()} {text}"
    if failure:
        line = f"{line}\n{failure.rstrip()}"
    return line


def failure_text(event: Mapping[str, Any]) -> str | None:
    """The traceback of the event's ``log_failure``, or None if it has none."""
    failure = event.get("log_failure")
    if failure is None:
        return None
    try:
        if isinstance(failure, Failure):
            return failure.getTraceback()
        return str(failure)
    except Exception as e:  # noqa: BLE001 - never raise from the logging system
        return f"(unable to format failure: {e!r})"


_LOUD = frozenset({LogLevel.warn, LogLevel.error, LogLevel.critical})


def is_servers(event: Mapping[str, Any]) -> bool:
    """The server's own log (`cme.…` namespaces, whatever `debug` switched on), or any
    library's warnings and errors; not a library's info and debug chatter (Conch's key
    exchange, pykka's and transitions' bridged debug lines)."""
    namespace = event.get("log_namespace") or ""
    return namespace == "cme" or namespace.startswith("cme.") or event.get("log_level") in _LOUD


def event_text(event: Mapping[str, Any]) -> str:
    """The event's message, as twisted.logger's ``formatEvent`` gives it.

    ``formatEvent`` runs the format through a ``string.Formatter`` in Python (about 10 µs
    a line); ``str.format_map`` does the same work in C. The two agree on every format
    without Twisted's one extension, ``{name()}`` (call the value), so a format with
    ``()`` in it, a flattened event, bytes, or anything ``format_map`` refuses (a missing
    key, a bad spec) goes to ``formatEvent``, which also never raises."""
    fmt = event.get("log_format")
    if fmt.__class__ is str and "()" not in fmt and "log_flattened" not in event:
        try:
            return fmt.format_map(event)
        except Exception:  # noqa: BLE001 - formatEvent says what is wrong, and never raises
            pass
    return formatEvent(event)


def format_event(event: Mapping[str, Any]) -> str:
    """One human line for *event*.

    The traceback of an attached failure (``log.failure(...)``) follows on
    the next lines.
    """
    return format_line(
        event.get("log_time"),
        event.get("log_namespace"),
        event.get("log_level"),
        event_text(event),  # never raises
        failure_text(event),
    )
