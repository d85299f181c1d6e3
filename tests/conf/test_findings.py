"""Semantic checks: what a line-by-line parse cannot see."""

import pytest

from conf import Button, Config, Ephone, EphoneDn
from conf.findings import Finding, check

from .helpers import messages, parse

DNS = "".join(f"ephone-dn {n}\nnumber 20{n}\ncti watch\n" for n in range(1, 5))


def test_clean_configuration_has_no_findings():
    assert parse(DNS + "ephone 1\nbutton 1:1\nephone 2\nbutton 1:2\n").findings == []


def test_button_naming_a_missing_dn():
    result = parse("ephone 7\nbutton 1:3\n")
    assert messages(result) == ["t.cfg:2: % ephone 7 button 1: ephone-dn 3 is not configured"]


def test_duplicate_numbers():
    result = parse("ephone-dn 1\nnumber 201\nephone-dn 2\nnumber 201\nephone-dn 3\nnumber 301 secondary 201\n")
    assert messages(result) == ["t.cfg:4: % number 201 of ephone-dn 2 is already ephone-dn 1's",
                                "t.cfg:6: % number 201 of ephone-dn 3 is already ephone-dn 1's"]


def test_duplicate_mac_addresses():
    result = parse("ephone 1\nmac-address 0001.0001.0001\nephone 2\nmac-address 0001.0001.0001\n")
    assert messages(result) == ["t.cfg:4: % mac-address 0001.0001.0001 of ephone 2 is already ephone 1's"]


def test_limits():
    text = "telephony-service\nmax-ephones 1\nmax-dn 2\nephone-dn 1\nephone-dn 2\nephone-dn 3\nephone 1\nephone 2\n"
    assert messages(parse(text)) == ["t.cfg:6: % ephone-dn 3 exceeds max-dn 2 (3 configured)",
                                     "t.cfg:8: % ephone 2 exceeds max-ephones 1 (2 configured)"]
    assert parse("telephony-service\nmax-ephones 2\nephone 1\nephone 2\n").findings == []


def test_overlay_on_a_cti_watched_phone_is_a_warning():
    result = parse(DNS + "ephone 1\nbutton 1:1 2o2,3\n")
    assert [(f.severity, f.line) for f in result.findings] == [("warning", 14)]
    assert "button 2 is an overlay button" in result.findings[0].message


def test_overlay_without_cti_watch_is_fine():
    text = "ephone-dn 1\nnumber 201\nephone-dn 2\nnumber 202\nephone 1\nbutton 1o1,2\n"
    assert parse(text).findings == []


def test_shared_cti_dn_is_a_warning_on_each_phone():
    result = parse(DNS + "ephone 1\nbutton 1:1\nephone 2\nbutton 1:1 2:2\n")
    assert [(f.severity, f.line) for f in result.findings] == [("warning", 14), ("warning", 16)]
    assert "ephone 1 shares ephone-dn 1 with ephone 2" in result.findings[0].message


def test_profile_numbers_must_be_dns():
    text = DNS + "voice logout-profile 1\nnumber 201 type normal\nnumber 299 type normal\n" \
                 "voice user-profile 1\nnumber 202,298 type overlay\n"
    assert messages(parse(text)) == [
        "t.cfg:15: % voice logout-profile 1: number 299 is not an ephone-dn number",
        "t.cfg:17: % voice user-profile 1: number 298 is not an ephone-dn number"]


def test_missing_logout_profile_and_template():
    result = parse("ephone 1\nlogout-profile 3\nephone-dn 1\nephone-dn-template 2\n")
    assert messages(result) == ["t.cfg:2: % ephone 1: voice logout-profile 3 is not configured",
                                "t.cfg:4: % ephone-dn 1: ephone-dn-template 2 is not configured"]
    assert all(f.severity == "error" for f in result.findings)


def test_checks_work_on_models_built_in_code():
    c = Config()
    c.add_dn(EphoneDn(1, number="201", cti_watch_own=True))
    c.ephones[1] = Ephone(1, buttons={1: Button(1), 2: Button(5)})
    findings = check(c, "mem")
    assert [str(f) for f in findings] == ["mem:0: % ephone 1 button 2: ephone-dn 5 is not configured"]


def test_finding_format():
    f = Finding("a.cfg", 3, "error", "% boom", "bad line", 4)
    assert str(f) == "a.cfg:3: % boom"
    assert f.display() == "a.cfg:3: % boom\nbad line\n    ^"
    assert Finding("a.cfg", 3, "warning", "% w").display() == "a.cfg:3: % w"


@pytest.mark.parametrize("text", ["ephone 1\nmac-address 0001.0001.0001\n", "ephone-dn 1\nnumber 1\n"])
def test_single_entries_are_not_duplicates(text):
    assert parse(text).findings == []


def test_a_per_session_monitor_cap_above_the_total_is_a_warning():
    result = parse("voice service voip\n cti max-monitors total 100\n cti max-monitors per-session 500\n")
    assert messages(result) == ["t.cfg:3: % cti max-monitors per-session 500 exceeds cti max-monitors total 100: "
                                "one session can take every monitor the server allows"]
    assert parse("voice service voip\n cti max-monitors per-session 100\n").findings == []
