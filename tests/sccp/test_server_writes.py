"""The SCCP listener's writes (issue 15): one call step's messages leave in one transport
write, in order, byte for byte what sending each would write; nothing after close."""
from twisted.internet.address import IPv4Address as TwistedAddress
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransportWithDisconnection

from sccp import presenter as show
from sccp.framing import encode
from sccp.server import SCCPServerProtocol


class CountingTransport(StringTransportWithDisconnection):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.writes = 0

    def write(self, data):
        self.writes += 1
        super().write(data)


def connected():
    protocol = SCCPServerProtocol({}, Clock())
    transport = CountingTransport(peerAddress=TwistedAddress("TCP", "127.0.0.1", 40000))
    transport.protocol = protocol
    protocol.makeConnection(transport)
    return protocol, transport


def test_a_step_is_one_write_with_the_bytes_of_each_message_in_order():
    protocol, transport = connected()
    messages = show.on_hook(1, 7)
    protocol.send_all(messages)
    assert transport.writes == 1
    assert transport.value() == b"".join(encode(message) for message in messages)
    one_by_one, transport_2 = connected()
    for message in messages:
        one_by_one.send(message)
    assert transport_2.value() == transport.value() and transport_2.writes == len(messages)


def test_nothing_is_written_for_no_messages_or_after_close():
    protocol, transport = connected()
    protocol.send_all([])
    assert transport.writes == 0
    protocol.close("test")
    protocol.send_all(show.off_hook(1, 8))
    assert transport.value() == b"" and transport.writes == 0
