"""load/link.py against a server the test plays on a loopback socket: registration,
keepalives, and every way a server can fail the phone, each a named cause.

The link uses plain sockets and threads (greenlets under Locust); here they are threads,
and every wait is bounded by an event, never a sleep."""
import socket

import pytest

from load.link import Link, StepFailed
from sccp import messages as m
from sccp.enums import CallState
from sccp.framing import Decoder, encode
from sccp.station import Registration, Station


class FakeServer:
    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.decoder = Decoder()
        self.pending = []

    def accept(self):
        self.listener.settimeout(10)
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(10)

    def receive(self, kind):
        while True:
            while self.pending:
                message = self.pending.pop(0)
                if isinstance(message, kind):
                    return message
            data = self.conn.recv(65536)
            assert data, "the phone closed"
            self.pending += self.decoder.feed(data)

    def send(self, *messages):
        self.conn.sendall(b"".join(encode(x) for x in messages))

    def close(self):
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


def registered(server, keepalive=30):
    """Accept the phone and register it (no buttons: RegisterAck and an empty template)."""
    server.accept()
    register = server.receive(m.RegisterMessage)
    server.send(m.RegisterAckMessage(keep_alive_interval=keepalive),
                m.ButtonTemplateResMessage(0, 0, 0, ()))
    return register


def link_to(server, timeout=5.0):
    return Link(Station("SEP0000000A0000"), "127.0.0.1", server.port, timeout=timeout)


def run(target):
    """target() in a thread; its outcome (value or exception) once joined."""
    import threading

    box = {}

    def go():
        try:
            box["value"] = target()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t, box


def test_a_phone_registers_and_keeps_alive_at_the_servers_interval(server):
    link = link_to(server)
    t, box = run(link.register)
    register = registered(server, keepalive=1)
    t.join(10)
    assert "error" not in box and link.station.registered
    assert register.device_name == "SEP0000000A0000"
    server.receive(m.KeepAliveMessage)  # within the 1 s interval (the socket's 10 s bound)
    link.close()


def test_a_rejected_registration_is_the_cause_rejected(server):
    link = link_to(server)
    t, box = run(link.register)
    server.accept()
    server.receive(m.RegisterMessage)
    server.send(m.RegisterRejectMessage(text="unknown device"))
    t.join(10)
    assert str(box["error"]) == "rejected"
    assert link.station.reject_text == "unknown device"


def test_no_server_is_the_cause_refused():
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(StepFailed, match="^refused$"):
        Link(Station("SEP0000000A0000"), "127.0.0.1", port).register()


def test_a_server_that_never_answers_is_the_cause_timeout(server):
    link = link_to(server, timeout=0.3)
    with pytest.raises(StepFailed, match="^timeout$"):
        link.register()  # the listener's backlog takes the connection, nobody answers
    link.close()


def test_a_server_going_away_mid_wait_is_lost_registration(server):
    link = link_to(server)
    t, box = run(link.register)
    registered(server)
    t.join(10)
    t, box = run(lambda: link.wait(lambda s: s.ringing()))
    server.conn.close()
    t.join(10)
    assert str(box["error"]) == "lost registration"
    assert link.station.registration is Registration.DISCONNECTED
    with pytest.raises(StepFailed, match="^lost registration$"):
        link.wait(lambda s: s.ringing())  # and at once afterwards


def test_garbage_from_the_server_closes_the_link_with_the_cause_garbage(server):
    link = link_to(server)
    t, box = run(link.register)
    server.accept()
    server.receive(m.RegisterMessage)
    server.conn.sendall(b"\xff\xff\xff\xff" + b"\x00" * 12)  # a length no frame may have
    t.join(10)
    assert str(box["error"]) == "garbage"
    assert server.conn.recv(100) == b""  # the phone closed its side


def test_a_wait_returns_when_the_state_comes_with_its_time(server):
    link = link_to(server)
    t, box = run(link.register)
    registered(server)
    t.join(10)
    t, box = run(lambda: link.wait(lambda s: s.call_state(1, 7) == CallState.RING_IN))
    server.send(m.CallStateMessage(call_state=CallState.RING_IN, line_instance=1, call_reference=7))
    t.join(10)
    value, at = box["value"]
    assert value is True and at > 0
    t, box = run(lambda: link.close(unregister=True))
    server.receive(m.UnregisterMessage)
    server.send(m.UnregisterAckMessage())
    t.join(10)
    assert "error" not in box and link.station.keepalive_interval == 30
