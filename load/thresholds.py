"""Pass/fail checks on a finished run: ``p99(post-dial delay)<150ms``, ``p50(register)<1s``,
``avg(ring-in)<=200ms``, ``max(hold/resume)<2s``, ``fail_ratio(post-dial delay)<1%``,
``rps(register)>=10``, ``failures<5``, ``count(MakeCall response)>0``.

    STAT(STEP) OP VALUE      a statistic of one timed step (by its Locust name)
    STAT OP VALUE            the same of all steps together (Locust's "Aggregated" row)

STAT: p50 p66 p75 p80 p90 p95 p98 p99 p99.9 p99.99 p100, median, avg, min, max (times:
VALUE in ms, s or a bare number of ms); fail_ratio (VALUE a % or a fraction); failures,
count (requests), rps (requests per second; VALUE may end in /s). OP: < <= > >=.

Pure, no Locust: evaluated on load.stats' reading of PREFIX_stats.csv. A step with no row
in the statistics fails its threshold (a mistyped name must not pass silently).
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from load.stats import AGGREGATED, PERCENTILES, Step

TIME_STATS = {"median": "median", "avg": "average", "min": "min", "max": "max"}
TIME_STATS.update({f"p{p[:-1]}": p for p in PERCENTILES})
OTHER_STATS = ("fail_ratio", "failures", "count", "rps")
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

_EXPR = re.compile(r"""^\s*(?P<stat>[a-z_]+[0-9.]*)\s*(?:\((?P<step>[^()]*)\))?\s*
                       (?P<op><=|>=|<|>)\s*(?P<value>[^\s<>=]+)\s*$""", re.X)
_VALUE = re.compile(r"^(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<unit>[a-z%/]*)$")


class ThresholdError(ValueError):
    """One line saying what is wrong with a threshold expression."""


@dataclass(frozen=True)
class Threshold:
    text: str
    stat: str
    step: str  # AGGREGATED when none is named
    op: str
    value: float  # ms for times, a fraction for fail_ratio

    def measure(self, step: Step) -> float | None:
        if self.stat in TIME_STATS:
            key = TIME_STATS[self.stat]
            return step.percentiles.get(key) if key in PERCENTILES else getattr(step, key)
        if self.stat == "fail_ratio":
            return step.fail_ratio
        return float(step.count if self.stat == "count" else getattr(step, self.stat))

    def check(self, steps: dict[str, Step]) -> "Result":
        step = steps.get(self.step)
        if step is None:
            return Result(self, None, False, f"no step named {self.step!r} in the statistics")
        measured = self.measure(step)
        if measured is None:
            return Result(self, None, False, f"{self.step!r} has no requests")
        return Result(self, measured, OPERATORS[self.op](measured, self.value), _show(self.stat, measured))


@dataclass(frozen=True)
class Result:
    threshold: Threshold
    measured: float | None
    passed: bool
    detail: str  # the measured value, or why there is none

    def line(self) -> str:
        return f"{'pass' if self.passed else 'FAIL'}  {self.threshold.text}  (measured {self.detail})" \
            if self.measured is not None else f"FAIL  {self.threshold.text}  ({self.detail})"

    def to_dict(self) -> dict:
        return {"threshold": self.threshold.text, "passed": self.passed,
                "measured": self.measured, "detail": self.detail}


def _show(stat: str, value: float) -> str:
    if stat in TIME_STATS:
        return f"{value:g}ms"
    if stat == "fail_ratio":
        return f"{value * 100:.3g}%"
    if stat == "rps":
        return f"{value:.3g}/s"
    return f"{value:g}"


def parse(text: str) -> Threshold:
    """The threshold of ``text``; a ThresholdError with one line for anything else."""
    match = _EXPR.match(text)
    if not match:
        raise ThresholdError(f"{text!r} is not STAT(STEP) OP VALUE, e.g. 'p99(post-dial delay)<150ms'")
    stat, step, op, value = match["stat"], match["step"], match["op"], match["value"]
    if stat not in TIME_STATS and stat not in OTHER_STATS:
        raise ThresholdError(f"{text!r}: {stat!r} is not one of "
                             f"{', '.join([*TIME_STATS, *OTHER_STATS])}")
    step = AGGREGATED if step is None else step.strip()
    if not step:
        raise ThresholdError(f"{text!r}: the step in () is empty")
    number = _VALUE.match(value)
    if not number:
        raise ThresholdError(f"{text!r}: {value!r} is not a number")
    amount, unit = float(number["number"]), number["unit"]
    units = ({"": 1, "ms": 1, "s": 1000} if stat in TIME_STATS else
             {"": 1, "%": 0.01} if stat == "fail_ratio" else
             {"": 1, "/s": 1} if stat == "rps" else {"": 1})
    if unit not in units:
        raise ThresholdError(f"{text!r}: {stat} takes {' or '.join(repr(u) for u in units if u) or 'a plain number'}"
                             f", not {unit!r}")
    if stat == "fail_ratio" and not unit and amount > 1:
        raise ThresholdError(f"{text!r}: fail_ratio is a fraction 0..1 or a %, not {value!r}")
    return Threshold(text.strip(), stat, step, op, amount * units[unit])


def check_all(thresholds, steps: dict[str, Step]) -> list[Result]:
    return [t.check(steps) for t in thresholds]
