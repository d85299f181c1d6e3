"""A live server on loopback, attacked the way the issue 13 probe attacked it.

Each test replays one attack (bounded in count and time) and then asks `healthy()`: a
phone registers and completes a call, a CTI session opens and answers, the CLI logs in,
and the server's log holds no traceback. Attackers use a second loopback address
(127.0.0.2), so what a per-source limit does to them does not fall on the health check's
own connections from 127.0.0.1.
"""
from __future__ import annotations

import resource
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from twisted.internet import defer

from tests.interop.conftest import free_port, moved, this_tree

ROOT = Path(__file__).resolve().parents[2]
ATTACKER = "127.0.0.2"  # Linux answers on all of 127/8
T1 = 0.05  # SIP T1 of the servers here: 64*T1 is 3.2 s
FILES = 1024  # the server's open-files limit, soft and hard, as in the probe (`ulimit -n 1024`)


@dataclass
class Live:
    proc: subprocess.Popen
    log: Path
    sip: int
    sccp: int
    telnet: int

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _limit_files():
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILES, FILES))


def start(tmp: Path, text: str | None = None, *args: str) -> Live:
    sip, sccp, telnet = free_port(), free_port(), free_port()
    text = moved(text if text is not None else (ROOT / "conf" / "cme.cfg").read_text(), sip, sccp)
    cfg, log = tmp / "cme.cfg", tmp / "server.log"
    cfg.write_text(text)
    options = ["--ssh-port", "-1", "--telnet-port", str(telnet), "--tftp-port", "-1", "--http-port", "-1", "--state-dir", str(tmp),
               "--sip-t1", str(T1), *args]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme",
                             "--config", str(cfg), *options],
                            cwd=ROOT, env=this_tree(), stdout=log.open("w"), stderr=subprocess.STDOUT, preexec_fn=_limit_files)
    deadline = time.monotonic() + 30
    while "cme-cti ready:" not in log.read_text():  # a child process: polling its log is the way
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return Live(proc, log, sip, sccp, telnet)


def stop(live: Live) -> None:
    live.proc.terminate()
    live.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start(tmp_path_factory.mktemp("hostile"))
    yield server
    stop(server)


# -- the health check ----------------------------------------------------------------------------
def _within(d, seconds: float, what: str):
    from twisted.internet import reactor

    def late(failure):
        failure.trap(defer.TimeoutError)
        raise AssertionError(f"server unhealthy: {what} took over {seconds} s")

    return d.addTimeout(seconds, reactor).addErrback(late)


@defer.inlineCallbacks
def a_call(live: Live):
    """The phones of 201 and 202 register, 201 calls 202, 202 answers, 201 hangs up."""
    from twisted.internet import reactor

    from sccp.client import connect as connect_phone
    from sccp.enums import CallState, DeviceType
    from sccp.station import Station

    a = yield _within(connect_phone(reactor, "127.0.0.1", live.sccp, Station("SEP001E4A34A35F", DeviceType.CISCO_7961)),
                      10, "connecting a phone")
    b = yield _within(connect_phone(reactor, "127.0.0.1", live.sccp, Station("SEP000F8FC7B681", DeviceType.CISCO_7960)),
                      10, "connecting a phone")
    try:
        yield _within(defer.gatherResults([a.when_registered(), b.when_registered()]), 10, "registering two phones")
        a.off_hook()
        a.dial("202")
        yield _within(b.when_ringing(), 10, "ringing 202")
        b.answer()
        yield _within(a.when(lambda s: any(c.state == CallState.CONNECTED for c in s.calls().values())), 10,
                      "connecting the call")
        a.on_hook()
        yield _within(b.when(lambda s: not s.calls()), 10, "clearing the call")
    finally:
        for phone in (a, b):
            phone.transport.loseConnection()


@defer.inlineCallbacks
def healthy(live: Live):
    """A phone registers and completes a call, a CTI session works, the CLI logs in."""
    from twisted.internet import reactor

    from sip.client import ED3, connect, csta

    yield a_call(live)
    client = yield _within(connect(reactor, "127.0.0.1", live.sip), 10, "connecting a CTI application")
    status = yield _within(client.open("201"), 10, "opening a CTI session")
    assert b"<systemStatus>normal</systemStatus>" in status
    features = yield _within(client.request(csta(f'<GetCSTAFeatures xmlns="{ED3}"/>')), 10, "GetCSTAFeatures")
    assert b"GetCSTAFeaturesResponse" in features
    yield _within(client.close(), 10, "closing the CTI session")
    assert "cme-cti" in cli(live, "show version")
    problems = [line for line in live.log_text().splitlines() if "Traceback" in line or "Unhandled" in line]
    assert not problems, "\n".join(problems[:20])


def cli(live: Live, command: str, *, user: str = "admin", password: str = "cisco",
        source: str = "127.0.0.1", timeout: float = 10.0) -> str:
    """Log in over telnet from `source`, run one command, return what the CLI printed."""
    with socket.create_connection(("127.0.0.1", live.telnet), timeout=timeout, source_address=(source, 0)) as s:
        seen = read_until(s, b"Username:", timeout)
        s.sendall(user.encode() + b"\r\n")
        seen += read_until(s, b"Password:", timeout)
        s.sendall(password.encode() + b"\r\n")
        seen += read_until(s, b"cme", timeout)
        assert b"cme" in seen, f"no prompt after logging in: {seen[-200:]!r}"
        s.sendall(b"terminal length 0\r\n" + command.encode() + b"\r\nexit\r\n")
        out = read_until(s, None, timeout)
    return (seen + out).decode(errors="replace")


def read_until(s: socket.socket, marker: bytes | None, timeout: float) -> bytes:
    """What the socket sends until `marker` appears (None: until it closes)."""
    data, deadline = b"", time.monotonic() + timeout
    while marker is None or marker not in data:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


# -- raw SIP, for the attacks ------------------------------------------------------------------------
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"


def cti_invite(line: str, host: str, port: int, transport: str = "UDP", *, user: str = "probe",
               server_port: int = 5060) -> bytes:
    body = f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="{ED3}"/>'.encode()
    tag, call_id, branch = uuid.uuid4().hex[:8], uuid.uuid4().hex, uuid.uuid4().hex[:12]
    head = (f"INVITE sip:{line}@127.0.0.1:{server_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {host}:{port};branch=z9hG4bK{branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{user}@{host}>;tag={tag}\r\n"
            f"To: <sip:{line}@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\n"
            "CSeq: 1 INVITE\r\n"
            f"Contact: <sip:{user}@{host}:{port}>\r\n"
            "Content-Type: application/csta+xml\r\n"
            "Content-Disposition: signal;handling=required\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def udp_socket(source: str = ATTACKER) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    return s


def drain_udp(s: socket.socket, seconds: float) -> list[bytes]:
    """Every datagram that reaches `s` within `seconds`."""
    out, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        s.settimeout(left)
        try:
            out.append(s.recv(65536))
        except socket.timeout:
            break
    return out
