"""sipp (a SIP tool nobody here wrote) plays Office Communicator's click-to-dial against the
real server: a uaCSTA session on 201 monitors 201, makes a call 201 → 202 that a virtual
phone on 202 answers by itself, clears it and stops. click_to_dial.xml checks every response
and that ServiceInitiated, Originated, Delivered, Established and ConnectionCleared arrive
with the session's monitorCrossRefID; this test checks that the phones really had the call,
that both are idle again and that the server keeps no connection on either line."""
import os
import re
from pathlib import Path

import pytest_twisted
from twisted.internet import defer

from sccp.client import connect as connect_phone
from sccp.enums import DeviceType
from sccp.station import Station
from sip.client import ED3, connect, csta
from tests.interop.conftest import _Ports, free_port
from tests.tools import Child, need

SCENARIO = Path(__file__).with_name("click_to_dial.xml")
TIMEOUT = 20  # seconds, a bound on every wait; the whole test takes about 2 s


@pytest_twisted.inlineCallbacks
def test_sipp_click_to_dial_from_201_to_an_auto_answering_202(server, tmp_path):
    from twisted.internet import reactor

    sipp = need("sipp", "sip-tester", "the click-to-dial interop scenario")
    sip_port, log = server
    # ephones 1 (201) and 2 (202) of conf/cme.cfg; 202 answers as soon as it rings
    a = yield connect_phone(reactor, "127.0.0.1", _Ports.sccp_port, Station("SEP001E4A34A35F", DeviceType.CISCO_7961))
    b = yield connect_phone(reactor, "127.0.0.1", _Ports.sccp_port,
                            Station("SEP000F8FC7B681", DeviceType.CISCO_7960, auto_answer=0))
    waits = []

    def wait(*deferreds):
        waits.append(defer.gatherResults(list(deferreds), consumeErrors=True).addTimeout(TIMEOUT, reactor))
        return waits[-1]

    try:
        yield wait(a.when_registered(), b.when_registered())
        # set before the call, so that the states are seen however short they last
        talked = wait(a.when(lambda s: s.in_call()), b.when(lambda s: s.in_call()))

        messages = tmp_path / "sipp_messages.log"
        run = Child()
        process = reactor.spawnProcess(
            run, sipp,
            [sipp, "-sf", str(SCENARIO), "-t", "t1", "-m", "1", "-nostdin", "-timeout", f"{TIMEOUT}s",
             "-trace_err", "-error_file", str(tmp_path / "sipp_errors.log"),
             "-trace_calldebug", "-calldebug_file", str(tmp_path / "sipp_calldebug.log"),
             "-trace_msg", "-message_file", str(messages),
             "-i", "127.0.0.1", "-p", str(free_port()), f"127.0.0.1:{sip_port}"],  # not 5060: it may be taken
            env=dict(os.environ), path=str(tmp_path))
        try:
            code, output = yield run.done.addTimeout(TIMEOUT + 10, reactor)
        except defer.TimeoutError:
            process.signalProcess("KILL")
            raise
        trace = messages.read_text(errors="replace")[-8000:] if messages.exists() else ""
        assert code == 0, output[-3000:] + trace
        successful = [line for line in output.splitlines() if line.strip().startswith("Successful call")]
        assert successful and successful[-1].split("|")[-1].strip() == "1", output[-3000:]

        # the call really happened: 201 talked, 202 answered ...
        yield talked
        # ... and it is over on both phones and in the server
        yield wait(a.when(lambda s: not s.calls()), b.when(lambda s: not s.calls()))
        for device in ("201", "202"):  # a session sees its own line only
            client = yield connect(reactor, "127.0.0.1", sip_port)
            yield client.open(device)
            snapshot = yield client.request(csta(f'<SnapshotDevice xmlns="{ED3}"><snapshotObject>{device}'
                                                 '</snapshotObject></SnapshotDevice>'))
            assert b"<snapshotData/>" in snapshot, (device, snapshot)
            yield client.close()

        server_log = log.read_text()
        assert "CTI session 1: alice on line 201" in server_log
        assert "session 1 ended: BYE from the application" in server_log
        assert not re.search(r"#(warn|error|critical)\]|Traceback", server_log), server_log
    finally:
        for d in waits:
            d.addErrback(lambda _: None)  # the phones' waits fail when they disconnect
        for phone in (a, b):
            phone.transport.loseConnection()
