"""The command table: IOS parsing rules, with plain strings."""
import pytest

from cme.cli.commands import INCOMPLETE, INVALID, CommandError, CommandTable, Context
from cme.cli.testing import run


def make_table():
    t = CommandTable()
    calls = []

    def record(name):
        def handler(ctx, *args):
            calls.append((name, args))
            return f"ran {name} {args}"
        return handler

    t.describe("show", "Show running system information")
    t.add("show running-config", record("run"), "Current operating configuration")
    t.add("show version", record("ver"), "System hardware and software status")
    t.add("show rtr", record("rtr"), "Response time reporter")
    t.add("write", record("write"))
    t.add("write memory", record("wrmem"), "Write to NV memory")
    t.describe("clear cti session", "CTI session")
    t.add("clear cti session id <1-65535>", record("clear"), "Session id")
    t.add("emadmin login WORD <1-1000>", record("login"), "Ephone tag")
    t.add("debug trace LINE", record("trace"), "Anything")
    t.add("debug ephone mac-address H.H.H", record("mac"), "MAC")
    t.add("secret", record("secret"), "Hidden", hidden=True)
    t.add("setup", record("setup"), "Setup")
    return t, calls


def test_exact_and_abbreviated_keywords_reach_the_same_handler():
    t, calls = make_table()
    for line in ("show running-config", "sh running-config", "sh ru", "SHOW RUN", "  sh   ru  "):
        assert run(t, line).ok
    assert calls == [("run", ())] * 5


def test_abbreviation_that_matches_two_keywords_is_ambiguous():
    t, calls = make_table()
    result = run(t, "sh r")
    assert result.output == '% Ambiguous command:  "sh r"\n\n'
    assert not result.ok and calls == []


def test_ambiguous_first_word():
    t, _ = make_table()
    assert run(t, "s").output.startswith('% Ambiguous command:  "s"')


def test_hidden_commands_need_the_full_word_and_do_not_cause_ambiguity():
    t, calls = make_table()
    assert run(t, "se").ok  # only "setup" is visible under "se"
    assert run(t, "secret").ok
    assert [c[0] for c in calls] == ["setup", "secret"]
    assert "secret" not in t.help("")


def test_unknown_word_puts_the_caret_under_the_first_character_no_command_continues():
    t, _ = make_table()
    # "shw": 's','h' match "show", 'w' does not -> caret under 'w' (column 2)
    assert run(t, "shw run").output == "  ^\n" + INVALID + "\n\n"
    # second token wholly unknown: caret at its start
    assert run(t, "show foo").output == "     ^\n" + INVALID + "\n\n"
    # second token starts well: "runx" diverges from running-config at 'x'
    assert run(t, "show runx").output == "        ^\n" + INVALID + "\n\n"


def test_caret_is_shifted_by_the_prompt_width():
    t, _ = make_table()
    out = run(t, "show foo", indent=len("R1#")).output
    assert out.splitlines()[0] == " " * 8 + "^"


def test_extra_token_after_a_complete_command_is_invalid():
    t, calls = make_table()
    result = run(t, "write memory now")
    assert result.output.splitlines()[0] == " " * 13 + "^"
    assert calls == []


def test_incomplete_command():
    t, _ = make_table()
    for line in ("show", "clear cti", "clear cti session id", "emadmin login bob"):
        assert run(t, line).output == INCOMPLETE + "\n\n", line


def test_a_keyword_may_both_end_a_command_and_lead_to_more():
    t, calls = make_table()
    run(t, "wr")
    run(t, "wr mem")
    assert [c[0] for c in calls] == ["write", "wrmem"]


def test_parameters_are_converted_and_passed_in_order():
    t, calls = make_table()
    assert run(t, "clear cti session id 42").ok
    assert run(t, "emadmin login alice 7").ok
    assert run(t, "debug trace cme.cti   and more  ").ok
    assert run(t, "debug ephone mac-address 1E.4a34.A35F").ok
    assert calls == [("clear", (42,)), ("login", ("alice", 7)), ("trace", ("cme.cti   and more",)),
                     ("mac", ("001E4A34A35F",))]


@pytest.mark.parametrize("value", ["0", "65536", "-1", "1x", "９"])
def test_number_outside_its_range_is_invalid_at_the_number(value):
    t, calls = make_table()
    out = run(t, f"clear cti session id {value}").output
    assert out.splitlines()[0] == " " * len("clear cti session id ") + "^"
    assert calls == []


def test_malformed_mac_address_is_invalid():
    t, calls = make_table()
    assert not run(t, "debug ephone mac-address 12345.0.0").ok
    assert calls == []


def test_empty_line_does_nothing():
    t, calls = make_table()
    result = run(t, "   ")
    assert result.ok and result.output == "" and calls == []


