"""What stops the server at start is one line naming what is wrong, never a traceback.

A real `twistd cme` each time (the errors are the plugin's and the service's, in the order
twistd runs them): a state directory that cannot be written, and a port already taken,
for every listener the server has.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "conf" / "cme.cfg").read_text()


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path, *args, ports=None, state_dir=None):
    """twistd on conf/cme.cfg with every listener on a free loopback port (or `ports`);
    (exit status, output) once it has exited (it must: each case here is fatal)."""
    ports = {"sip": free_port(), "sccp": free_port(), "tftp": free_port(socket.SOCK_DGRAM),
             "ssh": free_port(), "telnet": free_port(), "http": free_port(), **(ports or {})}
    cfg = tmp_path / "cme.cfg"
    cfg.write_text(DEFAULT.replace("port 5060", f"port {ports['sip']}").replace("port 2000", f"port {ports['sccp']}"))
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme", "--config", str(cfg),
         "--ssh-port", str(ports["ssh"]), "--telnet-port", str(ports["telnet"]), "--tftp-port", str(ports["tftp"]),
         "--http-port", str(ports["http"]), "--state-dir", str(state_dir or tmp_path / "state"), *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("where", [
    lambda tmp: tmp / "a-file" / "state",  # a path under a regular file
    lambda tmp: Path("/proc/cme-cti-state"),  # a filesystem nothing may create in
], ids=["under-a-file", "proc"])
def test_a_state_directory_that_cannot_be_written_is_one_line(tmp_path, where):
    (tmp_path / "a-file").write_text("not a directory")
    state = where(tmp_path)
    status, out = start(tmp_path, state_dir=state)
    assert status != 0
    assert "Traceback" not in out and "HostKeyError" not in out, out
    lines = [l for l in out.splitlines() if str(state) in l]
    assert lines and lines[0].startswith("cme: cannot use the state directory"), out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a read-only bind mount")
def test_a_read_only_state_directory_is_one_line(tmp_path):
    state = tmp_path / "ro"
    state.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(state)], check=True,
                       capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot mount a read-only tmpfs here: {e}")
    try:
        status, out = start(tmp_path, state_dir=state)
    finally:
        subprocess.run(["umount", "-l", str(state)], check=False, timeout=10)
    assert status != 0 and "Traceback" not in out, out
    assert f"cme: cannot use the state directory {state}: Read-only file system" in out, out


@pytest.mark.parametrize("listener, kind", [
    ("sccp", socket.SOCK_STREAM), ("sip-tcp", socket.SOCK_STREAM), ("sip-udp", socket.SOCK_DGRAM),
    ("tftp", socket.SOCK_DGRAM), ("cli-ssh", socket.SOCK_STREAM), ("cli-telnet", socket.SOCK_STREAM),
])
def test_a_port_already_in_use_is_one_line_naming_it_for_every_listener(tmp_path, listener, kind):
    option = {"sccp": "sccp", "sip-tcp": "sip", "sip-udp": "sip", "tftp": "tftp", "cli-ssh": "ssh",
              "cli-telnet": "telnet"}[listener]
    with socket.socket(socket.AF_INET, kind) as busy:
        busy.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            busy.listen()
        port = busy.getsockname()[1]
        status, out = start(tmp_path, ports={option: port})
    assert status == 1, out
    assert "Traceback" not in out, out
    assert f"cme: cannot listen on 127.0.0.1:{port} ({listener}): " in out and "in use" in out, out
