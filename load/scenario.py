"""The call model of a load test: what `cme load` reads from flags or a TOML file and hands
to every Locust worker (as JSON in the environment variable ``CME_LOAD_SCENARIO``).

Plain data, no I/O: :mod:`load.users` (the Locust side) reads it, `cme load` (cme/load.py)
builds it. Times are seconds, shares are fractions 0..1 of all calls.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

ENV = "CME_LOAD_SCENARIO"  # the JSON of the scenario, for the Locust processes
GENERATED_MAC_BASE = 0x0000000A0000  # the first virtual phone's MAC, as `cme phones` generates them


class ScenarioError(ValueError):
    """One line naming the key and what is wrong with it."""


@dataclass(frozen=True)
class Distribution:
    """A random duration: ``fixed`` (mean), ``exponential`` (mean) or ``uniform`` (low..high)."""

    kind: str = "exponential"
    mean: float = 0.0
    low: float = 0.0
    high: float = 0.0


@dataclass(frozen=True)
class Shape:
    """How many users (phones) run when: ``steady`` (all of them after the ramp-up at
    ``spawn_rate`` per second), ``ramp`` (from 0 to ``users`` over ``duration``), ``spike``
    (``users``, then ``spike_users`` more for ``spike_duration`` seconds at ``spike_at``)."""

    kind: str = "steady"
    users: int = 0  # 0: the scenario's phones
    spawn_rate: float = 50.0
    duration: float = 0.0  # 0: until Locust's --run-time or a stop
    spike_at: float = 0.0
    spike_users: int = 0
    spike_duration: float = 0.0


@dataclass(frozen=True)
class Scenario:
    phones: int = 20
    sccp_host: str = "127.0.0.1"
    sccp_port: int = 2000
    sip_host: str = "127.0.0.1"  # the CTI (uaCSTA) side, for the click-to-dial share
    sip_port: int = 5060
    base_mac: int = GENERATED_MAC_BASE
    base_number: int = 1000  # phone i has number base_number + i, as `cme phones` configures
    bhca: float = 6.0  # calls each phone places per hour, Poisson arrivals
    hold_time: Distribution = Distribution("exponential", mean=30.0)
    answer_delay: Distribution = Distribution("fixed", mean=1.0)
    no_answer_share: float = 0.0  # callee lets it ring until the caller gives up
    no_answer_timeout: float = 20.0  # how long a caller lets an unanswered call ring
    busy_share: float = 0.0  # caller dials a phone that is busy (in DND)
    features: dict = field(default_factory=dict)  # "hold_resume" | "transfer" | "forward_all" | "dnd" -> share
    cti_share: float = 0.0  # calls placed by CTI MakeCall, with a monitor checking the events
    shape: Shape = Shape()
    timeout: float = 10.0  # the longest any one step may take before it counts as failed

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Scenario":
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ScenarioError(f"unknown scenario key {unknown[0]!r}")
        data["hold_time"] = Distribution(**data.get("hold_time", {}))
        data["answer_delay"] = Distribution(**data.get("answer_delay", {}))
        data["shape"] = Shape(**data.get("shape", {}))
        return cls(**data)

    def device_name(self, index: int) -> str:
        """Phone ``index``'s device name (SEP + 12 hex digits of its MAC)."""
        return f"SEP{self.base_mac + index:012X}"

    def number(self, index: int) -> str:
        return str(self.base_number + index)
