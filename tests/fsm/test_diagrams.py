from pathlib import Path

from fsm import diagrams

ROOT = Path(__file__).resolve().parents[2]


def test_committed_diagrams_match_the_tables():
    committed = (ROOT / "docs" / "state-machines.md").read_text(encoding="utf-8")
    assert committed == diagrams.document(), "run `make diagrams` and commit docs/state-machines.md"


def test_every_table_is_drawn_with_all_its_rows():
    text = diagrams.document()
    assert "## sccp-registration" in text and "## cti-session" in text
    assert "registering --> registered: capabilities" in text
    assert "terminating --> terminated: bye_answered" in text
