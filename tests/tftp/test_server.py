"""The TFTP server protocol over a fake reactor: a task.Clock whose listenUDP hands out
in-memory ports that record what is written, so every datagram and every port opened or
closed is seen."""
import pytest
from twisted.internet import task
from twisted.internet.error import CannotListenError

from tftp import packets as p
from tftp import tftp_service
from tftp.files import MemoryFiles
from tftp.server import TFTPServer

CLIENT = ("192.0.2.10", 50000)


class FakePort:
    """A UDP port: ``written`` holds (decoded packet, destination)."""

    def __init__(self, number, proto):
        self.number, self.protocol = number, proto
        self.written = []
        self.listening = True

    def write(self, data, addr):
        self.written.append((p.decode(data), addr))

    def stopListening(self):
        self.listening = False
        self.protocol.doStop()

    def take(self):
        out, self.written = self.written, []
        return out


class FakeReactor(task.Clock):
    def __init__(self, refuse=False):
        super().__init__()
        self.ports = []
        self.refuse = refuse

    def listenUDP(self, port, proto, interface="", maxPacketSize=8192):
        if self.refuse:
            raise CannotListenError(interface, port, "no ports left")
        fake = FakePort(port or 40000 + len(self.ports), proto)
        self.ports.append(fake)
        proto.makeConnection(fake)
        return fake


FILES = MemoryFiles({"SEP001122334455.cnf.xml": b"x" * 700, "small.txt": b"line\n"})


@pytest.fixture
def reactor():
    return FakeReactor()


def listening(reactor, **kw):
    server = TFTPServer(FILES, clock=reactor, interface="127.0.0.1", **kw)
    port = reactor.listenUDP(69, server)
    return server, port


def rrq(name, mode="octet", **options):
    return p.ReadRequest(name, mode, {k: str(v) for k, v in options.items()}).encode()


