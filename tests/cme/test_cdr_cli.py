"""`show call history voice brief` (from app.cdrs) and `cme cdr FILE` (from the files)."""
import json

import pytest
from twisted.internet import task

import conf
from cme.cdr.files import CdrFiles
from cme.cdr.history import CallHistory
from cme.cdr.reader import since_time
from cme.cli.builtin import default_table
from cme.cli.testing import FakeApplication, run
from cme.main import main
from tests.cme.test_cdr_files import EPOCH, record

ANSWERED = record(11, gcid="1A2B3C4D-11111111-22222222-33333333", features=())
BUSY = record(12, gcid="", connect=None, duration=0.0, cause="busy", q850=17, peer="203", called="203",
              features=("MakeCall",))
TRUNK = record(13, line="95551234", direction="outgoing", calling="201", called="95551234", peer="201",
               dial_peer=100, setup=EPOCH + 7200, connect=EPOCH + 7202, disconnect=EPOCH + 7272, duration=70.0,
               cleared_by="remote", features=())


def app_with(*records):
    app = FakeApplication()
    app.cdrs = CallHistory()
    for rec in records:
        app.cdrs.record(rec)
    return app


def test_show_call_history_voice_brief_two_lines_a_leg_newest_last():
    out = run(default_table(), "show call history voice brief", app_with(ANSWERED, BUSY)).output
    lines = out.splitlines()
    assert lines[0] == "Call history: 2 call legs kept (newest last), 2 recorded since start"
    assert lines[2:] == [
        "11    : 2023-11-14T22:13:31Z +1500 +10000 pid:- outgoing 201 201 -> 202 peer 202",
        "        GCID 1A2B3C4D-11111111-22222222-33333333 dur 00:00:08 disc 10 (normal call clearing (16)) "
        "normalClearing cleared:local",
        "12    : 2023-11-14T22:13:32Z +0 +10000 pid:- outgoing 201 201 -> 203 peer 203",
        "        GCID - dur 00:00:00 disc 11 (user busy (17)) busy cleared:local features:MakeCall",
    ]


def test_show_call_history_takes_the_output_modifiers_and_abbreviations():
    out = run(default_table(), "sh call hist voice br | include busy", app_with(ANSWERED, BUSY)).output
    assert out.splitlines() == ["        GCID - dur 00:00:00 disc 11 (user busy (17)) busy cleared:local "
                                "features:MakeCall"]


def test_show_call_history_without_records_kept_says_so():
    result = run(default_table(), "show call history voice brief", FakeApplication())
    assert not result.ok and "not kept" in result.output
    empty = run(default_table(), "show call history voice brief", app_with()).output
    assert empty.splitlines() == ["Call history: 0 call legs kept (newest last), 0 recorded since start"]


# -- cme cdr ------------------------------------------------------------------------------------
@pytest.fixture
def written(tmp_path):
    clock = task.Clock()
    clock.advance(EPOCH)
    files = CdrFiles(conf.parse_text("hostname lab\n").config, str(tmp_path), clock=clock)
    for rec in (ANSWERED, BUSY, TRUNK):
        files.add(rec)
    files.close()
    (jsonl,) = (tmp_path / "cdr").glob("*.jsonl")
    (csv,) = (tmp_path / "cdr").glob("*.csv")
    return tmp_path / "cdr", str(jsonl), str(csv)


def test_cme_cdr_prints_one_line_a_record_from_either_format(written, capsys):
    directory, jsonl, csv = written
    assert main(["cdr", jsonl]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[0].startswith("2023-11-14T22:13:31Z 11 201 outgoing 201->202 peer=202 dial-peer=- ")
    assert "cause=busy(17)" in out[1] and "features=MakeCall" in out[1]
    assert "dial-peer=100" in out[2] and "dur=00:01:10" in out[2]
    assert main(["cdr", csv]) == 0
    assert capsys.readouterr().out.splitlines() == out
    assert main(["cdr", str(directory)]) == 0  # a directory: its .jsonl files
    assert capsys.readouterr().out.splitlines() == out


def test_cme_cdr_filters_by_number_and_time(written, capsys, monkeypatch):
    _, jsonl, _ = written
    assert main(["cdr", jsonl, "--number", "203"]) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["12"]
    assert main(["cdr", jsonl, "--number", "9555*"]) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["13"]
    assert main(["cdr", jsonl, "--number", "201"]) == 0  # the line, calling, called or peer
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["cdr", jsonl, "--since", "2023-11-14T23:00:00Z"]) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["13"]
    monkeypatch.setattr("time.time", lambda: EPOCH + 7300)
    assert main(["cdr", jsonl, "--since", "1h"]) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["13"]


def test_cme_cdr_json_and_csv_output_are_the_file_formats(written, capsys):
    _, jsonl, csv = written
    assert main(["cdr", jsonl, "--json", "--number", "203"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["call_id"] == 12
    assert main(["cdr", jsonl, "--csv"]) == 0
    with open(csv) as f:
        assert capsys.readouterr().out == f.read()


def test_since_accepts_iso_and_ago():
    assert since_time("30m", now=10_000) == 10_000 - 1800
    assert since_time("2d", now=200_000) == 200_000 - 172_800
    assert since_time("2023-11-14T22:13:20") == EPOCH  # UTC unless it says
    assert since_time("2023-11-14T23:13:20+01:00") == EPOCH
    with pytest.raises(ValueError, match="not a time"):
        since_time("yesterday")


@pytest.mark.parametrize("args, says", [
    (["nothing.jsonl"], "No such file"),
    (["bad"], "not a CDR file"),
    (["good", "--since", "yesterday"], "not a time"),
])
def test_cme_cdr_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, says, monkeypatch):
    (tmp_path / "bad").write_text("this is not a record\n")
    (tmp_path / "good").write_text("")
    monkeypatch.chdir(tmp_path)
    assert main(["cdr", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err


def test_cme_cdr_says_what_it_skipped_and_goes_on(written, capsys):
    _, jsonl, _ = written
    with open(jsonl, "a") as f:
        f.write('{"gcid": "torn')
    assert main(["cdr", jsonl]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3
    assert "line 4 has no newline" in captured.err
