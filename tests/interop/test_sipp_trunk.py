"""sipp (nobody here wrote it) as the far end of a SIP trunk, against the real server.

The server runs the default configuration plus dial-peers: `9T` goes to a sipp UAS on
loopback (udp), and one more peer behind it for hunting. A virtual SCCP phone on 201 dials
out; each scenario in tests/interop/trunk/ checks what the far end must see (the SDP offer
with the phone's address, ACK, CANCEL, BYE, re-INVITEs, INFO) and answers as a gateway
would; the test checks what the phone lived (media to the far end's SDP address, busy or
reorder) and that nothing is left in the server. sipp as a UAC then calls in to 201.
"""
import os
import socket
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer

from sccp.client import connect as connect_phone
from sccp.enums import CallState, Codec, DeviceType
from sccp.station import Station
from tests.interop.conftest import ROOT, free_port, moved, stop, twistd
from tests.tools import Child, need


SCENARIOS = Path(__file__).with_name("trunk")
TIMEOUT = 20
A = "SEP001E4A34A35F"  # ephone 1 of conf/cme.cfg: 201


@pytest.fixture
def trunk(tmp_path):
    """twistd with dial-peers 100 (9T -> sipp) and 101 (9T, preference 2 -> a second sipp)."""
    sipp = need("sipp", "sip-tester", "the trunk interop scenarios")
    sip_port, sccp_port = free_port(), free_port()
    far, second = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    text = (ROOT / "conf" / "cme.cfg").read_text()
    text = moved(text, sip_port, sccp_port).replace(" number 201\n", " number 201\n snr 95551234 delay 0 timeout 20\n")
    text = text.replace("\nend", f"""
dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:127.0.0.1:{far}
 session transport udp
 codec g711ulaw
 dtmf-relay sip-info
 preference 1
!
dial-peer voice 101 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:127.0.0.1:{second}
 codec g711ulaw
 preference 2
!
dial-peer voice 200 voip
 incoming called-number 20.
 session protocol sipv2
!
end""")
    proc, log = twistd(text, tmp_path)
    yield {"sipp": sipp, "sip": sip_port, "sccp": sccp_port, "far": far, "second": second, "log": log,
           "dir": tmp_path}
    stop(proc)


def run_sipp(reactor, t, scenario, *, port=None, media=None, uac=None):
    run = Child()
    args = [t["sipp"], "-sf", str(SCENARIOS / f"{scenario}.xml"), "-m", "1", "-nostdin", "-timeout", f"{TIMEOUT}s",
            "-trace_msg", "-message_file", str(t["dir"] / f"sipp_{scenario}.log"), "-i", "127.0.0.1",
            "-p", str(port or t["far"]), "-mp", str(media or free_port(socket.SOCK_DGRAM))]
    if uac is not None:
        args += ["-s", uac, f"127.0.0.1:{t['sip']}"]
    process = reactor.spawnProcess(run, t["sipp"], args, env=dict(os.environ), path=str(t["dir"]))
    return run, process


@defer.inlineCallbacks
def _scenario(t, scenario, act, *, expect_code=0, second=None):
    from twisted.internet import reactor
    runs = [run_sipp(reactor, t, scenario)]
    if second is not None:
        runs.append(run_sipp(reactor, t, second, port=t["second"]))
    yield _later(reactor, 0.3)  # sipp binds its port first
    phone = yield connect_phone(reactor, "127.0.0.1", t["sccp"], Station(A, DeviceType.CISCO_7961))
    try:
        yield phone.when_registered().addTimeout(TIMEOUT, reactor)
        yield act(reactor, phone)
        for run, process in runs:
            try:
                code, output = yield run.done.addTimeout(TIMEOUT + 10, reactor)
            except defer.TimeoutError:
                process.signalProcess("KILL")
                raise
            trace = (t["dir"] / f"sipp_{scenario}.log")
            assert code == expect_code, output[-3000:] + (trace.read_text()[-6000:] if trace.exists() else "")
        yield phone.when(lambda s: not s.calls()).addTimeout(TIMEOUT, reactor)
        server_log = t["log"].read_text()
        assert "Traceback" not in server_log, server_log[-5000:]
    finally:
        phone.transport.loseConnection()


def dial(phone, number):
    phone.off_hook()
    phone.dial(number + "#")


def in_state(state):
    return lambda s: any(c.state == state for c in s.calls().values())


def talking(s):
    return s.in_call() and bool(s.transmissions)


def dial_until(predicate, number="95551234"):
    """The phone's part of a scenario: dial out, wait until `predicate(station)`, hang up."""
    @defer.inlineCallbacks
    def act(reactor, phone):
        dial(phone, number)
        yield phone.when(predicate).addTimeout(TIMEOUT, reactor)
        phone.on_hook()
    return act


def _far_media(phone):
    return [(str(ch.remote_ip), ch.remote_port) for ch in phone.station.transmissions.values()]


