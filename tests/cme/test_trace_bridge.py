"""Tests for cme.trace.bridge: pykka's and transitions' stdlib logging into twisted.logger.

Moved from tests/cme/test_trace.py when the bridge got a module of its own.
"""

from __future__ import annotations

import logging

import pytest
from twisted.logger import LogLevel, LogPublisher

from cme import trace as T
from cme.trace.bridge import _TwistedBridgeHandler


class Collect:
    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def namespaces(self):
        return [e["log_namespace"] for e in self.events]


@pytest.fixture
def bridged():
    collect = Collect()
    tc = T.TRACE  # the bridge gates library debug records with the process's switches
    tc.disable_all()
    from twisted.logger import FilteringLogObserver

    pub = LogPublisher(FilteringLogObserver(collect, [tc]))
    saved = {n: logging.getLogger(n).level for n in T.BRIDGED_LOGGERS}
    for n in T.BRIDGED_LOGGERS:
        logging.getLogger(n).setLevel(logging.NOTSET)
    T.bridge_stdlib_logging(pub)
    yield collect, tc, pub
    tc.disable_all()
    T.unbridge_stdlib_logging(pub)
    for n, level in saved.items():
        logging.getLogger(n).setLevel(level)


def test_stdlib_pykka_debug_reaches_observer_when_traced(bridged):
    collect, tc, _ = bridged
    logging.getLogger("pykka").debug("untraced %s", 1)
    assert collect.events == []
    tc.enable("pykka")
    logging.getLogger("pykka").debug("actor %s started", "LineActor")
    logging.getLogger("pykka._actor").debug("child")
    assert collect.namespaces() == ["pykka", "pykka._actor"]
    ev = collect.events[0]
    assert ev["log_level"] is LogLevel.debug
    assert T.format_event(ev).endswith("[pykka] DEBUG actor LineActor started")


def test_stdlib_levels_mapped_and_root_and_transitions_bridged(bridged):
    collect, tc, _ = bridged
    logging.getLogger("transitions.core").info("state %s", "idle")  # trace, not traced: dropped
    assert logging.getLogger("transitions").level == logging.WARNING
    tc.enable("transitions.core")  # the bridge lowers the library's level while traced
    assert logging.getLogger("transitions").level == logging.DEBUG
    logging.getLogger("transitions.core").info("state %s", "idle")  # now shown, as debug
    tc.disable_all()
    assert logging.getLogger("transitions").level == logging.WARNING
    logging.getLogger("transitions").warning("w")
    logging.getLogger("pykka").error("e")
    logging.getLogger("pykka").critical("c")
    logging.getLogger().error("from root")
    levels = [(e["log_namespace"], e["log_level"]) for e in collect.events]
    assert levels == [
        ("transitions.core", LogLevel.debug),
        ("transitions", LogLevel.warn),
        ("pykka", LogLevel.error),
        ("pykka", LogLevel.critical),
        ("root", LogLevel.error),
    ]


def test_stdlib_bridge_exceptions_and_bad_args(bridged):
    collect, _, _ = bridged
    try:
        raise KeyError("k")
    except KeyError:
        logging.getLogger("pykka").exception("actor died")
    # A record whose getMessage() fails (pytest's own capture handler would
    # re-raise, so hand it to our handler directly).
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, _TwistedBridgeHandler)]
    handler.handle(logging.LogRecord("pykka", logging.ERROR, __file__, 1, "bad %d args", ("x",), None))
    crash, bad = collect.events
    assert "KeyError" in T.format_event(crash)
    assert "bad %d args" in T.format_event(bad)


def test_stdlib_bridge_is_idempotent(bridged):
    collect, _, pub = bridged
    T.bridge_stdlib_logging(pub)
    T.bridge_stdlib_logging(pub)
    logging.getLogger("pykka").warning("once")
    assert len(collect.events) == 1
