"""The interactive shell, driven through insults over a StringTransport."""
import re

from twisted.conch.insults import insults
from twisted.internet.testing import StringTransport

from cme.cli.builtin import default_table
from cme.cli.shell import CLIShell
from cme.cli.testing import FakeApplication

UP, LEFT = b"\x1b[A", b"\x1b[D"
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Session:
    def __init__(self, app=None, table=None):
        self.app = app or FakeApplication()
        self.transport = StringTransport()
        self.server = insults.ServerProtocol(CLIShell, self.app, table or default_table(),
                                             username="admin", peer="127.0.0.1:5555")
        self.server.makeConnection(self.transport)
        self.shell = self.server.terminalProtocol

    def type(self, data: bytes) -> str:
        """Send keystrokes; return what the terminal showed since, escapes removed."""
        self.transport.clear()
        self.server.dataReceived(data)
        return _ESCAPES.sub(b"", self.transport.value()).decode()


def test_first_prompt_is_the_hostname():
    s = Session()
    assert _ESCAPES.sub(b"", s.transport.value()) == b"\r\nR1#"


def test_sh_run_prints_the_running_config_then_the_prompt():
    s = Session()
    s.app.text = "hostname R1\n!\nephone 1\n mac-address 0001.0002.0003\nend\n"
    out = s.type(b"sh run\r")
    assert len(s.app.text) == 55
    assert out == ("sh run\r\nBuilding configuration...\r\n\r\nCurrent configuration : 55 bytes\r\n"
                   "hostname R1\r\n!\r\nephone 1\r\n mac-address 0001.0002.0003\r\nend\r\nR1#")


def test_prompt_follows_a_hostname_change():
    s = Session()
    s.app.config.hostname = "CME-LAB"
    assert s.type(b"\r").endswith("CME-LAB#")


def test_invalid_input_caret_accounts_for_the_prompt():
    s = Session()
    out = s.type(b"show foo\r")
    assert out.split("\r\n")[1] == " " * len("R1#show ") + "^"
    assert "% Invalid input detected at '^' marker." in out


def test_question_mark_prints_help_and_redraws_the_partial_line():
    s = Session()
    out = s.type(b"show ?")
    assert out.startswith("show ?\r\n")
    assert "  running-config  Current operating configuration\r\n" in out
    assert out.endswith("\r\n\r\nR1#show ")
    # The line is still being edited: finishing it runs the command.
    assert "Current configuration" in s.type(b"run\r")


def test_question_mark_after_a_partial_word_lists_completions():
    s = Session()
    assert s.type(b"sh?") == "sh?\r\nshow\r\n\r\nR1#sh"
    assert "version" in s.type(b"ow v?")


def test_enter_after_crlf_runs_the_command_once():
    s = Session()
    s.type(b"debug cti\r\n")
    assert s.app.trace.calls == [("enable", "cme.cti")]


def test_tab_completes_an_unambiguous_keyword():
    s = Session()
    s.type(b"sh\t")
    assert b"".join(s.shell.lineBuffer) == b"show "
    s.type(b"ver\t")
    assert b"".join(s.shell.lineBuffer) == b"show version "
    assert "uptime is" in s.type(b"\r")


def test_tab_on_an_ambiguous_prefix_rings_the_bell_and_keeps_the_line():
    s = Session()
    out = s.type(b"show \t")
    assert "\x07" in out and b"".join(s.shell.lineBuffer) == b"show "


def test_history_recalls_the_previous_command():
    s = Session()
    s.type(b"debug sccp\r")
    s.type(b"undebug all\r")
    s.type(UP + UP)
    assert b"".join(s.shell.lineBuffer) == b"debug sccp"
    s.type(b"\r")
    assert s.app.trace.enabled() == ["cme.sccp"]


def test_line_editing_inserts_at_the_cursor():
    s = Session()
    s.type(b"sh ver" + LEFT * 4 + b"o")  # "sho ver"
    s.type(b"\x7f\x7f")  # backspace twice: "s ver"
    s.type(b"h")
    assert b"".join(s.shell.lineBuffer) == b"sh ver"
    assert "uptime is" in s.type(b"\r")


def test_ctrl_c_discards_the_line_and_ctrl_u_kills_it():
    s = Session()
    assert s.type(b"debug cti\x03").endswith("^C\r\nR1#")
    s.type(b"debug sccp\x15\r")
    assert s.app.trace.calls == []


def test_exit_closes_the_connection():
    s = Session()
    assert not s.transport.disconnecting
    s.type(b"exit\r")
    assert s.transport.disconnecting


def test_ctrl_d_on_an_empty_line_logs_out():
    s = Session()
    s.type(b"x\x01\x04")  # Ctrl-A then Ctrl-D deletes the "x"
    assert not s.transport.disconnecting and s.shell.lineBuffer == []
    s.type(b"\x04")
    assert s.transport.disconnecting


def test_window_size_reaches_the_commands():
    s = Session()
    s.shell.terminalSize(132, 50)
    assert s.shell.context.width == 132
    assert s.type(b"") == ""  # a resize does not redraw or clear anything


def test_a_failing_command_does_not_end_the_session():
    table = default_table()

    def broken(ctx):
        raise RuntimeError("bug")

    table.add("crash", broken, "Crash")
    s = Session(table=table)
    out = s.type(b"crash\r")
    assert "% Internal error" in out and out.endswith("R1#")
    assert not s.transport.disconnecting


def test_terminal_monitor_shows_the_servers_log_live_and_no_monitor_stops_it():
    from twisted.logger import Logger, LogPublisher
    s = Session()
    s.shell.publisher = publisher = LogPublisher()
    s.shell.schedule = lambda f, *a: f(*a)
    server, library = Logger(namespace="cme.cti", observer=publisher), Logger(namespace="twisted.conch", observer=publisher)
    s.type(b"terminal monitor\r")
    s.type(b"sho")  # half a command typed when the line arrives
    s.transport.clear()
    server.info("CTI session {n} opened", n=3)
    library.info("kex alg chosen")  # a library's chatter: not the server's log
    out = _ESCAPES.sub(b"", s.transport.value()).decode()
    assert "[cme.cti] INFO CTI session 3 opened" in out and "kex" not in out
    assert out.endswith("R1#sho")  # the prompt and the typing come back
    s.type(b"\x15terminal no monitor\r")
    s.transport.clear()
    server.info("after")
    assert s.transport.value() == b""


def test_show_logging_leaves_out_library_chatter_but_keeps_its_warnings():
    from cme.trace import LogBuffer
    from twisted.logger import LogLevel
    buffer = LogBuffer()
    buffer({"log_namespace": "twisted.conch.ssh.transport", "log_level": LogLevel.info, "log_format": "kex",
            "log_time": 0})
    buffer({"log_namespace": "twisted.conch.ssh.transport", "log_level": LogLevel.warn, "log_format": "bad mac",
            "log_time": 0})
    buffer({"log_namespace": "cme.cli", "log_level": LogLevel.debug, "log_format": "admin@x: show", "log_time": 0})
    assert [line.split("] ", 1)[1] for line in buffer.lines()] == ["WARN bad mac", "DEBUG admin@x: show"]
