"""Mode-driven parsing, router commands kept verbatim, and IOS-style error messages."""

import pytest

from conf import render
from conf.grammar import GLOBAL, MODES, PARENT
from conf.parser import is_global, suggest
from conf.router import VOCABULARY, lookup

from .helpers import messages, parse


def test_a_line_of_the_parent_mode_closes_the_sub_mode():
    c = parse("ephone-dn 1\nnumber 201\nephone-dn 2\nnumber 202\n").config
    assert (c.ephone_dns[1].number, c.ephone_dns[2].number) == ("201", "202")


def test_closing_goes_up_several_levels():
    c = parse("voice service voip\nsip\nregistrar server\ngcid\nephone 1\ntype 7960\n").config
    assert c.voip.registrar and c.voip.gcid and c.ephones[1].type == "7960"


def test_leading_whitespace_and_crlf_are_ignored():
    c = parse("   ephone-dn 1\r\n\t number 201\r\n").config
    assert c.ephone_dns[1].number == "201"


def test_a_bad_line_keeps_the_current_mode():
    result = parse("ephone-dn 1\nbogus words\nnumber 201\n")
    assert result.config.ephone_dns[1].number == "201"
    assert messages(result) == ["t.cfg:2: % Invalid input detected at '^' marker (at 'bogus')."]


def test_a_sub_mode_command_at_global_level_names_its_mode():
    result = parse("ephone-dn 1\nnumber 201\nhostname x\nnumber 202\n")
    assert result.config.ephone_dns[1].number == "201"
    assert messages(result) == ["t.cfg:4: % Invalid input detected at '^' marker (at 'number'): "
                                "'number' is a command of 'ephone-dn'"]


def test_end_returns_to_global():
    result = parse("telephony-service\nend\nmax-dn 5\n")
    assert result.config.telephony.max_dn is None
    assert "is a command of 'telephony-service'" in result.findings[0].message


@pytest.mark.parametrize("mode, line, hint", [
    ("voice service voip", "csta cti mode basic", "cti csta mode basic"),
    ("voice service voip", "allow-connections sip-to-sip", "allow-connections sip to sip"),
    ("voice service voip", "no supplementary-service sip moved-temporary",
     "no supplementary-service sip moved-temporarily"),
    ("voice register session-server 1", "register app1", "register-id app1"),
    ("ephone-dn 1", "watch cti", "cti watch"),
    ("telephony-service", "max-ephone 10", "max-ephones 10"),
    ("", "interfce FastEthernet0/0", "interface FastEthernet0/0"),
    ("", "telephony-servce", "telephony-service"),
])
def test_did_you_mean(mode, line, hint):
    result = parse(f"{mode}\n{line}\n" if mode else line)
    assert len(result.findings) == 1
    assert result.findings[0].message.endswith(f"did you mean '{hint}'?")


def test_no_suggestion_when_nothing_is_close():
    assert suggest(["zzzz", "qqq"], [("cti", "watch"), ("gcid",)]) is None
    assert suggest(["gcid"], [("gcid",)]) is None  # already right: nothing to suggest


def test_finding_display_has_the_ios_caret():
    f = parse("voice service voip\n  cti csta mode fancy\n").findings[0]
    assert str(f) == "t.cfg:2: % Invalid input detected at '^' marker (at 'fancy'): did you mean 'cti csta mode basic'?"
    assert f.display().splitlines()[1:] == ["  cti csta mode fancy", "                ^"]


def test_control_characters_are_rejected_per_line():
    result = parse("hostname a\x07b\nhostname ok\n")
    assert result.config.hostname == "ok"
    assert messages(result) == ["t.cfg:1: % Invalid character 0x07 at '^' marker"]
    assert result.findings[0].column == 10


def test_overlong_line_is_rejected():
    result = parse("hostname " + "a" * 5000)
    assert result.findings[0].message.startswith("% Line too long (5009 characters")


