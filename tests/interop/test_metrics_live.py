"""/metrics of a live twistd scraped while virtual phones call: the counters and gauges move
as the call happens, and nothing is shown without a log-in."""
import pytest_twisted
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import defer, task, threads

from sccp.client import connect as connect_phone
from sccp.enums import CallState, DeviceType
from sccp.station import Station
from tests.interop.conftest import ROOT, free_port, moved, stop, twistd
from tests.web.test_live import AUTH, fetch  # AUTH: conf/cme.cfg's username line, by HTTP Basic


def get(url: str, auth: str | None = AUTH) -> tuple[int, str]:
    status, _, body = fetch(url, auth=auth)
    return status, body.decode(errors="replace")


def samples(text: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


@pytest_twisted.inlineCallbacks
def test_metrics_move_as_two_phones_call(tmp_path):
    from twisted.internet import reactor

    sip_port, sccp_port, http_port = free_port(), free_port(), free_port()
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path,
                       "--http-port", str(http_port))
    url = f"http://127.0.0.1:{http_port}/metrics"
    phones = []
    try:
        status, body = yield threads.deferToThread(get, url, None)
        assert status == 401 and "cme_" not in body
        status, body = yield threads.deferToThread(get, url)
        assert status == 200, body
        before = samples(body)
        assert before[("cme_phones_registered", ())] == 0
        a = yield connect_phone(reactor, "127.0.0.1", sccp_port, Station("SEP001E4A34A35F", DeviceType.CISCO_7961))
        b = yield connect_phone(reactor, "127.0.0.1", sccp_port, Station("SEP000F8FC7B681", DeviceType.CISCO_7960))
        phones = [a, b]
        yield defer.gatherResults([a.when_registered(), b.when_registered()])
        a.off_hook()
        a.dial("202")
        yield b.when_ringing()
        b.answer()
        yield a.when(lambda s: any(c.state == CallState.CONNECTED for c in s.calls().values()))
        during = samples((yield threads.deferToThread(get, url))[1])
        assert during[("cme_phones_registered", ())] == 2
        assert during[("cme_phone_registrations_total", (("outcome", "registered"),))] == 2
        assert during[("cme_calls_active", ())] == 1 and during[("cme_lines_in_use", ())] == 2
        assert during[("cme_call_legs_started_total", ())] == before[("cme_call_legs_started_total", ())] + 2
        a.on_hook()
        yield a.when(lambda s: not s.calls())
        for _ in range(100):  # the far side's clearing crosses the process: bounded wait
            after = samples((yield threads.deferToThread(get, url))[1])
            if after[("cme_calls_active", ())] == 0:
                break
        assert after[("cme_calls_active", ())] == 0 and after[("cme_lines_in_use", ())] == 0
        ended = {k: v for k, v in after.items() if k[0] == "cme_call_legs_ended_total"}
        assert sum(ended.values()) == 2, ended  # both legs' records, answered
        assert all(dict(k[1])["answered"] == "true" for k in ended)
        for _ in range(25):  # the reactor-lag probe runs every second from the start: bounded wait
            lag = samples((yield threads.deferToThread(get, url))[1])
            if lag[("cme_reactor_lag_seconds_count", ())] >= 1:
                break
            yield task.deferLater(reactor, 0.2, lambda: None)
        assert lag[("cme_reactor_lag_seconds_count", ())] >= 1
        assert lag[("cme_reactor_lag_seconds_bucket", (("le", "+Inf"),))] == lag[("cme_reactor_lag_seconds_count", ())]
    finally:
        for phone in phones:
            phone.transport.loseConnection()
        stop(proc)
    assert "Traceback" not in log.read_text()
