"""`make diagrams` draws every registered table with every row, and the committed document
is the generated one.

The expected edges are read from the `transitions` Machine each table runs (its events,
their sources and destinations), not from `StateTable.edges()`, which draws them: a row the
drawing code loses, or one it invents, fails here. Nothing names a table, so tables added
to `fsm/` are checked as soon as they register.
"""
import re
from pathlib import Path

import pytest

from fsm import diagrams
from fsm.table import TABLES, StateTable

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "state-machines.md"
EDGE = re.compile(r"^\s*([\w-]+) --> ([\w-]+): ([\w-]+)", re.M)


def registered() -> dict[str, StateTable]:
    diagrams.load_all()
    return dict(TABLES)


def expected_edges(table: StateTable) -> set[tuple[str, str, str]]:
    """(source, trigger, dest) of every transition the table's machine allows; an internal
    transition (dest None) stays in its source."""
    return {(source, trigger, source if row.dest is None else row.dest)
            for trigger, event in table.machine.events.items()
            for source, rows in event.transitions.items() for row in rows}


def drawn(text: str) -> dict[str, tuple[str | None, set[tuple[str, str, str]]]]:
    """Each `## name` section of the document: its initial state and its edges."""
    out = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        name, _, body = section.partition("\n")
        blocks = re.findall(r"```mermaid\n(.*?)```", body, re.S)
        assert len(blocks) == 1, f"{name}: {len(blocks)} mermaid blocks"
        initial = re.search(r"\[\*\] --> ([\w-]+)", blocks[0])
        out[name.strip()] = (initial and initial.group(1),
                             {(src, trigger, dest) for src, dest, trigger in EDGE.findall(blocks[0])})
    return out


@pytest.fixture(params=["generated", "committed"])
def document(request) -> str:
    return diagrams.document() if request.param == "generated" else COMMITTED.read_text(encoding="utf-8")


def test_committed_diagrams_match_the_tables():
    assert COMMITTED.read_text(encoding="utf-8") == diagrams.document(), \
        "run `make diagrams` and commit docs/state-machines.md"


def test_every_registered_table_is_drawn_and_nothing_else(document):
    tables = registered()
    assert tables, "no state table registered"
    assert set(drawn(document)) == set(tables)


def test_every_row_of_every_table_is_drawn_exactly(document):
    sections = drawn(document)
    for name, table in registered().items():
        initial, edges = sections[name]
        want = expected_edges(table)
        assert want, f"{name}: a table without rows"
        assert initial == table.initial, name
        assert edges == want, f"{name}: missing {want - edges}, extra {edges - want}"


def test_expected_edges_follow_the_rows_not_the_drawing():
    table = StateTable("test-lamp", states=["off", "on"], initial="off", register=False, transitions=[
        {"trigger": "press", "source": "off", "dest": "on"},
        {"trigger": "press", "source": "on", "dest": "off"},
        {"trigger": "tick", "source": ["off", "on"], "dest": None},
    ])
    assert expected_edges(table) == {("off", "press", "on"), ("on", "press", "off"),
                                     ("off", "tick", "off"), ("on", "tick", "on")}
    assert drawn(f"## test-lamp\n\n```mermaid\n{table.mermaid()}```\n") == {
        "test-lamp": ("off", expected_edges(table))}
