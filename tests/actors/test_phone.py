"""Phone registration through the SCCP protocol, with fake transports and a fake clock."""
from ipaddress import IPv4Address

import pytest
from twisted.internet import task
from twisted.internet.address import IPv4Address as TwistedAddress
from twisted.internet.testing import StringTransportWithDisconnection

import conf
from actors.runtime import Runtime, set_runtime
from cme.telephony import Telephony
from sccp import registration as R
from sccp import device as D
from sccp.callcontrol import DisplayPromptStatusMessage, SelectSoftKeysMessage
from sccp.enums import DeviceType, Stimulus
from sccp.framing import Decoder, encode
from sccp.server import MAX_IGNORED_BEFORE_REGISTER, REGISTER_TIMEOUT, SCCPServerFactory

CONFIG = """
hostname lab
telephony-service
 ip source-address 127.0.0.1 port 2000
 max-ephones 2
 keepalive 30
ephone-dn 1 dual-line
 number 201
 name Alice
 label Alice 201
 call-forward all 2424
ephone-dn 2
 number 202
ephone-dn 3
 number 203
ephone-dn 4
 number 204
 cti notify
voice logout-profile 1
 number 203 type normal
ephone 1
 mac-address 001E.4A34.A35F
 type 7961
 button 1:1 3:2
ephone 2
 mac-address 000F.8FC7.B681
 type 7960
 button 1:2
ephone 3
 mac-address 0019.E7FF.1E30
 type 7961
 logout-profile 1
"""

PHONE1, PHONE2, PHONE3 = "SEP001E4A34A35F", "SEP000F8FC7B681", "SEP0019E7FF1E30"


class Peer:
    """One TCP connection to the server, as a phone would hold it."""

    def __init__(self, lab, port):
        self.lab = lab
        self.protocol = SCCPServerFactory(lab.telephony.directory, lab.telephony.clock).buildProtocol(None)
        self.transport = StringTransportWithDisconnection(peerAddress=TwistedAddress("TCP", "127.0.0.1", port))
        self.transport.protocol = self.protocol
        self.protocol.makeConnection(self.transport)
        self.decoder = Decoder()

    def send(self, *messages):
        for m in messages:
            self.protocol.dataReceived(encode(m))
        self.lab.runtime.run_until_idle()

    def send_bytes(self, data):
        self.protocol.dataReceived(data)
        self.lab.runtime.run_until_idle()

    def received(self):
        data = self.transport.value()
        self.transport.clear()
        return self.decoder.feed(data)

    @property
    def closed(self):
        return not self.transport.connected

    def register(self, device, **kw):
        self.send(R.RegisterMessage(device_name=device, station_ip=IPv4Address("127.0.0.1"),
                                    device_type=DeviceType.CISCO_7961, max_streams=5, protocol_version=11, **kw))
        return self.received()


class Lab:
    def __init__(self, text=CONFIG):
        self.clock = task.Clock()
        self.clock.advance(1_700_000_000)
        self.runtime = Runtime(self.clock)
        self.previous = set_runtime(self.runtime)
        result = conf.parse_text(text, filename="lab.cfg")
        # The one error allowed: three ephones against max-ephones 2, which loads anyway
        # (as on a router) and is what the registration limit is tested with.
        assert [f.message for f in result.errors] in ([], ["% ephone 3 exceeds max-ephones 2 (3 configured)"])
        self.config = result.config
        self.telephony = Telephony(self.config, clock=self.clock)
        self.telephony.start()
        self.ports = iter(range(50000, 60000))

    def connect(self):
        return Peer(self, next(self.ports))

    def phone(self, device):
        return self.telephony.board.phones[device]

    def line(self, tag):
        return self.telephony.board.lines[tag]

    def close(self):
        self.runtime.stop_all()
        set_runtime(self.previous)


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()


def names(messages):
    return [m.name for m in messages]


def full_registration(peer, device):
    out = peer.register(device)
    peer.send(R.CapabilitiesResMessage(cap_count=0))
    return out


def test_register_is_acked_with_the_configured_keepalive_and_capabilities_requested(lab):
    peer = lab.connect()
    out = peer.register(PHONE1)
    assert names(out) == ["RegisterAck", "CapabilitiesReq"]
    ack = out[0]
    assert ack.keep_alive_interval == 30 and ack.secondary_keep_alive_interval == 30
    assert ack.max_protocol_version == 11 and ack.header_version == 0
    assert lab.phone(PHONE1).state == "registering"
    peer.send(R.CapabilitiesResMessage(cap_count=0))
    assert lab.phone(PHONE1).state == "registered"
    assert lab.phone(PHONE1).ip == "127.0.0.1"
    assert lab.telephony.board.live == 1


