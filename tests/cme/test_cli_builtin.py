"""The built-in exec commands against a fake application."""
import pytest

from cme.cli.builtin import DEBUG_TARGETS, default_table, format_uptime
from cme.cli.commands import Context
from cme.cli.testing import FakeApplication, run


@pytest.fixture
def table():
    return default_table()


@pytest.fixture
def app():
    return FakeApplication()


def test_show_running_config_has_the_ios_header_and_the_text(table, app):
    app.text = "hostname R1\n!\nephone-dn 1\n number 201\n!\nend\n"
    out = run(table, "sh run", app).output
    assert out == ("Building configuration...\n\n"
                   f"Current configuration : {len(app.text)} bytes\n" + app.text)


def test_show_running_config_counts_bytes_not_characters(table, app):
    app.text = "description Zürich\n"
    assert "Current configuration : 20 bytes" in run(table, "show running-config", app).output


def test_show_version(table):
    app = FakeApplication(uptime=2 * 86400 + 3 * 3600 + 4 * 60 + 59)
    app.config.ephones = {1: object(), 2: object()}
    app.config.ephone_dns = {1: object()}
    out = run(table, "sh ver", app).output
    assert out.startswith("cme-cti CTI CSTA server, Version 9.9.9-test\n")
    assert "R1 uptime is 2 days, 3 hours, 4 minutes\n" in out
    assert 'Configuration file is "/etc/cme/cme.cfg"\n' in out
    assert "2 ephones configured\n" in out
    assert "1 ephone-dn configured\n" in out


def test_show_version_without_file_or_hostname(table):
    app = FakeApplication(hostname=None, config_path=None)
    out = run(table, "show version", app).output
    assert "Router uptime is 0 minutes" in out
    assert "No configuration file" in out


@pytest.mark.parametrize("seconds, text", [
    (59, "0 minutes"),
    (60, "1 minute"),
    (3600 + 120, "1 hour, 2 minutes"),
    (8 * 86400, "1 week, 1 day, 0 minutes"),
    (366 * 86400, "1 year, 1 day, 0 minutes"),
])
def test_uptime_format(seconds, text):
    assert format_uptime(seconds) == text


def test_show_logging_prints_the_buffer(table, app):
    app.log_buffer.entries = ["2024-01-01 cme.cti [info] up", "2024-01-01 cme.sip [warn] x"]
    assert run(table, "sh logg", app).output == (
        "Log Buffer (2 lines):\n2024-01-01 cme.cti [info] up\n2024-01-01 cme.sip [warn] x\n")


def test_write_memory_ok(table, app):
    result = run(table, "wr mem", app)
    assert result.output == "Building configuration...\n[OK]\n"
    assert app.writes == 1
    assert run(table, "write", app).ok and app.writes == 2


def test_write_memory_failure_prints_the_reason(table, app):
    app.write_error = OSError("cannot write /etc/cme/cme.cfg: Permission denied")
    result = run(table, "write memory", app)
    assert result.output == ("Building configuration...\n"
                             "% cannot write /etc/cme/cme.cfg: Permission denied\n")
    assert not result.ok


@pytest.mark.parametrize("line, namespace, message", [
    ("debug cti", "cme.cti", "CTI debugging is on"),
    ("deb cti callmon", "cme.cti.callmon", "CTI call monitor debugging is on"),
    ("debug ephone", "cme.phone", "Ephone debugging is on"),
    ("debug ephone-dn", "cme.line", "Ephone-dn debugging is on"),
    ("debug line", "cme.line", "Line debugging is on"),
    ("debug ccsip", "cme.sip", "SIP debugging is on"),
    ("debug sccp", "cme.sccp", "SCCP debugging is on"),
    ("debug trace cme.cti.session.3", "cme.cti.session.3", "Trace cme.cti.session.3 debugging is on"),
    ("debug ephone mac-address 001e.4a34.a35f", "cme.phone.SEP001E4A34A35F",
     "Ephone SEP001E4A34A35F debugging is on"),
    ("debug all", "cme", "All possible debugging has been turned on"),
])
def test_debug_switches_a_trace_namespace_on(table, app, line, namespace, message):
    assert run(table, line, app).output == message + "\n"
    assert app.trace.enabled() == [namespace]


@pytest.mark.parametrize("prefix", ["undebug", "no debug", "u", "no deb"])
def test_undebug_and_no_debug_switch_one_namespace_off(table, app, prefix):
    run(table, "debug cti", app)
    run(table, "debug sccp", app)
    assert run(table, f"{prefix} cti", app).output == "CTI debugging is off\n"
    assert app.trace.enabled() == ["cme.sccp"]
    run(table, f"{prefix} trace cme.sccp", app)
    assert app.trace.enabled() == []


