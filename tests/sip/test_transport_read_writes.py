"""What the core answers at once to the messages of one read leaves as one write when the
read is handled (sip.transport holds actors.socket_write.TURN_WRITES around the dispatch),
in the order answered; a framing error still answers and closes."""
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from sip.transport import SIPStreamFactory
from sip.core import UASCore
from twisted.internet import task
from tests.sip.test_transport import options, responses


class CountingTransport(StringTransport):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writes = []

    def write(self, data):
        self.writes.append(data)
        super().write(data)


def connection():
    proto = SIPStreamFactory(UASCore(task.Clock())).buildProtocol(None)
    transport = CountingTransport(peerAddress=IPv4Address("TCP", "192.0.2.7", 5070))
    proto.makeConnection(transport)
    return proto, transport


def test_the_answers_to_one_read_are_one_write_in_order():
    proto, transport = connection()
    proto.dataReceived(b"".join(options(branch=f"z9hG4bKopt{i}") for i in range(5)))
    assert len(transport.writes) == 1
    got = responses(transport.value())
    assert [r.headers.get("Via").rsplit("=", 1)[1] for r in got] == [f"z9hG4bKopt{i}" for i in range(5)]
    assert all(r.status == 200 for r in got)
    proto.dataReceived(options(branch="z9hG4bKlater"))  # a later read: its own write
    assert len(transport.writes) == 2


def test_a_framing_error_after_good_messages_answers_all_then_closes():
    proto, transport = connection()
    bad = options(branch="z9hG4bKbad").replace(b"Content-Length: 0", b"Content-Length: zz")
    proto.dataReceived(options() + bad)
    statuses = [r.status for r in responses(transport.value())]
    assert statuses == [200, 400]
    assert transport.disconnecting