def test_every_request_of_the_registration_sequence_is_answered(lab):
    peer = lab.connect()
    full_registration(peer, PHONE1)
    peer.received()
    peer.send(D.ButtonTemplateReqMessage())
    (tmpl,) = peer.received()
    assert tmpl.name == "ButtonTemplateRes" and tmpl.total_button_count == 6
    kinds = [(b.instance, b.definition) for b in tmpl.buttons]
    assert kinds[:3] == [(1, Stimulus.LINE), (0, Stimulus.UNDEFINED), (2, Stimulus.LINE)]
    peer.send(D.SoftKeyTemplateReqMessage())
    (skt,) = peer.received()
    assert skt.name == "SoftKeyTemplateRes" and skt.total_soft_key_count == len(skt.definitions) > 10
    peer.send(D.SoftKeySetReqMessage())
    sets, select, prompt = peer.received()
    assert sets.name == "SoftKeySetRes" and sets.total_soft_key_set_count == 12
    assert isinstance(select, SelectSoftKeysMessage) and select.soft_key_set == 0
    assert isinstance(prompt, DisplayPromptStatusMessage) and prompt.text == "lab CME"
    peer.send(D.LineStatReqMessage(line_number=1), D.LineStatReqMessage(line_number=2), D.LineStatReqMessage(line_number=9))
    l1, l2, l9 = peer.received()
    assert (l1.directory_number, l1.fully_qualified_name, l1.text_label) == ("201", "Alice", "Alice 201")
    assert (l2.line_number, l2.directory_number, l2.text_label) == (2, "202", "202")
    assert (l9.line_number, l9.directory_number) == (9, "")
    peer.send(D.ForwardStatReqMessage(line_number=1), D.ForwardStatReqMessage(line_number=2))
    f1, f2 = peer.received()
    assert (f1.forward_all_active, f1.forward_all_number) == (1, "2424")
    assert (f2.forward_all_active, f2.forward_all_number) == (0, "")
    peer.send(D.SpeedDialStatReqMessage(speed_dial_number=1), D.FeatureStatReqMessage(feature_index=1),
              D.ConfigStatReqMessage(), D.TimeDateReqMessage(), D.VersionReqMessage(),
              R.RegisterAvailableLinesMessage(max_num_of_avail_lines=6))
    out = peer.received()
    assert names(out) == ["SpeedDialStatRes", "FeatureStatRes", "ConfigStatRes", "DefineTimeDate", "VersionRes"]
    config_stat, timedate = out[2], out[3]
    assert config_stat.device_name == PHONE1 and config_stat.number_of_lines == 2
    assert timedate.system_time == 1_700_000_000 and timedate.year == 2023


def test_lines_come_up_with_their_phone_and_cti_notify_is_always_up(lab):
    assert lab.line(1).state == "down" and lab.line(4).state == "idle"
    peer = lab.connect()
    full_registration(peer, PHONE1)
    assert lab.line(1).state == "idle" and lab.line(1).phones == {PHONE1}
    assert lab.line(2).state == "idle"
    assert lab.line(3).state == "down"
    peer.send(R.UnregisterMessage())
    assert "UnregisterAck" in names(peer.received())
    assert lab.phone(PHONE1).state == "unregistered"
    assert lab.line(1).state == "down" and lab.line(1).phones == set()
    assert peer.closed


def test_logout_profile_gives_an_em_phone_its_buttons(lab):
    peer = lab.connect()
    full_registration(peer, PHONE3)
    peer.received()
    peer.send(D.LineStatReqMessage(line_number=1))
    (stat,) = peer.received()
    assert stat.directory_number == "203"
    assert lab.line(3).phones == {PHONE3}


def test_unknown_device_is_rejected_with_a_readable_reason(lab):
    peer = lab.connect()
    out = peer.register("SEP111122223333")
    assert names(out) == ["RegisterReject"]
    assert out[0].text == "Unknown device SEP111122223333"
    assert peer.closed


def test_a_device_name_that_is_not_sep_is_rejected(lab):
    peer = lab.connect()
    out = peer.register("\x01\x02garbage")
    assert names(out) == ["RegisterReject"] and "Unknown device" in out[0].text
    assert peer.closed


