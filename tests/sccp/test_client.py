"""The virtual phone's Twisted protocol: with StringTransport and task.Clock, and over
loopback TCP against a small fake server written here with the codec."""
import io

import pytest
import pytest_twisted
from twisted.internet import protocol, task
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from sccp import messages as m
from sccp.client import RegistrationRejected, StationDisconnected, StationProtocol, connect
from sccp.enums import CallState, SoftKeyEvent, Stimulus
from sccp.framing import Decoder, encode
from sccp.pcap import PcapWriter
from sccp.station import Registration, Station

DEVICE = "SEP001E4A34A35F"


class FakeServer(protocol.Protocol):
    """Just enough CME to register known devices: one line per phone, keepalives and
    unregistration answered, unknown devices rejected (and the connection closed)."""

    def __init__(self, known, keepalive=30):
        self.known, self.keepalive = known, keepalive
        self.decoder = Decoder()
        self.received: list[m.Message] = []

    def dataReceived(self, data):
        for msg in self.decoder.feed(data):
            self.received.append(msg)
            self.send(*self.answer(msg))

    def send(self, *messages):
        self.transport.write(b"".join(encode(msg) for msg in messages))

    def answer(self, msg):
        if isinstance(msg, m.RegisterMessage):
            if msg.device_name not in self.known:
                self.transport.loseConnection()
                return [m.RegisterRejectMessage(f"Unknown device {msg.device_name}")]
            return [m.RegisterAckMessage(keep_alive_interval=self.keepalive),
                    m.CapabilitiesReqMessage()]
        if isinstance(msg, m.ButtonTemplateReqMessage):
            return [m.ButtonTemplateResMessage(0, 1, 1, (m.Button(1, Stimulus.LINE),))]
        if isinstance(msg, m.LineStatReqMessage):
            return [m.LineStatResMessage(msg.line_number, "201", "Alice", "201")]
        if isinstance(msg, m.KeepAliveMessage):
            return [m.KeepAliveAckMessage()]
        if isinstance(msg, m.UnregisterMessage):
            return [m.UnregisterAckMessage()]
        return []


class FakeServerFactory(protocol.ServerFactory):
    def __init__(self, known, keepalive=30):
        self.known, self.keepalive = set(known), keepalive
        self.connections: list[FakeServer] = []

    def buildProtocol(self, addr):
        server = FakeServer(self.known, self.keepalive)
        server.factory = self
        self.connections.append(server)
        return server


@pytest.fixture
def fake_server():
    from twisted.internet import reactor

    factories = []

    def listen(known, keepalive=30):
        factory = FakeServerFactory(known, keepalive)
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        factories.append(port)
        return factory, port.getHost().port

    yield listen
    for port in factories:
        port.stopListening()


# -- with StringTransport and task.Clock -------------------------------------------------

def attach(station=None, **kwargs):
    clock = task.Clock()
    phone = StationProtocol(station or Station(DEVICE), clock=clock, **kwargs)
    transport = StringTransport()
    phone.makeConnection(transport)
    return phone, transport, clock


def sent(transport):
    """Messages the phone wrote since the last call."""
    data = transport.value()
    transport.clear()
    return Decoder().feed(data)


def serve(phone, *messages):
    phone.dataReceived(b"".join(encode(msg) for msg in messages))


def register(phone, transport, keepalive=30):
    serve(phone, m.RegisterAckMessage(keep_alive_interval=keepalive), m.CapabilitiesReqMessage(),
          m.ButtonTemplateResMessage(0, 1, 1, (m.Button(1, Stimulus.LINE),)),
          m.LineStatResMessage(1, "201"))
    transport.clear()


def test_register_is_sent_on_connection_with_the_local_address():
    phone, transport, _ = attach()
    [register_msg] = sent(transport)
    assert register_msg.name == "Register" and register_msg.device_name == DEVICE
    assert str(register_msg.station_ip) == transport.getHost().host


