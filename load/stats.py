"""What a finished Locust run measured, read back from its CSV files (``PREFIX_stats.csv``,
``PREFIX_failures.csv``), and the JSON summary `cme load` writes from them.

Pure: no Locust import (the files are all there is), so the pytest process can use it.
Times are milliseconds as Locust writes them; percentiles are Locust's (rounded) ones.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

AGGREGATED = "Aggregated"
PERCENTILES = ("50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%")


class StatsError(ValueError):
    """A statistics file that is missing or not Locust's."""


@dataclass(frozen=True)
class Step:
    """One row of PREFIX_stats.csv: a timed step (or the Aggregated total)."""

    type: str
    name: str
    count: int
    failures: int
    median: float | None
    average: float | None
    min: float | None
    max: float | None
    rps: float
    failures_per_s: float
    percentiles: dict = field(default_factory=dict)  # "99%" -> ms (None when no request)

    @property
    def fail_ratio(self) -> float:
        return self.failures / self.count if self.count else 0.0


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None  # Locust writes "N/A" for a step without requests


def read_stats(path) -> dict[str, Step]:
    """Every row of Locust's PREFIX_stats.csv by name (``Aggregated`` for the total)."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise StatsError(f"{path}: {exc.strerror or exc}") from None
    steps: dict[str, Step] = {}
    for row in rows:
        try:
            step = Step(
                type=row["Type"], name=row["Name"], count=int(row["Request Count"]),
                failures=int(row["Failure Count"]), median=_number(row["Median Response Time"]),
                average=_number(row["Average Response Time"]), min=_number(row["Min Response Time"]),
                max=_number(row["Max Response Time"]), rps=_number(row["Requests/s"]) or 0.0,
                failures_per_s=_number(row["Failures/s"]) or 0.0,
                percentiles={p: _number(row.get(p)) for p in PERCENTILES})
        except (KeyError, TypeError, ValueError):
            raise StatsError(f"{path}: not a Locust statistics file") from None
        steps[step.name] = step
    if AGGREGATED not in steps:
        raise StatsError(f"{path}: not a Locust statistics file (no Aggregated row)")
    return steps


_EXCEPTION = re.compile(r"^\w+\((['\"])(?P<text>.*)\1\)$")


def cause(error: str) -> str:
    """The cause of a failure as Locust records it: the message of ``StepFailed('busy')``
    (the engine's failures are exceptions whose message is the cause), else the text."""
    match = _EXCEPTION.match(error.strip())
    return match.group("text") if match else error.strip()


def read_failures(path) -> dict[str, dict[str, int]]:
    """Step name -> {cause: occurrences} from Locust's PREFIX_failures.csv (none: {})."""
    out: dict[str, dict[str, int]] = {}
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        return out
    except OSError as exc:
        raise StatsError(f"{path}: {exc.strerror or exc}") from None
    for row in rows:
        try:
            name, why, n = row["Name"], cause(row["Error"]), int(row["Occurrences"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise StatsError(f"{path}: not a Locust failures file") from None
        causes = out.setdefault(name, {})
        causes[why] = causes.get(why, 0) + n
    return out


def summary(steps: dict[str, Step], failures: dict[str, dict[str, int]]) -> dict:
    """The JSON summary: per step (and the total) its type, count, failures by cause,
    p50/p90/p99/max/avg in ms and requests per second."""

    def one(step: Step) -> dict:
        by_cause = failures.get(step.name, {})
        if step.name == AGGREGATED and not by_cause:
            by_cause = {}
            for causes in failures.values():
                for why, n in causes.items():
                    by_cause[why] = by_cause.get(why, 0) + n
        return {"type": step.type, "count": step.count, "failures": step.failures,
                "fail_ratio": round(step.fail_ratio, 6), "failures_by_cause": by_cause,
                "p50_ms": step.percentiles.get("50%"), "p90_ms": step.percentiles.get("90%"),
                "p99_ms": step.percentiles.get("99%"), "max_ms": step.max,
                "avg_ms": step.average, "rps": step.rps}

    return {"steps": {name: one(step) for name, step in steps.items() if name != AGGREGATED},
            "total": one(steps[AGGREGATED])}
