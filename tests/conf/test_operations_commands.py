"""The operations configuration: `ip http server|port|authentication` (the web view and
/metrics) and `gw-accounting file` (where CDRs go): parse, render, `no`, bad values."""
import pytest

from conf import render

from .helpers import messages, parse

CASES = [
    ("", "ip http server", "no ip http server", lambda c: c.http.enabled, True, False),
    ("", "ip http port 8080", "no ip http port", lambda c: c.http.port, 8080, 80),
    ("", "ip http authentication local", "no ip http authentication", lambda c: c.http.authentication,
     "local", None),
    ("gw-accounting file", "primary ifs flash:cdr", "no primary ifs", lambda c: c.accounting.primary,
     "flash:cdr", None),
    ("gw-accounting file", "primary ifs /var/log/cme/cdr", "no primary", lambda c: c.accounting.primary,
     "/var/log/cme/cdr", None),
    ("gw-accounting file", "maximum fileclose-timer 60", "no maximum fileclose-timer",
     lambda c: c.accounting.fileclose_timer, 60, 1440),
    ("gw-accounting file", "maximum file-size 512", "no maximum file-size", lambda c: c.accounting.file_size,
     512, None),
]


@pytest.mark.parametrize("enter, line, undo, get, value, default", CASES, ids=[c[1] for c in CASES])
def test_sets_renders_back_and_no_restores(enter, line, undo, get, value, default):
    head = f"{enter}\n" if enter else ""
    assert get(parse(head).config) == default
    result = parse(f"{head}{line}\n")
    assert messages(result) == [] and get(result.config) == value
    text = render(result.config)
    assert line in text
    again = parse(text)
    assert messages(again) == [] and get(again.config) == value
    undone = parse(f"{head}{line}\n{undo}\n")
    assert messages(undone) == [] and get(undone.config) == default
    assert line not in render(undone.config)


def test_other_ip_http_lines_and_ios_accounting_options_are_kept():
    text = ("ip http server\nip http path flash:\nip http secure-server\n"
            "gw-accounting file\n primary ifs flash:cdr\n maximum buffer-size 20\n cdr-format compact\n")
    result = parse(text)
    assert messages(result) == []
    out = render(result.config)
    for line in ("ip http path flash:", "ip http secure-server", " maximum buffer-size 20", " cdr-format compact"):
        assert line in out.splitlines()


def test_no_gw_accounting_file_forgets_it_all():
    result = parse("gw-accounting file\n primary ifs flash:cdr\n maximum file-size 5\nno gw-accounting file\n")
    assert messages(result) == [] and result.config.accounting.primary is None
    assert "gw-accounting" not in render(result.config)


@pytest.mark.parametrize("text, word", [
    ("ip http port 0\n", "out of range"),
    ("ip http port 70000\n", "out of range"),
    ("ip http authentication enable\n", "only 'local'"),
    ("gw-accounting file\n primary ifs ../../etc\n", "not a place for CDR files"),
    ("gw-accounting file\n primary ifs a\\b\n", "not a place for CDR files"),
    ("gw-accounting file\n maximum fileclose-timer 0\n", "out of range"),
    ("gw-accounting file\n maximum file-size 0\n", "out of range"),
])
def test_bad_values_are_refused_with_the_line(text, word):
    assert any(word in m for m in messages(parse(text)))


def test_check_config_warns_where_cdrs_cannot_go():
    from conf.findings import check

    result = parse("gw-accounting file\n primary ifs usbflash0:cdr\n"
                   " primary ftp 10.1.1.1/cdr username u password p\n")
    assert all(f.severity == "warning" for f in result.findings)  # a CME configuration loads as it is
    found = [f.message for f in check(result.config)]
    assert any("usbflash0:cdr: only flash: or a path" in m for m in found)
    assert any("primary ftp 10.1.1.1/cdr: CDRs are written to local files only" in m for m in found)
    assert not any("password" in m for m in found)
    assert check(parse("gw-accounting file\n primary ifs flash:cdr\n").config) == []
