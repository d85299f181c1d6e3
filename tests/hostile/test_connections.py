"""The probe's connection attacks: idle connections held open, junk before and after Register,
log-in guessing. The server runs with `ulimit -n 1024`, as in the probe."""
from __future__ import annotations

import socket
import struct
import time
from contextlib import ExitStack

import pytest_twisted

from tests.hostile.conftest import ATTACKER, cli, healthy, read_until

HELD = 1050  # connections the probe held: more than the server's 1,024 open files


def _hold(port: int, count: int, stack: ExitStack) -> int:
    """Open `count` connections from the attacker's address and keep them; how many connected."""
    opened = 0
    for _ in range(count):
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.bind((ATTACKER, 0))
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        stack.enter_context(s)
        opened += 1
    return opened


@pytest_twisted.inlineCallbacks
def test_idle_sip_connections_from_one_source_lock_nobody_out(live):
    """Shown: 1,050 idle SIP connections with `ulimit -n 1024` blocked every phone
    registration and the CLI."""
    with ExitStack() as stack:
        _hold(live.sip, HELD, stack)
        yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_idle_sccp_connections_from_one_source_lock_nobody_out(live):
    with ExitStack() as stack:
        _hold(live.sccp, HELD, stack)
        yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_idle_cli_connections_from_one_source_lock_nobody_out(live):
    with ExitStack() as stack:
        _hold(live.telnet, HELD, stack)
        yield healthy(live)


def _frames(count: int, message_id: int = 0xDEAD) -> bytes:
    """SCCP frames with an id no phone sends: length 4, reserved 0, the id."""
    return struct.pack("<III", 4, 0, message_id) * count


def _log_lines_about(live, host: str) -> int:
    return sum(1 for line in live.log_text().splitlines() if host in line)


@pytest_twisted.inlineCallbacks
def test_unknown_sccp_frames_before_register_close_the_connection_quietly(live):
    """Shown: 50,000 unknown-id frames wrote 50,000 log lines."""
    before = _log_lines_about(live, ATTACKER)
    with socket.socket() as s:
        s.bind((ATTACKER, 0))
        s.connect(("127.0.0.1", live.sccp))
        try:
            s.sendall(_frames(50_000))
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed by the server before all was sent: what should happen
        assert read_until(s, None, 10) == b""  # closed, nothing sent back
    time.sleep(0.5)  # the server's log is another process's file
    assert _log_lines_about(live, ATTACKER) - before <= 30
    yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_junk_from_a_registered_phone_is_logged_a_bounded_number_of_times(live):
    from twisted.internet import reactor, task

    from sccp.client import connect as connect_phone
    from sccp.enums import DeviceType
    from sccp.station import Station

    phone = yield connect_phone(reactor, "127.0.0.1", live.sccp, Station("SEP0019E7FF1E30", DeviceType.CISCO_7961))
    yield phone.when_registered()
    before = len(live.log_text().splitlines())
    phone.transport.write(_frames(50_000))
    for _ in range(100):
        yield task.deferLater(reactor, 0.02, lambda: None)
    phone.transport.loseConnection()
    yield task.deferLater(reactor, 0.2, lambda: None)
    assert len(live.log_text().splitlines()) - before <= 50
    yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_guessing_cli_passwords_blocks_the_guesser_not_the_administrator(live):
    for _ in range(10):  # more failures than the default `login block-for` allows
        try:
            out = cli(live, "show version", password="guess", source=ATTACKER, timeout=3)
        except (AssertionError, OSError):
            continue  # refused, or closed at once: blocked
        assert "cme-cti" not in out
    # in the quiet period even the right password from the guesser's address is refused
    try:
        out = cli(live, "show version", source=ATTACKER, timeout=3)
    except (AssertionError, OSError):
        out = ""
    assert "cme-cti" not in out, "the guesser logged in during its quiet period"
    # the administrator, from another address, still logs in
    yield healthy(live)


@pytest_twisted.inlineCallbacks
def test_headers_trickling_in_from_one_source_hold_up_nobody(live):
    """A slowloris: connections that send a header a few bytes at a time. They are capped
    per source and each must finish its message within the partial-message timeout (unit
    tests on task.Clock show the close); meanwhile everyone else is served."""
    from twisted.internet import task

    with ExitStack() as stack:
        held = [s for s in (socket.socket() for _ in range(64))]
        for s in held:
            stack.enter_context(s)
            s.bind((ATTACKER, 0))
            s.connect(("127.0.0.1", live.sip))
        header = b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.2:5060;branch=z9hG4bKslow\r\n"
        trickle = task.LoopingCall(lambda: [_send_quietly(s, header[:2]) for s in held])
        trickle.start(0.05)
        try:
            yield healthy(live)
        finally:
            trickle.stop()
        closed = sum(1 for s in held if _closed(s))
        assert closed >= 64 - 32, f"only {closed} of 64 connections from one source were refused"


def _send_quietly(s: socket.socket, data: bytes) -> None:
    try:
        s.send(data, socket.MSG_DONTWAIT)
    except OSError:
        pass  # closed by the server: what the cap does


def _closed(s: socket.socket) -> bool:
    try:
        return s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
