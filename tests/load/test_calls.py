"""load/calls.py's procedures against a live twistd, on threads (no Locust, no gevent):
every timed step of each kind of call is reported with a time and no failure, and a
failing server is reported by cause."""
import random

import pytest

from cme.phones import generate_config
from load.calls import Phone, place
from load.model import CallPlan
from load.scenario import Scenario
from tests.interop.conftest import free_port, moved, stop, twistd


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    sip_port, sccp_port = free_port(), free_port()
    proc, log = twistd(moved(generate_config(6), sip_port, sccp_port), tmp_path_factory.mktemp("calls"))
    yield Scenario(phones=6, sccp_port=sccp_port, sip_port=sip_port, timeout=5.0), log
    stop(proc)


class Reports(list):
    def __call__(self, kind, name, milliseconds, exception):
        self.append((kind, name, milliseconds, None if exception is None else str(exception)))

    def names(self):
        return [name for _, name, _, failure in self if failure is None]

    def failures(self):
        return [(name, failure) for _, name, _, failure in self if failure is not None]


@pytest.fixture
def phones(live):
    scenario, _ = live
    reports = Reports()
    made = [Phone(scenario, i, reports, random.Random(i)) for i in range(3)]
    for phone in made:
        assert phone.register()
    yield made, reports
    for phone in made:
        phone.close()


def plan(kind="call", cti=False, hold=0.2, delay=0.05):
    return CallPlan(kind, cti, hold, delay)


def test_a_dialed_call_reports_every_phone_step(phones):
    (a, b, _), reports = phones
    place(plan("hold_resume"), a, b)
    assert reports.failures() == []
    assert reports.names()[3:] == ["dial tone", "post-dial delay", "ring-in", "answer to media",
                                   "hold/resume"]
    assert all(0 < ms < 5000 for _, _, ms, _ in reports)
    assert not a.station.calls() and not b.station.calls()


def test_a_click_to_dial_call_reports_the_csta_steps(phones):
    (a, b, _), reports = phones
    place(plan(cti=True), a, b)
    assert reports.failures() == []
    names = reports.names()[3:]
    assert names[:4] == ["MakeCall response", "ring-in", "answer to media", "MakeCall to Established"]
    assert names.count("event lag") >= 4  # ServiceInitiated, Originated, Delivered, Established ...
    assert not a.station.calls() and not b.station.calls()


def test_a_blind_transfer_reaches_the_third_phone(phones):
    (a, b, c), reports = phones
    place(plan("transfer"), a, b, c)
    assert reports.failures() == []
    assert "transfer" in reports.names()
    assert not any(p.station.calls() for p in (a, b, c))


def test_dnd_makes_the_phone_busy_for_its_callers(phones):
    (a, b, _), reports = phones
    from load.calls import set_dnd
    set_dnd(b, True)
    place(plan("busy"), a, b)
    set_dnd(b, False, timed=False)
    assert reports.failures() == [("post-dial delay", "busy")]
    assert not a.station.calls()


def test_forward_all_and_dnd_features(phones):
    (a, b, _), reports = phones
    place(plan("forward_all", hold=0.1), a, b)
    place(plan("dnd", hold=0.1), a, None)
    assert reports.failures() == []
    assert reports.names()[3:] == ["forward all", "dnd"]
    assert a.station.lines[1].forward_all == ""


def test_a_phone_the_server_does_not_know_is_rejected(live):
    scenario, _ = live
    reports = Reports()
    assert not Phone(scenario, 99, reports).register()  # SEP0000000A0063: not configured
    assert reports.failures() == [("register", "rejected")]


def test_csta_refusals_are_counted_by_their_cause(live, phones):
    from load.csta import CSTASession
    from load.link import StepFailed

    scenario, _ = live
    (a, _, _), reports = phones
    with pytest.raises(StepFailed) as refused:
        CSTASession(scenario.sip_host, scenario.sip_port, "5555", timeout=2).open()  # no such line
    session = CSTASession(scenario.sip_host, scenario.sip_port, a.number, timeout=2)
    session.open()
    with pytest.raises(StepFailed) as error:
        session.request('<HoldCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">'
                        '<callToBeHeld><callID>77</callID><deviceID>1000</deviceID></callToBeHeld></HoldCall>')
    session.close()
    assert str(refused.value) == "sip 404"
    assert str(error.value) == "csta invalidCallID"


def test_a_cti_server_that_hangs_up_or_is_not_there_is_counted_by_cause():
    import socket
    import threading

    from load.csta import CSTASession
    from load.link import StepFailed

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up():
        conn, _ = listener.accept()
        conn.recv(65536)  # the INVITE
        conn.sendall(b"SIP/2.0 200 OK\r\nContent-Length: 5\r\n\r\n<<<<<")  # no CSeq: not ours
        conn.close()

    t = threading.Thread(target=hang_up, daemon=True)
    t.start()
    with pytest.raises(StepFailed, match="^lost session$"):
        CSTASession("127.0.0.1", port, "1000", timeout=5).open()
    t.join(5)
    listener.close()
    with pytest.raises(StepFailed, match="^refused$"):
        CSTASession("127.0.0.1", port, "1000", timeout=5).open()


def test_the_generated_configuration_takes_more_cti_sessions_than_the_default_cap(live):
    """The CTI share opens one uaCSTA session per click-to-dial call, every one from the
    load generator's host: the default cap (32 connections per source) must not apply."""
    from load.csta import CSTASession
    from sip.limits import DEFAULT_PER_SOURCE

    scenario, _ = live
    sessions = [CSTASession(scenario.sip_host, scenario.sip_port, scenario.number(i % 6), timeout=5)
                for i in range(DEFAULT_PER_SOURCE + 8)]
    try:
        for session in sessions:
            session.open()
            session.monitor_start()  # a session the server closed would fail here
    finally:
        for session in sessions:
            session.close()
