"""The document's two configurations and the default one: exact findings, round trips."""

import pytest

from conf import load_file, parse_text, render

from .helpers import DEFAULT, SEEDS

MOC = SEEDS / "moc-client.cfg"
SESSION = SEEDS / "session-manager.cfg"


def test_moc_client_has_no_findings():
    assert load_file(MOC).findings == []


def test_session_manager_has_exactly_the_two_documented_mistakes():
    result = load_file(SESSION)
    name = str(SESSION)
    assert [str(f) for f in result.findings] == [
        f"{name}:29: % Invalid input detected at '^' marker (at 'csta'): did you mean 'cti csta mode basic'?",
        f"{name}:30: % Invalid input detected at '^' marker (at 'registrar'): 'registrar server' is a command "
        "of the 'sip' sub-mode of 'voice service voip' (enter 'sip' first); max 120 out of range 600-86400",
    ]
    assert all(f.severity == "error" for f in result.findings)


def test_session_manager_carets_point_at_the_bad_words():
    line29, line30 = load_file(SESSION).findings
    assert line29.display().splitlines()[1:] == ["csta cti mode basic", "^"]
    assert line30.display().splitlines()[1:] == [" registrar server expires max 120 min 60", " ^"]


def test_session_manager_loads_its_valid_lines():
    c = load_file(SESSION).config
    assert c.voip.cti_shutdown is False
    assert c.voip.csta_mode_basic is False and c.voip.registrar is False  # the two bad lines
    assert (c.register_global.mode, c.register_global.source_address, c.register_global.port) == \
        ("cme", "10.0.0.1", 5060)
    s = c.session_servers[1]
    assert (s.keepalive, s.register_id, s.cti_aware) == (60, "apps", True)
    assert sorted(dn.number for dn in c.ephone_dns.values()) == ["201", "202", "203", "204"]


def test_moc_client_model():
    c = load_file(MOC).config
    assert c.hostname == "sdatar-2811s"
    v = c.voip
    assert (v.allow_connections, v.moved_temporarily, v.refer, v.cti_shutdown, v.csta_mode_basic) == \
        ({("sip", "sip")}, False, False, False, True)
    t = c.telephony
    assert (t.source_address, t.port, t.max_ephones, t.max_dn) == ("10.0.0.1", 2000, 10, 100)
    assert (t.em_logout, t.cnf_file_location, t.cnf_file, t.max_conferences, t.conference_gain) == \
        ([(1, 0)], "flash:", "perphone", 8, -6)
    assert (t.transfer_system, t.version_stamp) == ("full-consult", "Jan 01 2002 00:00:00")
    assert {tag: (dn.number, dn.cti_watch, dn.cti_notify) for tag, dn in c.ephone_dns.items()} == {
        1: ("201", True, False), 2: ("202", True, False), 3: ("203", True, False), 4: ("204", True, True)}
    assert {tag: (p.device_name, p.type, {n: b.dn_tag for n, b in p.buttons.items()}, p.logout_profile)
            for tag, p in c.ephones.items()} == {
        1: ("SEP001E4A34A35F", "7961", {1: 1}, None),
        2: ("SEP000F8FC7B681", "7960", {1: 2}, None),
        3: ("SEP0019E7FF1E30", "7961", {}, 1)}
    assert c.logout_profiles[1].numbers[0].number == "203"
    u = c.user_profiles[1]
    assert (u.user, u.password, u.numbers[0].number) == ("user204", "psswrd", "204")


def test_router_lines_are_kept_verbatim_in_order():
    text = render(load_file(MOC).config)
    lines = text.splitlines()
    for expected in ["version 12.4", "boot system flash c2800nm-ipvoice-mz.oct 20090510", "no aaa new-model",
                     "ip route 223.255.254.254 255.255.255.255 1.5.0.1", "mgcp fax t38 ecm", "sip-ua",
                     "ixi application cme", "control-plane", "voice-port 0/0/3"]:
        assert expected in lines
    ixi = lines.index("ixi transport http")
    assert lines[ixi:ixi + 5] == ["ixi transport http", " response size 64", " no shutdown",
                                  " request outstanding 1", " request timeout 60"]
    pool = lines.index("ip dhcp pool test")
    assert lines[pool + 1:pool + 4] == ["  network 10.0.0.0 255.255.255.0", "   option 150 ip 10.0.0.1",
                                        "   default-router 10.0.0.1"]
    interfaces = [line for line in lines if line.startswith("interface ")]
    assert interfaces == ["interface FastEthernet0/0", "interface Service-Engine0/0", "interface FastEthernet0/1"]


@pytest.mark.parametrize("path", [MOC, SESSION, DEFAULT], ids=["moc-client", "session-manager", "cme.cfg"])
def test_parse_render_is_stable(path):
    once = render(load_file(path).config)
    again = parse_text(once)
    assert again.errors == []
    assert render(again.config) == once
    assert again.config == parse_text(render(again.config)).config


def test_indentation_is_not_needed():
    flat = MOC.read_text()
    indented = render(load_file(MOC).config)
    assert load_file(MOC).config == parse_text(indented).config
    cme_part = flat.split("voice service voip")[1].split("voice-card")[0]
    assert not any(line.startswith((" ", "\t")) for line in cme_part.splitlines())


def test_default_configuration():
    result = load_file(DEFAULT)
    assert result.findings == []
    c = result.config
    assert c.hostname == "cme"
    assert c.usernames == {"admin": "cisco"}
    assert (c.telephony.source_address, c.telephony.port) == ("127.0.0.1", 2000)
    assert (c.register_global.mode, c.register_global.source_address, c.register_global.port) == \
        ("cme", "127.0.0.1", 5060)
    assert c.voip.cti_shutdown is False and c.voip.gcid and c.voip.csta_mode_basic
    assert not any("10.0.0.1" in line for line in DEFAULT.read_text().splitlines() if not line.startswith("!"))
    # the seed's phones and lines, unchanged
    moc = load_file(MOC).config
    assert c.ephone_dns == moc.ephone_dns and c.ephones == moc.ephones


def test_default_configuration_is_its_own_running_config():
    """`write memory` of the unchanged default writes the same file, comments included."""
    assert render(load_file(DEFAULT).config) == DEFAULT.read_text()


def test_default_configuration_is_package_data():
    import importlib.resources
    assert importlib.resources.files("conf").joinpath("cme.cfg").read_text() == DEFAULT.read_text()
