"""Standard library ``logging`` -> ``twisted.logger``: pykka's and transitions' records.

pykka and transitions log through the stdlib; the server's log is twisted's. A handler on
the root logger turns each record into a twisted event under the record's logger name,
so ``--trace pykka`` and ``debug transitions`` work like any other namespace and every
line lands in the same stream, JSON file and ``show logging`` buffer.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from twisted.logger import LogLevel, globalLogPublisher
from twisted.python.failure import Failure

from actors.trace import TRACE, namespace_matches

__all__ = ["BRIDGED_LOGGERS", "bridge_stdlib_logging", "unbridge_stdlib_logging"]

#: Libraries whose records below WARNING are trace (the TraceControl decides).
BRIDGED_LOGGERS = ("pykka", "transitions")


def _stdlib_level(levelno: int) -> LogLevel:
    if levelno >= logging.CRITICAL:
        return LogLevel.critical
    if levelno >= logging.ERROR:
        return LogLevel.error
    if levelno >= logging.WARNING:
        return LogLevel.warn
    if levelno >= logging.INFO:
        return LogLevel.info
    return LogLevel.debug


def _is_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in BRIDGED_LOGGERS)


class _TwistedBridgeHandler(logging.Handler):
    """A ``logging.Handler`` that re-emits records as twisted log events."""

    def __init__(self, publisher: Any) -> None:
        super().__init__(logging.NOTSET)
        self.publisher = publisher
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._local, "busy", False):  # twisted -> stdlib -> twisted loop
            return
        level = record.levelno
        if _is_library(record.name) and level < logging.WARNING:
            # pykka and transitions narrate every actor start and state change at
            # info: that is trace here, shown (as debug) only when switched on.
            if not TRACE.is_enabled(record.name):
                return
            level = logging.DEBUG
        elif level < logging.INFO and not TRACE.is_enabled(record.name):
            return  # debug records are trace: shown only when switched on
        self._local.busy = True
        try:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - bad %-args in a library call
                message = f"{record.msg!r} % {record.args!r}"
            event: dict[str, Any] = {
                "log_namespace": record.name,
                "log_level": _stdlib_level(level),
                "log_format": "{log_stdlib_message}",
                "log_stdlib_message": message,
                "log_time": record.created,
                "log_system": f"{record.module}:{record.lineno}",
            }
            if record.exc_info and record.exc_info[1] is not None:
                _, value, tb = record.exc_info
                try:
                    event["log_failure"] = Failure(value, type(value), tb)
                except Exception:  # noqa: BLE001
                    pass
            self.publisher(event)
        except Exception:  # noqa: BLE001 - never raise into stdlib logging
            pass
        finally:
            self._local.busy = False


def _library_levels() -> None:
    """Let pykka/transitions build records below WARNING only while they are traced:
    at thousands of actors, a record per state change is real work even when dropped."""
    enabled = TRACE.enabled()
    for name in BRIDGED_LOGGERS:
        traced = any(namespace_matches(ns, name) or namespace_matches(name, ns) for ns in enabled)
        logging.getLogger(name).setLevel(logging.DEBUG if traced else logging.WARNING)


def bridge_stdlib_logging(publisher: Any = globalLogPublisher) -> None:
    """Route Python ``logging`` records into twisted.logger via *publisher*.

    Every record that reaches the root logger (``pykka.*``, ``transitions.*`` and
    anything else that propagates) becomes a twisted event whose namespace is the
    record's logger name and whose level is mapped (DEBUG->debug, INFO->info,
    WARNING->warn, ERROR->error, CRITICAL->critical). pykka's and transitions' records
    below WARNING are trace: their loggers stay at WARNING until ``--trace pykka`` (or
    ``transitions``) switches them to DEBUG, and what they then emit is shown as debug.
    Calling it again for the same publisher does nothing.
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _TwistedBridgeHandler) and handler.publisher is publisher:
            return
    root.addHandler(_TwistedBridgeHandler(publisher))
    TRACE.add_listener(_library_levels)
    _library_levels()


def unbridge_stdlib_logging(publisher: Any = globalLogPublisher) -> None:
    """Undo :func:`bridge_stdlib_logging` for *publisher* (tests, shutdown)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _TwistedBridgeHandler) and handler.publisher is publisher:
            root.removeHandler(handler)
    if not any(isinstance(h, _TwistedBridgeHandler) for h in root.handlers):
        TRACE.remove_listener(_library_levels)