def test_an_rrq_gets_its_own_port_which_sends_the_file_and_closes(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(rrq("/sep001122334455.CNF.xml"), CLIENT)
    assert port69.take() == []  # nothing comes from port 69
    transfer = reactor.ports[1]
    assert transfer.number == 40001 and transfer.take() == [(p.Data(1, b"x" * 512), CLIENT)]
    transfer.protocol.datagramReceived(p.Ack(1).encode(), CLIENT)
    assert transfer.take() == [(p.Data(2, b"x" * 188), CLIENT)]
    transfer.protocol.datagramReceived(p.Ack(2).encode(), CLIENT)
    assert not transfer.listening and server.transfers == {} and server.served == 1
    assert not reactor.getDelayedCalls()


def test_options_are_negotiated_with_tsize_from_the_file(reactor):
    server, _ = listening(reactor)
    server.datagramReceived(rrq("small.txt", "netascii", blksize=2000, tsize=0), CLIENT)
    transfer = reactor.ports[1]
    assert transfer.take() == [(p.OptionAck({"blksize": "1468", "tsize": "6"}), CLIENT)]
    transfer.protocol.datagramReceived(p.Ack(0).encode(), CLIENT)
    assert transfer.take() == [(p.Data(1, b"line\r\n"), CLIENT)]  # netascii


def test_wrq_is_an_access_violation_from_port_69_and_opens_nothing(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(p.WriteRequest("SEP001122334455.cnf.xml").encode(), CLIENT)
    assert port69.take() == [(p.Error(2, "Access violation"), CLIENT)]
    assert len(reactor.ports) == 1


def test_an_unknown_file_is_file_not_found(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(rrq("CTLSEP001122334455.tlv"), CLIENT)
    assert port69.take() == [(p.Error(1, "File not found"), CLIENT)]
    assert len(reactor.ports) == 1


def test_a_refused_name_is_an_access_violation(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(rrq("../SEP001122334455.cnf.xml"), CLIENT)
    assert port69.take() == [(p.Error(2, "Access violation"), CLIENT)]


def test_a_malformed_request_gets_one_error_with_the_reason(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(b"\x00\x01name\x00mail\x00", CLIENT)
    (error, to), = port69.take()
    assert to == CLIENT and error.code == 4 and "mail" in error.message
    server.datagramReceived(b"\x00\x01n\x00octet\x00tsize\x000\x00tsize\x000\x00", CLIENT)
    assert port69.take()[0][0].code == 8


def test_stray_packets_on_port_69_are_not_answered(reactor):
    server, port69 = listening(reactor)
    for packet in (p.Ack(1), p.Data(1, b"x"), p.Error(0, "x"), p.OptionAck({"a": "1"})):
        server.datagramReceived(packet.encode(), CLIENT)
    assert port69.take() == []


def test_wrong_tid_gets_error_5_to_that_source_and_the_transfer_goes_on(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(rrq("SEP001122334455.cnf.xml"), CLIENT)
    transfer = reactor.ports[1]
    transfer.take()
    intruder = ("192.0.2.10", 50001)
    transfer.protocol.datagramReceived(p.Ack(1).encode(), intruder)
    assert transfer.take() == [(p.Error(5, "Unknown transfer ID"), intruder)]
    assert transfer.listening
    transfer.protocol.datagramReceived(p.Ack(1).encode(), CLIENT)
    assert transfer.take() == [(p.Data(2, b"x" * 188), CLIENT)]


def test_a_retransmitted_rrq_is_ignored_while_its_transfer_goes_on(reactor):
    server, port69 = listening(reactor)
    server.datagramReceived(rrq("SEP001122334455.cnf.xml"), CLIENT)
    server.datagramReceived(rrq("SEP001122334455.cnf.xml"), CLIENT)
    assert len(reactor.ports) == 2 and port69.take() == []
    assert len(reactor.ports[1].take()) == 1  # one DATA 1, not two


def test_per_address_limit_then_total_limit_one_error_per_request(reactor):
    server, port69 = listening(reactor, max_per_address=2, max_transfers=3)
    for n in range(3):
        server.datagramReceived(rrq("small.txt"), ("192.0.2.10", 50000 + n))
    assert len(server.transfers) == 2
    assert port69.take() == [(p.Error(0, "too many transfers"), ("192.0.2.10", 50002))]
    server.datagramReceived(rrq("small.txt"), ("192.0.2.11", 50000))
    server.datagramReceived(rrq("small.txt"), ("192.0.2.12", 50000))
    assert len(server.transfers) == 3
    assert port69.take() == [(p.Error(0, "too many transfers"), ("192.0.2.12", 50000))]
    assert len(reactor.ports) == 1 + 3


def test_a_transfer_that_gets_no_ack_gives_up_and_frees_its_slot(reactor):
    server, _ = listening(reactor, max_retries=2, timeout=2, max_per_address=1)
    server.datagramReceived(rrq("small.txt"), CLIENT)
    transfer = reactor.ports[1]
    reactor.advance(2)
    reactor.advance(2)
    assert len(transfer.take()) == 3 and transfer.listening
    reactor.advance(2)
    assert not transfer.listening and server.transfers == {} and server.served == 0
    server.datagramReceived(rrq("small.txt"), CLIENT)  # a new request is served again
    assert len(reactor.ports) == 3


def test_no_port_for_a_transfer_is_error_0(reactor):
    server = TFTPServer(FILES, clock=FakeReactor(refuse=True))
    server.makeConnection(port69 := FakePort(69, server))
    server.datagramReceived(rrq("small.txt"), CLIENT)
    assert port69.take() == [(p.Error(0, "no port for the transfer"), CLIENT)]
    assert server.transfers == {}


def test_a_lookup_that_raises_is_error_0_and_logged(reactor):
    class Broken:
        def lookup(self, name):
            raise OSError("disk gone")

    server = TFTPServer(Broken(), clock=reactor)
    port69 = reactor.listenUDP(69, server)
    server.datagramReceived(rrq("a"), CLIENT)
    assert port69.take() == [(p.Error(0, "cannot read the file"), CLIENT)]


def test_stopping_the_service_closes_every_transfer(reactor):
    service = tftp_service(FILES, "127.0.0.1", 6969, clock=reactor)
    assert service.name == "tftp"
    service.startService()
    port69 = reactor.ports[0]
    assert port69.number == 6969
    port69.protocol.datagramReceived(rrq("small.txt"), CLIENT)
    transfer = reactor.ports[1]
    service.stopService()
    assert not transfer.listening and not port69.listening
    assert not reactor.getDelayedCalls()
