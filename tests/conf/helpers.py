"""Shared by the conf tests: where the seed configurations are, and a quick parse."""

from __future__ import annotations

from pathlib import Path

from conf import LoadResult, parse_text

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "conf" / "examples"  # the source document's two configurations
DEFAULT = ROOT / "conf" / "cme.cfg"


def parse(text: str) -> LoadResult:
    return parse_text(text, filename="t.cfg")


def messages(result: LoadResult) -> list[str]:
    return [str(f) for f in result.findings]
