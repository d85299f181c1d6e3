"""create cnf-files: the phones' XML files for the default and example configurations,
escaping, determinism, per-phone versus per-type files, the TFTP provider and the CLI."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

import conf
from cme import em
from cme.cli import builtin
from cme.cli import cnf as cnf_cli
from cme.cli.testing import run
from cme.cnf_files import DEFAULT_FILE, CnfFiles, build, per_phone

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = [ROOT / "conf" / "cme.cfg"] + sorted((ROOT / "conf" / "examples").glob("*.cfg"))
FIRMWARE = {"7961": "SCCP41.8-5-4S", "7960-7940": "P00308000500"}


def load(path):
    return conf.load_file(str(path)).config


def parse(text):
    result = conf.parse_text(text, filename="t.cfg")
    assert not result.errors, result.errors
    return result.config


def xml(data: bytes):
    return etree.fromstring(data)


def load_of(phone_type):
    return FIRMWARE["7960-7940" if phone_type in ("7960", "7940") else phone_type]


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_each_phone_names_the_call_manager_its_load_and_the_version_stamp(path):
    config = load(path)
    config.telephony.loads.update(FIRMWARE)
    files = build(config)
    t = config.telephony
    stamp = "{" + (t.version_stamp or "Jan 01 2002 00:00:00") + "}"
    phones = [e for e in config.ephones.values() if e.mac]
    assert phones and set(files) == {DEFAULT_FILE} | {f"{e.device_name}.cnf.xml" for e in phones}
    for ephone in phones:
        device = xml(files[f"{ephone.device_name}.cnf.xml"])
        assert device.tag == "device" and device.findtext("deviceProtocol") == "SCCP"
        member = device.find("devicePool/callManagerGroup/members/member")
        assert member.get("priority") == "0"
        assert member.findtext("callManager/processNodeName") == t.source_address
        assert member.findtext("callManager/ports/ethernetPhonePort") == str(t.port)
        assert device.findtext("loadInformation") == load_of(ephone.type)
        assert device.findtext("versionStamp") == stamp
        assert device.findtext("userLocale/name") == "English_United_States"
        assert device.findtext("networkLocale") == "United_States"
    default = xml(files[DEFAULT_FILE])
    assert default.tag == "Default"
    assert default.findtext("callManagerGroup/members/member/callManager/processNodeName") == t.source_address
    assert default.findtext("loadInformation30018") == "SCCP41.8-5-4S"
    assert default.find("loadInformation30018").get("model") == "Cisco IP Phone 7961"
    assert default.findtext("loadInformation7") == default.findtext("loadInformation8") == "P00308000500"
    assert default.findtext("versionStamp") == stamp


def test_the_default_configuration_has_per_phone_files_and_the_em_phone_gets_the_em_service():
    config = load(CONFIGS[0])
    assert per_phone(config)
    files = build(config)
    em_phone = xml(files["SEP0019E7FF1E30.cnf.xml"])  # ephone 3, logout-profile 1
    assert em_phone.findtext("servicesURL") == em.service_url("127.0.0.1")
    assert "#DEVICENAME#" in em_phone.findtext("servicesURL")
    assert xml(files["SEP001E4A34A35F.cnf.xml"]).findtext("servicesURL") == ""
    assert xml(files["SEP001E4A34A35F.cnf.xml"]).findtext("loadInformation") == ""  # no load configured


def test_urls_and_locales_come_from_telephony_service():
    config = parse("telephony-service\n ip source-address 10.0.0.1 port 2001\n"
                   " url services http://10.0.0.2/services.xml\n url authentication http://10.0.0.2/auth.asp\n"
                   " user-locale DE\n network-locale GB\n cnf-file location flash:\n cnf-file perphone\n"
                   "voice logout-profile 1\nephone 1\n mac-address 0000.0000.0001\n type 7961\n logout-profile 1\n")
    device = xml(build(config)["SEP000000000001.cnf.xml"])
    assert device.findtext("servicesURL") == "http://10.0.0.2/services.xml"  # the configured one wins
    assert device.findtext("authenticationURL") == "http://10.0.0.2/auth.asp"
    assert (device.findtext("userLocale/name"), device.findtext("userLocale/langCode")) == ("German_Germany", "de_DE")
    assert device.findtext("networkLocale") == "United_Kingdom"
    assert device.findtext("devicePool/callManagerGroup/members/member/callManager/ports/ethernetPhonePort") == "2001"


HOSTILE = 'http://x/a?b=1&c=<d>"\'</servicesURL><evil/>'


def test_hostile_urls_and_names_are_escaped():
    config = parse("telephony-service\n ip source-address 127.0.0.1\n cnf-file location flash:\n cnf-file perphone\n"
                   f" url services {HOSTILE}\n load 7961 <x>&amp;\n"
                   " create cnf-files version-stamp </versionStamp><a>&\n"
                   "ephone 1\n mac-address 0000.0000.0001\n type 7961\n")
    config.telephony.url_authentication = "http://x/\x01é"  # what no configuration line carries
    files = build(config)
    for data in files.values():
        assert b"<evil" not in data and b"<x>" not in data and b"<a>" not in data
        data.decode("ascii")  # non-ASCII goes as character references
    device = xml(files["SEP000000000001.cnf.xml"])
    assert device.findtext("servicesURL") == HOSTILE
    assert device.findtext("loadInformation") == "<x>&amp;"
    assert device.findtext("versionStamp") == "{</versionStamp><a>&}"
    assert device.findtext("authenticationURL") == "http://x/é"
    assert xml(files[DEFAULT_FILE]).findtext("servicesURL") == HOSTILE


def test_same_configuration_same_bytes():
    one, two = load(CONFIGS[0]), load(CONFIGS[0])
    two.telephony.loads.update(reversed(list(FIRMWARE.items())))
    one.telephony.loads.update(FIRMWARE)
    assert build(one) == build(two)
    assert list(build(one)) == sorted(build(one))
    files = CnfFiles(one)
    before = {n: files.lookup(n) for n in files.names()}
    files.rebuild()
    assert {n: files.lookup(n) for n in files.names()} == before


def test_per_type_files_are_shared_and_shown_as_aliases():
    config = load(CONFIGS[0])
    config.telephony.cnf_file = "perphonetype"
    config.telephony.loads.update(FIRMWARE)
    config.ephones[4] = conf.Ephone(4)  # no MAC: no file
    config.ephones[5] = conf.Ephone(5, mac="0000.0000.0005")  # no type: falls back to XMLDefault.cnf.xml
    assert not per_phone(config)
    files = build(config)
    assert set(files) == {DEFAULT_FILE, "SEP001E4A34A35F.cnf.xml", "SEP000F8FC7B681.cnf.xml", "SEP0019E7FF1E30.cnf.xml"}
    assert files["SEP001E4A34A35F.cnf.xml"] == files["SEP0019E7FF1E30.cnf.xml"]  # both 7961s
    assert xml(files["SEP0019E7FF1E30.cnf.xml"]).findtext("servicesURL") == ""  # nothing per phone
    assert xml(files["SEP000F8FC7B681.cnf.xml"]).findtext("loadInformation") == "P00308000500"
    bindings = {(b.source, b.alias) for b in CnfFiles(config).bindings()}
    assert ("system:/its/XMLDefault7961.cnf.xml", "SEP001E4A34A35F.cnf.xml") in bindings
    assert ("system:/its/XMLDefault.cnf.xml", None) in bindings


def test_per_phone_on_system_location_is_per_type_as_in_cme():
    config = load(CONFIGS[0])
    config.telephony.cnf_file_location = None
    assert not per_phone(config)
    assert build(config)["SEP001E4A34A35F.cnf.xml"] == build(config)["SEP0019E7FF1E30.cnf.xml"]


def test_load_7960_of_its_own_beats_7960_7940():
    config = load(CONFIGS[0])
    config.telephony.loads.update({"7960-7940": "P0030A", "7960": "P0030B"})
    files = build(config)
    assert xml(files["SEP000F8FC7B681.cnf.xml"]).findtext("loadInformation") == "P0030B"
    default = xml(files[DEFAULT_FILE])
    assert (default.findtext("loadInformation7"), default.findtext("loadInformation8")) == ("P0030B", "P0030A")


def test_lookup_is_case_insensitive_and_unknown_names_are_none():
    files = CnfFiles(load(CONFIGS[0]))
    data = files.lookup("SEP001E4A34A35F.cnf.xml")
    assert data is not None
    assert files.lookup("sep001e4a34a35f.CNF.XML") == data == files.lookup("/SEP001E4A34A35F.cnf.xml")
    assert files.lookup("xmldefault.cnf.xml") is not None
    for name in ("SEP000000000000.cnf.xml", "", "../etc/passwd", "SCCP41.8-5-4S.loads"):
        assert files.lookup(name) is None
    assert files.names() == ["SEP000F8FC7B681.cnf.xml", "SEP0019E7FF1E30.cnf.xml", "SEP001E4A34A35F.cnf.xml",
                             DEFAULT_FILE]


def test_rebuild_follows_the_configuration():
    config = load(CONFIGS[0])
    files = CnfFiles(config)
    config.ephones[9] = conf.Ephone(9, mac="0000.0000.0009", type="7961")
    assert files.lookup("SEP000000000009.cnf.xml") is None  # until create cnf-files
    files.rebuild()
    assert xml(files.lookup("SEP000000000009.cnf.xml")).findtext("versionStamp") == "{Jan 01 2002 00:00:00}"


def test_flash_files_are_served_from_the_flash_directory(tmp_path):
    (tmp_path / "phones").mkdir()
    (tmp_path / "SCCP41.8-5-4S.loads").write_bytes(b"loads")
    (tmp_path / "phones" / "apps.sbn").write_bytes(b"apps")
    (tmp_path.parent / "secret").write_bytes(b"no")
    config = parse("tftp-server flash:SCCP41.8-5-4S.loads\ntftp-server flash:/phones/apps.sbn alias Apps.sbn\n"
                   "tftp-server flash:missing.bin\n")
    config.tftp_files.append(conf.TftpFile("flash:../secret", "secret"))  # not from a configuration line
    files = CnfFiles(config, flash_dir=tmp_path)
    assert files.lookup("sccp41.8-5-4s.LOADS") == b"loads"
    assert files.lookup("apps.sbn") == b"apps"
    assert files.lookup("phones/apps.sbn") is None  # only its alias
    assert files.lookup("missing.bin") is None
    assert files.lookup("secret") is None
    assert CnfFiles(config).lookup("SCCP41.8-5-4S.loads") is None  # without a directory: generated files only
    assert "Apps.sbn" in files.names()


def table():
    return cnf_cli.register(builtin.default_table())


def test_show_tftp_bindings():
    config = load(CONFIGS[0])
    config.tftp_files += [conf.TftpFile("flash:SCCP41.8-5-4S.loads"), conf.TftpFile("flash:/p/a.sbn", "a.sbn")]
    app = SimpleNamespace(config=config, cnf_files=CnfFiles(config))
    assert run(table(), "show telephony-service tftp-bindings", app).output.splitlines() == [
        "tftp-server system:/its/XMLDefault.cnf.xml",
        "tftp-server system:/its/SEP001E4A34A35F.cnf.xml",
        "tftp-server system:/its/SEP000F8FC7B681.cnf.xml",
        "tftp-server system:/its/SEP0019E7FF1E30.cnf.xml",
        "tftp-server flash:SCCP41.8-5-4S.loads",
        "tftp-server flash:/p/a.sbn alias a.sbn",
    ]
    assert "tftp-server system:/its/XMLDefault.cnf.xml" in run(table(), "sh telephony tftp", app).output


def test_create_cnf_files_rebuilds():
    config = load(CONFIGS[0])
    app = SimpleNamespace(config=config, cnf_files=CnfFiles(config))
    config.telephony.loads["7961"] = "SCCP41.9-0-1"
    out = run(table(), "create cnf-files", app).output
    assert out.splitlines() == ["Creating CNF files", "CNF files creating ... done (4 files)"]
    assert xml(app.cnf_files.lookup("SEP001E4A34A35F.cnf.xml")).findtext("loadInformation") == "SCCP41.9-0-1"


def test_without_a_provider_the_commands_say_so():
    app = SimpleNamespace(config=load(CONFIGS[0]), cnf_files=None)
    assert "not available" in run(table(), "create cnf-files", app).output
    assert "not available" in run(table(), "show telephony-service tftp-bindings", app).output
