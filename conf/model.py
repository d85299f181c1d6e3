"""The typed configuration: what CME's IOS commands mean, as mutable dataclasses.

Defaults are those of the source document (Cisco's "CTI CSTA Protocol Suite"; its two
configurations are conf/examples/) or IOS's where the document is silent. `None` means
"not configured" where IOS distinguishes that from any value. Run-time features (call
forwarding set through CSTA, EM log-ins) change these objects, and `write memory` renders
them back, so nothing here is frozen.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


@dataclass
class Account:
    """`username NAME [privilege N] password|secret [TYPE] PW` (CLI log-in)."""
    name: str
    password: str
    kind: str = "password"  # "password" or "secret"
    encryption: int = 0  # 0 plain; 5/8/9 hashes and 7 (reversible) cannot be checked here
    privilege: int | None = None

    def verify(self, candidate: str) -> bool:
        """Only plain-text (type 0) credentials can be checked; hashed ones never match."""
        return self.encryption == 0 and candidate == self.password


@dataclass
class Voip:
    """`voice service voip` and its `sip` sub-mode."""
    configured: bool = False
    allow_connections: set[tuple[str, str]] = field(default_factory=set)  # {("sip", "sip")}
    moved_temporarily: bool = True  # `no supplementary-service sip moved-temporarily` clears
    refer: bool = True  # `no supplementary-service sip refer` clears
    cti_shutdown: bool = True  # the CTI interface is off until `no cti shutdown`
    callmonitor: bool = False
    gcid: bool = False
    csta_mode_basic: bool = False
    suppress_conversion: bool = False  # cti message device-id suppress-conversion
    # `cti max-monitors per-session N` / `cti max-monitors total N`: what CSTA monitors
    # may cost (each is a subscription and an INFO per event); one per device per session
    cti_max_monitors_session: int = 1000
    cti_max_monitors_total: int = 20000
    sip: bool = False  # the `sip` sub-mode was entered
    registrar: bool = False
    registrar_expires_max: int = 3600  # 600-86400
    registrar_expires_min: int = 60  # 60-3600 (IOS's range; the document gives none)
    listen_port_secure: int = 5061  # `sip / listen-port secure N`: SIP over TLS
    # `ip address trusted list`: the hosts and networks SIP calls are taken from (IOS
    # drops calls from other sources once the list is configured)
    trusted_list: bool = False  # the sub-mode was entered
    trusted: list[ipaddress.IPv4Network] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    sip_extra: list[str] = field(default_factory=list)


@dataclass
class RegisterGlobal:
    """`voice register global`: the SIP side's address (the CTI interface)."""
    configured: bool = False
    mode: str | None = None  # "cme" or "srst"
    source_address: str | None = None
    port: int = 5060
    extra: list[str] = field(default_factory=list)


@dataclass
class SessionServer:
    """`voice register session-server 1-8`: one CSTA session manager."""
    tag: int
    register_id: str | None = None  # 1-30 alphanumerics
    keepalive: int = 300  # 60-3600 seconds
    cti_aware: bool = False
    # `digest algorithm sha-256|md5` (ours, not IOS's): the one digest algorithm offered to
    # and taken from this session manager when it has credentials; None: SHA-256, then MD5
    digest_algorithm: str | None = None
    extra: list[str] = field(default_factory=list)


@dataclass
class ProfileNumber:
    """`number X type T` in an EM profile: one button; X may list overlay DNs ("201,202")."""
    number: str
    type: str = "normal"

    @property
    def numbers(self) -> list[str]:
        return self.number.split(",")


@dataclass
class LogoutProfile:
    """`voice logout-profile N`: what an EM phone shows while nobody is logged in."""
    tag: int
    numbers: list[ProfileNumber] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


@dataclass
class UserProfile:
    """`voice user-profile N`: what an EM phone shows once `user` logs in."""
    tag: int
    user: str | None = None
    password: str | None = None
    numbers: list[ProfileNumber] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


@dataclass
class XmlUser:
    password: str
    privilege: int