def test_handler_output_is_written_with_a_final_newline_and_returned():
    t = CommandTable()
    t.add("hello", lambda ctx: ctx.write("a\n") or "b")
    seen = []
    ctx = Context(app=None, out=seen.append)
    result = t.execute("hello", ctx)
    assert "".join(seen) == result.output == "a\nb\n"


def test_command_error_prints_percent_message():
    t = CommandTable()

    def fail(ctx):
        raise CommandError("no such session")

    t.add("boom", fail)
    result = run(t, "boom")
    assert result.output == "% no such session\n" and not result.ok


def test_exit_is_reported_through_the_result():
    t = CommandTable()
    t.add("exit", lambda ctx: ctx.close())
    assert run(t, "exit").close
    assert not run(t, "exi x").close


def test_registration_errors():
    t = CommandTable()
    t.add("show x", lambda ctx: None)
    with pytest.raises(ValueError):
        t.add("show x", lambda ctx: None)
    with pytest.raises(ValueError):
        t.add("debug LINE more", lambda ctx, rest: None)
    with pytest.raises(ValueError):
        t.add("Show Y", lambda ctx: None)
    with pytest.raises(ValueError):
        t.add("", lambda ctx: None)
    with pytest.raises(ValueError):
        t.add("clear <9-1>", lambda ctx, n: None)


def test_decorator_registration():
    t = CommandTable()

    @t.command("show cti session", help="CTI sessions")
    def show_sessions(ctx):
        return "none"

    assert run(t, "sh cti sess").output == "none\n"
    assert ("show cti session", t.root.keywords["show"].keywords["cti"].keywords["session"]) in list(t.commands())


# ---- ? help


def test_help_lists_the_next_tokens_with_their_help_aligned():
    t, _ = make_table()
    assert t.help("show ") == (
        "  rtr             Response time reporter\n"
        "  running-config  Current operating configuration\n"
        "  version         System hardware and software status\n"
        "\n"
    )


def test_help_after_an_abbreviation_and_where_the_command_may_end():
    t, _ = make_table()
    assert t.help("wr ") == "  memory  Write to NV memory\n  <cr>\n\n"
    assert t.help("sh ver ") == "  |     Output modifiers\n  <cr>\n\n"


def test_help_shows_parameters():
    t, _ = make_table()
    assert t.help("clear cti session id ") == "  <1-65535>  Session id\n\n"
    assert t.help("emadmin login ") == "  WORD  \n\n".replace("  \n", "\n")
    assert t.help("debug trace some ") == "  <cr>\n\n"


def test_help_on_a_partial_word_lists_its_completions():
    t, _ = make_table()
    assert t.help("sh") == "show\n\n"
    assert t.help("s") == "setup  show\n\n"
    assert t.help("show r") == "rtr  running-config\n\n"
    assert t.help("clear cti session id 4") == "<1-65535>\n\n"
    assert t.help("zz") == "% Unrecognized command\n"


def test_help_wraps_completions_at_the_terminal_width():
    t = CommandTable()
    for word in ("alpha", "alpine", "altitude", "also"):
        t.add(word, lambda ctx: None)
    assert t.help("al", width=20) == "alpha  alpine  also\naltitude\n\n"


def test_help_reports_errors_before_the_cursor():
    t, _ = make_table()
    assert t.help("show foo ", indent=3).splitlines()[0] == " " * 8 + "^"
    assert t.help("sh r ").startswith('% Ambiguous command:  "sh r"')


def test_top_level_help():
    t, _ = make_table()
    lines = t.help("").splitlines()
    assert [line.split()[0] for line in lines if line] == [
        "clear", "debug", "emadmin", "setup", "show", "write"]


# ---- Tab completion


def test_complete_unambiguous_prefix():
    t, _ = make_table()
    assert t.complete("sh") == "show "
    assert t.complete("sh ver") == "sh version "
    assert t.complete("show r") is None
    assert t.complete("show ") is None
    assert t.complete("bogus x") is None
    assert t.complete("emadmin login al") is None  # a parameter: nothing to complete


def test_question_mark_describes_every_command_word_of_the_server():
    from cme.cli import builtin, cti, dialpeer, em as em_cli, ephone
    from cme.cli import trunks as trunk_cli
    table = trunk_cli.register(dialpeer.register(cti.register(em_cli.register(ephone.register(
        builtin.default_table())))))
    missing = []

    def walk(node, path):
        for child in [*node.keywords.values(), *node.params]:
            where = path + [child.name]
            if not child.help and not child.hidden:
                missing.append(" ".join(where))
            walk(child, where)

    walk(table.root if hasattr(table, "root") else table._root, [])
    assert missing == []
