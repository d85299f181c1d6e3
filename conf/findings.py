"""Findings: what is wrong with a configuration, and the semantic checks that find the
mistakes a line-by-line parse cannot see (a button naming a missing ephone-dn, …).

`str(finding)` is the one-line form `FILE:LINE: message` that `check-config` prints;
`finding.display()` adds IOS's echoed line and caret under the offending word.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterator

from conf.model import Config

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    filename: str
    line: int  # 1-based; 0 when no line of the file is to blame (a model built in code)
    severity: str  # "error" or "warning"
    message: str
    source: str = ""  # the offending line as written
    column: int | None = None  # where the caret goes in `source`

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}: {self.message}"

    def display(self) -> str:
        """The IOS form: the line as written, a caret under the bad word, the message."""
        if self.column is None:
            return str(self)
        return f"{self}\n{self.source}\n{' ' * self.column}^"


# Where each command of the parsed text was, so that semantic findings can name a line:
# ("ephone", 1) -> line of `ephone 1`; (("ephone", 1), "button") -> its button line.
Where = dict


def _line(where: Where, section: tuple, command: str | None = None, word: str | None = None) -> int:
    for key in ((section, command, word), (section, command), section):
        if key in where:
            return where[key]
    return 0


Check = Callable[[Config, Where], Iterator[tuple[str, int, str]]]  # (severity, line, message)


def buttons_name_known_dns(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    for tag, phone in sorted(cfg.ephones.items()):
        for number, button in sorted(phone.buttons.items()):
            for dn in button.dn_tags:
                if dn not in cfg.ephone_dns:
                    yield ERROR, _line(where, ("ephone", tag), "button"), \
                        f"% ephone {tag} button {number}: ephone-dn {dn} is not configured"


def numbers_are_unique(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    seen: dict[str, int] = {}
    for tag, dn in sorted(cfg.ephone_dns.items()):
        for number in dn.numbers:
            if number in seen and seen[number] != tag:
                yield ERROR, _line(where, ("ephone-dn", tag), "number"), \
                    f"% number {number} of ephone-dn {tag} is already ephone-dn {seen[number]}'s"
            seen.setdefault(number, tag)


def macs_are_unique(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    seen: dict[str, int] = {}
    for tag, phone in sorted(cfg.ephones.items()):
        if phone.mac is None:
            continue
        if phone.mac in seen:
            yield ERROR, _line(where, ("ephone", tag), "mac-address"), \
                f"% mac-address {phone.mac} of ephone {tag} is already ephone {seen[phone.mac]}'s"
        seen.setdefault(phone.mac, tag)


def limits_hold(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    limits = (("ephones", "ephone", cfg.telephony.max_ephones, "max-ephones"),
              ("ephone_dns", "ephone-dn", cfg.telephony.max_dn, "max-dn"))
    for attr, kind, limit, command in limits:
        tags = sorted(getattr(cfg, attr))
        if limit is not None and len(tags) > limit:
            first = tags[limit]
            yield ERROR, _line(where, (kind, first)), \
                f"% {kind} {first} exceeds {command} {limit} ({len(tags)} configured)"


def cti_phones_avoid_shared_and_overlay_lines(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    """The document's Restrictions: no overlay DNs and no shared lines on CTI-controlled phones."""
    phones_of: dict[int, set[int]] = defaultdict(set)
    for tag, phone in cfg.ephones.items():
        for button in phone.buttons.values():
            for dn in button.dn_tags:
                phones_of[dn].add(tag)
    for tag, phone in sorted(cfg.ephones.items()):
        dns = {dn for b in phone.buttons.values() for dn in b.dn_tags if dn in cfg.ephone_dns}
        if not any(cfg.ephone_dns[dn].cti_watch for dn in dns):
            continue
        line = _line(where, ("ephone", tag), "button")
        for number, button in sorted(phone.buttons.items()):
            if button.is_overlay:
                yield WARNING, line, (f"% ephone {tag} button {number} is an {button.kind} button on a phone "
                                      "with a cti watch line; CTI cannot control overlay DNs")
        for dn in sorted(dns):
            others = sorted(phones_of[dn] - {tag})
            if others:
                yield WARNING, line, (f"% ephone {tag} shares ephone-dn {dn} with ephone "
                                      f"{', '.join(map(str, others))} on a phone with a cti watch line; "
                                      "CTI cannot control shared lines")


