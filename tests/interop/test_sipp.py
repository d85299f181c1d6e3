"""sipp (a SIP tool nobody here wrote) plays an Office Communicator style uaCSTA session
against the real server: INVITE with RequestSystemStatus, GetCSTAFeatures, MonitorStart,
re-INVITE refresh, MonitorStop, BYE; moc_session.xml checks every response body."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.interop.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).with_name("moc_session.xml")


def test_sipp_plays_an_office_communicator_session(server, tmp_path):
    sipp = shutil.which("sipp")
    if sipp is None:
        if os.environ.get("CI") == "true":
            pytest.fail("sipp (Debian package sip-tester) is required when CI=true")
        pytest.skip("sipp not installed (apt install sip-tester): the uaCSTA interop scenario did not run")
    port, log = server
    result = subprocess.run(
        [sipp, "-sf", str(SCENARIO), "-t", "t1", "-m", "1", "-nostdin", "-timeout", "20s",
         "-trace_err", "-error_file", str(tmp_path / "sipp_errors.log"), "-i", "127.0.0.1",
         "-p", str(free_port()), f"127.0.0.1:{port}"],  # sipp's own port: not 5060, `make run` may hold it
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    successful = [line for line in result.stdout.splitlines() if line.strip().startswith("Successful call")]
    assert successful and successful[-1].split("|")[-1].strip() == "1", result.stdout[-3000:]
    server_log = log.read_text()
    assert "CTI session 1: alice on line 201" in server_log
    assert "session 1 ended: BYE from the application" in server_log