ROUTER_TEXT = """\
version 15.1
service timestamps debug datetime msec
no service password-encryption
hostname r1
boot-start-marker
boot-end-marker
enable secret 5 $1$abcd$efgh
no aaa new-model
clock timezone PST -8 0
ip cef
ip dhcp excluded-address 10.0.0.1
ip dhcp pool phones
 network 10.0.0.0 255.255.255.0
 option 150 ip 10.0.0.1
ip domain name example.com
ip name-server 8.8.8.8
no ipv6 cef
multilink bundle-name authenticated
crypto pki trustpoint TP-self-signed-1
 enrollment selfsigned
voice-card 0
 dspfarm
voice class codec 1
 codec preference 1 g711ulaw
voice translation-rule 1
 rule 1 /^9/ //
license udi pid CISCO2901/K9 sn FTX1
archive
log config
 hidekeys
redundancy
interface GigabitEthernet0/0
description uplink
ip address 10.0.0.1 255.255.255.0
no ip address
ipv6 enable
duplex auto
shutdown
router ospf 1
 network 10.0.0.0 0.0.0.255 area 0
ip forward-protocol nd
ip http server
no ip http secure-server
ip route 0.0.0.0 0.0.0.0 10.0.0.254
ip access-list extended ACL
 permit ip any any
access-list 1 permit any
snmp-server community public RO
ixi transport http
response size 64
no shutdown
ixi application cme
no shutdown
control-plane
voice-port 0/0/0
 station-id name Lobby
mgcp fax t38 ecm
sccp local GigabitEthernet0/0
sccp ccm group 1
 associate ccm 1 priority 1
dial-peer voice 1 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:10.0.0.2
 service mysvc
sip-ua
 registrar ipv4:10.0.0.2 expires 3600
gateway
 timer receive-rtp 1200
banner motd ^C
Authorized access only!
hostname ignored inside a banner
^C
line con 0
 exec-timeout 0 0
logging synchronous
line vty 0 4
 login local
 transport input ssh
scheduler allocate 20000 1000
ntp server 10.0.0.3
"""


def test_router_commands_load_without_findings():
    result = parse(ROUTER_TEXT)
    assert messages(result) == []
    assert result.config.hostname == "r1"


def test_router_blocks_keep_their_sub_lines():
    blocks = {b.line: b.sub_lines for b in parse(ROUTER_TEXT).config.router}
    assert blocks["interface GigabitEthernet0/0"] == [
        " description uplink", " ip address 10.0.0.1 255.255.255.0", " no ip address", " ipv6 enable",
        " duplex auto", " shutdown"]
    assert blocks["archive"] == [" log config", " hidekeys"]
    assert blocks["ixi transport http"] == [" response size 64", " no shutdown"]
    assert blocks["line con 0"] == [" exec-timeout 0 0", " logging synchronous"]
    assert "dial-peer voice 1 voip" not in blocks  # CME's own now, see test_dial_peer.py
    assert blocks["banner motd ^C"] == ["Authorized access only!", "hostname ignored inside a banner", "^C"]
    assert blocks["ip access-list extended ACL"] == [" permit ip any any"]
    assert blocks["ip route 0.0.0.0 0.0.0.0 10.0.0.254"] == []


def test_cme_sections_among_router_commands_keep_their_unused_lines():
    c = parse(ROUTER_TEXT).config
    assert c.dial_peers[1].extra == ["service mysvc"]
    assert c.sip_ua.extra == ["registrar ipv4:10.0.0.2 expires 3600"]
    assert c.codec_classes[1].codecs() == ["g711ulaw"]


def test_router_text_round_trips():
    once = render(parse(ROUTER_TEXT).config)
    again = parse(once)
    assert messages(again) == []
    assert render(again.config) == once
    assert again.config == parse(once).config
    assert "banner motd ^C\nAuthorized access only!\nhostname ignored inside a banner\n^C\n" in once


def test_unknown_global_command_is_a_finding_and_dropped():
    result = parse("frobnicate the router\nhostname x\n")
    assert messages(result) == ["t.cfg:1: % Invalid input detected at '^' marker (at 'frobnicate')."]
    assert result.config.router == [] and result.config.hostname == "x"


