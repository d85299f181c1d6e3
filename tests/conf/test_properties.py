"""Properties: no text makes the parser raise, and parse∘render is stable, both on
arbitrary text and on generated models."""

import ipaddress
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conf import (Account, Button, Config, Ephone, EphoneDn, EphoneDnTemplate, Finding, LogoutProfile,
                  ProfileNumber, RouterBlock, SessionServer, UserProfile, XmlUser, parse_bytes, parse_text,
                  render)
from conf.grammar import PHONE_TYPES, _shown
from conf.load import ConfigError
from conf.model import (DialPeer, RegisterGlobal, SessionTarget, SipUa, Snr, Telephony, VoiceClassCodec,
                        Voip)
from conf.pattern import BUTTON_KINDS
from conf.router import VOCABULARY

from .helpers import SEEDS

MOC = SEEDS / "moc-client.cfg"

# Lines built from the words the grammar and the router know, so that the random text
# enters sub-modes, leaves them, and hits commands with good and bad arguments.
WORDS = sorted({w for words in VOCABULARY for w in words} | {
    "voice", "service", "voip", "sip", "registrar", "server", "expires", "max", "min", "register", "global",
    "session-server", "logout-profile", "user-profile", "telephony-service", "ephone-dn", "ephone-dn-template",
    "ephone", "number", "type", "normal", "cti", "watch", "notify", "shutdown", "csta", "mode", "basic",
    "button", "mac-address", "keepalive", "register-id", "cti-aware", "no", "end", "!", "1", "2", "8", "60",
    "120", "600", "1:1", "2o1,2", "201", "0001.0002.0003", "127.0.0.1", "port", "gcid", "name", "label",
    "hostname", "username", "password", "secret", "banner", "motd", "^C", "interface", "line", "con", "0",
    "call-forward", "all", "dual-line", "7960", "em", "logout", "1:0", "description", "x"})
LINE = st.tuples(st.sampled_from(["", " ", "  ", "\t"]),
                 st.lists(st.sampled_from(WORDS), min_size=0, max_size=6)).map(lambda t: t[0] + " ".join(t[1]))
CONFIG_TEXT = st.lists(LINE, max_size=40).map("\n".join)
ANY_TEXT = st.text(max_size=300)


def _stable(text: str) -> None:
    result = parse_text(text)
    assert all(isinstance(f, Finding) and f.severity in ("error", "warning") for f in result.findings)
    assert all("\n" not in str(f) for f in result.findings)
    once = render(result.config)
    again = parse_text(once)
    assert [f for f in again.findings if f.column is not None] == []  # no syntax errors in our own text
    assert render(again.config) == once


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIG_TEXT)
def test_config_like_text_never_raises_and_round_trips(text):
    _stable(text)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_any_text_never_raises_and_round_trips(text):
    _stable(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_result_or_a_config_error(data):
    try:
        result = parse_bytes(data)
    except ConfigError as e:
        assert "\n" not in str(e)
    else:
        render(result.config)


@settings(deadline=None)
@given(st.lists(st.integers(0, 104), max_size=8), st.data())
def test_mutilated_seed_never_raises(cuts, data):
    lines = MOC.read_text().splitlines()
    for cut in cuts:
        i = cut % len(lines)
        words = lines[i].split()
        lines[i] = " ".join(data.draw(st.permutations(words))) if words else lines[i]
    _stable("\n".join(lines))


# --- generated models -------------------------------------------------------------

NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True)
WORD = st.text(string.ascii_letters + string.digits + "$./_-", min_size=1, max_size=12)
TEXT = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
DIGITS = st.from_regex(r"[0-9]{2,6}", fullmatch=True)
IP = st.ip_addresses(v=4).map(str)
MAC = st.from_regex(r"[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4}", fullmatch=True)
FLAG = st.booleans()
PAIRS = st.sets(st.tuples(st.sampled_from(["sip", "h323"]), st.sampled_from(["sip", "h323"])), max_size=4)
NETWORK = st.tuples(st.ip_addresses(v=4), st.integers(8, 32)).map(
    lambda t: ipaddress.IPv4Network(f"{t[0]}/{t[1]}", strict=False))
PATTERNS = st.sampled_from(["9T", "20.", "201", "+14085551234", "[2-5]..", "9[^0]%", "1?2+", "*7#", "T"])
TARGETS = st.builds(SessionTarget, st.sampled_from(["ipv4"]), IP, st.none() | st.integers(1, 65535)) | \
    st.builds(SessionTarget, st.just("dns"), st.from_regex(r"[a-z]([a-z0-9-]{0,7}[a-z0-9])?(\.[a-z]{2,5}){0,2}", fullmatch=True),
              st.none() | st.integers(1, 65535))
