"""Two cme-cti servers trunked to each other: our SIP UAC against our own UAS.

Server A has DNs 201/202 and `dial-peer voice 1 voip / destination-pattern 3..` to B over
UDP; server B has DNs 301/302 and the mirror peer `2..` to A over TCP; each has an inbound
peer for its own numbers. Both are twistd child processes on loopback (free SCCP and SIP
ports, CLI off). A virtual phone on one server calls a DN of the other: the far phone
rings and answers, each phone transmits straight to the other's RTP address (the servers
carry no RTP), keypad digits reach the far user, the caller holds (the far phone stops transmitting) and resumes, and hangs
up. CTI sessions on both sides monitor the two lines and must see the call's events in
order, with the right numbers; afterwards both lines are empty (SnapshotDevice) and
neither server logged an error.
"""
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import pytest_twisted
from lxml import etree
from twisted.internet import defer, task

from sccp.client import connect as connect_phone
from sccp.enums import CallState, DeviceType
from sccp.station import Station
from sip.client import ED3, connect, csta
from tests.interop.conftest import ROOT

TIMEOUT = 20  # seconds: a bound on every wait
PHONE = "SEP001E4A34A35F"  # ephone 1 of conf/cme.cfg: the first DN of each server
RTP = {"A": 20000, "B": 30000}  # each phone's receive port, so that the two can be told apart


def _sip_port() -> int:
    """A port free on loopback for both TCP and UDP (the SIP listener takes both)."""
    for _ in range(50):
        with socket.socket() as tcp, socket.socket(type=socket.SOCK_DGRAM) as udp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free for both TCP and UDP")


def _free_tcp() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(prefix: str, sip: int, sccp: int, far_prefix: str, far_sip: int, transport: str) -> str:
    """conf/cme.cfg with its DNs moved to `prefix`.., its ports moved, and the trunk peers."""
    text = (ROOT / "conf" / "cme.cfg").read_text()
    text = text.replace("port 5060", f"port {sip}").replace("port 2000", f"port {sccp}")
    text = text.replace(" number 20", f" number {prefix}0")
    return text.replace("\nend", f"""
dial-peer voice 1 voip
 destination-pattern {far_prefix}..
 session protocol sipv2
 session target ipv4:127.0.0.1:{far_sip}
 session transport {transport}
 codec g711ulaw
!
dial-peer voice 2 voip
 incoming called-number {prefix}..
 session protocol sipv2
!
end""")


class _Server:
    """One twistd child; its output is copied to `log` (read by the test) by a thread."""

    def __init__(self, name: str, text: str, directory: Path, sip: int, sccp: int) -> None:
        self.name, self.sip, self.sccp = name, sip, sccp
        directory.mkdir()
        cfg = directory / "cme.cfg"
        cfg.write_text(text)
        self.log = directory / "server.log"
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme", "--config", str(cfg),
             "--ssh-port", "-1", "--telnet-port", "-1", "--tftp-port", "-1", "--http-port", "-1", "--state-dir", str(directory),
             "--trace", "cme.trunk", "--trace", "cme.sip", "--trace", "cme.line", "--trace", "cme.phone"],  # for the failure report
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._copier = threading.Thread(target=self._copy, daemon=True)
        self._copier.start()

    def _copy(self) -> None:
        with self.log.open("w") as out:
            for line in self.proc.stdout:
                out.write(line)
                out.flush()
                if "cme-cti ready:" in line:
                    self.ready.set()
        self.ready.set()  # it exited: the fixture's check says so

    def wait_ready(self) -> None:
        assert self.ready.wait(30) and self.proc.poll() is None, self.log.read_text()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self._copier.join(timeout=10)

    def problems(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines()
                if re.search(r"#(error|critical)\]|Traceback", line)]


