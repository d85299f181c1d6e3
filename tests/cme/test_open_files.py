"""The open-files limit is raised at start, with the resource calls passed in."""
import resource

from twisted.internet import task

from actors.runtime import Runtime
from cme.open_files import raise_open_files_limit
from cme.service import CMEService
from tests.cme.test_service import make_app


class Recorder:
    def __init__(self):
        self.lines = []

    def info(self, format, **kw):
        self.lines.append(("info", format.format(**kw)))

    def warn(self, format, **kw):
        self.lines.append(("warn", format.format(**kw)))


def test_the_soft_limit_is_raised_to_the_hard_one_and_logged():
    calls, log = [], Recorder()
    soft, hard = raise_open_files_limit(lambda which: (1024, 524288),
                                        lambda which, limits: calls.append((which, limits)), log)
    assert (soft, hard) == (524288, 524288)
    assert calls == [(resource.RLIMIT_NOFILE, (524288, 524288))]
    assert log.lines == [("info", "open files: soft 524288 (was 1024), hard 524288")]


def test_a_refused_raise_is_logged_and_does_not_fail():
    log = Recorder()

    def refuse(which, limits):
        raise ValueError("not allowed")

    assert raise_open_files_limit(lambda which: (1024, 4096), refuse, log) == (1024, 4096)
    assert log.lines[0][0] == "warn" and "not allowed" in log.lines[0][1]
    assert log.lines[-1] == ("info", "open files: soft 1024 (was 1024), hard 4096")


def test_nothing_is_set_when_soft_is_already_the_hard_limit_or_hard_is_unlimited():
    calls, log = [], Recorder()
    raise_open_files_limit(lambda which: (4096, 4096), lambda *a: calls.append(a), log)
    raise_open_files_limit(lambda which: (1024, resource.RLIM_INFINITY), lambda *a: calls.append(a), log)
    assert calls == []
    assert log.lines[-1] == ("info", "open files: soft 1024 (was 1024), hard unlimited")


def test_the_service_raises_the_limit_when_it_starts():
    called = []
    service = CMEService(make_app(), runtime=Runtime(task.Clock()), open_files=lambda: called.append(1))
    service.startService()
    service.stopService()
    assert called == [1]


def test_the_service_raises_the_real_limit_by_default():
    assert CMEService(make_app()).open_files is raise_open_files_limit
