"""SIP trunks in the configuration: dial-peers, codec classes, sip-ua, the trusted list
and snr; as text and bytes, rendered back in IOS's order, and what the checks find."""

import ipaddress

from conf import load_file, parse_bytes, render
from conf.destination import inbound_peer, outbound_peers
from conf.model import DialPeer, SessionTarget, Snr, VoiceClassCodec

from .helpers import SEEDS, messages, parse

TRUNK = """\
dial-peer voice 100 voip
 description to the PSTN gateway
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:192.0.2.10:5060
 session transport udp
 codec g711ulaw
 voice-class codec 1
 dtmf-relay sip-info
 preference 1
 huntstop
 incoming called-number 20.
 shutdown
!
voice class codec 1
 codec preference 1 g711alaw
 codec preference 2 g711ulaw
!
sip-ua
 retry invite 4
 retry bye 10
 retry cancel 8
 timers trying 500
!
voice service voip
 ip address trusted list
  ipv4 192.0.2.0 255.255.255.0
  ipv4 198.51.100.7
ephone-dn 1
 number 201
 snr 5551234 delay 5 timeout 15
"""

# IOS's order: voice service voip, voice class, dial-peer, sip-ua, ephone-dn; defaults
# (transport udp, retry bye 10, ...) are not shown.
RENDERED = """\
!
hostname Router
!
voice service voip
 ip address trusted list
  ipv4 192.0.2.0 255.255.255.0
  ipv4 198.51.100.7
!
voice class codec 1
 codec preference 1 g711alaw
 codec preference 2 g711ulaw
!
dial-peer voice 100 voip
 description to the PSTN gateway
 preference 1
 huntstop
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:192.0.2.10:5060
 incoming called-number 20.
 voice-class codec 1
 dtmf-relay sip-info
 codec g711ulaw
 shutdown
!
sip-ua
 retry invite 4
!
ephone-dn 1
 number 201
 snr 5551234 delay 5 timeout 15
!
end
"""


def test_trunk_text_parses_to_the_model():
    result = parse(TRUNK)
    assert messages(result) == []
    c = result.config
    assert c.dial_peers == {100: DialPeer(
        100, "voip", description="to the PSTN gateway", destination_pattern="9T", session_protocol="sipv2",
        session_target=SessionTarget("ipv4", "192.0.2.10", 5060), session_transport="udp", codec="g711ulaw",
        voice_class_codec=1, dtmf_relay=("sip-info",), preference=1, huntstop=True,
        incoming_called_number="20.", shutdown=True)}
    assert c.codec_classes == {1: VoiceClassCodec(1, {1: "g711alaw", 2: "g711ulaw"})}
    assert (c.sip_ua.configured, c.sip_ua.retry_invite, c.sip_ua.retry_bye, c.sip_ua.retry_cancel,
            c.sip_ua.timers_trying) == (True, 4, 10, 8, 500)
    assert c.voip.trusted_list
    assert c.voip.trusted == [ipaddress.IPv4Network("192.0.2.0/24"), ipaddress.IPv4Network("198.51.100.7/32")]
    assert c.ephone_dns[1].snr == Snr("5551234", 5, 15)


def test_trunk_renders_in_ios_order_and_round_trips():
    c = parse(TRUNK).config
    assert render(c) == RENDERED
    again = parse(RENDERED)
    assert messages(again) == [] and again.config == c


def test_trunk_as_bytes_with_crlf_and_bom():
    data = b"\xef\xbb\xbf" + TRUNK.replace("\n", "\r\n").encode()
    result = parse_bytes(data, "t.cfg")
    assert result.findings == []
    assert render(result.config).encode() == RENDERED.encode()


def test_session_target_text():
    assert str(SessionTarget("ipv4", "192.0.2.10", 5060)) == "ipv4:192.0.2.10:5060"
    assert str(SessionTarget("dns", "gw.example.com")) == "dns:gw.example.com"
    assert parse("dial-peer voice 1 voip\nsession target DNS:gw.example.com:5070\n").config \
        .dial_peers[1].session_target == SessionTarget("dns", "gw.example.com", 5070)


def test_effective_codecs():
    classes = {1: VoiceClassCodec(1, {2: "g711ulaw", 1: "g711alaw"}), 2: VoiceClassCodec(2, {})}
    assert DialPeer(1, voice_class_codec=1, codec="g711ulaw").codecs(classes) == ["g711alaw", "g711ulaw"]
    assert DialPeer(1, voice_class_codec=3, codec="g711alaw").codecs(classes) == ["g711alaw"]  # undefined class
    assert DialPeer(1, voice_class_codec=2).codecs(classes) == ["g711ulaw"]  # empty class: the default
    assert DialPeer(1).codecs(classes) == ["g711ulaw"]


