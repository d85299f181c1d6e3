"""Where the server's log events go, and how an operator reads a trace back.

The gate -- which namespaces trace (:class:`TraceControl`, the process's :data:`TRACE`)
and :class:`TraceLogger`, which drops untraced debug events at the source -- is
:mod:`actors.trace`, low enough for actors and the SIP and SCCP protocols to import
without the application. Its names are re-exported here.

Observers built by :func:`build_observers` write human lines to a stream, JSON
lines to a file (read back by ``cme trace FILE --device 201``, see
:func:`trace_main`) and keep the last lines in a :class:`LogBuffer` for the
CLI's ``show logging``.  :func:`bridge_stdlib_logging` routes the standard
library ``logging`` records of pykka and transitions into the same stream.

Actors run on the reactor thread (see :mod:`actors.runtime`), but a library may log
through the stdlib bridge from a worker thread, so what keeps state here takes a lock.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import os
import sys
import threading
from collections import deque
from typing import IO, Any, Iterable, Mapping

from twisted.logger import FilteringLogObserver, ILogObserver, LogLevel, formatEvent, globalLogPublisher
from twisted.python.failure import Failure
from zope.interface import implementer

from actors.trace import TRACE, TraceControl, TraceLogger, namespace_matches

__all__ = [
    "TRACE",
    "TraceControl",
    "TraceLogger",
    "LogBuffer",
    "JSONLinesObserver",
    "TraceFilteredObserver",
    "format_event",
    "json_observer",
    "build_observers",
    "bridge_stdlib_logging",
    "unbridge_stdlib_logging",
    "device_matches",
    "namespace_matches",
    "trace_main",
]

#: Longest JSON line :func:`trace_main` accepts; longer ones count as malformed
#: (and are skipped without being held in memory).
MAX_RECORD_BYTES = 4 * 1024 * 1024


# --------------------------------------------------------------------------
# Formatting


def _format_time(when: Any) -> str:
    try:
        stamp = datetime.datetime.fromtimestamp(float(when))
    except (TypeError, ValueError, OverflowError, OSError):
        return "----------- --:--:--.---"
    return stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


_LEVEL_NAMES = {level: level.name for level in LogLevel.iterconstants()}


def _level_name(level: Any) -> str:
    try:
        return _LEVEL_NAMES[level]
    except (KeyError, TypeError):
        pass
    if isinstance(level, str) and level:
        return level
    return "-"


def _line(when: Any, namespace: Any, level: Any, text: str, failure: str | None) -> str:
    line = f"{_format_time(when)} [{namespace or '-'}] {_level_name(level).upper()} {text}"
    if failure:
        line = f"{line}\n{failure.rstrip()}"
    return line


def _failure_text(event: Mapping[str, Any]) -> str | None:
    failure = event.get("log_failure")
    if failure is None:
        return None
    try:
        if isinstance(failure, Failure):
            return failure.getTraceback()
        return str(failure)
    except Exception as e:  # noqa: BLE001 - never raise from the logging system
        return f"(unable to format failure: {e!r})"


def format_event(event: Mapping[str, Any]) -> str:
    """One human line: ``YYYY-MM-DD HH:MM:SS.mmm [namespace] LEVEL text``.

    The traceback of an attached failure (``log.failure(...)``) follows on
    the next lines.
    """
    return _line(
        event.get("log_time"),
        event.get("log_namespace"),
        event.get("log_level"),
        formatEvent(event),  # never raises
        _failure_text(event),
    )


# --------------------------------------------------------------------------
# Observers


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


def _device_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """``device``/``devices`` of *event* as JSON-safe values; bad ones skipped."""
    out: dict[str, Any] = {}
    device = event.get("device")
    if isinstance(device, (str, int)) and not isinstance(device, bool):
        out["device"] = str(device)
    devices = event.get("devices")
    if isinstance(devices, (list, tuple, set, frozenset)):
        items = [
            str(d) for d in devices if isinstance(d, (str, int)) and not isinstance(d, bool)
        ]
        out["devices"] = sorted(items) if isinstance(devices, (set, frozenset)) else items
    return out


def _event_record(event: Mapping[str, Any]) -> dict[str, Any]:
    when = event.get("log_time")
    try:
        when = float(when)  # type: ignore[arg-type]
        if not math.isfinite(when):
            when = None
    except (TypeError, ValueError):
        when = None
    namespace = event.get("log_namespace")
    record: dict[str, Any] = {
        "time": when,
        "level": _level_name(event.get("log_level")),
        "namespace": namespace if isinstance(namespace, str) else None,
        "text": formatEvent(event),
    }
    record.update(_device_fields(event))
    failure = _failure_text(event)
    if failure is not None:
        record["failure"] = failure
    return record


def _dumps(record: dict[str, Any]) -> str:
    try:
        return json.dumps(record, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        # Skip whatever field cannot be serialised, keep the rest.
        return json.dumps(
            {k: v for k, v in record.items() if _serialisable(v)}, ensure_ascii=False
        )


def _serialisable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


@implementer(ILogObserver)
class JSONLinesObserver:
    """Writes one JSON object per event to a file; see :func:`json_observer`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise IsADirectoryError(f"{self.path}: is a directory")
        # Opened once, here, so a bad path is reported at start-up.  Lone
        # surrogates in a text become a JSON escape instead of an error.
        self._file: IO[str] | None = open(
            self.path, "a", encoding="utf-8", errors="backslashreplace"
        )
        self._lock = threading.Lock()
        #: Events that could not be written (never raised to the publisher).
        self.errors = 0

    def __call__(self, event: Mapping[str, Any]) -> None:
        try:
            line = _dumps(_event_record(event)) + "\n"
        except Exception:  # noqa: BLE001 - never raise into the logging system
            self.errors += 1
            return
        with self._lock:
            if self._file is None:
                return
            try:
                self._file.write(line)
                self._file.flush()
            except Exception:  # noqa: BLE001 - disk full, closed, ...
                self.errors += 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None

    @property
    def closed(self) -> bool:
        return self._file is None


