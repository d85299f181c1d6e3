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
