"""Reading CDR files back (`cme cdr`, tests): JSON lines or CSV, as cme/cdr/files.py
writes them, with the filters an operator asks for.

A line without its newline at the end of a file is what a crash in mid-write leaves: it is
skipped and said (`notes`). A line that is not a record is skipped and said too; a file
that holds no record at all and is not empty is not a CDR file (CdrFileError).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from dataclasses import dataclass, field

from actors.call_record import FIELDS, CallRecord


class CdrFileError(Exception):
    """The file cannot be read as CDRs (the one line `cme cdr` prints)."""


@dataclass
class Read:
    records: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # one line each: what was skipped and why


def read_file(path: str) -> Read:
    """The records of one .jsonl or .csv file (by its content: a CSV starts with the header)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CdrFileError(f"{path}: {e.strerror or e}") from None
    if b"\0" in data:
        raise CdrFileError(f"{path}: not a CDR file (binary data)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CdrFileError(f"{path}: not a CDR file (not UTF-8 text)") from None
    out = Read()
    if not text:
        return out
    lines = text.split("\n")
    torn = lines.pop()  # "" when the file ends with a newline
    if torn:
        out.notes.append(f"{path}: line {len(lines) + 1} has no newline (torn by a crash in mid-write?): skipped")
    if lines and lines[0] == ",".join(FIELDS):
        _csv(path, "\n".join(lines[1:]) + "\n", out)
    elif lines and not lines[0].startswith("{"):
        raise CdrFileError(f"{path}: not a CDR file (neither JSON lines nor the CSV header)")
    else:
        _jsonl(path, lines, out)
    if not out.records and out.notes and lines:
        raise CdrFileError(f"{path}: not a CDR file ({out.notes[0].split(': ', 1)[1]})")
    return out


def _jsonl(path: str, lines: list, out: Read) -> None:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.records.append(CallRecord.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as e:
            out.notes.append(f"{path}: line {n} is not a record ({_why(e)}): skipped")


def _csv(path: str, text: str, out: Read) -> None:
    rows = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as e:
            out.notes.append(f"{path}: line {rows.line_num + 1} is not a record ({_why(e)}): skipped")
            continue
        n = rows.line_num + 1  # (the header is line 1)
        if not row:
            continue
        try:
            if len(row) != len(FIELDS):
                raise ValueError(f"{len(row)} columns, not {len(FIELDS)}")
            d = dict(zip(FIELDS, row))
            d["features"] = tuple(x for x in d["features"].split(";") if x)
            out.records.append(CallRecord.from_dict(d))
        except (ValueError, KeyError, TypeError) as e:
            out.notes.append(f"{path}: line {n} is not a record ({_why(e)}): skipped")


def _why(e: Exception) -> str:
    text = str(e).strip("'\"")
    return text.split("\n")[0][:80] or type(e).__name__


def read_paths(path: str) -> Read:
    """One file, or every .jsonl file of a directory (the pairs' CSV twins hold the same
    records), oldest file first."""
    if os.path.isdir(path):
        try:
            names = sorted((n for n in os.listdir(path) if n.endswith(".jsonl")), key=_file_order)
        except OSError as e:
            raise CdrFileError(f"{path}: {e.strerror or e}") from None
        out = Read()
        for name in names:
            one = read_file(os.path.join(path, name))
            out.records += one.records
            out.notes += one.notes
        return out
    return read_file(path)


_NUMBERED = re.compile(r"^(.*?)(?:\.(\d+))?\.jsonl$")


def _file_order(name: str):
    """Files in the order they were written: by name, a pair numbered `.N` (two pairs in
    one second) after the unnumbered one."""
    m = _NUMBERED.match(name)
    return (m.group(1), int(m.group(2) or 0)) if m else (name, 0)


# -- filters -----------------------------------------------------------------------------------
_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def since_time(text: str, now: float | None = None) -> float:
    """Epoch seconds of `--since`: `30m`, `1h`, `2d`, `45s` ago, or an ISO time
    (2026-12-01T22:00:00, a date, with Z or an offset; without one it is UTC)."""
    now = time.time() if now is None else now
    m = _AGO.match(text.strip())
    if m:
        return now - float(m.group(1)) * _UNIT[m.group(2)]
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: not a time (ISO, e.g. 2026-12-01T22:00, or 30m, 1h, 2d ago)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def matches_number(rec, number: str) -> bool:
    """`--number N`: the leg's line, calling, called or peer number is N; `N*` (a
    trailing star) is any number starting with N."""
    numbers = (rec.line, rec.calling, rec.called, rec.peer)
    if number.endswith("*"):
        head = number[:-1]
        return any(x.startswith(head) for x in numbers)
    return number in numbers


def select(records, *, since: float | None = None, number: str | None = None) -> list:
    """The records set up at or after `since` (epoch seconds) that match `number`."""
    return [r for r in records if (since is None or r.setup >= since)
            and (number is None or matches_number(r, number))]


def iso(t: float | None) -> str:
    """A record's time as the files' readers print it (UTC, seconds)."""
    if t is None:
        return "-"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


__all__ = ["CdrFileError", "Read", "read_file", "read_paths", "since_time", "select", "matches_number", "iso"]