@dataclass
class Telephony:
    """`telephony-service`: the SCCP side."""
    configured: bool = False
    source_address: str | None = None
    port: int = 2000
    max_ephones: int | None = None  # None: no limit configured
    max_dn: int | None = None
    max_conferences: int = 8
    conference_gain: int = -6
    transfer_system: str | None = None  # blind, full-blind, full-consult, local-consult
    cnf_file_location: str | None = None
    cnf_file: str | None = None  # perphone, pertype, perphonetype, perdevice
    version_stamp: str | None = None  # `create cnf-files version-stamp ...`
    xml_users: dict[str, XmlUser] = field(default_factory=dict)
    em_logout: list[tuple[int, int]] = field(default_factory=list)  # up to three H:M times
    em_external: bool = False
    url_services: str | None = None
    url_services_root: bool = False
    url_authentication: str | None = None
    url_authentication_user: str | None = None  # `url authentication URL USER PASSWORD`
    url_authentication_password: str | None = None
    # `load TYPE FIRMWARE`: the firmware each phone type is told to run (the name without
    # its file suffix, as IOS wants it), by the `load` command's phone type: "7961", "7960-7940"
    loads: dict[str, str] = field(default_factory=dict)
    user_locale: str = "US"  # `user-locale CC`: the phones' display language
    network_locale: str = "US"  # `network-locale CC`: their tones and cadences
    keepalive: int = 30  # SCCP keepalive seconds, 10-65535
    interdigit_timeout: int = 10  # seconds, 2-120
    # `registration pending-per-source N`: connections from one host that may wait for
    # their Register at once (0: no cap); registered ones do not count (sccp/server.py)
    pending_per_source: int = 128
    extra: list[str] = field(default_factory=list)


@dataclass
class EphoneDnTemplate:
    tag: int
    cti_watch: bool = False
    cti_notify: bool = False
    extra: list[str] = field(default_factory=list)


@dataclass
class Snr:
    """`snr NUMBER delay S timeout S` (Single Number Reach): a call to the DN also rings
    NUMBER, `delay` seconds after it starts, for `timeout` seconds."""
    number: str
    delay: int  # 0-30 s
    timeout: int  # 5-60 s


@dataclass
class EphoneDn:
    """`ephone-dn TAG [dual-line|octo-line]`: one directory number."""
    tag: int
    number: str | None = None
    secondary: str | None = None
    name: str | None = None
    label: str | None = None
    dual_line: bool = False
    octo_line: bool = False
    cti_watch_own: bool = False  # as configured on the DN itself
    cti_notify_own: bool = False
    call_forward_all: str | None = None
    do_not_disturb: bool = False  # cme-cti: set from the phone's DND key or CTI
    message_waiting: bool = False  # cme-cti: the message lamp, set by CTI
    call_forward_busy: str | None = None
    call_forward_noan: str | None = None
    call_forward_noan_timeout: int | None = None
    template: int | None = None  # ephone-dn-template tag
    snr: Snr | None = None
    extra: list[str] = field(default_factory=list)
    # The configuration's templates, shared by reference so that a template changed at
    # run time takes effect at once.
    templates: dict[int, EphoneDnTemplate] = field(default_factory=dict, repr=False, compare=False)

    def _template(self) -> EphoneDnTemplate | None:
        return self.templates.get(self.template) if self.template is not None else None

    @property
    def cti_watch(self) -> bool:
        """Effective `cti watch`: set on the DN or in its template."""
        t = self._template()
        return self.cti_watch_own or bool(t and t.cti_watch)

    @cti_watch.setter
    def cti_watch(self, value: bool) -> None:
        self.cti_watch_own = value

    @property
    def cti_notify(self) -> bool:
        t = self._template()
        return self.cti_notify_own or bool(t and t.cti_notify)

    @cti_notify.setter
    def cti_notify(self, value: bool) -> None:
        self.cti_notify_own = value

    @property
    def numbers(self) -> list[str]:
        return [n for n in (self.number, self.secondary) if n]


@dataclass
class Button:
    dn_tag: int
    kind: str = "normal"  # a value of pattern.BUTTON_KINDS: normal, silent, overlay, ...
    overlay: tuple[int, ...] = ()  # further ephone-dn tags of an overlay button

    @property
    def dn_tags(self) -> tuple[int, ...]:
        return (self.dn_tag,) + self.overlay

    @property
    def is_overlay(self) -> bool:
        return self.kind in ("overlay", "cw-overlay", "overlay-expansion")


@dataclass
class Ephone:
    """`ephone TAG`: one SCCP phone."""
    tag: int
    mac: str | None = None  # 'HHHH.HHHH.HHHH', upper case
    type: str | None = None
    buttons: dict[int, Button] = field(default_factory=dict)
    logout_profile: int | None = None
    extra: list[str] = field(default_factory=list)

    @property
    def device_name(self) -> str | None:
        """The SCCP device name the phone registers with: SEP + 12 hex digits."""
        return "SEP" + self.mac.replace(".", "") if self.mac else None


