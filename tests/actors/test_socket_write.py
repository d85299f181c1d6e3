"""write_now on a real loopback TCP connection (issue 15): with nothing queued the data is
on the wire before the reactor turns; with something queued it waits behind it, so the
peer reads every byte once, in order; anything that is not plain TCP is given to write()."""
import socket

import pytest_twisted
from twisted.internet import defer, protocol, reactor, task
from twisted.internet.testing import StringTransport

from actors.socket_write import write_now


class Held(protocol.Protocol):
    def connectionMade(self):
        self.factory.made.callback(self)


@defer.inlineCallbacks
def connected_pair():
    """(the server side's Twisted transport, the client's blocking socket)."""
    factory = protocol.Factory.forProtocol(Held)
    factory.made = defer.Deferred()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client = socket.create_connection(("127.0.0.1", port.getHost().port))
    server = yield factory.made
    return port, server.transport, client


def read_exactly(sock, n, timeout=5.0):
    sock.settimeout(timeout)
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        assert chunk, "connection closed early"
        out += chunk
    return bytes(out)


@pytest_twisted.inlineCallbacks
def test_nothing_queued_means_sent_before_the_reactor_turns():
    port, transport, client = yield connected_pair()
    try:
        write_now(transport, b"RegisterAck")
        # no reactor turn between the write and this read: only a direct send can deliver it
        assert read_exactly(client, 11) == b"RegisterAck"
        assert not transport._tempDataBuffer and not transport.dataBuffer
    finally:
        client.close()
        yield port.stopListening()


@pytest_twisted.inlineCallbacks
def test_a_full_socket_queues_the_rest_and_later_writes_wait_behind_it():
    port, transport, client = yield connected_pair()
    try:
        transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        big = bytes(range(256)) * 1024  # 256 KiB: more than the small buffers take at once
        write_now(transport, big)
        assert transport._tempDataBuffer, "the part the kernel did not take is queued"
        write_now(transport, b"tail")  # must not overtake what is queued
        assert transport._tempDataBuffer[-1] == b"tail"
        received = bytearray()
        client.setblocking(False)
        while len(received) < len(big) + 4:
            try:
                received += client.recv(1 << 16)
            except BlockingIOError:
                yield task.deferLater(reactor, 0, lambda: None)  # let Twisted flush
        assert bytes(received) == big + b"tail"
    finally:
        client.close()
        yield port.stopListening()


@pytest_twisted.inlineCallbacks
def test_after_lose_connection_the_data_goes_through_write():
    port, transport, client = yield connected_pair()
    try:
        transport.loseConnection()
        write_now(transport, b"late")  # not sent by us: Twisted's write() decides what happens
        assert transport._tempDataBuffer == [b"late"]
    finally:
        client.close()
        yield port.stopListening()


def test_other_transports_get_write():
    transport = StringTransport()
    write_now(transport, b"one")
    write_now(transport, b"two")
    assert transport.value() == b"onetwo"


class Counting(StringTransport):
    def __init__(self):
        super().__init__()
        self.writes = 0

    def write(self, data):
        self.writes += 1
        super().write(data)


def test_a_pass_of_the_runtime_sends_each_connection_its_writes_once_in_order():
    from actors.socket_write import TurnWrites

    writes, a, b = TurnWrites(), Counting(), Counting()
    writes.hold()
    writes.write(a, b"1")
    writes.write(b, b"x")
    writes.write(a, b"2")
    writes.hold()  # a nested pass (run_until_idle inside a handler) does not flush
    writes.write(a, b"3")
    writes.release()
    assert a.writes == b.writes == 0
    writes.release()
    assert (a.value(), a.writes, b.value(), b.writes) == (b"123", 1, b"x", 1)
    writes.write(a, b"4")  # outside a pass: at once
    assert (a.value(), a.writes) == (b"1234", 2)


def test_flush_before_close_and_nothing_kept_for_a_lost_connection():
    from actors.socket_write import TurnWrites

    writes, a, b = TurnWrites(), Counting(), Counting()
    writes.hold()
    writes.write(a, b"bye")
    writes.flush(a)  # what a protocol does before loseConnection
    assert a.value() == b"bye"
    writes.write(b, b"lost")
    writes.discard(b)  # connectionLost
    writes.release()
    assert b.value() == b"" and a.writes == 1


def test_the_runtime_holds_the_writes_while_it_handles_messages():
    from actors.runtime import ReactorActor, Runtime, set_runtime

    transport = Counting()

    class Writer(ReactorActor):
        def on_receive(self, message):
            from actors.socket_write import TURN_WRITES
            TURN_WRITES.write(transport, message)

    runtime = Runtime(reactor=task.Clock())
    previous = set_runtime(runtime)
    try:
        refs = [Writer.start() for _ in range(3)]
        for i, ref in enumerate(refs):
            ref.tell(b"%d" % i)
        runtime.run_until_idle()
        assert (transport.value(), transport.writes) == (b"012", 1)
        runtime.stop_all()
    finally:
        set_runtime(previous)


def test_a_transport_that_fails_does_not_keep_the_others_data():
    from twisted.logger import globalLogPublisher

    from actors.socket_write import TurnWrites

    class Broken(StringTransport):
        def write(self, data):
            raise RuntimeError("broken")

    logged = []
    globalLogPublisher.addObserver(logged.append)
    try:
        writes, broken, good = TurnWrites(), Broken(), Counting()
        writes.hold()
        writes.write(broken, b"lost")
        writes.write(good, b"kept")
        writes.release()
    finally:
        globalLogPublisher.removeObserver(logged.append)
    assert good.value() == b"kept"
    assert any(e.get("log_failure") is not None for e in logged)