NUMBER_TYPES = ["normal", "silent-ring", "beep-ring", "feature-ring", "monitor-ring", "overlay", "cw-overlay"]


@st.composite
def voips(draw):
    registrar = draw(FLAG)
    return Voip(configured=draw(FLAG), allow_connections=draw(PAIRS), moved_temporarily=draw(FLAG),
                refer=draw(FLAG), cti_shutdown=draw(FLAG), callmonitor=draw(FLAG), gcid=draw(FLAG),
                csta_mode_basic=draw(FLAG), suppress_conversion=draw(FLAG), sip=draw(FLAG) or registrar,
                registrar=registrar,
                registrar_expires_max=draw(st.integers(600, 86400)) if registrar else 3600,
                registrar_expires_min=draw(st.integers(60, 3600)) if registrar else 60,
                trusted=(trusted := draw(st.lists(NETWORK, unique=True, max_size=3))),
                trusted_list=draw(FLAG) or bool(trusted))


@st.composite
def telephonies(draw):
    addr = draw(st.none() | IP)
    return Telephony(
        configured=True, source_address=addr, port=draw(st.integers(1, 65535)) if addr else 2000,
        max_ephones=draw(st.none() | st.integers(1, 10000)), max_dn=draw(st.none() | st.integers(1, 15000)),
        max_conferences=draw(st.integers(1, 32)), conference_gain=draw(st.sampled_from([-6, 0, 6])),
        transfer_system=draw(st.none() | st.sampled_from(["blind", "full-blind", "full-consult", "local-consult"])),
        cnf_file_location=draw(st.none() | TEXT),
        cnf_file=draw(st.none() | st.sampled_from(["perphone", "pertype", "perphonetype", "perdevice"])),
        version_stamp=draw(st.none() | TEXT),
        xml_users=draw(st.dictionaries(NAME, st.builds(XmlUser, WORD, st.integers(1, 15)), max_size=2)),
        em_logout=draw(st.lists(st.tuples(st.integers(0, 23), st.integers(0, 59)), max_size=3)),
        em_external=draw(FLAG), url_services=(url := draw(st.none() | WORD)),
        url_services_root=draw(FLAG) if url else False, keepalive=draw(st.integers(10, 65535)),
        interdigit_timeout=draw(st.integers(2, 120)))


def profile_numbers():
    return st.lists(st.builds(ProfileNumber, st.lists(DIGITS, min_size=1, max_size=3).map(",".join),
                              st.sampled_from(NUMBER_TYPES)),
                    max_size=3, unique_by=lambda n: n.number)


@st.composite
def dns(draw, tag):
    number = draw(st.none() | DIGITS)
    noan = draw(st.none() | DIGITS)
    line_mode = draw(st.sampled_from(["", "dual", "octo"]))
    return EphoneDn(tag, number=number, secondary=draw(st.none() | DIGITS) if number else None,
                    name=draw(st.none() | TEXT), label=draw(st.none() | TEXT),
                    dual_line=line_mode == "dual", octo_line=line_mode == "octo",
                    cti_watch_own=draw(FLAG), cti_notify_own=draw(FLAG),
                    call_forward_all=draw(st.none() | DIGITS), call_forward_busy=draw(st.none() | DIGITS),
                    call_forward_noan=noan, call_forward_noan_timeout=draw(st.integers(3, 60000)) if noan else None,
                    template=draw(st.none() | st.integers(1, 15)),
                    snr=draw(st.none() | st.builds(Snr, DIGITS, st.integers(0, 30), st.integers(5, 60))))


@st.composite
def dial_peers(draw, tag):
    return DialPeer(tag, kind=draw(st.sampled_from(["voip", "pots"])), description=draw(st.none() | TEXT),
                    destination_pattern=draw(st.none() | PATTERNS),
                    session_protocol=draw(st.none() | st.sampled_from(["sipv2", "cisco"])),
                    session_target=draw(st.none() | TARGETS), session_transport=draw(st.sampled_from(["udp", "tcp"])),
                    codec=draw(st.none() | st.sampled_from(["g711ulaw", "g711alaw"])),
                    voice_class_codec=draw(st.none() | st.integers(1, 10000)),
                    dtmf_relay=tuple(draw(st.lists(st.sampled_from(["sip-info", "rtp-nte"]), unique=True))),
                    preference=draw(st.integers(0, 10)), huntstop=draw(FLAG),
                    incoming_called_number=draw(st.none() | PATTERNS), shutdown=draw(FLAG),
                    extra=draw(st.lists(st.sampled_from(["port 0/0/0", "forward-digits 4", "vad"]), unique=True)))