def test_comments_travel_with_the_next_section():
    text = "! the lobby phone\nephone 1\ntype 7960\n! trailing words\n"
    c = parse(text).config
    assert c.comments == {("ephone", 1): ["! the lobby phone"], ("end",): ["! trailing words"]}
    out = render(c)
    assert "! the lobby phone\nephone 1\n" in out and out.endswith("! trailing words\nend\n")
    assert parse(out).config == c


def test_line_numbers_of_semantic_findings():
    result = parse("ephone-dn 1\nnumber 201\nephone 1\ntype 7960\nbutton 1:1 2:9\n")
    assert messages(result) == ["t.cfg:5: % ephone 1 button 2: ephone-dn 9 is not configured"]


# --- the tables themselves ------------------------------------------------------------

def _rank_of(mode_name):
    while PARENT.get(mode_name) != "global":
        mode_name = PARENT[mode_name]
    return next(c.rank for c in GLOBAL.commands if c.enters == mode_name)


def test_sub_mode_words_that_are_also_global_never_follow_that_sub_mode():
    """A sub-mode line that is also a global command is read as the sub-mode's (as on IOS).
    The renderer must therefore never put such a global section right after that
    sub-mode, or the text would not parse back the same: it must rank before it."""
    globals_ = [(v.words, v.rank) for v in VOCABULARY.values()] + \
               [(sp, c.rank) for c in GLOBAL.commands for sp in c.spellings]
    for mode in MODES.values():
        if mode is GLOBAL:
            continue
        words = list(mode.extras) + [sp for c in mode.commands for sp in c.spellings]
        for w in words:
            for g, rank in globals_:
                # `fax protocol` (voip) against the global family `fax …`: no global line
                # starts with `fax protocol`, so only equal or longer globals can collide
                if len(g) >= len(w) and g[:len(w)] == w:
                    assert rank < _rank_of(mode.name), (mode.name, w, g)


def test_extras_never_shadow_a_command():
    for mode in MODES.values():
        for cmd in mode.commands:
            for spelling in cmd.spellings:
                assert not mode.extra_match(list(spelling)), (mode.name, spelling)


def test_vocabulary_lookup():
    assert lookup(["no", "ip", "http", "secure-server"]).words == ("ip", "http")
    assert lookup(["ip", "dhcp", "pool", "x"]).block
    assert lookup(["ip", "address", "1.2.3.4"]) is None
    assert is_global(["ephone-dn", "4"]) and is_global(["no", "ipv6", "cef"])
    assert not is_global(["duplex", "auto"])


def test_unterminated_banner_is_an_error_and_dropped():
    result = parse("hostname a\nbanner motd #\nwelcome\nhostname b\n")
    assert messages(result) == ["t.cfg:2: % Banner not terminated: no '#' after it"]
    assert result.config.router == [] and result.config.hostname == "a"


def test_single_line_banner():
    block = parse("banner login #Hello#\nhostname b\n").config.router[0]
    assert (block.line, block.sub_lines) == ("banner login #Hello#", [])


@pytest.mark.parametrize("indent", [" ", ""])  # the seed configurations lost their indentation
def test_a_refused_section_header_keeps_its_sub_lines_out_of_the_section_before(indent):
    result = parse(f"ephone-dn 1\n{indent}number 201\nephone-dn 0\n{indent}number 999\n{indent}name Bad\n"
                   f"ephone-dn 2\n{indent}number 202\n")
    dns = result.config.ephone_dns
    assert (dns[1].number, dns[1].name, dns[2].number) == ("201", None, "202")
    assert messages(result) == ["t.cfg:3: % ephone-dn 0 out of range 1-15000",
                                "t.cfg:4: % Ignored: part of the refused 'ephone-dn 0' (line 3)",
                                "t.cfg:5: % Ignored: part of the refused 'ephone-dn 0' (line 3)"]
