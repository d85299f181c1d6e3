"""Tests for actors.trace, the gate: which namespaces trace (`TraceControl`).

Moved from tests/cme/test_trace.py with the gate itself; `TraceLogger` end to end (with
the line format) is still tested there.
"""

from __future__ import annotations

import pytest
from twisted.logger import LogLevel, PredicateResult

from actors import trace as T


def test_enable_covers_namespace_and_children_not_siblings():
    tc = T.TraceControl()
    tc.enable("cme.cti")
    assert tc.is_enabled("cme.cti")
    assert tc.is_enabled("cme.cti.session.3")
    assert not tc.is_enabled("cme.ctix")
    assert not tc.is_enabled("cme.ctix.session.3")
    assert not tc.is_enabled("cme")
    assert not tc.is_enabled("cme.line.201")


def test_constructor_namespaces_and_sorted_enabled():
    tc = T.TraceControl(["cme.line.201", "cme.cti"])
    assert tc.enabled() == ["cme.cti", "cme.line.201"]
    assert tc.is_enabled("cme.line.201")
    assert not tc.is_enabled("cme.line.2010")


def test_disable_removes_entry_and_descendants_but_parent_still_covers():
    tc = T.TraceControl(["cme.line.201", "cme.line.202", "cme.sip"])
    tc.disable("cme.line")
    assert tc.enabled() == ["cme.sip"]
    tc.disable("cme.nothing")  # no-op
    assert tc.enabled() == ["cme.sip"]
    tc.enable("cme.cti")
    tc.disable("cme.cti.session.3")  # parent keeps covering it
    assert tc.is_enabled("cme.cti.session.3")
    tc.disable_all()
    assert tc.enabled() == []
    assert not tc.is_enabled("cme.sip")


def test_cache_is_invalidated_on_every_change():
    tc = T.TraceControl()
    ns = "cme.cti.session.3"
    assert not tc.is_enabled(ns)  # cached False
    tc.enable("cme.cti")
    assert tc.is_enabled(ns)  # cached True
    tc.disable("cme.cti")
    assert not tc.is_enabled(ns)
    tc.enable(ns)
    assert tc.is_enabled(ns)
    tc.disable_all()
    assert not tc.is_enabled(ns)


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(T, "_CACHE_LIMIT", 10)
    tc = T.TraceControl(["cme.cti"])
    for i in range(100):
        assert tc.is_enabled(f"cme.cti.session.{i}")
    assert len(tc._cache) <= 10


@pytest.mark.parametrize("bad", ["", "  ", ".cme", "cme.", "cme..cti"])
def test_invalid_namespaces_rejected(bad):
    with pytest.raises(ValueError):
        T.TraceControl().enable(bad)


def test_predicate_drops_only_untraced_debug():
    tc = T.TraceControl(["cme.line.201"])

    def ev(level, ns):
        return {"log_level": level, "log_namespace": ns}

    assert tc(ev(LogLevel.debug, "cme.line.202")) is PredicateResult.no
    assert tc(ev(LogLevel.debug, "cme.line.201")) is PredicateResult.maybe
    for level in (LogLevel.info, LogLevel.warn, LogLevel.error, LogLevel.critical):
        assert tc(ev(level, "cme.line.202")) is PredicateResult.maybe
    assert tc({"log_level": LogLevel.debug}) is PredicateResult.no  # no namespace
    assert tc({"log_level": LogLevel.debug, "log_namespace": ["x"]}) is PredicateResult.no
