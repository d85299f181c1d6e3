"""Tests for cme.trace: the line format, `show logging` buffer, JSON lines, observers, `TraceLogger`."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from twisted.logger import LogLevel, LogPublisher, Logger
from twisted.python.failure import Failure

from cme import trace as T

LINE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[(?P<ns>[^\]]+)\] (?P<lvl>[A-Z]+) (?P<text>.*)$")


def make_logger(namespace, *observers):
    return Logger(namespace=namespace, observer=LogPublisher(*observers))


class Collect:
    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def namespaces(self):
        return [e["log_namespace"] for e in self.events]


def test_runtime_switching_through_build_observers():
    tc = T.TraceControl()
    buf = T.LogBuffer()
    stream = io.StringIO()
    log = make_logger("cme.line.201", *T.build_observers(tc, stream=stream, buffer=buf))
    log.debug("hidden {n}", n=1)
    log.info("shown {n}", n=2)
    tc.enable("cme.line")
    log.debug("traced {n}", n=3)
    tc.disable_all()
    log.debug("hidden again")
    log.warn("warned")
    texts = [LINE_RE.match(line).group("text") for line in buf.lines()]
    assert texts == ["shown 2", "traced 3", "warned"]
    assert stream.getvalue().splitlines() == buf.lines()


# --------------------------------------------------------------------------
# Formatting and the buffer


def test_format_event_line_shape_and_failure_traceback():
    buf = T.LogBuffer()
    log = make_logger("cme.sip", buf)
    log.info("INVITE from {peer}", peer="10.0.0.1")
    try:
        1 / 0
    except ZeroDivisionError:
        log.failure("handler crashed")
    first, second = buf.lines()
    m = LINE_RE.match(first)
    assert m and m.group("ns") == "cme.sip" and m.group("lvl") == "INFO"
    assert m.group("text") == "INVITE from 10.0.0.1"
    head, *tb = second.splitlines()
    assert LINE_RE.match(head).group("lvl") == "CRITICAL"
    assert head.endswith("handler crashed")
    assert "ZeroDivisionError" in "\n".join(tb)


class Hostile:
    """A field value whose every rendering raises."""

    def __str__(self):
        raise RuntimeError("str")

    __repr__ = __format__ = __str__


JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=6)
BAD_EVENTS = st.fixed_dictionaries({}, optional={
    "log_format": st.none() | st.text() | st.sampled_from(["{missing}", "{", "}", "{0}", "{x!r:>{y}}", "{x.y[z]}"]) | JUNK,
    "log_time": st.floats() | st.integers() | JUNK,
    "log_namespace": st.text() | JUNK,
    "log_level": st.sampled_from(list(LogLevel.iterconstants())) | JUNK,
    "log_failure": st.builds(Failure, st.sampled_from([ValueError("v"), KeyError("k")])) | JUNK | st.builds(Hostile),
    "x": JUNK | st.builds(Hostile),
    "y": JUNK | st.builds(Hostile),
}).flatmap(lambda known: st.dictionaries(st.text(max_size=8), JUNK | st.builds(Hostile), max_size=3).map(
    lambda extra: {**extra, **known}))
STAMP = re.compile(r"(\d+-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}|----------- --:--:--\.---) \[")


@settings(max_examples=300, deadline=None)
@example({"log_format": "{missing}", "log_time": "not a time"})
@given(BAD_EVENTS)
def test_format_event_never_raises_on_bad_event(event):
    line = T.format_event(event)  # any exception fails the test
    assert isinstance(line, str) and STAMP.match(line), line
    namespace = event.get("log_namespace")
    if isinstance(namespace, str) and namespace:
        assert f" [{namespace}] " in line
    elif not namespace:
        assert " [-] " in line
    failure = event.get("log_failure")
    if isinstance(failure, Failure):
        assert type(failure.value).__name__ in line


def test_log_buffer_is_bounded_and_keeps_newest():
    buf = T.LogBuffer(size=3)
    log = make_logger("cme.cli", buf)
    for i in range(10):
        log.info("line {i}", i=i)
    assert len(buf) == 3
    assert [l.rsplit(" ", 1)[1] for l in buf.lines()] == ["7", "8", "9"]
    buf.clear()
    assert buf.lines() == []


def test_log_buffer_default_size_and_validation():
    assert T.LogBuffer().size == 1000
    with pytest.raises(ValueError):
        T.LogBuffer(0)


# --------------------------------------------------------------------------
# JSON lines


def read_json(path):
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def test_json_observer_content(tmp_path):
    path = tmp_path / "trace.jsonl"
    obs = T.json_observer(path)
    log = make_logger("cme.cti.session.3", obs)
    log.debug("MonitorStart {dev}", dev="201", devices=["201", "202"])
    make_logger("cme.line.201", obs).info("offhook", device="201")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        make_logger("cme.sccp", obs).failure("sccp crash")
    # flushed per line: readable before close
    recs = read_json(path)
    assert len(recs) == 3
    a, b, c = recs
    assert a["level"] == "debug" and a["namespace"] == "cme.cti.session.3"
    assert a["text"] == "MonitorStart 201" and a["devices"] == ["201", "202"]
    assert isinstance(a["time"], float)
    assert "device" not in a and "failure" not in a
    assert b["device"] == "201" and b["level"] == "info"
    assert c["level"] == "critical" and "RuntimeError: boom" in c["failure"]
    obs.close()
    assert obs.closed
    log.info("after close")  # silently ignored
    assert len(read_json(path)) == 3


def test_json_observer_appends_and_opens_once(tmp_path, monkeypatch):
    path = tmp_path / "trace.jsonl"
    path.write_text('{"time": 1.0, "level": "info", "namespace": "old", "text": "x"}\n')
    opened = []
    real_open = open

    def counting_open(*a, **kw):
        opened.append(a[0])
        return real_open(*a, **kw)

    monkeypatch.setattr("builtins.open", counting_open)
    obs = T.json_observer(path)
    log = make_logger("cme.sip", obs)
    for i in range(5):
        log.info("n{i}", i=i)
    obs.close()
    assert len(opened) == 1
    recs = read_json(path)
    assert [r["namespace"] for r in recs] == ["old"] + ["cme.sip"] * 5


def test_json_observer_skips_unserialisable_fields_and_never_raises(tmp_path):
    path = tmp_path / "trace.jsonl"
    obs = T.json_observer(path)
    log = make_logger("cme.line.201", obs)
    log.info("weird", device=object(), devices=[object(), "201", 7], other=object())
    log.info("bad format {nope}")
    log.info("surrogate {s}", s="\udcff")
    obs({"log_time": float("nan"), "log_namespace": 42})  # hand-made junk event
    obs.close()
    recs = read_json(path)
    assert len(recs) == 4
    assert "device" not in recs[0] and recs[0]["devices"] == ["201", "7"]
    assert "other" not in recs[0]
    assert "nope" in recs[1]["text"] or "Unable to format" in recs[1]["text"]
    assert recs[2]["text"] == "surrogate \udcff"
    assert recs[3]["time"] is None and recs[3]["namespace"] is None
    assert obs.errors == 0


def test_json_observer_bad_path_raises_at_open(tmp_path):
    with pytest.raises(OSError):
        T.json_observer(tmp_path)  # a directory
    with pytest.raises(OSError):
        T.json_observer(tmp_path / "no" / "such" / "dir" / "x.jsonl")


def test_build_observers_filters_all_targets(tmp_path):
    tc = T.TraceControl(["cme.cti"])
    path = tmp_path / "t.jsonl"
    buf = T.LogBuffer()
    stream = io.StringIO()
    observers = T.build_observers(tc, stream=stream, json_path=path, buffer=buf)
    assert len(observers) == 3
    pub = LogPublisher(*observers)
    Logger(namespace="cme.cti.session.1", observer=pub).debug("yes")
    Logger(namespace="cme.line.201", observer=pub).debug("no")
    Logger(namespace="cme.line.201", observer=pub).error("err")
    for o in observers:
        o.close()
    assert [r["text"] for r in read_json(path)] == ["yes", "err"]
    assert len(buf.lines()) == 2
    assert len(stream.getvalue().splitlines()) == 2
    assert not stream.closed


def test_build_observers_default_stream_is_stdout(capsys):
    (obs,) = T.build_observers(T.TraceControl())
    Logger(namespace="cme.cli", observer=obs).info("hello")
    assert capsys.readouterr().out.rstrip().endswith("[cme.cli] INFO hello")


def test_trace_logger_drops_untraced_debug_at_the_source():
    collect = Collect()
    log = T.TraceLogger(namespace="cme.line.201", observer=collect)
    T.TRACE.disable_all()
    try:
        log.debug("offhook")
        log.info("registered")
        T.TRACE.enable("cme.line")
        log.debug("dialing {digits}", digits="202")
        assert [T.format_event(e).split(" ", 2)[2] for e in collect.events] == [
            "[cme.line.201] INFO registered",
            "[cme.line.201] DEBUG dialing 202",
        ]
    finally:
        T.TRACE.disable_all()


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.floats(min_value=-1e9, max_value=4e9),
                 st.integers(min_value=1_764_600_000, max_value=1_764_600_005).map(
                     lambda s: s + 0.9999995), st.just(1_764_600_000.0005)))
def test_a_line_time_is_what_datetime_formats(when):
    """The text of a line's time is remembered per second (issue 15); it stays what
    datetime.fromtimestamp makes of it, rounding of the microseconds included."""
    from cme.trace.format import _format_time

    stamp = datetime.datetime.fromtimestamp(when)
    assert _format_time(when) == stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


_FIELD = st.sampled_from(["a", "b", "a.real", "b[0]", "a!r", "b!s", "a:>6", "b:^{w}", "c", "a()", "", "0"])


class _Callable:
    def __call__(self):
        return "called"

    def __str__(self):
        return "not called"


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(st.text(alphabet="ab{}:!. ()x", max_size=6),
                                _FIELD.map(lambda f: "{" + f + "}")), max_size=6),
       a=st.one_of(st.integers(), st.text(max_size=4), st.none(), st.just(_Callable())),
       b=st.one_of(st.text(max_size=4), st.lists(st.integers(), max_size=2), st.just(b"xy")))
@example(parts=["{a()}"], a=_Callable(), b="")
@example(parts=["{", "a", "}"], a=1, b="")
@example(parts=["{}"], a=1, b="")
@example(parts=["{c}"], a=1, b="")
def test_event_text_is_what_formatEvent_gives(parts, a, b):
    """The fast path (str.format_map) against twisted.logger's formatEvent, which it falls
    back to: every format, good or bad, with missing fields, calls and conversions."""
    from twisted.logger import formatEvent

    event = {"log_format": "".join(parts), "a": a, "b": b, "w": 5, "log_level": LogLevel.info}
    assert T.format.event_text(event) == formatEvent(event)


def test_event_text_of_odd_events():
    from twisted.logger import formatEvent

    for event in ({}, {"log_format": None}, {"log_format": b"bytes {a}", "a": 1},
                  {"log_format": "{a}", "a": 1, "log_flattened": {"a!:": "flat"}}):
        assert T.format.event_text(event) == formatEvent(event)