def test_replies_are_written_and_registration_awaited():
    phone, transport, _ = attach()
    sent(transport)
    registered = phone.when_registered()
    serve(phone, m.RegisterAckMessage(), m.CapabilitiesReqMessage())
    assert [msg.name for msg in sent(transport)] == ["CapabilitiesRes", "ButtonTemplateReq"]
    serve(phone, m.ButtonTemplateResMessage(0, 1, 1, (m.Button(1, Stimulus.LINE),)))
    assert "LineStatReq" in [msg.name for msg in sent(transport)]
    assert not registered.called
    serve(phone, m.LineStatResMessage(1, "201"))
    assert registered.called and registered.result is phone.station
    registered.addCallback(lambda _: None)


def test_messages_split_across_reads_are_applied_once_whole():
    phone, transport, _ = attach()
    data = encode(m.RegisterAckMessage(keep_alive_interval=15))
    phone.dataReceived(data[:5])
    assert phone.station.keepalive_interval is None
    phone.dataReceived(data[5:])
    assert phone.station.keepalive_interval == 15


def test_keepalive_every_interval_from_register_ack():
    phone, transport, clock = attach()
    register(phone, transport, keepalive=20)
    clock.advance(19.9)
    assert sent(transport) == []
    clock.advance(0.1)
    assert sent(transport) == [m.KeepAliveMessage()]
    clock.advance(20)
    assert sent(transport) == [m.KeepAliveMessage()]
    serve(phone, m.KeepAliveAckMessage())
    assert (phone.station.keepalives_sent, phone.station.keepalive_acks) == (2, 1)


def test_auto_answer_after_the_delay():
    phone, transport, clock = attach(Station(DEVICE, auto_answer=2))
    register(phone, transport)
    serve(phone, m.CallStateMessage(CallState.RING_IN, 1, 42))
    clock.advance(1.9)
    assert sent(transport) == []
    clock.advance(0.1)
    assert sent(transport) == [m.SoftKeyEventMessage(SoftKeyEvent.ANSWER, 1, 42)]


def test_no_auto_answer_when_the_call_stopped_ringing():
    phone, transport, clock = attach(Station(DEVICE, auto_answer=2))
    register(phone, transport)
    serve(phone, m.CallStateMessage(CallState.RING_IN, 1, 42),
          m.CallStateMessage(CallState.ON_HOOK, 1, 42))
    clock.advance(5)
    assert sent(transport) == []


def test_no_auto_answer_without_the_option():
    phone, transport, clock = attach()
    register(phone, transport)
    serve(phone, m.CallStateMessage(CallState.RING_IN, 1, 42))
    clock.advance(60)
    assert all(msg.name == "KeepAlive" for msg in sent(transport))
    assert phone.station.ringing(1)


def test_waits_for_ringing_and_call_state():
    phone, transport, _ = attach()
    register(phone, transport)
    ringing, connected = phone.when_ringing(line=1), phone.when_state(1, 7, CallState.CONNECTED)
    serve(phone, m.CallStateMessage(CallState.RING_IN, 2, 6))
    assert not ringing.called  # another line
    serve(phone, m.CallStateMessage(CallState.RING_IN, 1, 7))
    assert ringing.called and not connected.called
    phone.answer()
    assert sent(transport) == [m.SoftKeyEventMessage(SoftKeyEvent.ANSWER, 2, 6)]
    serve(phone, m.CallStateMessage(CallState.CONNECTED, 1, 7))
    assert connected.called
    done = phone.when(lambda s: s.in_call())
    assert done.called  # already true: fires at once


def test_actions_write_the_station_messages():
    phone, transport, _ = attach()
    register(phone, transport)
    phone.off_hook()
    serve(phone, m.CallStateMessage(CallState.OFF_HOOK, 1, 3))
    phone.dial("12")
    phone.enbloc("203")
    phone.stimulus(Stimulus.HOLD, 1, 3)
    phone.hold()
    phone.end_call()
    phone.on_hook()
    assert sent(transport) == [
        m.OffHookMessage(1, 0), m.KeypadButtonMessage(1, 1, 3), m.KeypadButtonMessage(2, 1, 3),
        m.EnblocCallMessage("203", 1), m.StimulusMessage(Stimulus.HOLD, 1, 3),
        m.SoftKeyEventMessage(SoftKeyEvent.HOLD, 1, 3),
        m.SoftKeyEventMessage(SoftKeyEvent.END_CALL, 1, 3), m.OnHookMessage(1, 3)]