def profile_numbers_are_dns(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    known = {n for dn in cfg.ephone_dns.values() for n in dn.numbers}
    for kind, profiles in (("logout-profile", cfg.logout_profiles), ("user-profile", cfg.user_profiles)):
        for tag, profile in sorted(profiles.items()):
            for entry in profile.numbers:
                for number in entry.numbers:
                    if number not in known:
                        yield ERROR, _line(where, (kind, tag), "number", entry.number), \
                            f"% voice {kind} {tag}: number {number} is not an ephone-dn number"


def references_resolve(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    for tag, phone in sorted(cfg.ephones.items()):
        if phone.logout_profile is not None and phone.logout_profile not in cfg.logout_profiles:
            yield ERROR, _line(where, ("ephone", tag), "logout-profile"), \
                f"% ephone {tag}: voice logout-profile {phone.logout_profile} is not configured"
    for tag, dn in sorted(cfg.ephone_dns.items()):
        if dn.template is not None and dn.template not in cfg.ephone_dn_templates:
            yield ERROR, _line(where, ("ephone-dn", tag), "ephone-dn-template"), \
                f"% ephone-dn {tag}: ephone-dn-template {dn.template} is not configured"


def dial_peers_can_route(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    for tag, peer in sorted(cfg.dial_peers.items()):
        key = ("dial-peer", tag)
        if peer.kind != "voip":
            continue
        if peer.session_protocol not in (None, "sipv2"):
            yield ERROR, _line(where, key, "session protocol"), \
                f"% dial-peer voice {tag}: session protocol {peer.session_protocol} is not supported, only sipv2"
        if peer.destination_pattern and peer.session_target is None:
            yield WARNING, _line(where, key, "destination-pattern"), \
                f"% dial-peer voice {tag} has a destination-pattern but no session target: it cannot route calls"
        if peer.voice_class_codec is not None and peer.voice_class_codec not in cfg.codec_classes:
            yield ERROR, _line(where, key, "voice-class codec"), \
                f"% dial-peer voice {tag}: voice class codec {peer.voice_class_codec} is not configured"


def codec_classes_name_each_codec_once(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    for tag, cls in sorted(cfg.codec_classes.items()):
        first: dict[str, int] = {}
        for number, codec in sorted(cls.preferences.items()):
            if codec in first:
                yield ERROR, _line(where, ("voice class codec", tag), "codec", str(number)), \
                    (f"% voice class codec {tag}: codec preference {number} {codec} repeats "
                     f"preference {first[codec]}")
            first.setdefault(codec, number)


_FIRMWARE_SUFFIXES = (".loads", ".sbn", ".sb2", ".bin", ".zup", ".sbin")
_SUFFIX_ALLOWED = ("ata", "7905", "7912")  # IOS wants the suffix for these, and only these


def loads_name_firmware_the_phones_can_fetch(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    """`load TYPE NAME`: NAME without its suffix (except for ATA, 7905, 7912, as IOS's
    reference says), and some `tftp-server` line offering the file, or the phones ask for
    a firmware nobody serves and keep the one they run."""
    served = {f.served_name.lower() for f in cfg.tftp_files}
    stems = {name.rsplit(".", 1)[0] for name in served}
    for model, firmware in cfg.telephony.loads.items():
        line = _line(where, ("telephony-service",), "load", model)
        if model not in _SUFFIX_ALLOWED and firmware.lower().endswith(_FIRMWARE_SUFFIXES):
            yield WARNING, line, (f"% load {model} {firmware}: name the firmware without its file suffix "
                                  f"({firmware.rsplit('.', 1)[0]})")
        elif firmware.lower() not in served and firmware.lower() not in stems:
            yield WARNING, line, (f"% load {model} {firmware}: no tftp-server line serves {firmware} "
                                  "(its .loads or .bin file): the phones cannot fetch it")


def cnf_files_can_be_per_phone(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    t = cfg.telephony
    if t.cnf_file in ("perphone", "perdevice", "perphonetype", "pertype") and \
            (t.cnf_file_location or "system:").lower().startswith("system"):
        yield WARNING, _line(where, ("telephony-service",), "cnf-file", t.cnf_file), \
            (f"% cnf-file {t.cnf_file} needs a 'cnf-file location' other than system: "
             "(flash:, slot0: or tftp); the phones get the per-system files")


def cti_monitor_limits_fit(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    v = cfg.voip
    if v.cti_max_monitors_session > v.cti_max_monitors_total:
        yield WARNING, _line(where, ("voice service voip",), "cti max-monitors per-session"), \
            (f"% cti max-monitors per-session {v.cti_max_monitors_session} exceeds cti max-monitors total "
             f"{v.cti_max_monitors_total}: one session can take every monitor the server allows")


def cdr_files_go_where_they_can(cfg: Config, where: Where) -> Iterator[tuple[str, int, str]]:
    """CDRs are written to local files only: `flash:NAME` (the state directory) or a path."""
    acct = cfg.accounting
    section = ("gw-accounting file",)
    primary = acct.primary or ""
    scheme = primary.partition(":")[0] if ":" in primary else ""
    if scheme and scheme.lower() != "flash":
        yield WARNING, _line(where, section, "primary"), \
            (f"% primary ifs {primary}: only flash: or a path is written here; "
             "the CDRs go to the state directory's cdr/ instead")
    for line in acct.extra:
        if line.lower().startswith(("primary ftp", "primary tftp", "secondary")):
            yield WARNING, _line(where, section), \
                f"% {line.split(' username')[0]}: CDRs are written to local files only (primary ifs)"


CHECKS: tuple[Check, ...] = (
    buttons_name_known_dns,
    numbers_are_unique,
    macs_are_unique,
    limits_hold,
    cti_phones_avoid_shared_and_overlay_lines,
    profile_numbers_are_dns,
    references_resolve,
    dial_peers_can_route,
    codec_classes_name_each_codec_once,
    loads_name_firmware_the_phones_can_fetch,
    cnf_files_can_be_per_phone,
    cti_monitor_limits_fit,
    cdr_files_go_where_they_can,
)


def check(cfg: Config, filename: str = "<config>", where: Where | None = None) -> list[Finding]:
    """The semantic findings of a configuration, in line order."""
    where = where or {}
    found = [Finding(filename, line, severity, message)
             for rule in CHECKS for severity, line, message in rule(cfg, where)]
    return sorted(found, key=lambda f: f.line)
