"""The uaCSTA client (sip/client.py) and `cme csta … monitor` against twistd, with virtual
phones making the call whose events the monitor receives."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest_twisted
from lxml import etree
from twisted.internet import defer

from sccp.enums import CallState, DeviceType
from sccp.client import connect as connect_phone
from sccp.station import Station
from sip.client import ED3, connect, csta
from tests.interop.conftest import _Ports

ROOT = Path(__file__).resolve().parents[2]


@pytest_twisted.inlineCallbacks
def test_a_monitor_sees_a_call_between_two_phones(server):
    from twisted.internet import reactor

    sip_port, log = server
    events = []
    client = yield connect(reactor, "127.0.0.1", sip_port, on_event=events.append)
    status = yield client.open("201")
    assert b"<systemStatus>normal</systemStatus>" in status
    started = yield client.request(csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201'
                                        '</deviceObject></monitorObject></MonitorStart>'))
    assert b"<monitorCrossRefID>" in started
    a = yield connect_phone(reactor, "127.0.0.1", _Ports.sccp_port, Station("SEP001E4A34A35F", DeviceType.CISCO_7961))
    b = yield connect_phone(reactor, "127.0.0.1", _Ports.sccp_port, Station("SEP000F8FC7B681", DeviceType.CISCO_7960))
    yield defer.gatherResults([a.when_registered(), b.when_registered()])
    a.off_hook()
    a.dial("202")
    yield b.when_ringing()
    b.answer()
    yield a.when(lambda s: any(c.state == CallState.CONNECTED for c in s.calls().values()))
    for _ in range(250):  # the events cross two processes: wait for them, bounded
        if len(events) >= 4:
            break
        yield deferLater(reactor)
    names = [etree.QName(etree.fromstring(e)).localname for e in events]
    assert names[:4] == ["ServiceInitiatedEvent", "OriginatedEvent", "DeliveredEvent", "EstablishedEvent"]
    a.on_hook()
    status = yield client.close()
    assert status == 200
    for phone in (a, b):
        phone.transport.loseConnection()


def deferLater(reactor, seconds=0.02):
    from twisted.internet import task

    return task.deferLater(reactor, seconds, lambda: None)


def test_cme_csta_monitor_prints_and_stops_on_ctrl_c(server):
    sip_port, log = server
    proc = subprocess.Popen([str(Path(sys.executable).with_name("cme")), "csta", "--server", f"127.0.0.1:{sip_port}",
                             "--line", "201", "monitor"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    first = proc.stdout.readline()  # blocks until the monitor is up
    assert first.strip() == "MonitorStartResponse", first
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "session 1 ended: BYE from the application" in log.read_text()


PHONES = (("SEP001E4A34A35F", DeviceType.CISCO_7961, None), ("SEP000F8FC7B681", DeviceType.CISCO_7960, 0),
          ("SEP0019E7FF1E30", DeviceType.CISCO_7961, 0))  # 201, then 202 and 203 answering at once


@defer.inlineCallbacks
def registered_phones(count: int):
    from twisted.internet import reactor

    phones = []
    for device, model, auto_answer in PHONES[:count]:
        phone = yield connect_phone(reactor, "127.0.0.1", _Ports.sccp_port, Station(device, model, auto_answer=auto_answer))
        phones.append(phone)
    yield defer.gatherResults([phone.when_registered() for phone in phones])
    return phones


def cme_csta(sip_port: int, *words):
    """`cme csta --line 201 WORDS` as a child process: (stdout, stderr, exit code)."""
    from twisted.internet.utils import getProcessOutputAndValue

    cme = str(Path(sys.executable).with_name("cme"))
    return getProcessOutputAndValue(cme, ["csta", "--server", f"127.0.0.1:{sip_port}", "--line", "201", *words],
                                    env=dict(os.environ), path=str(ROOT))


@pytest_twisted.inlineCallbacks
def test_cme_csta_service_commands_drive_the_phones(server):
    """The README's demo: phones up, then `cme csta --line 201 make-call 202`, `clear`."""
    sip_port, log = server
    a, b = yield registered_phones(2)

    def csta_command(*words):
        return cme_csta(sip_port, *words)

    out, err, code = yield csta_command("make-call", "202")
    assert code == 0 and out.decode().startswith("MakeCallResponse"), err
    yield a.when(lambda s: any(c.state == CallState.CONNECTED for c in s.calls().values()))
    out, err, code = yield csta_command("clear")
    assert code == 0 and out.decode().startswith("ClearConnectionResponse"), err
    yield a.when(lambda s: not s.in_call())
    out, err, code = yield csta_command("dnd", "on")
    assert code == 0 and out.decode().startswith("SetDoNotDisturbResponse"), err
    out, err, code = yield csta_command("hold")  # nothing to hold: a CSTA error, exit 1
    assert code == 1 and b"CSTAErrorCode" in out
    out, err, code = yield csta_command("snapshot")  # an idle line says so
    assert code == 0 and out.decode().strip() == "SnapshotDeviceResponse: no calls", (out, err)
    for phone in (a, b):
        phone.transport.loseConnection()