def json_observer(path: str | os.PathLike[str]) -> JSONLinesObserver:
    """An observer appending JSON lines to *path*.

    Each line: ``{"time": float, "level": "debug", "namespace": ..., "text":
    ...}`` plus ``device``/``devices`` when the event carries them and
    ``failure`` (traceback text) for failures.  The file is opened once, now
    (so ``OSError`` here means a bad ``--json-log`` path), in append mode, and
    flushed after every line.  Writing never raises into the logging system.
    Call ``.close()`` at shutdown.
    """
    return JSONLinesObserver(path)


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


# --------------------------------------------------------------------------
# Standard library logging -> twisted.logger


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


#: Libraries whose records below WARNING are trace (the TraceControl decides).
BRIDGED_LOGGERS = ("pykka", "transitions")


def _is_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in BRIDGED_LOGGERS)


def _library_levels() -> None:
    """Let pykka/transitions build records below WARNING only while they are traced:
    at thousands of actors, a record per state change is real work even when dropped."""
    enabled = TRACE.enabled()
    for name in BRIDGED_LOGGERS:
        traced = any(namespace_matches(ns, name) or namespace_matches(name, ns) for ns in enabled)
        logging.getLogger(name).setLevel(logging.DEBUG if traced else logging.WARNING)


def bridge_stdlib_logging(publisher: Any = globalLogPublisher) -> None:
    """Route Python ``logging`` records into twisted.logger via *publisher*.

    A handler on the root logger turns every record (``pykka.*``,
    ``transitions.*``, and anything else that propagates to root) into a
    twisted event whose namespace is the record's logger name and whose level
    is mapped (DEBUG->debug, INFO->info, WARNING->warn, ERROR->error,
    CRITICAL->critical).  pykka's and transitions' records below WARNING are
    trace: their loggers are at WARNING until ``--trace pykka`` (or
    ``transitions``) switches them to DEBUG, and what they then emit is shown
    as debug.  Calling it again for the same publisher does nothing.
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


# --------------------------------------------------------------------------
# cme trace FILE --device 201


def _device_key(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip().casefold()


def device_matches(record: Mapping[str, Any], device: str) -> bool:
    """True if the JSON *record* concerns *device*.

    A record matches when its namespace ends with ``.`` + *device* (dotted
    suffix: ``201`` matches ``cme.line.201``, ``SEP001E4A34A35F`` matches
    ``cme.phone.SEP001E4A34A35F``, ``session.3`` matches
    ``cme.cti.session.3``), when its ``device`` field equals *device*, or
    when its ``devices`` list contains it.  Comparison ignores case
    (``sep001e4a34a35f`` finds the phone).  Note the suffix is a dotted one,
    so a bare number also matches a session or monitor with that id; use
    ``session.3`` to be specific.
    """
    want = _device_key(device)
    if not want:
        return False
    namespace = record.get("namespace")
    if isinstance(namespace, str):
        ns = namespace.casefold()
        if ns == want or ns.endswith("." + want):
            return True
    if _device_key(record.get("device")) == want:
        return True
    devices = record.get("devices")
    if isinstance(devices, list):
        return any(_device_key(d) == want for d in devices)
    return False


def _record_line(record: Mapping[str, Any]) -> str:
    text = record.get("text")
    failure = record.get("failure")
    return _line(
        record.get("time"),
        record.get("namespace"),
        record.get("level"),
        text if isinstance(text, str) else ("" if text is None else str(text)),
        failure if isinstance(failure, str) else None,
    )


def _read_records(stream: IO[bytes]) -> Iterable[tuple[bytes | None, Any]]:
    """Yield ``(raw_line, record)``; ``(None, None)`` for each malformed line."""
    while True:
        raw = stream.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            # An over-long line: skip the rest of it without holding it.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_RECORD_BYTES)
            yield None, None
            continue
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            yield None, None
            continue
        if not isinstance(record, dict):
            yield None, None
            continue
        yield raw, record


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cme trace",
        description="Print the trace of one device from a --json-log file.",
    )
    parser.add_argument("file", help="JSON-lines log written with --json-log")
    parser.add_argument(
        "--device",
        help="line number (201), phone name (SEP001E4A34A35F) or session (session.3); "
        "omit to print every record",
    )
    parser.add_argument(
        "--namespace",
        metavar="PREFIX",
        help="only records whose namespace is PREFIX or below it (e.g. cme.cti)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the matching records as raw JSON lines"
    )
    return parser


def trace_main(argv: list[str] | None = None) -> int:
    """``cme trace FILE [--device ID] [--namespace PREFIX] [--json]``.

    Streams the file and prints the matching records in file order.  Returns
    0 on success, 2 for bad arguments or a missing/unreadable file.
    Malformed lines are skipped and counted on stderr.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help or a usage error (message already printed)
        return e.code if isinstance(e.code, int) else 2
    prefix = args.namespace.strip() if args.namespace else None

    try:
        if os.path.isdir(args.file):
            raise IsADirectoryError(f"{args.file}: is a directory")
        stream = open(args.file, "rb")
    except OSError as e:
        reason = e.strerror or str(e)
        if isinstance(e, IsADirectoryError):
            reason = "is a directory"
        print(f"cme trace: cannot read {args.file}: {reason}", file=sys.stderr)
        return 2

    malformed = 0
    out = sys.stdout
    try:
        with stream:
            for raw, record in _read_records(stream):
                if record is None:
                    malformed += 1
                    continue
                if prefix is not None:
                    namespace = record.get("namespace")
                    if not isinstance(namespace, str) or not namespace_matches(namespace, prefix):
                        continue
                if args.device is not None and not device_matches(record, args.device):
                    continue
                if args.json:
                    out.write(raw.decode("utf-8") + "\n")  # type: ignore[union-attr]
                else:
                    out.write(_record_line(record) + "\n")
            out.flush()
    except BrokenPipeError:  # `cme trace ... | head`
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 0
    except OSError as e:  # read error half-way through
        print(f"cme trace: error reading {args.file}: {e.strerror or e}", file=sys.stderr)
        return 2

    if malformed:
        print(
            f"cme trace: skipped {malformed} malformed line{'s' if malformed != 1 else ''} "
            f"in {args.file}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(trace_main(sys.argv[1:]))
