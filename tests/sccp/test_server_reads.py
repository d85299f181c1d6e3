"""The SCCP listener's reads (issue 15): the messages of one read that go to the phone go
as one actor message, in order; a Register, an unknown or malformed message keeps its
place between them."""
from twisted.internet.address import IPv4Address as TwistedAddress
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransportWithDisconnection

from actors.phone import Received, ReceivedMany
from sccp.callcontrol import KeypadButtonMessage, OffHookMessage, OnHookMessage
from sccp.framing import encode
from sccp.message import RawMessage
from sccp.registration import KeepAliveMessage, RegisterMessage
from sccp.server import SCCPServerProtocol


class Ref:
    def __init__(self):
        self.told = []

    def tell(self, message):
        self.told.append(message)

    def is_alive(self):
        return True


def registered():
    phone = Ref()
    protocol = SCCPServerProtocol({"SEP000000000001": phone}, Clock())
    transport = StringTransportWithDisconnection(peerAddress=TwistedAddress("TCP", "127.0.0.1", 40000))
    transport.protocol = protocol
    protocol.makeConnection(transport)
    return protocol, phone



def test_a_register_and_what_follows_in_the_same_read_arrive_in_order():
    protocol, phone = registered()
    register = RegisterMessage(device_name="SEP000000000001")
    rest = [OffHookMessage(), KeypadButtonMessage(button=2), KeypadButtonMessage(button=0)]
    protocol.dataReceived(b"".join(map(encode, [register, *rest])))
    assert [type(m) for m in phone.told] == [Received, ReceivedMany]
    assert phone.told[0].message == register
    assert phone.told[1].messages == tuple(rest) and phone.told[1].link is protocol


def test_one_message_is_a_received_and_an_unknown_one_splits_the_run():
    protocol, phone = registered()
    protocol.dataReceived(encode(RegisterMessage(device_name="SEP000000000001")))
    phone.told.clear()
    protocol.dataReceived(encode(KeepAliveMessage()))
    assert phone.told == [Received(protocol, KeepAliveMessage())]
    phone.told.clear()
    unknown = RawMessage(0x7777, 0, b"\x01\x02")
    protocol.dataReceived(b"".join(map(encode, [OffHookMessage(), unknown, OnHookMessage(), KeepAliveMessage()])))
    assert phone.told == [Received(protocol, OffHookMessage()),
                          ReceivedMany(protocol, (OnHookMessage(), KeepAliveMessage()))]


def test_messages_after_a_read_that_closed_the_connection_are_not_told():
    protocol, phone = registered()
    protocol.dataReceived(encode(RegisterMessage(device_name="SEP000000000001")))
    protocol.close("test")
    phone.told.clear()
    protocol.dataReceived(b"".join(map(encode, [OffHookMessage(), OnHookMessage()])))
    assert phone.told == []