def test_pots_peers_load_with_their_port_kept():
    c = parse("dial-peer voice 1 pots\ndestination-pattern 201\nport 0/0/0\nforward-digits 3\n").config
    assert (c.dial_peers[1].kind, c.dial_peers[1].extra) == ("pots", ["port 0/0/0", "forward-digits 3"])
    assert "dial-peer voice 1 pots\n destination-pattern 201\n port 0/0/0\n" in render(c)


def test_a_peer_keeps_its_type():
    result = parse("dial-peer voice 1 voip\ndial-peer voice 1 pots\nport 0/0/0\n")
    assert messages(result)[0] == ("t.cfg:2: % dial-peer 1 is a voip peer; "
                                   "'no dial-peer voice 1' first to make it pots")
    assert result.config.dial_peers[1].kind == "voip"
    assert parse("dial-peer voice 1 voip\nno dial-peer voice 1\ndial-peer voice 1 pots\n").findings == []


def test_sections_go_with_no():
    text = TRUNK + "no dial-peer voice 100 voip\nno voice class codec 1\nno sip-ua\nvoice service voip\n" \
                   "no ip address trusted list\nephone-dn 1\nno snr\n"
    c = parse(text).config
    assert (c.dial_peers, c.codec_classes, c.sip_ua.configured, c.voip.trusted, c.ephone_dns[1].snr) == \
        ({}, {}, False, [], None)
    assert "trusted" not in render(c)


def test_other_dial_peer_and_voice_class_commands_stay_router_commands():
    c = parse("voice class uri TO sip\n pattern x\ndial-peer cor custom\n name 911\n").config
    assert [(b.line, b.sub_lines) for b in c.router] == [("voice class uri TO sip", [" pattern x"]),
                                                         ("dial-peer cor custom", [" name 911"])]


def test_bad_pattern_points_at_the_bad_character():
    result = parse("dial-peer voice 1 voip\n destination-pattern 9[0-9T\n")
    (finding,) = result.findings
    assert str(finding) == "t.cfg:2: % destination pattern '9[0-9T': unclosed '[' (character 2)"
    assert finding.display().splitlines()[1:] == [" destination-pattern 9[0-9T", " " * 22 + "^"]


def test_bad_session_target_port_points_at_the_port():
    (finding,) = parse("dial-peer voice 1 voip\nsession target ipv4:10.0.0.1:99999\n").findings
    assert finding.line == 2 and finding.column == len("session target ipv4:10.0.0.1:")


def test_bad_tag_is_an_error_not_a_router_command():
    result = parse("dial-peer voice 0 voip\n")
    assert messages(result) == ["t.cfg:1: % voice 0 out of range 1-2147483647"]
    assert result.config.router == []


CHECKED = """\
voice class codec 1
 codec preference 1 g711ulaw
 codec preference 2 g711alaw
 codec preference 3 g711ulaw
dial-peer voice 1 voip
 destination-pattern 9T
 session protocol cisco
 voice-class codec 2
dial-peer voice 2 voip
 destination-pattern 8T
 session target ipv4:192.0.2.1
 voice-class codec 1
dial-peer voice 3 pots
 destination-pattern 201
"""


def test_checks_name_the_lines():
    result = parse(CHECKED)
    assert [(f.line, f.severity, f.message) for f in result.findings] == [
        (4, "error", "% voice class codec 1: codec preference 3 g711ulaw repeats preference 1"),
        (6, "warning", "% dial-peer voice 1 has a destination-pattern but no session target: it cannot route calls"),
        (7, "error", "% dial-peer voice 1: session protocol cisco is not supported, only sipv2"),
        (8, "error", "% dial-peer voice 1: voice class codec 2 is not configured"),
    ]


def test_a_peer_without_a_pattern_needs_no_target():
    assert parse("dial-peer voice 5 voip\nincoming called-number 20.\n").findings == []


def test_trunk_example_loads_clean_and_is_in_canonical_form():
    result = load_file(SEEDS / "trunk.cfg")
    assert result.findings == []
    assert render(result.config) == (SEEDS / "trunk.cfg").read_text()
    c = result.config
    assert (len(c.ephone_dns), len(c.ephones)) == (2, 2)
    assert [p.tag for p in outbound_peers(c.dial_peers.values(), "95551234")] == [9]
    assert str(c.dial_peers[9].session_target) == "ipv4:127.0.0.1:5070"
    assert c.dial_peers[9].session_transport == "udp"
    assert inbound_peer(c.dial_peers.values(), "202", "5551234").tag == 20
    snr = c.ephone_dns[1].snr
    assert (snr.number, snr.delay, snr.timeout) == ("95551234", 5, 15)
    assert outbound_peers(c.dial_peers.values(), snr.number)  # the SNR call has a way out
    assert c.sip_ua.configured and c.voip.trusted == [ipaddress.IPv4Network("127.0.0.1/32")]