def test_register_reject_fails_the_registration_wait():
    phone, transport, _ = attach()
    registered = phone.when_registered()
    serve(phone, m.RegisterRejectMessage("Unknown device"))
    failure = []
    registered.addErrback(failure.append)
    assert failure[0].check(RegistrationRejected)
    assert "Unknown device" in str(failure[0].value)


def test_connection_lost_fails_pending_waits_and_stops_timers():
    phone, transport, clock = attach(Station(DEVICE, auto_answer=5))
    register(phone, transport)
    serve(phone, m.CallStateMessage(CallState.RING_IN, 1, 9))
    waiting, closed = phone.when_state(1, 9, CallState.CONNECTED), phone.when_closed()
    phone.connectionLost(Failure(ConnectionDone("bye")))
    failure = []
    waiting.addErrback(failure.append)
    assert failure[0].check(StationDisconnected) and DEVICE in str(failure[0].value)
    assert closed.called
    assert phone.station.registration is Registration.DISCONNECTED
    assert clock.getDelayedCalls() == []
    later = []
    phone.when_registered().addErrback(later.append)
    assert later[0].check(StationDisconnected)


def test_framing_loss_closes_after_applying_what_came_before():
    phone, transport, _ = attach()
    phone.dataReceived(encode(m.RegisterAckMessage(keep_alive_interval=12)) + b"\xff\xff\xff\xff" * 3)
    assert phone.station.keepalive_interval == 12
    assert transport.disconnecting


def test_unregister_ack_closes_the_connection():
    phone, transport, _ = attach()
    register(phone, transport)
    assert phone.unregister() == [m.UnregisterMessage()]
    assert not transport.disconnecting
    serve(phone, m.UnregisterAckMessage())
    assert transport.disconnecting


def test_tap_sees_both_directions_as_sent():
    seen = []
    phone, transport, _ = attach(tap=lambda direction, data: seen.append((direction, data)))
    serve(phone, m.RegisterAckMessage(), m.CapabilitiesReqMessage())
    out = b"".join(data for direction, data in seen if direction == "out")
    assert out == transport.value()
    incoming = b"".join(data for direction, data in seen if direction == "in")
    assert Decoder().feed(incoming) == [m.RegisterAckMessage(), m.CapabilitiesReqMessage()]


# -- over loopback TCP ------------------------------------------------------------------

@pytest_twisted.inlineCallbacks
def test_registers_keeps_alive_and_unregisters_over_tcp(fake_server):
    from twisted.internet import reactor

    factory, port = fake_server([DEVICE])
    streams = {"in": bytearray(), "out": bytearray()}
    phone = yield connect(reactor, "127.0.0.1", port, Station(DEVICE),
                          tap=lambda direction, data: streams[direction].extend(data))
    station = yield phone.when_registered()
    assert station.lines[1].number == "201" and station.keepalive_interval == 30
    phone.keepalive()
    yield phone.when(lambda s: s.keepalive_acks == 1)
    phone.unregister()
    yield phone.when_closed()
    assert station.registration is Registration.DISCONNECTED
    names = [msg.name for msg in factory.connections[0].received]
    assert names[:3] == ["Register", "CapabilitiesRes", "ButtonTemplateReq"]
    assert names[-2:] == ["KeepAlive", "Unregister"]
    # the tap holds both directions whole: enough for a pcap tshark can read
    out = io.BytesIO()
    stream = PcapWriter(out).tcp_stream()
    stream.client_sends(bytes(streams["out"]))
    stream.server_sends(bytes(streams["in"]))
    assert Decoder().feed(bytes(streams["out"])) == factory.connections[0].received
    assert len(out.getvalue()) > len(streams["out"]) + len(streams["in"])


