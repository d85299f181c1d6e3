"""The service's CDR wiring, in memory: the history and files opened before calls, the
switch's accounting pointed at them, a stop that clears calls leaves their records written
and the files closed; an unusable directory is one warning and the server goes on."""
import pytest
from twisted.logger import formatEvent, globalLogPublisher

from cme.app import Application
from cme.cdr.reader import read_paths
from cme.service import CMEService
from cme.testing import Exchange
from tests.actors.test_cti_session import DEFAULT
from tests.cme.test_shutdown import A, B, stop


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield lambda: [formatEvent(e) for e in events if str(e.get("log_namespace", "")).startswith(("cme.cdr", "cme.service"))]
    globalLogPublisher.removeObserver(events.append)


def lab(tmp_path):
    ex = Exchange(DEFAULT)
    app = Application(config=ex.config, telephony=ex.telephony, state_dir=str(tmp_path))
    service = CMEService(app, runtime=ex.runtime)
    service._open_cdrs()
    service.running = 1
    return ex, app, service


def test_calls_cleared_by_the_stop_are_written_and_the_files_closed(tmp_path, logged):
    ex, app, service = lab(tmp_path)
    try:
        assert ex.telephony.switch.accounting == app.cdrs.record
        a, b = ex.phone(A), ex.phone(B)
        a.do("off_hook").do("dial", "202")
        b.do("answer")
        ex.advance(9)
        assert app.cdrs.recent() == []
        done = stop(ex, service)
        assert len(done) == 1  # stopped
        records = read_paths(str(tmp_path / "cdr")).records
        assert sorted((r.line, r.cleared_by, r.duration) for r in records) == [("201", "system", 9.0),
                                                                               ("202", "system", 9.0)]
        assert app.cdrs.files.closed and app.cdrs.files.paths == (None, None)
        assert [r.call_id for r in app.cdrs.recent()] == [r.call_id for r in reversed(records)]
    finally:
        ex.close()


def test_an_unusable_cdr_directory_is_one_warning_and_calls_go_on(tmp_path, logged):
    (tmp_path / "cdr").write_text("in the way")
    ex, app, service = lab(tmp_path)
    try:
        warnings = [line for line in logged() if "cannot be written" in line]
        assert len(warnings) == 1 and str(tmp_path / "cdr") in warnings[0]
        a, b = ex.phone(A), ex.phone(B)
        a.do("off_hook").do("dial", "202")
        b.do("answer")
        a.do("on_hook")
        assert not a.in_call() and len(app.cdrs.recent()) == 2  # kept, waiting for the directory
        assert len([line for line in logged() if "cannot be written" in line]) == 1
        (tmp_path / "cdr").unlink()
        ex.advance(5)
        assert len(read_paths(str(tmp_path / "cdr")).records) == 2
    finally:
        stop(ex, service)
        ex.close()


def test_without_a_state_directory_the_records_are_kept_not_written():
    ex = Exchange(DEFAULT)
    try:
        app = Application(config=ex.config, telephony=ex.telephony)
        CMEService(app, runtime=ex.runtime)._open_cdrs()
        assert app.cdrs.files is None and ex.telephony.switch.accounting == app.cdrs.record
    finally:
        ex.close()
