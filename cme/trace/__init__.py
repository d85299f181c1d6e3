"""Where the server's log events go, and how an operator reads a trace back.

The gate that decides whether a namespace traces -- `TraceControl`, the process's
`TRACE` switches and `TraceLogger` -- is :mod:`actors.trace`, low enough for actors and
the SIP and SCCP protocols to import without the application. This package holds the
rest, one concern a module:

- :mod:`cme.trace.format` -- the human line every output prints;
- :mod:`cme.trace.buffer` -- the in-memory ``show logging`` buffer;
- :mod:`cme.trace.json_log` -- the ``--json-log`` JSON-lines file;
- :mod:`cme.trace.observers` -- text, JSON and buffer observers behind the gate's filter;
- :mod:`cme.trace.bridge` -- pykka's and transitions' stdlib ``logging`` into the same stream;
- :mod:`cme.trace.reader` -- ``cme trace FILE --device 201``.

Their public names are re-exported here, with the gate's, so ``cme.trace`` names the
whole feature for the application and its tests.
"""

from actors.trace import TRACE, TraceControl, TraceLogger, namespace_matches
from cme.trace.bridge import BRIDGED_LOGGERS, bridge_stdlib_logging, unbridge_stdlib_logging
from cme.trace.buffer import LogBuffer
from cme.trace.format import format_event
from cme.trace.json_log import JSONLinesObserver, json_observer
from cme.trace.observers import TraceFilteredObserver, build_observers
from cme.trace.reader import device_matches, trace_main

__all__ = [
    "BRIDGED_LOGGERS",
    "JSONLinesObserver",
    "LogBuffer",
    "TRACE",
    "TraceControl",
    "TraceFilteredObserver",
    "TraceLogger",
    "bridge_stdlib_logging",
    "build_observers",
    "device_matches",
    "format_event",
    "json_observer",
    "namespace_matches",
    "trace_main",
    "unbridge_stdlib_logging",
]
