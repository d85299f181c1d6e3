"""`create cnf-files`: the configuration files SCCP phones fetch over TFTP when they boot.

`build(config)` gives every file by the name a phone asks for; `CnfFiles(config)` keeps
them for the TFTP server (`lookup`, case-insensitive like Cisco's TFTP server) and
rebuilds them on `create cnf-files`.

What CME builds, and so what is built here:

- `XMLDefault.cnf.xml`, always: the file a phone falls back to when there is no file of
  its own. `<Default>` with the CallManager group (telephony-service's `ip source-address`
  and port), one `<loadInformationN model="...">` per `load` line (N is the SCCP device
  type of the model the phone announces, so a phone picks its own), the versionStamp,
  locales and URLs.
- `SEP<MAC>.cnf.xml` for each ephone with a `mac-address`: `<device>`, the layout 7961
  SCCP firmware reads (`<deviceProtocol>SCCP`, `<devicePool>` with the CallManager group,
  `<loadInformation>` for its type, `<versionStamp>`, `<userLocale>`, `<networkLocale>`,
  the URLs).
  * With `cnf-file perphone` (and a `cnf-file location` other than system:, as CME
    wants) each phone has a file of its own, which also carries what is the phone's own:
    an EM phone (`logout-profile`) gets the Extension Mobility service as its services
    URL when no `url services` is configured.
  * Otherwise (per system, `cnf-file perphonetype`) phones of one type share one file,
    `XMLDefault<TYPE>.cnf.xml`, served under each one's SEP name (`show telephony-service
    tftp-bindings` shows it as an alias, as CME does). A phone without a `type` gets no
    file of its own and falls back to XMLDefault.cnf.xml, as real phones do.

The files are kept in memory (`system:/its/` in the bindings): `cnf-file location` only
chooses the kind of files, nothing is written to flash. The versionStamp is `create
cnf-files version-stamp`'s text in braces, as CME writes it, `Jan 01 2002 00:00:00` (CME's
own) when none is configured. Output is deterministic: the same configuration gives the
same bytes (no time of day goes in), ASCII only (other characters as references), no
XML declaration, every text escaped by lxml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from cme import em

DEFAULT_VERSION_STAMP = "Jan 01 2002 00:00:00"
BINDING_PREFIX = "system:/its/"
DEFAULT_FILE = "XMLDefault.cnf.xml"

# `load TYPE`: the SCCP device types of the models it names and how CUCM/CME name them.
MODELS: dict[str, tuple[tuple[int, str], ...]] = {
    "7902": ((30008, "IP Phone 7902"),),
    "7905": ((20000, "IP Phone 7905"),),
    "7906": ((369, "Cisco IP Phone 7906"),),
    "7911": ((307, "Cisco IP Phone 7911"),),
    "7912": ((30007, "IP Phone 7912"),),
    "7914": ((124, "Cisco IP Phone 7914 14-Button Line Expansion Module"),),
    "7920": ((30002, "IP Phone 7920"),),
    "7921": ((365, "Cisco IP Phone 7921"),),
    "7925": ((484, "Cisco IP Phone 7925"),),
    "7931": ((348, "Cisco IP Phone 7931"),),
    "7935": ((9, "IP Phone 7935"),),
    "7936": ((30019, "IP Phone 7936"),),
    "7937": ((431, "Cisco IP Conference Station 7937"),),
    "7940": ((8, "IP Phone 7940"),),
    "7941": ((115, "Cisco IP Phone 7941"),),
    "7941GE": ((309, "Cisco IP Phone 7941G-GE"),),
    "7942": ((434, "Cisco IP Phone 7942"),),
    "7945": ((435, "Cisco IP Phone 7945"),),
    "7960": ((7, "IP Phone 7960"),),
    "7960-7940": ((7, "IP Phone 7960"), (8, "IP Phone 7940")),
    "7961": ((30018, "Cisco IP Phone 7961"),),
    "7961GE": ((308, "Cisco IP Phone 7961G-GE"),),
    "7962": ((404, "Cisco IP Phone 7962"),),
    "7965": ((436, "Cisco IP Phone 7965"),),
    "7970": ((30006, "IP Phone 7970"),),
    "7971": ((119, "Cisco IP Phone 7971"),),
    "7975": ((437, "Cisco IP Phone 7975"),),
    "7985": ((302, "Cisco IP Phone 7985"),),
    "ata": ((12, "Cisco ATA 186"),),
}

# `user-locale CC`: the locale name and language code in the phones' files.
USER_LOCALES = {
    "US": ("English_United_States", "en_US"), "DE": ("German_Germany", "de_DE"),
    "FR": ("French_France", "fr_FR"), "ES": ("Spanish_Spain", "es_ES"), "IT": ("Italian_Italy", "it_IT"),
    "JP": ("Japanese_Japan", "ja_JP"), "NL": ("Dutch_Netherlands", "nl_NL"), "NO": ("Norwegian_Norway", "no_NO"),
    "PT": ("Portuguese_Portugal", "pt_PT"), "RU": ("Russian_Russian_Federation", "ru_RU"),
    "SE": ("Swedish_Sweden", "sv_SE"), "DK": ("Danish_Denmark", "da_DK"), "CN": ("Chinese_China", "zh_CN"),
    "KR": ("Korean_Korea_Republic", "ko_KR"),
}
# `network-locale CC`: the tone set's name.
NETWORK_LOCALES = {
    "US": "United_States", "CA": "Canada", "GB": "United_Kingdom", "DE": "Germany", "AT": "Austria",
    "CH": "Switzerland", "FR": "France", "ES": "Spain", "IT": "Italy", "NL": "Netherlands", "NO": "Norway",
    "PT": "Portugal", "RU": "Russian_Federation", "SE": "Sweden", "DK": "Denmark", "FI": "Finland",
    "JP": "Japan", "CN": "China", "KR": "Korea_Republic",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Binding:
    """One file offered over TFTP: where CME keeps it (`tftp-server` source), the name a
    phone asks for, and its bytes."""
    source: str
    name: str
    data: bytes

    @property
    def alias(self) -> str | None:
        """The name it is served under when that is not its own file name."""
        return None if self.source.rsplit("/", 1)[-1] == self.name else self.name


def _text(value: object) -> str:
    """Text XML can carry: configuration words could hold control characters."""
    return _NOT_XML.sub("", str(value))


def _el(parent, tag: str, text: object = "", **attrs) -> etree._Element:
    e = etree.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    e.text = _text(text)  # "" too: <tag></tag>, which old firmware reads like any other
    return e


def _box(parent, tag: str, **attrs) -> etree._Element:
    """An element of elements (no text of its own, so it is indented)."""
    return etree.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})


def _serialize(root) -> bytes:
    return etree.tostring(root, encoding="us-ascii", xml_declaration=False, pretty_print=True)


def version_stamp(config) -> str:
    return "{" + (config.telephony.version_stamp or DEFAULT_VERSION_STAMP) + "}"


def load_for(config, phone_type: str | None) -> str:
    """The firmware `load` names for an ephone `type` ("" when none: the phone keeps its own);
    a 7960 or 7940 takes `load 7960` / `load 7940` before `load 7960-7940`."""
    if not phone_type:
        return ""
    loads = {k.lower(): v for k, v in config.telephony.loads.items()}
    keys = [phone_type.lower()] + (["7960-7940"] if phone_type in ("7960", "7940") else [])
    return next((loads[k] for k in keys if k in loads), "")


def _call_manager_group(parent, config) -> None:
    t = config.telephony
    members = _box(_box(parent, "callManagerGroup"), "members")
    member = _box(members, "member", priority="0")
    call_manager = _box(member, "callManager")
    _el(_box(call_manager, "ports"), "ethernetPhonePort", t.port)
    _el(call_manager, "processNodeName", t.source_address or "")


def _locales(parent, config) -> None:
    t = config.telephony
    name, lang = USER_LOCALES.get(t.user_locale.upper(), USER_LOCALES["US"])
    user = _box(parent, "userLocale")
    _el(user, "name", name)
    _el(user, "langCode", lang)
    _el(parent, "networkLocale", NETWORK_LOCALES.get(t.network_locale.upper(), NETWORK_LOCALES["US"]))


def _urls(parent, config, services: str | None = None) -> None:
    t = config.telephony
    _el(parent, "authenticationURL", t.url_authentication or "")
    _el(parent, "directoryURL")
    _el(parent, "idleURL")
    _el(parent, "informationURL")
    _el(parent, "messagesURL")
    _el(parent, "proxyServerURL")
    _el(parent, "servicesURL", t.url_services or services or "")


def default_file(config) -> bytes:
    """XMLDefault.cnf.xml."""
    root = etree.Element("Default")
    _call_manager_group(root, config)
    loads = config.telephony.loads
    for load_type, models in MODELS.items():
        if load_type not in loads:
            continue
        for number, model in models:
            if load_type == "7960-7940" and {7: "7960", 8: "7940"}[number] in loads:
                continue  # `load 7960` / `load 7940` of its own wins
            _el(root, f"loadInformation{number}", loads[load_type], model=model)
    _el(root, "versionStamp", version_stamp(config))
    _locales(root, config)
    _urls(root, config)
    return _serialize(root)


def device_file(config, ephone=None, phone_type: str | None = None) -> bytes:
    """A `<device>` file: `ephone`'s own (per phone), or that of `phone_type` (per type)."""
    if ephone is not None:
        phone_type = ephone.type
    root = etree.Element("device")
    _el(root, "deviceProtocol", "SCCP")
    _el(root, "sshUserId")
    _el(root, "sshPassword")
    pool = _box(root, "devicePool")
    date_time = _box(pool, "dateTimeSetting")
    _el(date_time, "dateTemplate", "M/D/YA")
    _call_manager_group(pool, config)
    _el(root, "loadInformation", load_for(config, phone_type))
    _el(root, "versionStamp", version_stamp(config))
    _locales(root, config)
    _el(root, "idleTimeout", 0)
    services = None
    if ephone is not None and ephone.logout_profile is not None and config.telephony.source_address:
        services = em.service_url(config.telephony.source_address)
    _urls(root, config, services)
    return _serialize(root)


