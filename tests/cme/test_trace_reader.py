"""Tests for cme.trace.reader: device matching and `cme trace FILE --device ID`.

Moved from tests/cme/test_trace.py when the reader got a module of its own.
"""

from __future__ import annotations

import json
import re

import pytest
from twisted.logger import LogPublisher, Logger

from cme import trace as T
from cme.trace import reader

LINE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[(?P<ns>[^\]]+)\] (?P<lvl>[A-Z]+) (?P<text>.*)$")


def make_logger(namespace, *observers):
    return Logger(namespace=namespace, observer=LogPublisher(*observers))


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
    monkeypatch.setattr(reader, "MAX_RECORD_BYTES", 120)
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
