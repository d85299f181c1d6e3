"""`show dial-peer voice summary` / `show dial-peer voice N` read the configuration's peers."""
import types

from cme.cli import builtin, dialpeer
from cme.cli.testing import run
from conf import parse_text

CONFIG = """\
dial-peer voice 100 voip
 description to the PSTN gateway
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:192.0.2.10:5060
 voice-class codec 1
 dtmf-relay sip-info rtp-nte
 preference 1
 huntstop
 incoming called-number 20.
 shutdown
dial-peer voice 3 voip
 destination-pattern 8T
dial-peer voice 2 pots
 destination-pattern 201
 port 0/0/0
dial-peer voice 4 voip
 destination-pattern 7...
 session target dns:gw.example.com
voice class codec 1
 codec preference 2 g711ulaw
 codec preference 1 g711alaw
"""


def show(line, text=CONFIG):
    app = types.SimpleNamespace(config=parse_text(text).config, hostname="lab")
    return run(dialpeer.register(builtin.default_table()), line, app)


def test_summary_has_ios_columns_and_a_row_per_peer_in_tag_order():
    rows = show("show dial-peer voice summary").output.splitlines()
    assert rows[:3] == [
        "dial-peer hunt 0",
        "             AD                                    PRE PASS                OUT",
        "TAG    TYPE  MIN  OPER PREFIX    DEST-PATTERN      FER THRU SESS-TARGET    STAT PORT    KEEPALIVE",
    ]
    assert rows[3:] == [
        "2      pots  up   up             201                0                      up   0/0/0",
        "3      voip  up   down           8T                 0  syst",  # no session target: cannot route
        "4      voip  up   up             7...               0  syst dns:gw.example.com",
        "100    voip  down down           9T                 1  syst ipv4:192.0.2.10:5060",  # shutdown
    ]


def test_summary_abbreviated_and_empty():
    assert show("sh dial voice sum").output.splitlines()[3][:4] == "2   "
    assert show("show dial-peer voice summary", "").output.splitlines()[-1].startswith("TAG ")


def test_one_voip_peer_in_detail():
    result = show("show dial-peer voice 100")
    assert result.ok
    assert result.output.splitlines() == [
        "VoiceOverIpPeer100",
        "        peer type = voice, information type = voice,",
        "        description = `to the PSTN gateway',",
        "        tag = 100, destination-pattern = `9T',",
        "        incoming called-number = `20.',",
        "        preference = 1, huntstop = enabled,",
        "        Admin state is down, Operation state is down,",
        "        session-target = `ipv4:192.0.2.10:5060', session-protocol = sipv2,",
        "        session-transport = udp, dtmf-relay = sip-info rtp-nte,",
        "        voice class codec = 1, codec = g711alaw g711ulaw,",  # the class's order
    ]


def test_peer_without_codec_settings_offers_the_default():
    text = show("show dial-peer voice 4").output
    assert "Operation state is up" in text and "codec = g711ulaw," in text and "voice class" not in text


def test_pots_peer_shows_its_port():
    lines = show("show dial-peer voice 2").output.splitlines()
    assert lines[0] == "VoiceEncapPeer2" and lines[-1] == "        port = `0/0/0',"


def test_unknown_peer_is_an_error():
    result = show("show dial-peer voice 7")
    assert not result.ok and "% Can not find dial-peer 7" in result.output
