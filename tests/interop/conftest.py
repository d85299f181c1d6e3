"""The server the interop tests talk to: twistd on the default configuration, moved to
free ports, in a child process."""
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
         "--ssh-port", "-1", "--telnet-port", "-1", "--tftp-port", "-1", "--state-dir", str(tmp_path)],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "cme-cti ready:" not in log.read_text():  # a child process: polling its log is the way
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    _Ports.sccp_port = sccp_port
    yield sip_port, log
    proc.terminate()
    proc.wait(timeout=30)