@pytest_twisted.inlineCallbacks
def test_cme_csta_digits_and_transfer_drive_the_phones(server):
    """`cme csta … digits` reaches the far phone; `transfer 203` moves the far end on."""
    sip_port, log = server
    a, b, c = yield registered_phones(3)

    def csta_command(*words):
        return cme_csta(sip_port, *words)

    out, err, code = yield csta_command("make-call", "202")
    assert code == 0 and out.decode().startswith("MakeCallResponse"), err
    yield b.when(lambda s: s.in_call())
    out, err, code = yield csta_command("digits", "12#")
    assert code == 0 and out.decode().startswith("GenerateDigitsResponse"), (out, err)
    yield b.when(lambda s: "12#" in s.heard_digits.values())
    out, err, code = yield csta_command("transfer", "203")
    assert code == 0 and out.decode().startswith("SingleStepTransferCallResponse"), (out, err)
    yield a.when(lambda s: not s.in_call())
    yield c.when(lambda s: s.in_call())
    assert b.station.in_call()
    c.on_hook()
    yield b.when(lambda s: not s.in_call())
    for phone in (a, b, c):
        phone.transport.loseConnection()


@pytest_twisted.inlineCallbacks
def test_cme_csta_follow_starts_its_monitor_before_the_request_so_the_first_events_show(server):
    from twisted.internet import error, protocol, reactor

    sip_port, log = server
    a, b = yield registered_phones(2)

    class Follow(protocol.ProcessProtocol):
        def __init__(self):
            self.out, self.done = b"", defer.Deferred()

        def outReceived(self, data):
            self.out += data
            if b"EstablishedEvent" in self.out and self.transport is not None:
                self.transport.signalProcess("INT")  # Ctrl-C: MonitorStop and BYE

        def processEnded(self, reason):
            self.done.callback(reason.value.exitCode if reason.check(error.ProcessTerminated) else 0)

    follow = Follow()
    cme = str(Path(sys.executable).with_name("cme"))
    reactor.spawnProcess(follow, cme, [cme, "csta", "--server", f"127.0.0.1:{sip_port}", "--line", "201", "--follow",
                                       "make-call", "202"], env=dict(os.environ), path=str(ROOT))
    yield b.when_ringing()
    b.answer()
    code = yield follow.done.addTimeout(20, reactor)
    lines = follow.out.decode().splitlines()
    names = [line.split(" ", 1)[0] for line in lines]
    assert names[0] == "MonitorStartResponse", lines
    assert "ServiceInitiatedEvent" in names and "OriginatedEvent" in names, lines  # not missed
    assert code == 0
    for phone in (a, b):
        phone.transport.loseConnection()