@pytest.mark.parametrize("line", ["undebug all", "no debug all", "undeb al"])
def test_undebug_all(table, app, line):
    run(table, "debug cti", app)
    run(table, "debug trace x.y", app)
    assert run(table, line, app).output == "All possible debugging has been turned off\n"
    assert app.trace.enabled() == []
    assert app.trace.calls[-1] == ("disable_all", None)


def test_debug_trace_with_a_bad_namespace_is_an_error(table, app):
    result = run(table, "debug trace a..b", app)
    assert result.output.startswith("% invalid log namespace")
    assert app.trace.enabled() == []


def test_debug_help_lists_the_targets(table):
    words = [line.split()[0] for line in table.help("debug ").splitlines() if line.strip()]
    for target in DEBUG_TARGETS:
        assert target.keywords.split()[0] in words
    assert "trace" in words and "all" in words


def test_show_debugging(table, app):
    assert run(table, "sh debugging", app).output == "No debugging is on\n"
    run(table, "debug cti", app)
    run(table, "debug trace my.ns", app)
    run(table, "debug ephone mac 0001.0002.0003", app)
    assert run(table, "show debug", app).output == (
        "Debugging on:\n"
        "  CTI debugging is on (cme.cti)\n"
        "  Ephone SEP000100020003 debugging is on (cme.phone.SEP000100020003)\n"
        "  Trace my.ns debugging is on (my.ns)\n")


def test_terminal_length_and_width_are_kept_in_the_session(table, app):
    ctx = Context(app)
    assert run(table, "terminal length 0", ctx=ctx).ok
    assert run(table, "term width 132", ctx=ctx).ok
    assert (ctx.length, ctx.width) == (0, 132)
    assert not run(table, "terminal length 513", ctx=ctx).ok
    assert ctx.length == 0


@pytest.mark.parametrize("line", ["exit", "quit", "logout", "exi"])
def test_exit_closes_the_session(table, app, line):
    result = run(table, line, app)
    assert result.close and result.output == ""


def test_show_history(table, app):
    ctx = Context(app, history=["sh ver", "show history"])
    assert run(table, "sh hist", ctx=ctx).output == "  sh ver\n  show history\n"


def test_top_level_help_has_the_commands(table):
    words = [line.split()[0] for line in table.help("").splitlines() if line.strip()]
    assert words == sorted(words)
    assert {"show", "write", "debug", "undebug", "no", "terminal", "exit"} <= set(words)


def test_every_builtin_command_has_help(table):
    def walk(node, path):
        for key, child in node.keywords.items():
            assert child.help, "no help for " + " ".join(path + [key])
            walk(child, path + [key])
    walk(table.root, [])


# ---- output modifiers


CONFIG = ("hostname R1\n!\nephone-dn 1\n number 201\n!\n"
          "ephone 1\n mac-address 0001.0002.0003\n button 1:1\nend\n")


@pytest.mark.parametrize("line, expected", [
    ("sh run | include ephone", "ephone-dn 1\nephone 1\n"),
    ("sh run | i ^ephone$|number", " number 201\n"),
    ("sh run | exclude ^(!|Building|Current| )", "\nhostname R1\nephone-dn 1\nephone 1\nend\n"),
    ("sh run | begin ^ephone 1", "ephone 1\n mac-address 0001.0002.0003\n button 1:1\nend\n"),
    ("sh run | section number", "ephone-dn 1\n number 201\n"),
    ("sh run | count ephone", "Number of lines which match regexp = 2\n"),
])
def test_show_output_modifiers(table, line, expected):
    app = FakeApplication(running_config=CONFIG)
    assert run(table, line, app).output == expected


def test_output_modifier_errors(table, app):
    # "bogus" shares its "b" with "begin": the caret goes under the "o"
    assert run(table, "sh run | bogus x", app, indent=3).output.splitlines()[0] == " " * 13 + "^"
    assert run(table, "sh run | include", app).output == "% Incomplete command.\n\n"
    assert run(table, "sh run | include (", app).output.startswith("% Invalid regular expression")
    # only show commands take modifiers
    assert run(table, "write | include x", app).output.splitlines()[0] == " " * 6 + "^"
    assert app.writes == 0


def test_output_modifier_help(table):
    assert table.help("show running-config ") == "  |     Output modifiers\n  <cr>\n\n"
    assert "|" not in table.help("write ")
    words = [line.split()[0] for line in table.help("sh run | ").splitlines() if line]
    assert words == ["begin", "count", "exclude", "include", "section"]
    assert table.help("sh run | inc ") == "  LINE  Regular Expression\n\n"