@pytest_twisted.inlineCallbacks
def test_an_outbound_call_is_answered_talks_and_the_phone_hangs_up(trunk):
    @defer.inlineCallbacks
    def act(reactor, phone):
        dial(phone, "95551234")
        yield phone.when(talking).addTimeout(TIMEOUT, reactor)
        assert [ip for ip, _ in _far_media(phone)] == ["127.0.0.1"]
        phone.on_hook()
    yield _scenario(trunk, "answer", act)


@pytest_twisted.inlineCallbacks
def test_a_busy_far_end_gives_busy_tone(trunk):
    yield _scenario(trunk, "busy", dial_until(in_state(CallState.BUSY)))


@pytest_twisted.inlineCallbacks
def test_an_unknown_number_gives_reorder(trunk):
    yield _scenario(trunk, "unknown", dial_until(in_state(CallState.INVALID_NUMBER)))


@pytest_twisted.inlineCallbacks
def test_a_503_hunts_to_the_next_dial_peer(trunk):
    yield _scenario(trunk, "unavailable", dial_until(talking), second="answer")


@pytest_twisted.inlineCallbacks
def test_hanging_up_while_it_rings_cancels_the_invite(trunk):
    yield _scenario(trunk, "no_answer", dial_until(in_state(CallState.RING_OUT)))


@pytest_twisted.inlineCallbacks
def test_early_media_reaches_the_phone_before_the_answer(trunk):
    @defer.inlineCallbacks
    def act(reactor, phone):
        dial(phone, "95551234")
        yield phone.when(lambda s: bool(s.transmissions)).addTimeout(TIMEOUT, reactor)
        assert not phone.station.in_call()  # the far end's announcement, before any answer
        yield phone.when(lambda s: s.in_call()).addTimeout(TIMEOUT, reactor)
        phone.on_hook()
    yield _scenario(trunk, "early_media", act)


@pytest_twisted.inlineCallbacks
def test_hold_and_resume_are_re_invites(trunk):
    @defer.inlineCallbacks
    def act(reactor, phone):
        dial(phone, "95551234")
        yield phone.when(talking).addTimeout(TIMEOUT, reactor)
        phone.hold()
        yield phone.when(lambda s: any(c.state == CallState.HOLD for c in s.calls().values())).addTimeout(TIMEOUT, reactor)
        yield _later(reactor, 0.3)
        phone.resume()
        yield phone.when(talking).addTimeout(TIMEOUT, reactor)
        yield _later(reactor, 0.3)
        phone.on_hook()
    yield _scenario(trunk, "hold_resume", act)


@pytest_twisted.inlineCallbacks
def test_keypad_digits_go_to_the_far_end_as_info(trunk):
    @defer.inlineCallbacks
    def act(reactor, phone):
        dial(phone, "95551234")
        yield phone.when(talking).addTimeout(TIMEOUT, reactor)
        phone.dial("5")
        yield _later(reactor, 0.3)
        phone.on_hook()
    yield _scenario(trunk, "dtmf_info", act)


@defer.inlineCallbacks
def _until(reactor, predicate):
    """Wait (bounded by TIMEOUT) for something that arrives by the network, not a phone."""
    for _ in range(int(TIMEOUT / 0.05)):
        if predicate():
            return
        yield _later(reactor, 0.05)


def _later(reactor, seconds):
    from twisted.internet import task
    return task.deferLater(reactor, seconds, lambda: None)


@pytest_twisted.inlineCallbacks
def test_a_call_from_the_trunk_rings_201_which_answers_with_its_media_and_the_far_end_hangs_up(trunk):
    from twisted.internet import reactor
    phone = yield connect_phone(reactor, "127.0.0.1", trunk["sccp"], Station(A, DeviceType.CISCO_7961, auto_answer=0))
    try:
        yield phone.when_registered().addTimeout(TIMEOUT, reactor)
        talked = phone.when(talking).addTimeout(TIMEOUT, reactor)
        talked.addCallback(lambda s: list(s.transmissions.values()))  # as they were in the call
        run, process = run_sipp(reactor, trunk, "inbound", port=free_port(socket.SOCK_DGRAM), uac="201")
        try:
            code, output = yield run.done.addTimeout(TIMEOUT + 10, reactor)
        except defer.TimeoutError:
            process.signalProcess("KILL")
            raise
        trace = trunk["dir"] / "sipp_inbound.log"
        assert code == 0, output[-3000:] + (trace.read_text()[-6000:] if trace.exists() else "")
        (channel,) = yield talked
        # the phone sent to the address of the offer, in the codec the offer preferred
        assert str(channel.remote_ip) == "127.0.0.1"
        assert channel.codec == Codec.G711_ALAW  # the offer's first choice (PCMA), which we allow
        yield phone.when(lambda s: not s.calls()).addTimeout(TIMEOUT, reactor)
        assert "Traceback" not in trunk["log"].read_text()
    finally:
        phone.transport.loseConnection()