@pytest.fixture
def servers(tmp_path):
    """A (201/202, 3.. to B over UDP) and B (301/302, 2.. to A over TCP)."""
    sip_a, sip_b = _sip_port(), _sip_port()
    while sip_b == sip_a:
        sip_b = _sip_port()
    sccp_a, sccp_b = _free_tcp(), _free_tcp()
    a = _Server("A", _config("2", sip_a, sccp_a, "3", sip_b, "udp"), tmp_path / "a", sip_a, sccp_a)
    b = _Server("B", _config("3", sip_b, sccp_b, "2", sip_a, "tcp"), tmp_path / "b", sip_b, sccp_b)
    try:
        a.wait_ready()
        b.wait_ready()
        yield {"A": a, "B": b}
    finally:
        a.stop()
        b.stop()


def _later(reactor, seconds=0.02):
    return task.deferLater(reactor, seconds, lambda: None)


@defer.inlineCallbacks
def _until(reactor, predicate, what):
    """Poll (reactor-friendly, bounded) for something another process does."""
    for _ in range(int(TIMEOUT / 0.02)):
        if predicate():
            return
        yield _later(reactor)
    raise AssertionError(f"timed out waiting for {what}")


def _events(bodies):
    """(element name, {field: deviceIdentifier or deviceID}) for each event body."""
    out = []
    for body in bodies:
        root = etree.fromstring(body)
        fields = {}
        for child in root:
            name = etree.QName(child).localname
            ident = [t.text for t in child.iter() if etree.QName(t).localname in ("deviceIdentifier", "deviceID")]
            if ident:
                fields[name] = ident[0]
        out.append((etree.QName(root).localname, fields))
    return out


def _in_order(names, expected):
    """Is `expected` a subsequence of `names` (extra events allowed between)?"""
    it = iter(names)
    return all(any(n == e for n in it) for e in expected)


def _first(events, name):
    return next(fields for n, fields in events if n == name)


def _media(station):
    return sorted((str(ch.remote_ip), ch.remote_port) for ch in station.transmissions.values())


def _describe(station):
    calls = {k: (c.state.name if hasattr(c.state, "name") else c.state) for k, c in station.calls().items()}
    return (f"{station.device_name}@{station.rtp_port} calls={calls} receive={list(station.receive_channels)}"
            f" transmit={_media(station)}")


@defer.inlineCallbacks
def _monitor(reactor, server, line, events):
    client = yield connect(reactor, "127.0.0.1", server.sip, on_event=events.append)
    yield client.open(line).addTimeout(TIMEOUT, reactor)
    started = yield client.request(csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>{line}'
                                        '</deviceObject></monitorObject></MonitorStart>')).addTimeout(TIMEOUT, reactor)
    assert b"<monitorCrossRefID>" in started, started
    return client