@st.composite
def buttons(draw):
    kind = draw(st.sampled_from(sorted(BUTTON_KINDS.values())))
    overlay = draw(st.lists(st.integers(1, 15000), max_size=3)) if kind in ("overlay", "cw-overlay") else []
    return Button(draw(st.integers(1, 15000)), kind, tuple(overlay))


@st.composite
def ephones(draw, tag):
    return Ephone(tag, mac=draw(st.none() | MAC), type=draw(st.none() | st.sampled_from(PHONE_TYPES)),
                  buttons=draw(st.dictionaries(st.integers(1, 100), buttons(), max_size=4)),
                  logout_profile=draw(st.none() | st.integers(1, 10000)))


ROUTER_BLOCKS = st.lists(st.sampled_from([
    ("version 12.4", 20, []), ("ip route 0.0.0.0 0.0.0.0 10.0.0.1", 150, []),
    ("interface FastEthernet0/0", 130, [" ip address 10.0.0.1 255.255.255.0", " duplex auto"]),
    ("gateway", 186, [" timer receive-rtp 1200"]), ("line con 0", 210, [" logging synchronous"]), ("voice-port 0/0/0", 175, []),
    ("fax interface-type fax-mail", 110, []), ("application", 188, [" service x flash:x.tcl"]),
]), max_size=5).map(lambda rows: [RouterBlock(line, rank, list(sub)) for line, rank, sub in rows])


def _tags(strategy_for_tag, lo, hi):
    return st.lists(st.integers(lo, hi), unique=True, max_size=4).flatmap(
        lambda tags: st.tuples(*[strategy_for_tag(t) for t in tags]).map(lambda objs: {o.tag: o for o in objs}))


@st.composite
def configs(draw):
    voip = draw(voips())
    voip.configured = _shown(voip)
    reg_addr = draw(st.none() | IP)
    register_global = RegisterGlobal(configured=draw(FLAG), mode=draw(st.none() | st.sampled_from(["cme", "srst"])),
                                     source_address=reg_addr,
                                     port=draw(st.integers(1, 65535)) if reg_addr else 5060)
    register_global.configured = _shown(register_global)
    accounts = draw(st.lists(st.builds(Account, NAME, TEXT, st.sampled_from(["password", "secret"]),
                                       st.sampled_from([0, 5, 7]), st.none() | st.integers(0, 15)),
                             max_size=3, unique_by=lambda a: a.name))
    config = Config(
        hostname=draw(st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}[A-Za-z0-9]", fullmatch=True)),
        accounts={a.name: a for a in accounts}, voip=voip, register_global=register_global,
        session_servers=draw(_tags(lambda t: st.builds(SessionServer, st.just(t), st.none() | NAME,
                                                       st.integers(60, 3600), FLAG), 1, 8)),
        logout_profiles=draw(_tags(lambda t: st.builds(LogoutProfile, st.just(t), profile_numbers()), 1, 10000)),
        user_profiles=draw(_tags(lambda t: st.builds(UserProfile, st.just(t), st.none(), st.none(),
                                                     profile_numbers()), 1, 10000)),
        telephony=draw(telephonies()),
        ephone_dn_templates=draw(_tags(lambda t: st.builds(EphoneDnTemplate, st.just(t), FLAG, FLAG), 1, 15)),
        ephone_dns=draw(_tags(lambda t: dns(t), 1, 15000)),
        ephones=draw(_tags(lambda t: ephones(t), 1, 10000)),
        codec_classes=draw(_tags(lambda t: st.builds(VoiceClassCodec, st.just(t), st.dictionaries(
            st.integers(1, 14), st.sampled_from(["g711ulaw", "g711alaw"]), max_size=3)), 1, 10000)),
        dial_peers=draw(_tags(lambda t: dial_peers(t), 1, 2147483647)),
        sip_ua=draw(st.builds(SipUa, FLAG, st.integers(1, 10), st.integers(1, 10), st.integers(1, 10),
                              st.integers(100, 1000))),
        router=draw(ROUTER_BLOCKS))
    config.sip_ua.configured = _shown(config.sip_ua)
    for profile in config.user_profiles.values():
        if draw(FLAG):
            profile.user, profile.password = draw(NAME), draw(WORD)
    return config


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_generated_models_render_and_parse_back_to_the_same_model(config):
    text = render(config)
    result = parse_text(text)
    assert [f for f in result.findings if f.column is not None] == []  # semantic findings may occur
    assert render(result.config) == text
    parsed = result.config
    parsed_router = [(b.line, b.sub_lines) for b in parsed.router]
    assert sorted(parsed_router) == sorted((b.line, b.sub_lines) for b in config.router)
    parsed.router, config.router = [], []
    assert parsed == config
