"""What the CTI sessions count for the metrics: each CSTA answer by service and outcome
(ok, the CSTAErrorCode's value, rejected), and each event sent."""
from actors.cti_counts import CtiCounts
from sip.csta.errors import error_xml
from tests.actors.test_cti_services import ED3, session  # noqa: F401 (the fixture)


def test_an_answer_counts_ok_or_its_error_value():
    counts = CtiCounts()
    counts.answered("MakeCall", b'<?xml version="1.0"?><MakeCallResponse xmlns="x"/>')
    counts.answered("MakeCall", error_xml("operation", "invalidDeviceID", ED3))
    counts.answered("MakeCall", error_xml("systemResourceAvailibility", "overallMonitorLimitExceeded", ED3))
    counts.rejected("unknown")
    assert counts.requests == {("MakeCall", "ok"): 1, ("MakeCall", "invalidDeviceID"): 1,
                               ("MakeCall", "overallMonitorLimitExceeded"): 1, ("unknown", "rejected"): 1}


def test_a_session_counts_its_requests_and_events(session):  # noqa: F811
    ex, gateway, flow, ask = session
    before = gateway.counts.requests.copy()
    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
    ask(f'<SetDoNotDisturb xmlns="{ED3}"><device>201</device><doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>')
    ask(f'<GetDoNotDisturb xmlns="{ED3}"><device>9999</device></GetDoNotDisturb>')
    ask(f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>201</snapshotObject></SnapshotDevice>')
    delta = gateway.counts.requests - before
    assert delta == {("MonitorStart", "ok"): 1, ("SetDoNotDisturb", "ok"): 1,
                     ("GetDoNotDisturb", "invalidDeviceID"): 1, ("SnapshotDevice", "ok"): 1}
    assert gateway.counts.events_sent == 1  # the DoNotDisturbEvent
