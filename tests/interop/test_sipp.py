"""sipp (a SIP tool nobody here wrote) plays an Office Communicator style uaCSTA session
against the real server: INVITE with RequestSystemStatus, GetCSTAFeatures, MonitorStart,
re-INVITE refresh, MonitorStop, BYE; moc_session.xml checks every response body."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).with_name("moc_session.xml")


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Ports:
    sccp_port = 0


@pytest.fixture
def server(tmp_path):
    sip_port, sccp_port = free_port(), free_port()
    text = (ROOT / "conf" / "cme.cfg").read_text()
    text = text.replace("port 5060", f"port {sip_port}").replace("port 2000", f"port {sccp_port}")
    cfg = tmp_path / "cme.cfg"
    cfg.write_text(text)
    log = tmp_path / "server.log"
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme", "--config", str(cfg),
         "--ssh-port", "-1", "--telnet-port", "-1", "--state-dir", str(tmp_path)],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "cme-cti ready:" not in log.read_text():  # a child process: polling its log is the way
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    _Ports.sccp_port = sccp_port
    yield sip_port, log
    proc.terminate()
    proc.wait(timeout=30)


def test_sipp_plays_an_office_communicator_session(server, tmp_path):
    sipp = shutil.which("sipp")
    if sipp is None:
        if os.environ.get("CI") == "true":
            pytest.fail("sipp (Debian package sip-tester) is required when CI=true")
        pytest.skip("sipp not installed (apt install sip-tester): the uaCSTA interop scenario did not run")
    port, log = server
    result = subprocess.run(
        [sipp, "-sf", str(SCENARIO), "-t", "t1", "-m", "1", "-nostdin", "-timeout", "20s",
         "-trace_err", "-error_file", str(tmp_path / "sipp_errors.log"), "-i", "127.0.0.1", f"127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    successful = [line for line in result.stdout.splitlines() if line.strip().startswith("Successful call")]
    assert successful and successful[-1].split("|")[-1].strip() == "1", result.stdout[-3000:]
    server_log = log.read_text()
    assert "CTI session 1: alice on line 201" in server_log
    assert "session 1 ended: BYE from the application" in server_log
