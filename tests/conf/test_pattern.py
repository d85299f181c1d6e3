"""The pattern language: compiling, matching, and where a failure points."""

import pytest

from conf.pattern import (BAD_ARG, INCOMPLETE, INVALID, ArgError, Arg, Failure, Keyword, Optional,
                          compile_pattern, leading_keywords, match, tokenize)


def run(pattern: str, line: str):
    fail = Failure()
    return match(compile_pattern(pattern), tokenize(line), line, fail), fail


def test_compile_builds_nodes():
    nodes = compile_pattern("a {x=b|c} [<n:1-5>] <rest:line>")
    assert nodes[0] == Keyword(("a",))
    assert nodes[1] == Keyword(("b", "c"), "x")
    assert isinstance(nodes[2], Optional) and nodes[2].nodes[0].kind == "1-5"
    assert nodes[3].name == "rest"


@pytest.mark.parametrize("bad", ["a [b", "a ]", "a <x:nosuchtype>"])
def test_compile_rejects_broken_patterns(bad):
    with pytest.raises(ValueError):
        compile_pattern(bad)


def test_tokens_keep_their_columns():
    assert [(t.text, t.start) for t in tokenize("  ab \tcd")] == [("ab", 2), ("cd", 6)]


def test_keywords_are_case_insensitive_and_choices_are_captured_canonically():
    caps, _ = run("transfer-system {kind=blind|full-consult}", "TRANSFER-SYSTEM Full-Consult")
    assert caps == {"kind": "full-consult"}


def test_optional_groups_nest():
    pattern = "registrar server [expires [max <max:600-86400>] [min <min:60-3600>]]"
    assert run(pattern, "registrar server")[0] == {}
    assert run(pattern, "registrar server expires min 90")[0] == {"min": 90}
    assert run(pattern, "registrar server expires max 600 min 60")[0] == {"max": 600, "min": 60}


def test_range_failure_beats_the_backtracked_alternatives():
    caps, fail = run("registrar server [expires [max <max:600-86400>] [min <min:60-3600>]]",
                     "registrar server expires max 120 min 60")
    assert caps is None
    assert (fail.pos, fail.kind, fail.reason) == (4, BAD_ARG, "max 120 out of range 600-86400")


def test_missing_word_is_incomplete_and_names_what_was_expected():
    caps, fail = run("cti csta mode basic", "cti csta mode")
    assert caps is None and (fail.pos, fail.kind, fail.expected) == (3, INCOMPLETE, {"basic"})


def test_extra_word_is_invalid_at_that_word():
    caps, fail = run("gcid", "gcid now")
    assert caps is None and (fail.pos, fail.kind) == (1, INVALID)


def test_rest_of_line_is_verbatim_with_inner_spacing():
    line = "name  John   Smith  "
    assert run("name <name:line>", line)[0] == {"name": "John   Smith"}


def test_repeated_argument_collects_all():
    caps, _ = run("button <b:button>...", "button 1:1 2s5 3o7,8")
    assert caps == {"b": ((1, "normal", (1,)), (2, "silent", (5,)), (3, "overlay", (7, 8)))}


@pytest.mark.parametrize("word, message", [
    ("1x2,3", "only o and c take a list"),
    ("0:1", "button 0 out of range 1-100"),
    ("1:0", "ephone-dn 0 out of range 1-15000"),
    ("1-1", "is not a button"),
])
def test_bad_buttons(word, message):
    with pytest.raises(ArgError, match=message):
        Arg("b", "button").convert(word)


def test_range_label_is_the_keyword_before_it():
    _, fail = run("voice register session-server <tag:1-8>", "voice register session-server 9")
    assert fail.reason == "session-server 9 out of range 1-8"
    _, fail = run("keepalive <keepalive:60-3600>", "keepalive x")
    assert fail.reason == "keepalive 'x' is not a number in range 60-3600"


def test_leading_keywords_expand_choices():
    nodes = compile_pattern("allow-connections {a=sip|h323} to {b=sip|h323}")
    assert ("allow-connections", "h323", "to", "sip") in leading_keywords(nodes)
    assert len(leading_keywords(nodes)) == 4
    assert leading_keywords(compile_pattern("keepalive <k:1-2>")) == [("keepalive",)]