def test_max_ephones_rejects_the_phone_beyond_it(lab):
    a, b, c = lab.connect(), lab.connect(), lab.connect()
    full_registration(a, PHONE1)
    full_registration(b, PHONE2)
    out = c.register(PHONE3)
    assert names(out) == ["RegisterReject"] and "max-ephones 2" in out[0].text
    assert lab.phone(PHONE3).state == "rejected" and c.closed
    # A slot freed is a slot to take.
    a.send(R.UnregisterMessage())
    d = lab.connect()
    assert names(d.register(PHONE3)) == ["RegisterAck", "CapabilitiesReq"]


def test_silence_for_two_keepalive_intervals_unregisters_and_closes(lab):
    peer = lab.connect()
    full_registration(peer, PHONE1)
    peer.received()
    lab.clock.advance(25)
    peer.send(R.KeepAliveMessage())
    assert names(peer.received()) == ["KeepAliveAck"]
    lab.clock.advance(59)  # 59 s since the last sign of life: still within 2 x 30 s
    lab.runtime.run_until_idle()
    assert lab.phone(PHONE1).state == "registered" and not peer.closed
    lab.clock.advance(1)
    lab.runtime.run_until_idle()
    assert lab.phone(PHONE1).state == "unregistered"
    assert "no keepalive" in lab.phone(PHONE1).reason
    assert peer.closed and lab.line(1).state == "down"
    assert lab.phone(PHONE1).keepalives == 1


def test_a_new_registration_replaces_the_old_session(lab):
    old, new = lab.connect(), lab.connect()
    full_registration(old, PHONE1)
    full_registration(new, PHONE1)
    assert old.closed and not new.closed
    assert lab.phone(PHONE1).state == "registered"
    assert lab.phone(PHONE1).registrations == 2
    assert lab.telephony.board.live == 1
    # The old connection's last words change nothing.
    old.protocol.connectionLost(None)
    lab.runtime.run_until_idle()
    assert lab.phone(PHONE1).state == "registered"


def test_tcp_loss_is_unregistration(lab):
    peer = lab.connect()
    full_registration(peer, PHONE2)
    peer.transport.loseConnection()
    lab.runtime.run_until_idle()
    assert lab.phone(PHONE2).state == "unregistered"
    assert lab.phone(PHONE2).reason == "TCP connection lost"
    assert lab.telephony.board.live == 0


def test_keepalive_flood_gets_one_answer_a_second(lab):
    peer = lab.connect()
    full_registration(peer, PHONE1)
    peer.received()
    peer.send(*[R.KeepAliveMessage()] * 500)
    assert names(peer.received()) == ["KeepAliveAck"]
    assert lab.phone(PHONE1).keepalives == 500
    lab.clock.advance(1)
    peer.send(R.KeepAliveMessage())
    assert names(peer.received()) == ["KeepAliveAck"]


def test_framing_loss_closes_only_that_connection(lab):
    good, bad = lab.connect(), lab.connect()
    full_registration(good, PHONE1)
    full_registration(bad, PHONE2)
    bad.send_bytes(b"\xff\xff\xff\xff" + bytes(8))
    assert bad.closed and lab.phone(PHONE2).state == "unregistered"
    assert not good.closed and lab.phone(PHONE1).state == "registered"


def test_garbage_and_unknown_messages_before_register(lab):
    peer = lab.connect()
    peer.send(R.KeepAliveMessage())
    assert peer.received() == [] and not peer.closed
    # An unknown id is logged, not fatal.
    peer.send_bytes((4 + 2).to_bytes(4, "little") + bytes(4) + (0x7777).to_bytes(4, "little") + b"xy")
    assert not peer.closed
    peer.send(*[D.TimeDateReqMessage()] * MAX_IGNORED_BEFORE_REGISTER)
    assert peer.closed


def test_a_stalled_half_header_is_closed_after_the_register_timeout(lab):
    peer = lab.connect()
    peer.send_bytes(b"\x04\x00")
    lab.clock.advance(REGISTER_TIMEOUT - 1)
    assert not peer.closed
    lab.clock.advance(1)
    assert peer.closed


def test_truncated_register_is_a_malformed_message_not_a_crash(lab):
    peer = lab.connect()
    body = b"SEP001E4A34A35F\x00"[:10]
    peer.send_bytes((4 + len(body)).to_bytes(4, "little") + bytes(4) + (1).to_bytes(4, "little") + body)
    assert not peer.closed and peer.received() == []
    assert lab.phone(PHONE1).state == "unregistered"
