"""Tests for cme.trace: observers, the line format, JSON lines, stdlib bridge, `cme trace`."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from twisted.logger import LogLevel, LogPublisher, Logger, PredicateResult

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


def test_format_event_never_raises_on_bad_event():
    line = T.format_event({"log_format": "{missing}", "log_time": "not a time"})
    assert "[-]" in line


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


# --------------------------------------------------------------------------
# stdlib logging bridge


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
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, T._TwistedBridgeHandler)]
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


# --------------------------------------------------------------------------
# device matching and `cme trace`


@pytest.mark.parametrize(
    "record, device, expected",
    [
        ({"namespace": "cme.line.201"}, "201", True),
        ({"namespace": "cme.line.2010"}, "201", False),
        ({"namespace": "cme.line.1201"}, "201", False),
        ({"namespace": "cme.phone.SEP001E4A34A35F"}, "sep001e4a34a35f", True),
        ({"namespace": "cme.cti.session.3"}, "session.3", True),
        ({"namespace": "cme.cti.session.3"}, "cme.cti.session.3", True),
        ({"namespace": "cme.cti.session.3", "devices": ["201", "202"]}, "201", True),
        ({"namespace": "cme.cti.session.3", "devices": ["202"]}, "201", False),
        ({"namespace": "cme.sip", "device": "SEP001E4A34A35F"}, "SEP001e4a34a35f", True),
        ({"namespace": "cme.sip", "device": 201}, "201", True),
        ({"namespace": "cme.sip", "devices": "201"}, "201", False),  # not a list
        ({"namespace": None}, "201", False),
        ({"namespace": "cme.line.201"}, "", False),
    ],
)
def test_device_matches(record, device, expected):
    assert T.device_matches(record, device) is expected


def write_trace(path):
    obs = T.json_observer(path)
    make_logger("cme.line.201", obs).debug("offhook")
    make_logger("cme.line.202", obs).debug("ringing")
    make_logger("cme.cti.session.3", obs).info("event for both", devices=["201", "202"])
    make_logger("cme.phone.SEP001E4A34A35F", obs).info("keypress", device="201")
    make_logger("cme.sip", obs).info("unrelated")
    obs.close()


def test_trace_main_filters_by_device_in_order(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write_trace(path)
    assert T.trace_main([str(path), "--device", "201"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [LINE_RE.match(l).group("text") for l in lines] == [
        "offhook",
        "event for both",
        "keypress",
    ]
    assert LINE_RE.match(lines[0]).group("ns") == "cme.line.201"
    assert LINE_RE.match(lines[0]).group("lvl") == "DEBUG"
    assert err == ""


def test_trace_main_namespace_prefix_and_json(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write_trace(path)
    assert T.trace_main([str(path), "--device", "201", "--namespace", "cme.line", "--json"]) == 0
    out = capsys.readouterr().out
    recs = [json.loads(l) for l in out.splitlines()]
    assert [r["text"] for r in recs] == ["offhook"]
    assert T.trace_main([str(path), "--namespace", "cme.cti", "--device", "session.3"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "event for both" in out
    assert T.trace_main([str(path), "--device", "sep001e4a34a35f"]) == 0
    assert "keypress" in capsys.readouterr().out


def test_trace_main_skips_malformed_lines(tmp_path, capsys):
    path = tmp_path / "t.jsonl"
    write_trace(path)
    with open(path, "ab") as f:
        f.write(b"{not json\n")
        f.write(b"[1, 2, 3]\n")
        f.write(b"\n")
        f.write(b"\xff\xfe binary \x00 garbage\n")
        f.write(b'{"time": "x", "level": 5, "namespace": "cme.line.201", "text": null}\n')
        f.write(b'{"namespace": "cme.line.201", "text": "truncated')  # no newline at EOF
    assert T.trace_main([str(path), "--device", "201"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 4  # three good ones + the odd-but-valid object
    assert "[cme.line.201]" in lines[-1]
    assert "skipped 4 malformed lines" in err


def test_trace_main_over_long_line_is_skipped_not_loaded(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(T, "MAX_RECORD_BYTES", 120)
    path = tmp_path / "t.jsonl"
    good = json.dumps({"time": 1.0, "level": "info", "namespace": "cme.line.201", "text": "ok"})
    path.write_text('{"text": "' + "x" * 1000 + '"}\n' + good + "\n")
    assert T.trace_main([str(path), "--device", "201"]) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("[cme.line.201] INFO ok")
    assert "skipped 1 malformed line " in err


def test_trace_main_missing_file_and_directory(tmp_path, capsys):
    assert T.trace_main([str(tmp_path / "nope.jsonl"), "--device", "201"]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "nope.jsonl" in err
    assert T.trace_main([str(tmp_path), "--device", "201"]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_trace_main_usage_error_returns_2(capsys):
    assert T.trace_main([]) == 2
    assert "usage" in capsys.readouterr().err


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