@dataclass
class SessionTarget:
    """Where a voip dial-peer sends its calls: `ipv4:A.B.C.D[:PORT]` or `dns:HOST[:PORT]`."""
    kind: str  # "ipv4" or "dns"
    host: str
    port: int | None = None  # None: SIP's 5060

    def __str__(self) -> str:
        return f"{self.kind}:{self.host}" + (f":{self.port}" if self.port is not None else "")


@dataclass
class VoiceClassCodec:
    """`voice class codec TAG`: codecs in the order a call offers them."""
    tag: int
    preferences: dict[int, str] = field(default_factory=dict)  # preference number -> codec
    extra: list[str] = field(default_factory=list)  # like every mode: IOS lines we do not use

    def codecs(self) -> list[str]:
        return [codec for _, codec in sorted(self.preferences.items())]


DEFAULT_CODEC = "g711ulaw"  # what we offer when a peer names none (IOS's would be g729r8)


@dataclass
class DialPeer:
    """`dial-peer voice TAG voip|pots`: a route for calls. Only voip peers (SIP trunks)
    carry calls here; pots peers load, with their ports kept in `extra`."""
    tag: int  # 1-2147483647
    kind: str = "voip"  # "voip" or "pots"
    description: str | None = None
    destination_pattern: str | None = None  # as written (conf/destination.py reads it)
    session_protocol: str | None = None  # "sipv2"; IOS's default would be H.323
    session_target: SessionTarget | None = None
    session_transport: str = "udp"  # "udp" | "tcp"
    codec: str | None = None  # "g711ulaw" | "g711alaw"
    voice_class_codec: int | None = None
    dtmf_relay: tuple[str, ...] = ()  # of "sip-info", "rtp-nte", in the order written
    preference: int = 0  # 0-10, lower is tried first
    huntstop: bool = False
    incoming_called_number: str | None = None
    shutdown: bool = False
    extra: list[str] = field(default_factory=list)

    def codecs(self, classes: dict[int, VoiceClassCodec]) -> list[str]:
        """The codecs a call through this peer offers, in order."""
        if self.voice_class_codec is not None and self.voice_class_codec in classes:
            chosen = classes[self.voice_class_codec].codecs()
            if chosen:
                return chosen
        return [self.codec] if self.codec else [DEFAULT_CODEC]


@dataclass
class SipUa:
    """`sip-ua`: the SIP user agent's retries and timers (IOS's defaults)."""
    configured: bool = False
    retry_invite: int = 6  # 1-10
    retry_bye: int = 10
    retry_cancel: int = 8
    timers_trying: int = 500  # ms, 100-1000
    # `crypto signaling default trustpoint NAME [client-vtp CANAME]`: SIP over TLS with
    # NAME.pem/NAME.key (state directory, or NAME an absolute path prefix); CANAME.pem the
    # CA bundle client certificates must chain to (mutual TLS) when given
    trustpoint: str | None = None
    client_vtp: str | None = None
    connection_aging: int = 5  # `timers connection aging M`: minutes a stream may idle (5-1440)
    connection_limit: int = 32  # `connection limit per-source N`: streams per host (0: no cap)
    extra: list[str] = field(default_factory=list)


@dataclass
class RouterBlock:
    """A router command that is not CME's, kept verbatim with its sub-lines."""
    line: str
    rank: int
    sub_lines: list[str] = field(default_factory=list)  # with their own indentation
    comments: list[str] = field(default_factory=list)  # `! ...` lines before it
    verbatim: bool = False  # sub-lines are text (a banner), shown exactly as written


@dataclass
class TftpFile:
    """`tftp-server DEVICE:PATH [alias NAME] [ACL]`: a file the router's TFTP server offers
    (phone firmware, ring tones), served under `alias` or else its own file name."""
    source: str  # as written: "flash:SCCP41.8-5-4S.loads", "flash:/phones/7961/apps.sbn"
    alias: str | None = None
    access_list: int | None = None  # 1-99: who may fetch it (kept, not enforced)

    @property
    def device(self) -> str:
        """"flash", "slot0", ... (before the colon)."""
        return self.source.split(":", 1)[0].lower()

    @property
    def path(self) -> str:
        """The file's path on its device, without leading slashes: "phones/7961/apps.sbn"."""
        return self.source.split(":", 1)[1].lstrip("/")

    @property
    def served_name(self) -> str:
        """The name a phone asks for: the alias, else the file's name without directories."""
        return self.alias or self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LoginBlock:
    """`login block-for S attempts N within W`: N failed CLI log-ins from one source within
    W seconds make that source wait S seconds (cme/cli/login_guard.py)."""
    block_for: int = 60
    attempts: int = 5
    within: int = 60