@pytest_twisted.inlineCallbacks
def test_dial_via_office_rings_the_remote_phone_first_then_202_and_joins_them(trunk):
    """sipp is the user's remote phone (201's snr number); a virtual phone answers on 202."""
    from twisted.internet import reactor
    from sip.client import ED3, connect, csta
    run, process = run_sipp(reactor, trunk, "remote_phone")
    yield _later(reactor, 0.3)
    b = yield connect_phone(reactor, "127.0.0.1", trunk["sccp"],
                            Station("SEP000F8FC7B681", DeviceType.CISCO_7960, auto_answer=0))
    events = []
    client = yield connect(reactor, "127.0.0.1", trunk["sip"], on_event=events.append)
    try:
        yield b.when_registered().addTimeout(TIMEOUT, reactor)
        yield client.open("201")
        yield client.request(csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject>'
                                  '</monitorObject></MonitorStart>'))
        answer = yield client.request(csta(
            f'<MakeCall xmlns="{ED3}"><callingDevice>95551234</callingDevice><calledDirectoryNumber>202'
            '</calledDirectoryNumber><autoOriginate>prompt</autoOriginate></MakeCall>'))
        assert b"MakeCallResponse" in answer, answer
        yield b.when(talking).addTimeout(TIMEOUT, reactor)
        ((ip, _),) = _far_media(b)
        assert ip == "127.0.0.1"  # 202 sends straight to the remote phone (sipp's SDP)
        yield _later(reactor, 0.3)
        b.on_hook()
        try:
            code, output = yield run.done.addTimeout(TIMEOUT + 10, reactor)
        except defer.TimeoutError:
            process.signalProcess("KILL")
            raise
        trace = trunk["dir"] / "sipp_remote_phone.log"
        assert code == 0, output[-3000:] + (trace.read_text()[-6000:] if trace.exists() else "")
        yield b.when(lambda s: not s.calls()).addTimeout(TIMEOUT, reactor)
        yield _until(reactor, lambda: any(b"ConnectionClearedEvent" in e for e in events))  # its INFO may trail
        names = [e.split(b">", 2)[1].split(b" ")[0].lstrip(b"<") for e in events]
        for expected in (b"ServiceInitiatedEvent", b"NetworkReachedEvent", b"OriginatedEvent",
                         b"DeliveredEvent", b"EstablishedEvent", b"ConnectionClearedEvent"):
            assert expected in names, (expected, names)
        assert names.index(b"ServiceInitiatedEvent") < names.index(b"OriginatedEvent") < names.index(b"EstablishedEvent")
        assert "Traceback" not in trunk["log"].read_text()
    finally:
        yield client.close()
        b.transport.loseConnection()


@pytest_twisted.inlineCallbacks
def test_a_call_transferred_to_a_trunk_goes_on_with_the_far_phone_talking_to_sipp(trunk):
    """201 talks to 202, then transfers 202 to an outside number (SingleStepTransferCall):
    sipp's INVITE offers 202's media, 202 talks to sipp, and 202's hang-up is sipp's BYE."""
    from twisted.internet import reactor
    from cme.csta import build_request
    from sip.client import connect
    run, process = run_sipp(reactor, trunk, "answer")
    yield _later(reactor, 0.3)
    a = yield connect_phone(reactor, "127.0.0.1", trunk["sccp"], Station(A, DeviceType.CISCO_7961))
    b = yield connect_phone(reactor, "127.0.0.1", trunk["sccp"],
                            Station("SEP000F8FC7B681", DeviceType.CISCO_7960, auto_answer=0))
    client = yield connect(reactor, "127.0.0.1", trunk["sip"])
    try:
        yield defer.gatherResults([a.when_registered(), b.when_registered()]).addTimeout(TIMEOUT, reactor)
        a.off_hook()
        a.dial("202")
        yield b.when(talking).addTimeout(TIMEOUT, reactor)
        before = set(_far_media(b))
        yield client.open("201")
        snapshot = yield client.request(build_request("snapshot", "201", [], None))
        answer = yield client.request(build_request("transfer", "201", ["95551234"], snapshot))
        assert b"SingleStepTransferCallResponse" in answer, answer
        yield a.when(lambda s: not s.calls()).addTimeout(TIMEOUT, reactor)
        # 202 now sends to sipp's SDP address (its port is not the phone 201's)
        yield b.when(lambda s: s.in_call() and s.transmissions and set(_far_media(b)) != before
                     ).addTimeout(TIMEOUT, reactor)
        yield _later(reactor, 0.3)
        b.on_hook()
        try:
            code, output = yield run.done.addTimeout(TIMEOUT + 10, reactor)
        except defer.TimeoutError:
            process.signalProcess("KILL")
            raise
        trace = trunk["dir"] / "sipp_answer.log"
        assert code == 0, output[-3000:] + (trace.read_text()[-6000:] if trace.exists() else "")
        yield b.when(lambda s: not s.calls()).addTimeout(TIMEOUT, reactor)
        assert "Traceback" not in trunk["log"].read_text()
    finally:
        yield client.close()
        a.transport.loseConnection()
        b.transport.loseConnection()