@pytest_twisted.inlineCallbacks
def test_unknown_device_is_rejected_over_tcp(fake_server):
    from twisted.internet import reactor

    _, port = fake_server([])
    phone = yield connect(reactor, "127.0.0.1", port, Station("SEP000000000001"))
    with pytest.raises(RegistrationRejected, match="Unknown device SEP000000000001"):
        yield phone.when_registered()
    yield phone.when_closed()


# -- many phones: sccp.phonebank ------------------------------------------------------------

from twisted.internet.testing import MemoryReactorClock  # noqa: E402

from sccp.enums import DeviceType  # noqa: E402
from sccp.phonebank import PhoneBank, raise_open_files_limit  # noqa: E402


def devices(n, start=0):
    return [(f"SEP{0xA0000 + start + i:012X}", DeviceType.CISCO_7961) for i in range(n)]


def accept(bank_phone, reply_with):
    """Connect one bank phone to a StringTransport and play the server's side."""
    protocol = bank_phone.buildProtocol(None)
    protocol.makeConnection(StringTransport())
    serve(protocol, *reply_with)
    return protocol


REGISTERED = (m.RegisterAckMessage(), m.ButtonTemplateResMessage(0, 1, 1, (m.Button(1, Stimulus.LINE),)),
              m.LineStatResMessage(1, "1000"))


def test_bank_staggers_connection_starts():
    reactor = MemoryReactorClock()
    bank = PhoneBank("127.0.0.1", 2000, devices(5), reactor=reactor, stagger=1.0)
    bank.start()
    assert len(reactor.tcpClients) == 1
    reactor.advance(1)
    assert len(reactor.tcpClients) == 2
    reactor.advance(2.5)  # a late tick starts every phone that is due, not just one
    assert len(reactor.tcpClients) == 4
    reactor.advance(1)
    assert [c[:2] for c in reactor.tcpClients] == [("127.0.0.1", 2000)] * 5
    assert reactor.getDelayedCalls() == []


def test_bank_default_stagger_starts_ten_thousand_phones_within_ten_seconds():
    reactor = MemoryReactorClock()
    bank = PhoneBank("127.0.0.1", 2000, devices(10_000), reactor=reactor)
    bank.start()
    reactor.pump([0.5] * 10)
    assert 4_000 < len(reactor.tcpClients) < 6_000  # a stream, not a burst
    reactor.pump([0.5] * 10)
    assert len(reactor.tcpClients) == 10_000
    assert len({bank.rtp_port(i) for i in range(10_000)}) == 10_000


def test_bank_progress_outcomes_and_summary():
    reactor = MemoryReactorClock()
    seen = []
    bank = PhoneBank("127.0.0.1", 2000, devices(4), reactor=reactor, stagger=0,
                     progress=lambda p: seen.append((p.registered, p.rejected, p.failed, p.connecting)))
    done = bank.start()
    first, second, third, fourth = bank.phones
    assert bank.summary().connecting == 0 and bank.summary().waiting == 4
    accept(first, REGISTERED)
    ringing = accept(second, REGISTERED + (m.CallStateMessage(CallState.RING_IN, 1, 5),))
    accept(third, (m.RegisterRejectMessage("Unknown device"),))
    assert not done.called
    assert bank.summary().as_dict() == dict(total=4, waiting=1, connecting=0, registered=2,
                                            rejected=1, disconnected=0, ringing=1, in_call=0)
    serve(ringing, m.CallStateMessage(CallState.CONNECTED, 1, 5))
    assert (bank.summary().ringing, bank.summary().in_call) == (0, 1)
    assert bank.summary().line() == "registered 2  ringing 0  in call 1  disconnected 0  rejected 1"
    fourth.clientConnectionFailed(reactor.connectors[3], Failure(ConnectionRefusedError()))
    assert done.called and done.result.failed == 1 and done.result.registered == 2
    assert seen[-1] == (2, 1, 1, 0)
    assert bank.rejections() == {third.device_name: "Unknown device"}
    done.addCallback(lambda _: None)