def per_phone(config) -> bool:
    """Does each phone get a file of its own (`cnf-file perphone` off system:)?"""
    t = config.telephony
    location = (t.cnf_file_location or "system:").lower()
    return t.cnf_file in ("perphone", "perdevice") and not location.startswith("system")


def plan(config) -> list[Binding]:
    """Every generated file, XMLDefault.cnf.xml first, then the phones by ephone tag."""
    out = [Binding(BINDING_PREFIX + DEFAULT_FILE, DEFAULT_FILE, default_file(config))]
    own = per_phone(config)
    by_type: dict[str, bytes] = {}
    for _tag, ephone in sorted(config.ephones.items()):
        if not ephone.device_name:
            continue
        name = f"{ephone.device_name}.cnf.xml"
        if own:
            out.append(Binding(BINDING_PREFIX + name, name, device_file(config, ephone)))
        elif ephone.type:
            if ephone.type not in by_type:
                by_type[ephone.type] = device_file(config, phone_type=ephone.type)
            out.append(Binding(f"{BINDING_PREFIX}XMLDefault{ephone.type}.cnf.xml", name, by_type[ephone.type]))
    return out


def build(config) -> dict[str, bytes]:
    """The files `create cnf-files` produces, by the name a phone asks for."""
    return {b.name: b.data for b in sorted(plan(config), key=lambda b: b.name)}


