"""The call model of one virtual phone, drawn from a :class:`~load.scenario.Scenario`.

Pure: the random source is passed in, nothing here sleeps or touches a socket, so the
model is tested as tables of draws (tests/load/test_model.py) and the Locust side
(:mod:`load.users`) only executes what it says.

- Arrivals are Poisson: the time to a phone's next call is exponential with rate
  ``bhca / 3600`` per second.
- Each call is one *kind*: ``no_answer`` (the callee lets it ring), ``busy`` (dials the
  slice's phone that stays in DND), one of the features (``hold_resume``, ``transfer``,
  ``forward_all``, ``dnd``) by its share, else a plain ``call``. Shares are fractions of
  all calls and must add up to at most 1.
- Independently, ``cti_share`` of the calls that ring a phone are placed by CTI MakeCall.
- Hold time and answer delay are drawn from the scenario's distributions.
- Calls stay inside one worker's slice of phones (:class:`Slice`): the caller and the
  callee are greenlets of one process, so every step is timed on one clock, and two
  workers never place calls on each other's phones.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from load.scenario import Distribution, Scenario, ScenarioError

FEATURES = ("hold_resume", "transfer", "forward_all", "dnd")
KINDS = ("call", "no_answer", "busy", *FEATURES)
RINGING_KINDS = ("call", "no_answer", "hold_resume", "transfer")  # kinds that ring a callee


def draw(distribution: Distribution, rng: random.Random) -> float:
    """One duration in seconds (never negative)."""
    kind = distribution.kind
    if kind == "fixed":
        return max(0.0, distribution.mean)
    if kind == "exponential":
        return rng.expovariate(1.0 / distribution.mean) if distribution.mean > 0 else 0.0
    if kind == "uniform":
        return max(0.0, rng.uniform(distribution.low, distribution.high))
    raise ScenarioError(f"unknown distribution kind {kind!r} (fixed, exponential or uniform)")


@dataclass(frozen=True)
class CallPlan:
    """What the phone does at one arrival."""

    kind: str
    cti: bool  # placed by CTI MakeCall (with a monitor on the caller's line) instead of dialing
    hold_time: float  # seconds the call stays connected (or the feature stays on)
    answer_delay: float  # seconds the callee lets it ring before answering


def shares(scenario: Scenario) -> list[tuple[str, float]]:
    """(kind, share) of every kind but the plain call; ScenarioError if they exceed 1."""
    unknown = sorted(set(scenario.features) - set(FEATURES))
    if unknown:
        raise ScenarioError(f"unknown feature {unknown[0]!r} (one of {', '.join(FEATURES)})")
    out = [("no_answer", scenario.no_answer_share), ("busy", scenario.busy_share)]
    out += [(name, float(scenario.features.get(name, 0.0))) for name in FEATURES]
    for name, share in out + [("cti", scenario.cti_share)]:
        if not 0.0 <= share <= 1.0:
            raise ScenarioError(f"share of {name} is {share}: must be 0..1")
    total = sum(share for _, share in out)
    if total > 1.0 + 1e-9:
        raise ScenarioError(f"the shares of no_answer, busy and the features add up to "
                            f"{total:g}: at most 1")
    return out


class PhoneModel:
    """The draws of one phone: when it calls next and what kind of call (whom: an idle
    phone of its slice, :meth:`Slice.claim_any`)."""

    def __init__(self, scenario: Scenario, index: int, rng: random.Random):
        self.scenario = scenario
        self.index = index
        self.rng = rng
        self._shares = shares(scenario)
        self.rate = scenario.bhca / 3600.0  # calls per second

    def next_arrival(self) -> float:
        """Seconds until this phone's next call (inf when it places none)."""
        if self.rate <= 0:
            return math.inf
        return self.rng.expovariate(self.rate)

    def plan(self) -> CallPlan:
        u = self.rng.random()
        kind = "call"
        for name, share in self._shares:
            if u < share:
                kind = name
                break
            u -= share
        cti = kind in RINGING_KINDS and self.rng.random() < self.scenario.cti_share
        return CallPlan(kind, cti, draw(self.scenario.hold_time, self.rng),
                        draw(self.scenario.answer_delay, self.rng))


class Slice:
    """One worker's share of the phones: indices ``first .. first + size - 1`` (clipped to
    the scenario's phones), which of them run here, and which are free to be called.

    Worker w of n takes ``w * ceil(phones / n)`` upwards, so workers never share a MAC or
    a number. With ``busy_share`` the slice's last phone stays in DND: busy calls dial it
    and nothing else does.
    """

    def __init__(self, scenario: Scenario, worker_index: int = 0, workers: int = 1):
        workers = max(1, workers)
        size = math.ceil(scenario.phones / workers)
        self.scenario = scenario
        self.first = min(worker_index * size, scenario.phones)
        self.end = min(self.first + size, scenario.phones)
        self.busy_phone = self.end - 1 if scenario.busy_share > 0 and self.end > self.first else None
        self._taken: set[int] = set()
        # running, registered, in no call and no feature: a list for O(1) random picks
        # (thousands of phones, a hundred calls a second) and each one's place in it
        self._idle: list[int] = []
        self._place: dict[int, int] = {}

    @property
    def size(self) -> int:
        return self.end - self.first

    def acquire(self) -> int | None:
        """The lowest index not yet running here, or None when the slice is full."""
        for index in range(self.first, self.end):
            if index not in self._taken:
                self._taken.add(index)
                return index
        return None

    def release(self, index: int) -> None:
        self._taken.discard(index)
        self._drop(index)

    def set_idle(self, index: int, idle: bool) -> None:
        if idle and index in self._taken and index != self.busy_phone:
            if index not in self._place:
                self._place[index] = len(self._idle)
                self._idle.append(index)
        else:
            self._drop(index)

    def _drop(self, index: int) -> bool:
        place = self._place.pop(index, None)
        if place is None:
            return False
        last = self._idle.pop()
        if last != index:  # the last one takes the dropped one's place
            self._idle[place] = last
            self._place[last] = place
        return True

    def idle(self) -> list[int]:
        return sorted(self._idle)

    def claim(self, index: int) -> bool:
        """Take an idle phone for a call or a feature; False if it is not idle."""
        return self._drop(index)

    def claim_any(self, rng: random.Random, caller: int) -> int | None:
        """Take a random idle phone other than ``caller``; None if there is none."""
        for _ in range(4):
            if not self._idle:
                return None
            index = rng.choice(self._idle)
            if index != caller:
                self._drop(index)
                return index
            if len(self._idle) == 1:
                return None
        return None