@defer.inlineCallbacks
def _call_across(t, caller_name, callee_name, *, callee_acts=False):
    """A call from a phone on one server to a phone on the other; the caller holds,
    resumes and hangs up (with `callee_acts`, the one who answered does, in its dialog
    as the UAS)."""
    from twisted.internet import reactor

    caller_server, callee_server = t[caller_name], t[callee_name]
    caller_dn, callee_dn = ("201", "301") if caller_name == "A" else ("301", "201")
    caller_events, callee_events = [], []
    phones, clients, waits = [], [], []

    def wait(d):
        def report(failure):
            failure.trap(defer.TimeoutError, defer.FirstError)
            raise AssertionError("timed out; the phones: " + "; ".join(_describe(p.station) for p in phones))
        waits.append(d.addTimeout(TIMEOUT, reactor).addErrback(report))
        return waits[-1]

    try:
        for server in (caller_server, callee_server):
            phone = yield connect_phone(reactor, "127.0.0.1", server.sccp,
                                        Station(PHONE, DeviceType.CISCO_7961, rtp_port=RTP[server.name]))
            phones.append(phone)
        caller, callee = phones
        yield wait(defer.gatherResults([p.when_registered() for p in phones]))
        clients.append((yield _monitor(reactor, caller_server, caller_dn, caller_events)))
        clients.append((yield _monitor(reactor, callee_server, callee_dn, callee_events)))
        caller_at, callee_at = ("127.0.0.1", RTP[caller_server.name]), ("127.0.0.1", RTP[callee_server.name])

        # the call: the far phone rings and answers; each phone sends to the other's address
        caller.off_hook()
        caller.dial(callee_dn)
        yield wait(callee.when_ringing())
        callee.answer()
        yield wait(defer.gatherResults([
            caller.when(lambda s: s.in_call() and _media(s) == [callee_at]),
            callee.when(lambda s: s.in_call() and _media(s) == [caller_at])]))

        # hold: the far phone is told to stop; resume: both send again
        actor, other = (callee, caller) if callee_acts else (caller, callee)
        # the keypad during the call: SIP INFO (dtmf-relay sip-info), played to the far user
        actor.dial("5#")
        yield wait(other.when(lambda s: "".join(s.heard_digits.values()) == "5#"))
        actor_dn = callee_dn if callee_acts else caller_dn
        other_dn = caller_dn if callee_acts else callee_dn
        actor.hold()
        yield wait(defer.gatherResults([
            actor.when(lambda s: any(c.state == CallState.HOLD for c in s.calls().values()) and not s.transmissions),
            other.when(lambda s: not s.transmissions)]))
        actor.resume()
        yield wait(defer.gatherResults([
            caller.when(lambda s: s.in_call() and _media(s) == [callee_at]),
            callee.when(lambda s: s.in_call() and _media(s) == [caller_at])]))

        # hang up: both idle
        actor.on_hook()
        yield wait(defer.gatherResults([p.when(lambda s: not s.calls()) for p in phones]))

        # the monitors saw the call, in order, with the right numbers
        yield _until(reactor, lambda: [n for n, _ in _events(caller_events)].count("ConnectionClearedEvent") >= 1
                     and [n for n, _ in _events(callee_events)].count("ConnectionClearedEvent") >= 1,
                     "ConnectionCleared at both monitors")
        mine, theirs = _events(caller_events), _events(callee_events)
        names = [n for n, _ in mine]
        assert _in_order(names, ["ServiceInitiatedEvent", "OriginatedEvent", "NetworkReachedEvent", "DeliveredEvent",
                                 "EstablishedEvent", "HeldEvent", "RetrievedEvent", "ConnectionClearedEvent"]), names
        originated = _first(mine, "OriginatedEvent")
        assert (originated["callingDevice"], originated["calledDevice"]) == (caller_dn, callee_dn), mine
        reached = _first(mine, "NetworkReachedEvent")
        assert reached["networkInterfaceUsed"] == callee_dn, mine
        for name in ("DeliveredEvent", "EstablishedEvent"):
            fields = _first(mine, name)
            assert (fields["callingDevice"], fields["calledDevice"]) == (caller_dn, callee_dn), (name, mine)
        names = [n for n, _ in theirs]
        assert _in_order(names, ["DeliveredEvent", "EstablishedEvent", "HeldEvent", "RetrievedEvent",
                                 "ConnectionClearedEvent"]), names
        for name in ("DeliveredEvent", "EstablishedEvent"):
            fields = _first(theirs, name)
            assert (fields["callingDevice"], fields["calledDevice"]) == (caller_dn, callee_dn), (name, theirs)
        assert _first(theirs, "DeliveredEvent")["alertingDevice"] == callee_dn, theirs
        for events in (mine, theirs):  # both monitors see who held, and who hung up clears first
            assert _first(events, "HeldEvent")["holdingDevice"] == actor_dn, events
            assert _first(events, "RetrievedEvent")["retrievingDevice"] == actor_dn, events
            cleared = [fields for n, fields in events if n == "ConnectionClearedEvent"]
            assert [f["releasingDevice"] for f in cleared][:2] == [actor_dn, other_dn], events

        # nothing left: neither line has a call, neither server complained
        for client, dn in zip(clients, (caller_dn, callee_dn)):
            snapshot = yield client.request(csta(f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>{dn}'
                                                 '</snapshotObject></SnapshotDevice>')).addTimeout(TIMEOUT, reactor)
            assert b"<snapshotData/>" in snapshot, (dn, snapshot)
        for client in clients:
            yield client.close().addTimeout(TIMEOUT, reactor)
        clients.clear()
        for server in (caller_server, callee_server):
            assert not server.problems(), server.log.read_text()[-6000:]
    finally:
        for d in waits:
            d.addErrback(lambda _: None)  # waits fail when the phones disconnect
        for client in clients:
            client.transport.loseConnection()
        for phone in phones:
            phone.transport.loseConnection()