class CnfFiles:
    """The TFTP server's files: the generated ones, and with `flash_dir` the `tftp-server`
    files read from that directory (`flash:NAME` is `flash_dir/NAME`) at each request."""

    def __init__(self, config, flash_dir: str | Path | None = None) -> None:
        self.config = config
        self.flash_dir = Path(flash_dir) if flash_dir is not None else None
        self._bindings: list[Binding] = []
        self._by_name: dict[str, bytes] = {}
        self.rebuild()

    def rebuild(self) -> list[Binding]:
        """Regenerate from the current configuration (`create cnf-files`, a changed one)."""
        self._bindings = plan(self.config)
        self._by_name = {b.name.lower(): b.data for b in self._bindings}
        return list(self._bindings)

    def bindings(self) -> list[Binding]:
        return list(self._bindings)

    def lookup(self, name: str) -> bytes | None:
        key = name.replace("\\", "/").lstrip("/").lower()
        data = self._by_name.get(key)
        if data is not None:
            return data
        return self._flash(key)

    def names(self) -> list[str]:
        names = sorted(b.name for b in self._bindings)
        if self.flash_dir is not None:
            names += [f.served_name for f in self.config.tftp_files if f.served_name.lower() not in self._by_name]
        return names

    def _flash(self, key: str) -> bytes | None:
        if self.flash_dir is None:
            return None
        for f in self.config.tftp_files:
            if f.served_name.lower() != key or f.device != "flash":
                continue
            root = self.flash_dir.resolve()
            path = (root / f.path).resolve()
            if root != path and root not in path.parents:
                return None
            try:
                return path.read_bytes() if path.is_file() else None
            except OSError:
                return None
        return None
