"""The CDR files: where they go, both formats agreeing, one write per file per reactor turn,
rotation by time and by size, the torn last line, a vanished or full directory retried."""
import errno
import os
import shutil

import pytest
from twisted.internet import task
from twisted.logger import formatEvent, globalLogPublisher

import conf
from actors.call_record import CallRecord
from cme.cdr.files import CSV_HEADER, CdrFiles, CdrPlaceError, place
from cme.cdr.history import CallHistory
from cme.cdr.reader import CdrFileError, read_file, read_paths

EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z
STAMP = "2023_11_14T22_13_20"


def record(n: int, **kw) -> CallRecord:
    d = dict(gcid=f"G{n}", call_id=n, line="201", calling="201", called="202", direction="outgoing", peer="202",
             dial_peer=None, setup=EPOCH + n, connect=EPOCH + n + 1.5, disconnect=EPOCH + n + 10, duration=8.5,
             cause="normalClearing", q850=16, cleared_by="local", features=("hold", "MakeCall"))
    d.update(kw)
    for name in ("setup", "connect", "disconnect", "duration"):  # as the switch's clock gives them
        d[name] = None if d[name] is None else float(d[name])
    return CallRecord(**d)


def config(text: str = "") -> conf.Config:
    return conf.parse_text("hostname lab\n" + text).config


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield lambda: [formatEvent(e) for e in events if e.get("log_namespace") == "cme.cdr"]
    globalLogPublisher.removeObserver(events.append)


@pytest.fixture
def clock():
    clock = task.Clock()
    clock.advance(EPOCH)
    return clock


class Writes:
    """os.write, counted; `fail` errors (OSError errno) raised first, `short` bytes written
    by the first call before the errors (a disk filling up in mid-write)."""

    def __init__(self, fail=(), short=None):
        self.fail, self.short, self.calls = list(fail), short, []

    def __call__(self, fd, data):
        self.calls.append(len(data))
        if self.short is not None:
            n, self.short = self.short, None
            return os.write(fd, data[:n])
        if self.fail:
            code = self.fail.pop(0)
            raise OSError(code, os.strerror(code))
        return os.write(fd, data)


# -- where ----------------------------------------------------------------------------------
@pytest.mark.parametrize("primary, where", [
    (None, ("S/cdr", "cdr")),
    ("flash:cdr", ("S", "cdr")),
    ("flash:/acct/calls", ("S/acct", "calls")),
    ("flash:acct/", ("S/acct", "cdr")),
    ("calls", ("S", "calls")),
    ("/var/log/cme/cdr", ("/var/log/cme", "cdr")),
    ("/var/log/cme/", ("/var/log/cme", "cdr")),
])
def test_primary_ifs_places_the_files(primary, where):
    assert place(primary, "S") == where


@pytest.mark.parametrize("primary", ["ftp://host/cdr", "tftp:cdr", "nvram:cdr"])
def test_a_place_the_server_cannot_write_is_refused(primary):
    with pytest.raises(CdrPlaceError, match="only flash: or a path"):
        place(primary, "S")


def test_a_configured_place_it_cannot_use_falls_back_to_the_default(tmp_path, clock, logged):
    files = CdrFiles(config("gw-accounting file\n primary ifs ftp://host/cdr\n"), str(tmp_path), clock=clock)
    assert files.directory == str(tmp_path / "cdr")
    assert any("ftp://host/cdr" in line and "instead" in line for line in logged())


# -- writing --------------------------------------------------------------------------------
def test_records_of_one_turn_are_written_together_in_both_formats(tmp_path, clock):
    writes = Writes()
    files = CdrFiles(config(), str(tmp_path), clock=clock, write=writes)
    history = CallHistory(files)
    for n in range(3):
        history.record(record(n))
    assert not (tmp_path / "cdr").exists()  # nothing written on the call path
    clock.advance(0)
    jsonl, csv = files.paths
    assert jsonl == str(tmp_path / "cdr" / f"cdr.lab.{STAMP}.jsonl") and csv == jsonl[:-len("jsonl")] + "csv"
    assert len(writes.calls) == 2  # one os.write per file
    assert read_file(jsonl).records == read_file(csv).records == [record(n) for n in range(3)]
    with open(csv) as f:
        assert f.readline() == CSV_HEADER
    history.record(record(3))
    clock.advance(0)
    assert len(writes.calls) == 4 and read_file(jsonl).records == read_file(csv).records == [
        record(n) for n in range(4)]
    assert files.written == 4


def test_csv_quotes_what_needs_it_and_reads_back(tmp_path, clock):
    files = CdrFiles(config(), str(tmp_path), clock=clock)
    odd = record(1, gcid='a,"b"', peer="x\ny", features=(), connect=None, duration=0.0, dial_peer=7)
    files.add(odd)
    clock.advance(0)
    assert read_file(files.paths[1]).records == read_file(files.paths[0]).records == [odd]