def test_bank_stations_get_options_and_their_own_rtp_port():
    reactor = MemoryReactorClock()
    bank = PhoneBank("127.0.0.1", 2000, devices(2), reactor=reactor, auto_answer=3,
                     rtp_base_port=30000)
    bank.start()
    first = bank.phones[1].buildProtocol(None)
    assert (first.station.rtp_port, first.station.auto_answer) == (30002, 3)
    assert first.station.device_name == devices(2)[1][0]


class CountingConnector:
    def __init__(self):
        self.connects = 0

    def connect(self):
        self.connects += 1

    def stopConnecting(self):
        pass


def test_bank_reconnects_with_backoff_but_not_after_a_reject():
    reactor = MemoryReactorClock()
    bank = PhoneBank("127.0.0.1", 2000, devices(2), reactor=reactor, reconnect=True)
    bank.start()
    reactor.advance(1)
    lost, rejected = bank.phones
    accept(lost, REGISTERED)
    accept(rejected, (m.RegisterRejectMessage("no"),))
    connectors = CountingConnector(), CountingConnector()
    for phone, connector in zip(bank.phones, connectors):
        phone.protocol.connectionLost(Failure(ConnectionDone()))
        phone.clientConnectionLost(connector, Failure(ConnectionDone()))
    reactor.advance(0.1)
    assert connectors[0].connects == 0  # backoff: not at once
    reactor.advance(60)
    assert [c.connects for c in connectors] == [1, 0]
    assert bank.summary().disconnected == 1 and bank.summary().rejected == 1


def test_bank_without_reconnect_does_not_retry():
    reactor = MemoryReactorClock()
    bank = PhoneBank("127.0.0.1", 2000, devices(1), reactor=reactor)
    bank.start()
    accept(bank.phones[0], REGISTERED)
    connector = CountingConnector()
    bank.phones[0].clientConnectionLost(connector, Failure(ConnectionDone()))
    reactor.advance(120)
    assert connector.connects == 0


def test_open_files_limit_is_raised_to_the_hard_limit():
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        if soft == hard and hard != resource.RLIM_INFINITY and hard > 64:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard - 1, hard))
        assert raise_open_files_limit() == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if hard != resource.RLIM_INFINITY:
            assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest_twisted.inlineCallbacks
def test_bank_registers_over_tcp_and_stops_with_unregister(fake_server):
    from twisted.internet import reactor

    phones = devices(20)
    factory, port = fake_server([name for name, _ in phones[:18]])
    bank = PhoneBank("127.0.0.1", port, phones, reactor=reactor, stagger=0.0005)
    progress = yield bank.start()
    assert (progress.registered, progress.rejected, progress.failed) == (18, 2, 0)
    summary = bank.summary()
    assert (summary.registered, summary.rejected) == (18, 2)
    final = yield bank.stop()
    assert final.registered == 0 and final.disconnected == 18
    unregistered = [c for c in factory.connections
                    if any(isinstance(msg, m.UnregisterMessage) for msg in c.received)]
    assert len(unregistered) == 18
    assert all(not phone.protocol.connected for phone in bank.phones)


def test_reset_closes_the_connection_but_apply_config_does_not():
    phone, transport, _ = attach()
    register(phone, transport)
    serve(phone, m.ResetMessage(3))
    assert not transport.disconnecting and phone.station.reset == 3
    serve(phone, m.ResetMessage(2))
    assert transport.disconnecting


def test_a_broken_predicate_fails_its_wait_only():
    phone, transport, _ = attach()
    at_once = phone.when(lambda s: s.keepalive_interval > 10)  # None > 10 until RegisterAck
    later = phone.when(lambda s: s.keepalive_interval and s.lines[1].label == "x")
    registered = phone.when_registered()
    failures = []
    at_once.addErrback(failures.append)
    later.addErrback(failures.append)
    assert len(failures) == 1 and failures[0].check(TypeError)
    register(phone, transport)  # the RegisterAck makes `later` look up a line not there yet
    assert len(failures) == 2 and failures[1].check(KeyError)
    assert registered.called and not transport.disconnecting
