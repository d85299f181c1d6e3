"""The Prometheus exposition: the families the server's owners count, read at scrape time,
moving as a call happens (virtual phones and a CTI session over fakes, task.Clock)."""
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import task

from cme.app import Application
from cme.cdr import CallHistory
from cme.metrics import ReactorLag, registry
from tests.actors.test_cti_services import ED3, session  # noqa: F401 (the fixture)


def scrape(reg) -> dict[tuple, float]:
    """(sample name, sorted label items) -> value, from the text format Prometheus reads."""
    out = {}
    for family in text_string_to_metric_families(generate_latest(reg).decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def app_for(ex, gateway) -> Application:
    app = Application(config=ex.config, board=ex.telephony.board, directory=ex.telephony.directory)
    app.runtime, app.telephony, app.cti = ex.runtime, ex.telephony, gateway
    app.cdrs = CallHistory()  # the records in memory only (no files)
    ex.telephony.switch.accounting = app.cdrs.record
    return app


def test_counters_and_gauges_move_as_a_cti_call_happens(session):  # noqa: F811
    ex, gateway, flow, ask = session
    reg, _ = registry(app_for(ex, gateway), ex.clock)
    a, b = ex.phone("SEP001E4A34A35F"), ex.phone("SEP000F8FC7B681")
    before = scrape(reg)
    assert before[("cme_phones_registered", ())] == 2
    assert before[("cme_phone_registrations_total", (("outcome", "registered"),))] == 2
    assert before[("cme_calls_active", ())] == 0 and before[("cme_cti_sessions", ())] == 1
    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
    made = ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice>'
               '<calledDirectoryNumber>202</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
    assert b"MakeCallResponse" in made
    during = scrape(reg)
    assert during[("cme_calls_active", ())] == 1 and during[("cme_call_legs_active", ())] == 2
    assert during[("cme_lines_in_use", ())] == 2 and during[("cme_cti_monitors", ())] == 1
    assert during[("cme_call_legs_started_total", ())] == 2
    assert during[("cme_csta_requests_total", (("outcome", "ok"), ("service", "MakeCall")))] == 1
    assert during[("cme_csta_events_sent_total", ())] > 0
    sip_in = during[("cme_sip_transactions_total", (("direction", "in"), ("method", "INFO"), ("response_class", "2xx")))]
    assert sip_in >= before.get(
        ("cme_sip_transactions_total", (("direction", "in"), ("method", "INFO"), ("response_class", "2xx"))), 0) + 2
    a.do("on_hook")
    after = scrape(reg)
    assert after[("cme_calls_active", ())] == 0 and after[("cme_lines_in_use", ())] == 0
    ended = {dict(k[1])["direction"]: v for k, v in after.items() if k[0] == "cme_call_legs_ended_total"}
    assert ended == {"outgoing": 1, "incoming": 1}  # the call never answered: both legs' records
    assert after[("cme_actors", ())] > 0 and after[("cme_actor_mailbox_messages", ())] == 0


def test_names_follow_the_conventions(session):  # noqa: F811
    ex, gateway, flow, ask = session
    reg, _ = registry(app_for(ex, gateway), ex.clock)
    for family in text_string_to_metric_families(generate_latest(reg).decode()):
        if family.name.startswith("cme_"):
            assert family.documentation
            if family.type == "counter":
                assert all(s.name.endswith(("_total", "_created")) for s in family.samples), family.name


def test_the_reactor_lag_probe_observes_how_late_its_timer_ran():
    from prometheus_client import CollectorRegistry, Histogram
    clock = task.Clock()
    reg = CollectorRegistry()
    hist = Histogram("lag_seconds", "lag", buckets=(0.01, 0.1, 1.0), registry=reg)
    probe = ReactorLag(clock, hist, interval=1.0)
    probe.start()
    clock.advance(1.0)  # on time
    clock.advance(1.3)  # the reactor was busy: 0.3 s late
    samples = {(s.name, s.labels.get("le")): s.value for f in text_string_to_metric_families(
        generate_latest(reg).decode()) for s in f.samples}
    assert samples[("lag_seconds_count", None)] == 2
    assert samples[("lag_seconds_bucket", "0.01")] == 1 and samples[("lag_seconds_bucket", "1.0")] == 2
    assert abs(samples[("lag_seconds_sum", None)] - 0.3) < 1e-6
    probe.stop()
    assert not clock.getDelayedCalls()


def test_the_grafana_dashboard_asks_only_for_what_the_server_exposes(session):  # noqa: F811
    """docs/grafana-dashboard.json: every metric its queries name is one a scrape returns
    (a renamed metric would leave a panel empty without this)."""
    import json
    import re
    from collections import Counter
    from pathlib import Path
    from types import SimpleNamespace

    ex, gateway, flow, ask = session
    app = app_for(ex, gateway)
    app.cdrs.trunk_tally[(1, "outgoing", True, "normalClearing")] += 1  # as a trunk leg's record would
    app.cdrs.tally[("outgoing", True, "normalClearing")] += 1
    app.tftp = SimpleNamespace(outcomes=Counter({"done": 1}))
    ex.phone("SEP001E4A34A35F")  # a registration: its family has a sample
    reg, lag = registry(app, ex.clock)
    lag.start()
    ex.clock.advance(1)
    lag.stop()
    exposed = {name for name, _ in scrape(reg)}
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs.append(dashboard["templating"]["list"][0]["query"]["query"])
    named = {n for e in exprs for n in re.findall(r"\b((?:cme|process)_[a-z_]+)\b", e)}
    assert named and named <= exposed, sorted(named - exposed)
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