def test_a_pair_closes_after_the_fileclose_timer_and_the_next_record_opens_a_new_one(tmp_path, clock):
    syncs = []
    files = CdrFiles(config("gw-accounting file\n maximum fileclose-timer 60\n"), str(tmp_path), clock=clock,
                     fsync=lambda fd: syncs.append(fd))
    files.add(record(1))
    clock.advance(0)
    first = files.paths
    clock.advance(3599)
    assert files.paths == first and not syncs
    clock.advance(1)
    assert files.paths == (None, None) and len(syncs) == 2  # both fsynced, then closed
    files.add(record(2))
    clock.advance(0)
    assert files.paths[0].endswith("cdr.lab.2023_11_14T23_13_20.jsonl")
    assert [r.call_id for r in read_paths(str(tmp_path / "cdr")).records] == [1, 2]


def test_a_pair_closes_once_a_file_passes_the_file_size(tmp_path, clock):
    files = CdrFiles(config("gw-accounting file\n maximum file-size 1\n"), str(tmp_path), clock=clock)
    names = set()
    for n in range(12):  # ~300 bytes a JSON line: a new pair every 4 records
        files.add(record(n))
        clock.advance(0)
        names.add(files.paths[0])
    written = {p for p in os.listdir(tmp_path / "cdr") if p.endswith(".jsonl")}
    assert written == {f"cdr.lab.{STAMP}.jsonl", f"cdr.lab.{STAMP}.1.jsonl", f"cdr.lab.{STAMP}.2.jsonl"}  # numbered
    assert all(os.path.getsize(tmp_path / "cdr" / p) <= 1024 + 400 for p in written)
    assert [r.call_id for r in read_paths(str(tmp_path / "cdr")).records] == list(range(12))


def test_close_writes_what_waits_fsyncs_and_closes(tmp_path, clock):
    syncs = []
    files = CdrFiles(config(), str(tmp_path), clock=clock, fsync=syncs.append)
    files.add(record(1))
    path = str(tmp_path / "cdr" / f"cdr.lab.{STAMP}.jsonl")
    files.close()  # before the turn's write
    assert files.paths == (None, None) and len(syncs) == 2
    assert [r.call_id for r in read_file(path).records] == [1]
    assert not clock.getDelayedCalls()


# -- the reader -----------------------------------------------------------------------------
def test_a_torn_last_line_is_skipped_and_said(tmp_path, clock):
    files = CdrFiles(config(), str(tmp_path), clock=clock)
    files.add(record(1))
    files.add(record(2))
    clock.advance(0)
    path = files.paths[0]
    files.close()
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-40])  # the OS died in mid-write of the second line
    got = read_file(path)
    assert [r.call_id for r in got.records] == [1]
    assert got.notes == [f"{path}: line 2 has no newline (torn by a crash in mid-write?): skipped"]


@pytest.mark.parametrize("content, why", [
    (b"\x00\x01binary", "binary"),
    (b"hello world\n", "neither JSON lines nor the CSV header"),
    (b'{"gcid": 1}\n', "missing"),
])
def test_what_is_not_a_cdr_file_is_one_error(tmp_path, content, why):
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(CdrFileError, match=why):
        read_file(str(path))
    with pytest.raises(CdrFileError, match="No such file"):
        read_file(str(tmp_path / "nothing.jsonl"))


# -- when the directory cannot be written ---------------------------------------------------
def test_a_vanished_directory_is_recreated_and_nothing_is_lost(tmp_path, clock, logged):
    files = CdrFiles(config(), str(tmp_path), clock=clock)
    files.add(record(1))
    clock.advance(0)
    shutil.rmtree(tmp_path / "cdr")  # an operator's cleanup, a log rotation gone wrong
    files.add(record(2))
    clock.advance(0)
    assert [r.call_id for r in read_paths(str(tmp_path / "cdr")).records] == [2]
    assert os.path.exists(files.paths[1]) and [r.call_id for r in read_file(files.paths[1]).records] == [2]
    assert any("was removed" in line for line in logged())


def test_a_directory_that_cannot_be_made_is_said_once_retried_and_resumes(tmp_path, clock, logged):
    (tmp_path / "cdr").write_text("a file where the directory should be")
    files = CdrFiles(config(), str(tmp_path), clock=clock)
    calls = []
    for n in range(3):
        files.add(record(n))
        clock.advance(0)
        calls.append(n)
    assert files.failing and files.pending() == 3
    warnings = [line for line in logged() if "cannot be written" in line]
    assert len(warnings) == 1 and str(tmp_path / "cdr") in warnings[0]
    clock.advance(5)  # still failing: no second warning
    assert len([line for line in logged() if "cannot be written" in line]) == 1
    os.remove(tmp_path / "cdr")
    clock.advance(5)
    assert files.failing is None and files.pending() == 0
    assert any("writing again" in line for line in logged())
    assert [r.call_id for r in read_paths(str(tmp_path / "cdr")).records] == [0, 1, 2]


