"""The server the interop tests talk to: twistd on the default configuration, moved to
free ports, in a child process."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Ports:
    sccp_port = 0


def this_tree() -> dict:
    """The environment for a child twistd that runs this tree's code (the shared venv's
    editable install may point at another checkout)."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def twistd(text: str, directory, *args: str):
    """`twistd cme` on configuration `text` in `directory`, CLI and TFTP off unless `args`
    say otherwise; (process, log path) once it is ready."""
    cfg = directory / "cme.cfg"
    cfg.write_text(text)
    log = directory / "server.log"
    options = {"--ssh-port": "-1", "--telnet-port": "-1", "--tftp-port": "-1", "--http-port": "-1",
               "--state-dir": str(directory)}
    options.update(zip(args[::2], args[1::2]))
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme", "--config", str(cfg),
         *[x for pair in options.items() for x in pair]],
        cwd=ROOT, env=this_tree(), stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "cme-cti ready:" not in log.read_text():  # a child process: polling its log is the way
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return proc, log


def stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@contextmanager
def reaped(proc):
    """`proc` is killed on the way out if it is still running (an assertion failed
    before it exited), so no server outlives its test."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def moved(text: str, sip_port: int, sccp_port: int) -> str:
    """The default configuration's SIP and SCCP ports moved to free ones."""
    return text.replace("port 5060", f"port {sip_port}").replace("port 2000", f"port {sccp_port}")


@pytest.fixture
def server(tmp_path):
    sip_port, sccp_port = free_port(), free_port()
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path)
    _Ports.sccp_port = sccp_port
    yield sip_port, log
    stop(proc)