@pytest_twisted.inlineCallbacks
def test_201_on_a_calls_301_on_b_over_udp_holds_resumes_and_hangs_up(servers):
    yield _call_across(servers, "A", "B")


@pytest_twisted.inlineCallbacks
def test_301_on_b_calls_201_on_a_over_tcp_holds_resumes_and_hangs_up(servers):
    yield _call_across(servers, "B", "A")


@pytest_twisted.inlineCallbacks
def test_the_answering_side_holds_resumes_and_hangs_up_over_udp(servers):
    yield _call_across(servers, "A", "B", callee_acts=True)


@pytest_twisted.inlineCallbacks
def test_the_answering_side_holds_resumes_and_hangs_up_over_tcp(servers):
    yield _call_across(servers, "B", "A", callee_acts=True)


@defer.inlineCallbacks
def _unanswered(t, number):
    """201 on A calls `number` on B: 301 rings and 201 gives up (CANCEL), or B has no such
    number (404: reorder). Either way both phones end idle, both lines empty."""
    from twisted.internet import reactor

    a_events, b_events = [], []
    phones, clients = [], []
    try:
        for server in (t["A"], t["B"]):
            phones.append((yield connect_phone(reactor, "127.0.0.1", server.sccp,
                                               Station(PHONE, DeviceType.CISCO_7961, rtp_port=RTP[server.name]))))
        caller, callee = phones
        yield defer.gatherResults([p.when_registered() for p in phones]).addTimeout(TIMEOUT, reactor)
        clients.append((yield _monitor(reactor, t["A"], "201", a_events)))
        clients.append((yield _monitor(reactor, t["B"], "301", b_events)))
        caller.off_hook()
        caller.dial(number)
        if number == "301":
            yield callee.when_ringing().addTimeout(TIMEOUT, reactor)
        else:
            yield caller.when(lambda s: any(c.state == CallState.INVALID_NUMBER for c in s.calls().values())
                              ).addTimeout(TIMEOUT, reactor)
        caller.on_hook()
        yield defer.gatherResults([p.when(lambda s: not s.calls()) for p in phones]).addTimeout(TIMEOUT, reactor)
        yield _until(reactor, lambda: "ConnectionClearedEvent" in [n for n, _ in _events(a_events)],
                     "ConnectionCleared at A")
        if number == "301":
            yield _until(reactor, lambda: "ConnectionClearedEvent" in [n for n, _ in _events(b_events)],
                         "ConnectionCleared at B")
            assert _in_order([n for n, _ in _events(b_events)], ["DeliveredEvent", "ConnectionClearedEvent"]), b_events
        for client, dn in zip(clients, ("201", "301")):
            snapshot = yield client.request(csta(f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>{dn}'
                                                 '</snapshotObject></SnapshotDevice>')).addTimeout(TIMEOUT, reactor)
            assert b"<snapshotData/>" in snapshot, (dn, snapshot)
        for client in clients:
            yield client.close().addTimeout(TIMEOUT, reactor)
        clients.clear()
        for server in (t["A"], t["B"]):
            assert not server.problems(), server.log.read_text()[-6000:]
    finally:
        for client in clients:
            client.transport.loseConnection()
        for phone in phones:
            phone.transport.loseConnection()


@pytest_twisted.inlineCallbacks
def test_hanging_up_while_the_far_phone_rings_cancels_it(servers):
    yield _unanswered(servers, "301")


@pytest_twisted.inlineCallbacks
def test_a_number_the_far_server_lacks_gives_reorder(servers):
    yield _unanswered(servers, "399")