@dataclass
class HttpServer:
    """`ip http server`, `ip http port N`, `ip http authentication local`: the read-only
    web view and /metrics (cme/web/). Log-in is always by the `username` lines (IOS's
    `local`); `ip http path`, `ip http secure-server` and the rest stay router commands."""
    enabled: bool = False
    port: int = 80
    authentication: str | None = None  # "local" when given (the only method here)


@dataclass
class GwAccountingFile:
    """`gw-accounting file`: where call detail records go and when a file is closed.

    `primary ifs URL` names the files' directory and prefix (`flash:cdr` is `cdr` in the
    state directory); `maximum fileclose-timer M` closes a file after M minutes (IOS's
    default, a day) and `maximum file-size KB` (added: not IOS's) after it reaches KB."""
    configured: bool = False
    primary: str | None = None  # None: the state directory's cdr/
    fileclose_timer: int = 1440  # minutes
    file_size: int | None = None  # KB; None: no size limit
    extra: list[str] = field(default_factory=list)


@dataclass
class Config:
    hostname: str = "Router"
    login_block: LoginBlock | None = None  # None: not configured, the default policy applies
    ssh_timeout: int = 120  # `ip ssh time-out S`: seconds an SSH client has to log in
    accounts: dict[str, Account] = field(default_factory=dict)
    voip: Voip = field(default_factory=Voip)
    register_global: RegisterGlobal = field(default_factory=RegisterGlobal)
    session_servers: dict[int, SessionServer] = field(default_factory=dict)
    logout_profiles: dict[int, LogoutProfile] = field(default_factory=dict)
    user_profiles: dict[int, UserProfile] = field(default_factory=dict)
    telephony: Telephony = field(default_factory=Telephony)
    ephone_dn_templates: dict[int, EphoneDnTemplate] = field(default_factory=dict)
    ephone_dns: dict[int, EphoneDn] = field(default_factory=dict)
    ephones: dict[int, Ephone] = field(default_factory=dict)
    codec_classes: dict[int, VoiceClassCodec] = field(default_factory=dict)
    dial_peers: dict[int, DialPeer] = field(default_factory=dict)
    sip_ua: SipUa = field(default_factory=SipUa)
    tftp_files: list[TftpFile] = field(default_factory=list)  # in the order configured
    http: HttpServer = field(default_factory=HttpServer)
    accounting: GwAccountingFile = field(default_factory=GwAccountingFile)
    router: list[RouterBlock] = field(default_factory=list)
    # `! ...` comment lines, by the section they stand before: ("ephone-dn", 1), ("end",)
    comments: dict[tuple, list[str]] = field(default_factory=dict)
    _dn_index: dict[str, EphoneDn] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.link()

    def link(self) -> None:
        """Point every DN at this configuration's templates (call after adding DNs)."""
        for dn in self.ephone_dns.values():
            dn.templates = self.ephone_dn_templates

    def add_dn(self, dn: EphoneDn) -> EphoneDn:
        dn.templates = self.ephone_dn_templates
        self.ephone_dns[dn.tag] = dn
        return dn

    @property
    def usernames(self) -> dict[str, str]:
        """name -> password for the accounts whose password can be checked (type 0)."""
        return {a.name: a.password for a in self.accounts.values() if a.encryption == 0}

    def dn_by_number(self, number: str) -> EphoneDn | None:
        """The first DN with `number` (primary or secondary). Every CTI request asks, so a
        found DN is remembered; a remembered one is checked still to be that number's."""
        dn = self._dn_index.get(number)
        if dn is not None and self.ephone_dns.get(dn.tag) is dn and number in dn.numbers:
            return dn
        for dn in self.ephone_dns.values():
            if number in dn.numbers:
                self._dn_index[number] = dn
                return dn
        return None

    def ephone_by_device(self, device_name: str) -> Ephone | None:
        for phone in self.ephones.values():
            if phone.device_name and phone.device_name == device_name.upper():
                return phone
        return None

    def phones_showing(self, dn_tag: int) -> list[Ephone]:
        return [p for p in self.ephones.values()
                if any(dn_tag in b.dn_tags for b in p.buttons.values())]