def test_a_full_disk_keeps_the_records_and_a_short_write_is_completed(tmp_path, clock, logged):
    writes = Writes(fail=[errno.ENOSPC, errno.ENOSPC], short=100)
    files = CdrFiles(config(), str(tmp_path), clock=clock, write=writes)
    files.add(record(1))
    files.add(record(2))
    clock.advance(0)  # 100 bytes written, then ENOSPC
    assert files.failing == os.strerror(errno.ENOSPC)
    files.add(record(3))  # a call goes on meanwhile
    clock.advance(0)
    clock.advance(5)  # ENOSPC again
    assert files.failing
    clock.advance(5)
    assert files.failing is None
    for path in files.paths:
        got = read_file(path)
        assert [r.call_id for r in got.records] == [1, 2, 3] and got.notes == []
    lines = logged()
    assert len([x for x in lines if "cannot be written" in x and "No space left" in x]) == 1
    assert any("writing again" in x for x in lines)


def test_the_memory_is_bounded_while_it_fails_and_what_was_dropped_is_said(tmp_path, clock, logged):
    writes = Writes(fail=[errno.ENOSPC])
    files = CdrFiles(config(), str(tmp_path), clock=clock, write=writes, memory=3)
    for n in range(5):
        files.add(record(n))
        clock.advance(0)
    assert files.pending() == 3
    clock.advance(5)
    assert [r.call_id for r in read_file(files.paths[0]).records] == [2, 3, 4]
    assert any("2 records were dropped" in x for x in logged())


def test_the_start_probe_says_an_unusable_directory_at_once(tmp_path, clock, logged):
    (tmp_path / "cdr").write_text("not a directory")
    files = CdrFiles(config(), str(tmp_path), clock=clock)
    assert files.probe() is False
    assert len([x for x in logged() if "cannot be written" in x]) == 1
    os.remove(tmp_path / "cdr")
    clock.advance(5)
    assert files.failing is None and any("writing again" in x for x in logged())


# -- the history ----------------------------------------------------------------------------
def test_the_history_keeps_the_recent_newest_first_and_tallies_every_record():
    history = CallHistory(keep=3)
    for n in range(5):
        history.record(record(n, connect=None if n % 2 else EPOCH, cause="busy" if n % 2 else "normalClearing",
                              dial_peer=100 if n == 4 else None))
    assert [r.call_id for r in history.recent()] == [4, 3, 2]
    assert [r.call_id for r in history.recent(limit=2)] == [4, 3]
    assert history.tally == {("outgoing", True, "normalClearing"): 3, ("outgoing", False, "busy"): 2}
    assert history.trunk_tally == {(100, "outgoing", True, "normalClearing"): 1}


# -- the hand-made formats are json's and csv's -----------------------------------------------
ODD = [record(1), record(2, connect=None, duration=0.0, dial_peer=0, features=()),
       record(3, gcid='q"u,o\\te', peer="new\nline", called="r\r", calling="ünï", features=("a,b", 'c"'),
              dial_peer=100)]


@pytest.mark.parametrize("rec", ODD, ids=["plain", "unanswered", "odd"])
def test_the_json_line_is_what_json_dumps_says(rec):
    import json

    from cme.cdr.files import json_line
    line = json_line(rec)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert json.loads(line) == json.loads(json.dumps(rec.as_dict()))
    assert list(json.loads(line)) == list(rec.as_dict())


@pytest.mark.parametrize("rec", ODD, ids=["plain", "unanswered", "odd"])
def test_the_csv_row_is_what_csv_writer_writes(rec):
    import csv
    import io

    from cme.cdr.files import csv_line, csv_row
    buf = io.StringIO()
    csv.writer(buf).writerow(csv_row(rec))  # (its \r\n terminator: a \r in a field is quoted too)
    assert csv_line(rec) == buf.getvalue()[:-2] + "\n"
    assert next(csv.reader(io.StringIO(csv_line(rec), newline=""))) == [str(x) for x in csv_row(rec)]


def test_a_fileclose_timer_that_expires_while_failing_closes_the_pair_once_writing_resumes(tmp_path, clock):
    writes = Writes()
    files = CdrFiles(config("gw-accounting file\n maximum fileclose-timer 1\n"), str(tmp_path), clock=clock,
                     write=writes)
    files.add(record(1))
    clock.advance(0)
    first = files.paths[0]
    writes.fail = [errno.ENOSPC] * 20
    files.add(record(2))
    clock.advance(0)
    clock.advance(55)
    clock.advance(5)  # the timer: the pair cannot be written, it stays open
    assert files.paths[0] == first and files.failing
    writes.fail = []
    clock.advance(5)
    assert files.failing is None and files.paths == (None, None)
    assert [r.call_id for r in read_file(first).records] == [1, 2]
