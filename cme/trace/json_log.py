"""``--json-log PATH``: every event as one JSON object per line, for ``cme trace`` to filter.

A line is ``{"time": float, "level": "debug", "namespace": ..., "text": ...}`` plus
``device``/``devices`` when the event names them (so a device's trace can be found even
when another actor logged it) and ``failure`` (traceback text). The file is opened once,
at start-up, so a bad path is reported before the server runs; writing never raises into
the logging system, it counts what it could not write instead.
"""

from __future__ import annotations

import json
import math
import os
import threading
from typing import IO, Any, Mapping

from twisted.logger import ILogObserver
from zope.interface import implementer

from cme.trace.format import event_text, failure_text, level_name

__all__ = ["JSONLinesObserver", "json_observer"]


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
        "level": level_name(event.get("log_level")),
        "namespace": namespace if isinstance(namespace, str) else None,
        "text": event_text(event),
    }
    record.update(_device_fields(event))
    failure = failure_text(event)
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

    The file is opened now (so ``OSError`` here means a bad ``--json-log`` path), in
    append mode, and flushed after every line. Call ``.close()`` at shutdown.
    """
    return JSONLinesObserver(path)
