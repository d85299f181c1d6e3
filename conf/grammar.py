"""The command table: every CME configuration mode, its commands, their `no` forms and
how each one shows in the running configuration.

One table drives parsing (parser.py), suggestions for mistyped lines and rendering
(render.py). A command's pattern is written in the language of pattern.py; its
`apply` and `no` change the mode's model object; its `show` gives the lines that
`show running-config` prints for it (nothing at the default). Commands that open a
sub-mode name it in `enters`, return the sub-mode's object from `apply` and list
their instances with `sections`.

Each mode also names `extras`: real IOS commands of that mode which CME CTI does not
use. They load without complaint and are kept verbatim, like router commands.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Callable

from conf import model as m
from conf.pattern import BUTTON_KINDS, ArgError, Keyword, Optional, compile_pattern, leading_keywords

Lines = list[str]
Section = tuple[tuple, str, Any]  # (comment key, header line, sub-mode object)


@dataclass(frozen=True)
class Command:
    pattern: str
    apply: Callable[[Any, dict], Any]
    no: Callable[[Any, dict], None] | None = None
    show: Callable[[Any], Lines] = lambda obj: []
    no_pattern: str | None = None  # default: the keywords, the rest optional
    enters: str | None = None  # the sub-mode this command opens
    sections: Callable[[Any], list[Section]] | None = None
    key: Callable[[dict], tuple] | None = None  # global commands: what comments attach to
    rank: float = 0  # global commands: place in the running configuration (150.5: after 150, no "!" between)
    nodes: tuple = field(init=False, compare=False)
    no_nodes: tuple = field(init=False, compare=False)
    spellings: list = field(init=False, compare=False)
    name: str = field(init=False, compare=False)  # its fixed words: `session target`, `voice-class codec`

    def __post_init__(self) -> None:
        nodes = compile_pattern(self.pattern)
        if self.no_pattern is not None:
            no_nodes = compile_pattern(self.no_pattern)
        else:
            # `no` takes the plain keywords; what follows (values, captured choices) is optional
            k = next((i for i, n in enumerate(nodes) if not isinstance(n, Keyword) or n.name), len(nodes))
            tail: tuple = ()
            for node in reversed(nodes[k:]):  # `no number`, `no number 201`, `no number 201 type normal`
                tail = (Optional((node,) + tail),)
            no_nodes = nodes[:k] + tail
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "no_nodes", no_nodes)
        object.__setattr__(self, "spellings", leading_keywords(nodes))
        fixed = []
        for node in nodes:
            if not (isinstance(node, Keyword) and node.name is None and len(node.words) == 1):
                break
            fixed.append(node.words[0])
        object.__setattr__(self, "name", " ".join(fixed))


@dataclass(frozen=True)
class Mode:
    name: str
    title: str  # how messages name the mode
    commands: tuple[Command, ...]
    extras: tuple[tuple[str, ...], ...] = ()
    extra_attr: str | None = "extra"  # where its extras are kept; None when it has none

    def extra_match(self, words: list[str]) -> bool:
        w = [x.lower() for x in words]
        if w[:1] == ["no"]:
            w = w[1:]
        return any(tuple(w[:len(e)]) == e for e in self.extras)


def _extras(text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(item.split()) for item in text.split(",") if item.strip())


def _default(obj: Any, attr: str) -> Any:
    f = next(f for f in dataclasses.fields(obj) if f.name == attr)
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()


def _reset(*attrs: str) -> Callable[[Any, dict], None]:
    def no(obj: Any, caps: dict) -> None:
        for a in attrs:
            setattr(obj, a, _default(obj, a))
    return no


def flag(pattern: str, attr: str) -> Command:
    """An on/off command; `no` turns it the other way. Shown when not at its default:
    `cti shutdown` defaults to on, so only `no cti shutdown` is ever shown."""
    def show(obj: Any) -> Lines:
        value = getattr(obj, attr)
        if value == _default(obj, attr):
            return []
        return [pattern] if value else ["no " + pattern]
    return Command(pattern, apply=lambda o, c: setattr(o, attr, True),
                   no=lambda o, c: setattr(o, attr, False), show=show, no_pattern=pattern)


def value(pattern: str, attr: str, fmt: str) -> Command:
    """A command that sets one attribute from the capture of the same name."""
    cap = attr

    def show(obj: Any) -> Lines:
        v = getattr(obj, attr)
        return [] if v is None or v == _default(obj, attr) else [fmt.format(v)]
    return Command(pattern, apply=lambda o, c: setattr(o, attr, c[cap]), no=_reset(attr), show=show)


# --- voice service voip and sip ----------------------------------------------------

def _allow(voip: m.Voip, caps: dict) -> None:
    voip.allow_connections.add((caps["a"], caps["b"]))


def _disallow(voip: m.Voip, caps: dict) -> None:
    voip.allow_connections.discard((caps["a"], caps["b"]))


def _enter_sip(voip: m.Voip, caps: dict) -> m.Voip:
    voip.sip = True
    return voip


def _registrar(voip: m.Voip, caps: dict) -> None:
    voip.registrar = True
    voip.registrar_expires_max = caps.get("max", 3600)
    voip.registrar_expires_min = caps.get("min", 60)


def _show_registrar(voip: m.Voip) -> Lines:
    if not voip.registrar:
        return []
    if (voip.registrar_expires_max, voip.registrar_expires_min) == (3600, 60):
        return ["registrar server"]
    return [f"registrar server expires max {voip.registrar_expires_max} min {voip.registrar_expires_min}"]


def _enter_trusted(voip: m.Voip, caps: dict) -> m.Voip:
    voip.trusted_list = True
    return voip


def _network(caps: dict) -> ipaddress.IPv4Network:
    text = f"{caps['addr']}/{caps.get('mask', '255.255.255.255')}"
    try:
        return ipaddress.IPv4Network(text)
    except ValueError:
        # host bits under the mask: most likely a typing slip, so not silently widened
        raise ArgError(f"{caps['addr']} {caps['mask']} is not a network: "
                       f"{ipaddress.IPv4Network(text, strict=False).network_address} is") from None


def _trust(voip: m.Voip, caps: dict) -> None:
    network = _network(caps)
    if network not in voip.trusted:
        voip.trusted.append(network)


def _distrust(voip: m.Voip, caps: dict) -> None:
    network = _network(caps)
    voip.trusted = [n for n in voip.trusted if n != network]


def _show_trusted(voip: m.Voip) -> Lines:
    return [f"ipv4 {n.network_address}" if n.prefixlen == 32 else f"ipv4 {n.network_address} {n.netmask}"
            for n in voip.trusted]


TRUSTED_LIST = Mode("trusted-list", "the 'ip address trusted list' sub-mode of 'voice service voip'", (
    Command("ipv4 <addr:ipv4> [<mask:netmask>]", apply=_trust, no=_distrust,
            no_pattern="ipv4 <addr:ipv4> [<mask:netmask>]", show=_show_trusted),
), extra_attr=None)  # IPv6 entries are not taken: the SIP side is IPv4 only

SIP = Mode("sip", "the 'sip' sub-mode of 'voice service voip' (enter 'sip' first)", (
    Command("registrar server [expires [max <max:600-86400>] [min <min:60-3600>]]", apply=_registrar,
            no=_reset("registrar", "registrar_expires_max", "registrar_expires_min"),
            show=_show_registrar, no_pattern="registrar server [<rest:line>]"),
    # `listen-port non-secure` stays a verbatim extra: the plain port is voice register global's
    Command("listen-port secure <listen_port_secure:1-65535>",
            apply=lambda v, c: setattr(v, "listen_port_secure", c["listen_port_secure"]),
            no=_reset("listen_port_secure"), no_pattern="listen-port secure [<port:1-65535>]",
            show=lambda v: [] if v.listen_port_secure == 5061 else [f"listen-port secure {v.listen_port_secure}"]),
), extras=_extras("bind, session, early-offer, asserted-id, privacy, header-passing, midcall-signaling, "
                  "url, outbound-proxy, call, g729, min-se, rel1xx, transport, localhost, silent-discard, "
                  "error-passthru, pass-thru, sip-profiles, options-ping, nat, listen-port non-secure, "
                  "conn-reuse, audio, video, refer-ood"),
   extra_attr="sip_extra")

VOIP = Mode("voip", "'voice service voip'", (
    # IOS shows the trusted list first in the section
    Command("ip address trusted list", apply=_enter_trusted, enters="trusted-list",
            no=_reset("trusted_list", "trusted"),
            sections=lambda v: [((), "ip address trusted list", v)] if (v.trusted_list or v.trusted) else []),
    Command("allow-connections {a=sip|h323} to {b=sip|h323}", apply=_allow, no=_disallow,
            show=lambda v: [f"allow-connections {a} to {b}" for a, b in sorted(v.allow_connections)],
            no_pattern="allow-connections {a=sip|h323} to {b=sip|h323}"),
    flag("supplementary-service sip moved-temporarily", "moved_temporarily"),
    flag("supplementary-service sip refer", "refer"),
    flag("cti shutdown", "cti_shutdown"),
    flag("callmonitor", "callmonitor"),
    flag("gcid", "gcid"),
    flag("cti csta mode basic", "csta_mode_basic"),
    flag("cti message device-id suppress-conversion", "suppress_conversion"),
    value("cti max-monitors per-session <cti_max_monitors_session:1-100000>", "cti_max_monitors_session",
          "cti max-monitors per-session {}"),
    value("cti max-monitors total <cti_max_monitors_total:1-1000000>", "cti_max_monitors_total",
          "cti max-monitors total {}"),
    Command("sip", apply=_enter_sip, enters="sip",
            no=_reset("sip", "registrar", "registrar_expires_max", "registrar_expires_min", "listen_port_secure",
                      "sip_extra"),
            sections=lambda v: [((), "sip", v)] if (v.sip or v.registrar or v.sip_extra
                                                    or v.listen_port_secure != 5061) else []),
), extras=_extras("fax protocol, fax rate, fax nsf, fax-relay, modem, h323, rtp-port, media, mode, shutdown, "
                  "ip address trusted authenticate, ip address trusted call-block, address-hiding, redirect, "
                  "notify, qsig, signaling, stun, srtp, trace, vpn, supplementary-service h450, "
                  "supplementary-service media-renegotiate, supplementary-service sip handle-replaces, "
                  "h225, rtcp"))

# --- voice register global / session-server ------------------------------------------

def _source(obj: Any, caps: dict) -> None:
    obj.source_address = caps["addr"]
    obj.port = caps.get("port", _default(obj, "port"))


def _show_source(prefix: str) -> Callable[[Any], Lines]:
    return lambda o: [f"{prefix} {o.source_address} port {o.port}"] if o.source_address else []


REGISTER_GLOBAL = Mode("register-global", "'voice register global'", (
    value("mode {mode=cme|srst}", "mode", "mode {}"),
    Command("source-address <addr:ipv4> [port <port:1-65535>]", apply=_source,
            no=_reset("source_address", "port"), show=_show_source("source-address")),
), extras=_extras("max-dn, max-pool, load, dialplan-pattern, authenticate, tftp-path, create, timezone, "
                  "date-format, time-format, ntp-server, url, voicemail, telnet, dst, external-ring, "
                  "hold-alert, max-redirect, mwi, camera, video, forwarding, reset, file, hunt-group, "
                  "logo, system, voice-class"))

SESSION_SERVER = Mode("session-server", "'voice register session-server'", (
    value("register-id <register_id:alnum30>", "register_id", "register-id {}"),
    value("keepalive <keepalive:60-3600>", "keepalive", "keepalive {}"),
    flag("cti-aware", "cti_aware"),
    value("digest algorithm {digest_algorithm=sha-256|md5}", "digest_algorithm", "digest algorithm {}"),
))

# --- Extension Mobility profiles ---------------------------------------------------------

_NUMBER_TYPES = "normal|silent-ring|beep-ring|feature-ring|monitor-ring|overlay|cw-overlay"


def _add_number(profile: Any, caps: dict) -> None:
    entry = m.ProfileNumber(caps["number"], caps["type"])
    profile.numbers = [n for n in profile.numbers if n.number != entry.number] + [entry]


def _remove_number(profile: Any, caps: dict) -> None:
    number = caps.get("number")
    profile.numbers = [n for n in profile.numbers if number is not None and n.number != number]


def _number_command() -> Command:
    return Command(f"number <number:digit-list> type {{type={_NUMBER_TYPES}}}", apply=_add_number,
                   no=_remove_number, show=lambda p: [f"number {n.number} type {n.type}" for n in p.numbers])


def _user(profile: m.UserProfile, caps: dict) -> None:
    profile.user, profile.password = caps["user"], caps["password"]


LOGOUT_PROFILE = Mode("logout-profile", "'voice logout-profile'", (
    _number_command(),
), extras=_extras("pin, speed-dial, blf-speed-dial, privacy-button, feature-button, fastdial, "
                  "reset"))

USER_PROFILE = Mode("user-profile", "'voice user-profile'", (
    Command("user <user:word> password <password:word>", apply=_user, no=_reset("user", "password"),
            show=lambda p: [f"user {p.user} password {p.password}"] if p.user else []),
    _number_command(),
), extras=_extras("pin, speed-dial, blf-speed-dial, privacy-button, feature-button, fastdial, reset"))

# --- telephony-service -------------------------------------------------------------

def _conferences(t: m.Telephony, caps: dict) -> None:
    t.max_conferences = caps["max-conferences"]
    t.conference_gain = int(caps.get("gain", -6))


def _xml_user(t: m.Telephony, caps: dict) -> None:
    t.xml_users[caps["user"]] = m.XmlUser(caps["password"], caps["privilege"])


def _em_logout(t: m.Telephony, caps: dict) -> None:
    t.em_logout = [caps[k] for k in ("t1", "t2", "t3") if k in caps]


def _url_services(t: m.Telephony, caps: dict) -> None:
    t.url_services, t.url_services_root = caps["url"], "root" in caps


def _url_authentication(t: m.Telephony, caps: dict) -> None:
    t.url_authentication = caps["url"]
    t.url_authentication_user, t.url_authentication_password = caps.get("user"), caps.get("password")


def _show_url_authentication(t: m.Telephony) -> Lines:
    if not t.url_authentication:
        return []
    creds = f" {t.url_authentication_user} {t.url_authentication_password}" if t.url_authentication_user else ""
    return [f"url authentication {t.url_authentication}{creds}"]


# `load TYPE FIRMWARE`: IOS's phone types for it (7960-7940 for both; 7960 or 7940 alone
# for one of them, taking precedence over 7960-7940).
LOAD_TYPES = ("7902 7905 7906 7911 7912 7914 7920 7921 7925 7931 7935 7936 7937 7941 7941GE 7942 7945 "
              "7940 7960 7960-7940 7961 7961GE 7962 7965 7970 7971 7975 7985 ata").split()
# `user-locale CC` and `network-locale CC`: the country codes this server has names for
# (cme/cnf_files.py turns them into the phones' locale names).
USER_LOCALES = "CN DE DK ES FR IT JP KR NL NO PT RU SE US".split()
NETWORK_LOCALES = "AT CA CH CN DE DK ES FI FR GB IT JP KR NL NO PT RU SE US".split()


def _load(t: m.Telephony, caps: dict) -> None:
    t.loads[caps["model"]] = caps["firmware"]


def _show_loads(t: m.Telephony) -> Lines:
    return [f"load {model} {t.loads[model]}" for model in LOAD_TYPES if model in t.loads]


def _version_stamp(t: m.Telephony, caps: dict) -> None:
    if "stamp" in caps:
        t.version_stamp = caps["stamp"]


TELEPHONY = Mode("telephony", "'telephony-service'", (
    Command("ip source-address <addr:ipv4> [port <port:1-65535>]", apply=_source,
            no=_reset("source_address", "port"), show=_show_source("ip source-address")),
    value("max-ephones <max_ephones:1-10000>", "max_ephones", "max-ephones {}"),
    value("max-dn <max_dn:1-15000>", "max_dn", "max-dn {}"),
    value("keepalive <keepalive:10-65535>", "keepalive", "keepalive {}"),
    value("timeouts interdigit <interdigit_timeout:2-120>", "interdigit_timeout", "timeouts interdigit {}"),
    value("registration pending-per-source <pending_per_source:0-65535>", "pending_per_source",
          "registration pending-per-source {}"),
    Command("em logout <t1:time> [<t2:time> [<t3:time>]]", apply=_em_logout, no=_reset("em_logout"),
            show=lambda t: ["em logout " + " ".join(f"{h}:{mi}" for h, mi in t.em_logout)] if t.em_logout else []),
    flag("em external", "em_external"),
    Command("url services <url:word> [{root=root}]", apply=_url_services,
            no=_reset("url_services", "url_services_root"),
            show=lambda t: [f"url services {t.url_services}" + (" root" if t.url_services_root else "")]
            if t.url_services else []),
    Command("url authentication <url:word> [<user:word> <password:word>]", apply=_url_authentication,
            no=_reset("url_authentication", "url_authentication_user", "url_authentication_password"),
            show=_show_url_authentication),
    Command(f"load {{model={'|'.join(LOAD_TYPES)}}} <firmware:word>", apply=_load,
            no=lambda t, c: t.loads.pop(c["model"], None), show=_show_loads,
            no_pattern=f"load {{model={'|'.join(LOAD_TYPES)}}} [<rest:line>]"),
    value(f"user-locale {{user_locale={'|'.join(USER_LOCALES)}}}", "user_locale", "user-locale {}"),
    value(f"network-locale {{network_locale={'|'.join(NETWORK_LOCALES)}}}", "network_locale", "network-locale {}"),
    value("cnf-file location <cnf_file_location:line>", "cnf_file_location", "cnf-file location {}"),
    value("cnf-file {cnf_file=perphone|pertype|perphonetype|perdevice}", "cnf_file", "cnf-file {}"),
    # IOS always shows max-conferences, as in the document's running configurations.
    Command("max-conferences <max-conferences:1-32> [gain {gain=-6|0|6}]", apply=_conferences,
            no=_reset("max_conferences", "conference_gain"),
            show=lambda t: [f"max-conferences {t.max_conferences} gain {t.conference_gain}"]),
    Command("xml user <user:word> password <password:word> <privilege:1-15>", apply=_xml_user,
            no=lambda t, c: t.xml_users.pop(c["user"], None),
            show=lambda t: [f"xml user {n} password {u.password} {u.privilege}" for n, u in sorted(t.xml_users.items())],
            no_pattern="xml user <user:word> [<rest:line>]"),
    value("transfer-system {transfer_system=blind|full-blind|full-consult|local-consult}",
          "transfer_system", "transfer-system {}"),
    Command("create cnf-files [version-stamp <stamp:line>]", apply=_version_stamp, no=_reset("version_stamp"),
            show=lambda t: [f"create cnf-files version-stamp {t.version_stamp}"] if t.version_stamp else []),
), extras=_extras(
    "auto, auto-reg-ephone, system, dialplan-pattern, voicemail, web, dn-webedit, time-webedit, "
    "time-format, date-format, time-zone, secondary-dialtone, service phone, service dss, service dnis, "
    "service directed-pickup, service local-directory, service setup-network-dn, service transfer-recall, "
    "url directories, url idle, url information, url proxy-server, url idle-time, "
    "timeouts busy, timeouts ringing, timeouts transfer-recall, timeouts ringin-callerid, moh, "
    "multicast moh, music-on-hold, night-service, hunt-group, after-hours, call-park, call-forward, "
    "caller-id, calling-number, conference, directory, dialplan, fac, hold-alert, internal-call, "
    "ip qos, log, login, mwi, phone-key-size, privacy, privacy-on-hold, "
    "protocol, sdspfarm, srst, tftp-path, video, xmlschema, xmltest, em keep-history, em logout-time, "
    "authentication, application, bulk-speed-dial, codec, directory-entry, "
    "ephone-dn-refresh-time, keep-conference, max-redirect, max-ephones-per-user, message-waiting, "
    "pin, reset, restart, snr, speed-dial, syslog, trunk-optimization, voice-moh"))

# --- ephone-dn, its template, ephone ------------------------------------------------------

_DN_EXTRAS = _extras(
    "description, huntstop, preference, mwi, corlist, hold-alert, pickup-group, call-waiting, allow, "
    "translate, translation-profile, intercom, paging, park-slot, trunk, conference, caller-id, "
    "call-forward max-length, call-forward night-service, call-forward noan-suppress, ring, night-service, "
    "mailbox-selection, application, loopback-dn, moh, feature-ring, busy-trigger-per-button, "
    "max-calls-per-button, no-reg, snr calling-number, snr answer-too-soon, snr ring-stop, snr mode, "
    "mobility, fwd-final, pin, cor, dnd")

EPHONE_DN_TEMPLATE = Mode("ephone-dn-template", "'ephone-dn-template'", (
    flag("cti watch", "cti_watch"),
    flag("cti notify", "cti_notify"),
), extras=_DN_EXTRAS + _extras("call-forward, name, label, snr"))


def _number(dn: m.EphoneDn, caps: dict) -> None:
    dn.number, dn.secondary = caps["number"], caps.get("secondary")


def _noan(dn: m.EphoneDn, caps: dict) -> None:
    dn.call_forward_noan, dn.call_forward_noan_timeout = caps["call_forward_noan"], caps["timeout"]


EPHONE_DN = Mode("ephone-dn", "'ephone-dn'", (
    Command("number <number:digits> [secondary <secondary:digits>]", apply=_number,
            no=_reset("number", "secondary"),
            show=lambda d: [f"number {d.number}" + (f" secondary {d.secondary}" if d.secondary else "")]
            if d.number else []),
    value("label <label:line>", "label", "label {}"),
    value("name <name:line>", "name", "name {}"),
    value("ephone-dn-template <template:1-15>", "template", "ephone-dn-template {}"),
    value("call-forward all <call_forward_all:digits>", "call_forward_all", "call-forward all {}"),
    value("call-forward busy <call_forward_busy:digits>", "call_forward_busy", "call-forward busy {}"),
    Command("call-forward noan <call_forward_noan:digits> timeout <timeout:3-60000>", apply=_noan,
            no=_reset("call_forward_noan", "call_forward_noan_timeout"),
            show=lambda d: [f"call-forward noan {d.call_forward_noan} timeout {d.call_forward_noan_timeout}"]
            if d.call_forward_noan else []),
    Command("snr <number:dial-digits> delay <delay:0-30> timeout <timeout:5-60>",
            apply=lambda d, c: setattr(d, "snr", m.Snr(c["number"], c["delay"], c["timeout"])),
            no=_reset("snr"), no_pattern="snr [<rest:line>]",
            show=lambda d: [f"snr {d.snr.number} delay {d.snr.delay} timeout {d.snr.timeout}"] if d.snr else []),
    flag("cti notify", "cti_notify_own"),
    flag("cti watch", "cti_watch_own"),
    # cme-cti additions, not IOS: the state a phone or CTI set, kept by `write memory`
    # and by the feature state file, so it survives a restart and shows here.
    flag("do-not-disturb", "do_not_disturb"),
    flag("message-waiting", "message_waiting"),
), extras=_DN_EXTRAS)

PHONE_TYPES = ("7960 7961 7961GE 7962 7965 7970 7971 7975 7940 7941 7941GE 7942 7945 7911 7912 7920 "
               "7921 7925 7926 7931 7935 7936 7937 7902 7905 7906 7910 7914 7915 7916 7985 6901 6911 "
               "6921 6941 6945 6961 8941 8945 ata ata-187 anl bri CIPC vgc-phone").split()
_SEPARATOR = {kind: sep for sep, kind in BUTTON_KINDS.items()}


def _buttons(phone: m.Ephone, caps: dict) -> None:
    for number, kind, tags in caps["buttons"]:
        phone.buttons[number] = m.Button(tags[0], kind, tags[1:])


def _no_buttons(phone: m.Ephone, caps: dict) -> None:
    phone.buttons.clear()


def _show_buttons(phone: m.Ephone) -> Lines:
    if not phone.buttons:
        return []
    words = [f"{n}{_SEPARATOR[b.kind]}{','.join(str(t) for t in b.dn_tags)}" for n, b in sorted(phone.buttons.items())]
    return ["button " + " ".join(words)]


EPHONE = Mode("ephone", "'ephone'", (
    value("mac-address <mac:mac>", "mac", "mac-address {}"),
    value(f"type {{type={'|'.join(PHONE_TYPES)}}}", "type", "type {}"),
    Command("button <buttons:button>...", apply=_buttons, no=_no_buttons, show=_show_buttons,
            no_pattern="button [<rest:line>]"),
    value("logout-profile <logout_profile:1-10000>", "logout_profile", "logout-profile {}"),
), extras=_extras(
    "description, username, speed-dial, paging-dn, keep-conference, codec, vad, video, ephone-template, pin, "
    "auto-line, softkeys, busy-trigger-per-button, feature-button, fastdial, blf-speed-dial, mtp, "
    "device-security-mode, nte-end-digit-delay, after-hour, cfwd-noan, multicast-moh, max-calls-per-button, "
    "privacy, privacy-button, presence, mwi-line, night-service, headset, dnd, conference, transfer-max-length, "
    "transfer-pattern, capf-auth-str, cert-oper, reset, restart, phone-ui, user-locale, network-locale, "
    "always-use-primary-line, calling-number, dialplan-pattern, em-logout, hold-alert, line-mode, "
    "park-slot, snr, mute-button"))

# --- SIP trunks: dial-peer voice, voice class codec, sip-ua ---------------------------------

CODECS = "g711ulaw|g711alaw"
SESSION_PROTOCOLS = "sipv2|cisco|multicast|smtp|aal2-trunk"  # IOS's; check.py wants sipv2


def _dtmf_relay(peer: m.DialPeer, caps: dict) -> None:
    peer.dtmf_relay = tuple(dict.fromkeys(caps["dtmf_relay"]))  # a method named twice counts once


DIAL_PEER = Mode("dial-peer", "'dial-peer voice'", (
    value("description <description:line>", "description", "description {}"),
    value("preference <preference:0-10>", "preference", "preference {}"),
    flag("huntstop", "huntstop"),
    value("destination-pattern <destination_pattern:dest-pattern>", "destination_pattern",
          "destination-pattern {}"),
    value(f"session protocol {{session_protocol={SESSION_PROTOCOLS}}}", "session_protocol", "session protocol {}"),
    value("session target <session_target:session-target>", "session_target", "session target {}"),
    value("session transport {session_transport=udp|tcp}", "session_transport", "session transport {}"),
    value("incoming called-number <incoming_called_number:dest-pattern>", "incoming_called_number",
          "incoming called-number {}"),
    value("voice-class codec <voice_class_codec:1-10000>", "voice_class_codec", "voice-class codec {}"),
    Command("dtmf-relay <dtmf_relay:dtmf>...", apply=_dtmf_relay, no=_reset("dtmf_relay"),
            show=lambda p: ["dtmf-relay " + " ".join(p.dtmf_relay)] if p.dtmf_relay else [],
            no_pattern="dtmf-relay [<rest:line>]"),
    value(f"codec {{codec={CODECS}}}", "codec", "codec {}"),
    flag("shutdown", "shutdown"),
), extras=_extras(
    "port, prefix, forward-digits, direct-inward-dial, service, translation-profile, answer-address, "
    "numbering-type, voice-class sip, voice-class h323, voice-class e164-pattern-map, voice-class sip-profiles, "
    "voice-class uri, max-conn, fax, modem, vad, ip qos, req-qos, acc-qos, b2bua, supplementary-service, "
    "information-type, clid, progress_ind, rtp, media, session server, session target sip-server, "
    "session target registrar, session target enum, destination uri, incoming uri, trunkgroup, tone, "
    "alert-timeout, call-block, monitor, trunk-group, playout-delay, expect-factor, icpif"))


def _codec_preference(cls: m.VoiceClassCodec, caps: dict) -> None:
    cls.preferences[caps["preference"]] = caps["codec"]


CODEC_CLASS = Mode("codec-class", "'voice class codec'", (
    Command(f"codec preference <preference:1-14> {{codec={CODECS}}}", apply=_codec_preference,
            no=lambda c, caps: c.preferences.pop(caps["preference"], None),
            no_pattern="codec preference <preference:1-14> [<rest:line>]",
            show=lambda c: [f"codec preference {n} {codec}" for n, codec in sorted(c.preferences.items())]),
), extras=_extras("video codec"))

def _trustpoint(ua: m.SipUa, caps: dict) -> None:
    ua.trustpoint, ua.client_vtp = caps["trustpoint"], caps.get("client_vtp")


def _show_trustpoint(ua: m.SipUa) -> Lines:
    if ua.trustpoint is None:
        return []
    vtp = f" client-vtp {ua.client_vtp}" if ua.client_vtp else ""
    return [f"crypto signaling default trustpoint {ua.trustpoint}{vtp}"]


SIP_UA = Mode("sip-ua", "'sip-ua'", (
    value("retry invite <retry_invite:1-10>", "retry_invite", "retry invite {}"),
    value("retry bye <retry_bye:1-10>", "retry_bye", "retry bye {}"),
    value("retry cancel <retry_cancel:1-10>", "retry_cancel", "retry cancel {}"),
    value("timers trying <timers_trying:100-1000>", "timers_trying", "timers trying {}"),
    # SIP over TLS; `crypto signaling remote-addr ...` stays verbatim
    Command("crypto signaling default trustpoint <trustpoint:word> [client-vtp <client_vtp:word>]",
            apply=_trustpoint, no=_reset("trustpoint", "client_vtp"), show=_show_trustpoint,
            no_pattern="crypto signaling default [<rest:line>]"),
    value("timers connection aging <connection_aging:5-1440>", "connection_aging",
          "timers connection aging {}"),
    value("connection limit per-source <connection_limit:0-65535>", "connection_limit",
          "connection limit per-source {}"),
), extras=_extras(
    "registrar, credentials, authentication, transport, mwi-server, sip-server, nat, xfer, set, permit, "
    "disable-early-media, connection-reuse, notify, protocol, registration, min-se, keepalive, "
    "pass-thru, reason-header, timers expires, timers connect, timers register, timers refresh, timers buffer-invite, "
    "timers comet, timers prack, timers rel1xx, timers notify, timers hold, timers info, timers keepalive, "
    "timers dns, timers blocking, timers disconnect, timers options, timers update, timers cac, "
    "retry prack, retry notify, retry refer, retry register, retry options, retry info, retry update, "
    "retry subscribe, retry comet, retry rel1xx, retry response, retry keepalive, localhost, "
    "no-remote-party-id, host-registrar, handle-replaces, calling-info, g729, sdspfarm, srtp, crypto signaling remote-addr"))


# --- gw-accounting file ---------------------------------------------------------------

def _primary(acct: m.GwAccountingFile, caps: dict) -> None:
    url = caps["url"]
    if "\\" in url or any(part == ".." for part in url.replace(":", "/").split("/")):
        raise ArgError(f"'{url}' is not a place for CDR files (no '\\', no '..')")
    acct.primary = url


GW_ACCOUNTING_FILE = Mode("gw-accounting-file", "'gw-accounting file'", (
    Command("primary ifs <url:word>", apply=_primary, no=_reset("primary"),
            show=lambda a: [f"primary ifs {a.primary}"] if a.primary else [],
            no_pattern="primary [<rest:line>]"),
    value("maximum fileclose-timer <fileclose_timer:1-1440>", "fileclose_timer", "maximum fileclose-timer {}"),
    value("maximum file-size <file_size:1-1048576>", "file_size", "maximum file-size {}"),
), extras=_extras("primary ftp, primary tftp, secondary, maximum buffer-size, maximum retry-count, maximum cdrflush-timer, "
                  "maximum delay-between-retry, cdr-format, acct-template"))


def _enter_peer(cfg: m.Config, caps: dict) -> m.DialPeer:
    tag, kind = caps["tag"], caps["kind"]
    peer = cfg.dial_peers.get(tag)
    if peer is None:
        peer = cfg.dial_peers[tag] = m.DialPeer(tag, kind)
    elif peer.kind != kind:  # as IOS: a peer's type is fixed once it exists
        raise ArgError(f"dial-peer {tag} is a {peer.kind} peer; 'no dial-peer voice {tag}' first to make it {kind}")
    return peer


# --- global ---------------------------------------------------------------------------


def _shown(obj: Any) -> bool:
    """A singleton section is shown once configured or when anything differs from default."""
    return obj.configured or dataclasses.replace(obj, configured=False) != type(obj)()


def _singleton(attr: str) -> Callable[[m.Config, dict], Any]:
    def enter(cfg: m.Config, caps: dict) -> Any:
        obj = getattr(cfg, attr)
        obj.configured = True
        return obj
    return enter


def _clear(attr: str) -> Callable[[m.Config, dict], None]:
    return lambda cfg, caps: setattr(cfg, attr, type(getattr(cfg, attr))())


def _keyed(attr: str, make: Callable[[int], Any]) -> Callable[[m.Config, dict], Any]:
    def enter(cfg: m.Config, caps: dict) -> Any:
        table = getattr(cfg, attr)
        if caps["tag"] not in table:
            table[caps["tag"]] = make(caps["tag"])
        return table[caps["tag"]]
    return enter


def _delete(attr: str) -> Callable[[m.Config, dict], None]:
    return lambda cfg, caps: getattr(cfg, attr).pop(caps["tag"], None)


def _listing(attr: str, header: str, kind: str) -> Callable[[m.Config], list[Section]]:
    return lambda cfg: [((kind, tag), header.format(obj=obj), obj) for tag, obj in sorted(getattr(cfg, attr).items())]


def _enter_dn(cfg: m.Config, caps: dict) -> m.EphoneDn:
    dn = cfg.ephone_dns.get(caps["tag"]) or cfg.add_dn(m.EphoneDn(caps["tag"]))
    mode = caps.get("mode")
    if mode:  # IOS keeps the line mode of an existing DN unless it is given again
        dn.dual_line, dn.octo_line = mode == "dual-line", mode == "octo-line"
    return dn


def _dn_header(dn: m.EphoneDn) -> str:
    return f"ephone-dn {dn.tag}" + (" dual-line" if dn.dual_line else " octo-line" if dn.octo_line else "")


def _account(cfg: m.Config, caps: dict) -> None:
    cfg.accounts[caps["name"]] = m.Account(caps["name"], caps["pw"], caps["kind"], int(caps.get("enc", 0)),
                                           caps.get("privilege"))


def _show_accounts(cfg: m.Config) -> list[Section]:
    out = []
    for name, a in sorted(cfg.accounts.items()):
        privilege = f" privilege {a.privilege}" if a.privilege is not None else ""
        out.append((("username", name), f"username {name}{privilege} {a.kind} {a.encryption} {a.password}", None))
    return out


def _tftp_server(cfg: m.Config, caps: dict) -> None:
    alias = caps.get("alias")
    if alias is not None and ("\\" in alias or any(p in ("", ".", "..") for p in alias.split("/"))):
        raise ArgError(f"'{alias}' is not a file name to serve (no '\\', no empty, '.' or '..' parts)")
    entry = m.TftpFile(caps["source"], alias, caps.get("access-list"))
    # as IOS: the same file given again takes the new alias; one file may be served under
    # several aliases only through separate source names, so the source is the key
    for i, old in enumerate(cfg.tftp_files):
        if old.source.lower() == entry.source.lower():
            cfg.tftp_files[i] = entry
            return
    cfg.tftp_files.append(entry)


def _no_tftp_server(cfg: m.Config, caps: dict) -> None:
    cfg.tftp_files = [f for f in cfg.tftp_files if f.source.lower() != caps["source"].lower()]


def _show_tftp(cfg: m.Config) -> list[Section]:
    out = []
    for f in cfg.tftp_files:
        line = f"tftp-server {f.source}" + (f" alias {f.alias}" if f.alias else "") + (
            f" {f.access_list}" if f.access_list is not None else "")
        out.append((("tftp-server", f.source.lower()), line, None))
    return out


def _hostname(cfg: m.Config, caps: dict) -> None:
    cfg.hostname = caps["hostname"]


def _login_block(cfg: m.Config, caps: dict) -> None:
    cfg.login_block = m.LoginBlock(caps["block_for"], caps["attempts"], caps["within"])


def _show_login_block(cfg: m.Config) -> list[Section]:
    b = cfg.login_block
    if b is None:
        return []
    return [(("login block-for",), f"login block-for {b.block_for} attempts {b.attempts} within {b.within}", None)]


def _http_authentication(cfg: m.Config, caps: dict) -> None:
    if caps["method"] != "local":
        raise ArgError(f"ip http authentication {caps['method']}: only 'local' (the username lines) is supported here")
    cfg.http.authentication = "local"


def _show_http(cfg: m.Config) -> list[Section]:
    h, out = cfg.http, []
    if h.enabled:
        out.append((("ip http server",), "ip http server", None))
    if h.port != 80:
        out.append((("ip http port",), f"ip http port {h.port}", None))
    if h.authentication:
        out.append((("ip http authentication",), f"ip http authentication {h.authentication}", None))
    return out


def _ssh_timeout(cfg: m.Config, caps: dict) -> None:
    cfg.ssh_timeout = caps["seconds"]


GLOBAL = Mode("global", "global configuration", (
    Command("hostname <hostname:hostname>", apply=_hostname, no=lambda cfg, c: setattr(cfg, "hostname", "Router"),
            sections=lambda cfg: [(("hostname",), f"hostname {cfg.hostname}", None)],
            key=lambda c: ("hostname",), rank=30),
    Command("login block-for <block_for:1-65535> attempts <attempts:1-65535> within <within:1-65535>",
            apply=_login_block, no=lambda cfg, c: setattr(cfg, "login_block", None),
            no_pattern="login block-for [<rest:line>]",
            sections=_show_login_block, key=lambda c: ("login block-for",), rank=58),
    Command("ip ssh time-out <seconds:1-120>", apply=_ssh_timeout, no=lambda cfg, c: setattr(cfg, "ssh_timeout", 120),
            no_pattern="ip ssh time-out [<seconds:1-120>]",
            sections=lambda cfg: [(("ip ssh time-out",), f"ip ssh time-out {cfg.ssh_timeout}", None)]
            if cfg.ssh_timeout != 120 else [],
            key=lambda c: ("ip ssh time-out",), rank=60),
    Command("ip http server", apply=lambda cfg, c: setattr(cfg.http, "enabled", True),
            no=lambda cfg, c: setattr(cfg.http, "enabled", False), no_pattern="ip http server",
            sections=lambda cfg: [s for s in _show_http(cfg) if s[0] == ("ip http server",)],
            key=lambda c: ("ip http server",), rank=150.5),
    Command("ip http port <port:1-65535>", apply=lambda cfg, c: setattr(cfg.http, "port", c["port"]),
            no=lambda cfg, c: setattr(cfg.http, "port", 80), no_pattern="ip http port [<port:1-65535>]",
            sections=lambda cfg: [s for s in _show_http(cfg) if s[0] == ("ip http port",)],
            key=lambda c: ("ip http port",), rank=150.5),
    Command("ip http authentication {method=local|enable|aaa|tacacs}", apply=_http_authentication,
            no=lambda cfg, c: setattr(cfg.http, "authentication", None),
            no_pattern="ip http authentication [<rest:line>]",
            sections=lambda cfg: [s for s in _show_http(cfg) if s[0] == ("ip http authentication",)],
            key=lambda c: ("ip http authentication",), rank=150.5),
    Command("gw-accounting file", apply=_singleton("accounting"), no=_clear("accounting"),
            enters="gw-accounting-file",
            sections=lambda cfg: [(("gw-accounting file",), "gw-accounting file", cfg.accounting)]
            if _shown(cfg.accounting) else [],
            key=lambda c: ("gw-accounting file",), rank=95),
    Command("username <name:word> [privilege <privilege:0-15>] {kind=password|secret} [{enc=0|5|7|8|9}] <pw:line>",
            apply=_account, no=lambda cfg, c: cfg.accounts.pop(c["name"], None),
            no_pattern="username <name:word> [<rest:line>]",
            sections=_show_accounts, key=lambda c: ("username", c["name"]), rank=118),
    Command("voice service voip", apply=_singleton("voip"), no=_clear("voip"), enters="voip",
            sections=lambda cfg: [(("voice service voip",), "voice service voip", cfg.voip)] if _shown(cfg.voip) else [],
            key=lambda c: ("voice service voip",), rank=96),
    Command("voice class codec <tag:1-10000>", apply=_keyed("codec_classes", m.VoiceClassCodec),
            no=_delete("codec_classes"), enters="codec-class",
            sections=_listing("codec_classes", "voice class codec {obj.tag}", "voice class codec"),
            key=lambda c: ("voice class codec", c["tag"]), rank=100),
    Command("voice register global", apply=_singleton("register_global"), no=_clear("register_global"),
            enters="register-global",
            sections=lambda cfg: [(("voice register global",), "voice register global", cfg.register_global)]
            if _shown(cfg.register_global) else [],
            key=lambda c: ("voice register global",), rank=97),
    Command("voice register session-server <tag:1-8>", apply=_keyed("session_servers", m.SessionServer),
            no=_delete("session_servers"), enters="session-server",
            sections=_listing("session_servers", "voice register session-server {obj.tag}", "session-server"),
            key=lambda c: ("session-server", c["tag"]), rank=98),
    Command("voice logout-profile <tag:1-10000>", apply=_keyed("logout_profiles", m.LogoutProfile),
            no=_delete("logout_profiles"), enters="logout-profile",
            sections=_listing("logout_profiles", "voice logout-profile {obj.tag}", "logout-profile"),
            key=lambda c: ("logout-profile", c["tag"]), rank=99),
    Command("voice user-profile <tag:1-10000>", apply=_keyed("user_profiles", m.UserProfile),
            no=_delete("user_profiles"), enters="user-profile",
            sections=_listing("user_profiles", "voice user-profile {obj.tag}", "user-profile"),
            key=lambda c: ("user-profile", c["tag"]), rank=99),
    Command("dial-peer voice <tag:1-2147483647> {kind=voip|pots}", apply=_enter_peer, no=_delete("dial_peers"),
            no_pattern="dial-peer voice <tag:1-2147483647> [{kind=voip|pots}]", enters="dial-peer",
            sections=lambda cfg: [(("dial-peer", t), f"dial-peer voice {t} {p.kind}", p)
                                  for t, p in sorted(cfg.dial_peers.items())],
            key=lambda c: ("dial-peer", c["tag"]), rank=184),
    Command("tftp-server <source:file-url> [alias <alias:word>] [<access-list:1-99>]", apply=_tftp_server,
            no=_no_tftp_server, no_pattern="tftp-server <source:file-url> [<rest:line>]",
            sections=_show_tftp, key=lambda c: ("tftp-server", c["source"].lower()), rank=158),
    Command("sip-ua", apply=_singleton("sip_ua"), no=_clear("sip_ua"), enters="sip-ua",
            sections=lambda cfg: [(("sip-ua",), "sip-ua", cfg.sip_ua)] if _shown(cfg.sip_ua) else [],
            key=lambda c: ("sip-ua",), rank=188),
    Command("telephony-service", apply=_singleton("telephony"), no=_clear("telephony"), enters="telephony",
            sections=lambda cfg: [(("telephony-service",), "telephony-service", cfg.telephony)]
            if _shown(cfg.telephony) else [],
            key=lambda c: ("telephony-service",), rank=189),
    Command("ephone-dn-template <tag:1-15>", apply=_keyed("ephone_dn_templates", m.EphoneDnTemplate),
            no=_delete("ephone_dn_templates"), enters="ephone-dn-template",
            sections=_listing("ephone_dn_templates", "ephone-dn-template {obj.tag}", "ephone-dn-template"),
            key=lambda c: ("ephone-dn-template", c["tag"]), rank=191),
    Command("ephone-dn <tag:1-15000> [{mode=dual-line|octo-line}]", apply=_enter_dn, no=_delete("ephone_dns"),
            enters="ephone-dn", no_pattern="ephone-dn <tag:1-15000> [{mode=dual-line|octo-line}]",
            sections=lambda cfg: [(("ephone-dn", t), _dn_header(d), d) for t, d in sorted(cfg.ephone_dns.items())],
            key=lambda c: ("ephone-dn", c["tag"]), rank=192),
    Command("ephone <tag:1-10000>", apply=_keyed("ephones", m.Ephone), no=_delete("ephones"), enters="ephone",
            sections=_listing("ephones", "ephone {obj.tag}", "ephone"),
            key=lambda c: ("ephone", c["tag"]), rank=193),
))

MODES: dict[str, Mode] = {mode.name: mode for mode in (
    GLOBAL, VOIP, TRUSTED_LIST, SIP, REGISTER_GLOBAL, SESSION_SERVER, LOGOUT_PROFILE, USER_PROFILE, TELEPHONY,
    EPHONE_DN_TEMPLATE, EPHONE_DN, EPHONE, CODEC_CLASS, DIAL_PEER, SIP_UA, GW_ACCOUNTING_FILE)}

# Which mode each sub-mode is entered from (for messages: "a command of the 'sip' sub-mode").
PARENT: dict[str, str] = {cmd.enters: mode.name for mode in MODES.values() for cmd in mode.commands if cmd.enters}


def usage(mode_name: str) -> list[str]:
    """The commands of a mode as patterns, for `?` help."""
    return [c.pattern for c in MODES[mode_name].commands]
