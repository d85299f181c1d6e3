"""The call model of a load test: what `cme load` reads from flags or a TOML file and hands
to every Locust worker (as JSON in the environment variable ``CME_LOAD_SCENARIO``).

Plain data, no I/O: :mod:`load.users` (the Locust side) reads it, `cme load` (cme/load.py)
builds it. Times are seconds, shares are fractions 0..1 of all calls.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

ENV = "CME_LOAD_SCENARIO"  # the JSON of the scenario, for the Locust processes
GENERATED_MAC_BASE = 0x0000000A0000  # the first virtual phone's MAC, as `cme phones` generates them


MAX_PHONES = 10000  # what `max-ephones` allows one CME
DISTRIBUTIONS = ("fixed", "exponential", "uniform")
SHAPES = ("steady", "ramp", "spike")
FEATURES = ("hold_resume", "transfer", "forward_all", "dnd")


class ScenarioError(ValueError):
    """One line naming where (a file, or "scenario"), the key and what is wrong with it:
    ``scenario.toml: hold_time.kind: 'gauss' is not one of fixed, exponential, uniform``."""

    def __init__(self, source: str, key: str | None = None, problem: str | None = None):
        if problem is None:  # ScenarioError("the whole line"), as load.model raises them
            source, key, problem = "", "", source
        self.source, self.key, self.problem = source, key or "", problem
        super().__init__(": ".join(x for x in (source, key, problem) if x))


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
    (``users``, then ``spike_users`` more for ``spike_duration`` seconds at ``spike_at``;
    a spike names its ``users``). Each user is one phone: they never need more than the
    scenario's phones."""

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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, text: str, source: str = ENV) -> "Scenario":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScenarioError(source, "", f"not JSON ({exc})") from None
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: dict, source: str = "scenario") -> "Scenario":
        """The scenario of ``data`` (the shape of :meth:`to_dict`, or of a TOML file, any
        key left out keeps its default), checked: an unknown key or an impossible value is
        a :class:`ScenarioError` naming ``source`` and the key."""
        return _build(data, source)

    @classmethod
    def from_toml(cls, path, overrides: dict | None = None) -> "Scenario":
        """The scenario of TOML file ``path`` (see conf/examples/load.toml), with
        ``overrides`` (the same shape, e.g. from command-line flags) laid over it."""
        return cls.from_dict(merged(read_toml(path), overrides or {}), str(path))

    def device_name(self, index: int) -> str:
        """Phone ``index``'s device name (SEP + 12 hex digits of its MAC)."""
        return f"SEP{self.base_mac + index:012X}"

    def number(self, index: int) -> str:
        return str(self.base_number + index)


def read_toml(path) -> dict:
    """The tables of TOML file ``path``; a missing or malformed file is a ScenarioError."""
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ScenarioError(str(path), "", exc.strerror or str(exc)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "", f"not TOML: {exc}") from None


def merged(base: dict, overrides: dict) -> dict:
    """``base`` with ``overrides`` laid over it, tables (hold_time, shape, ...) key by key."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def parse_distribution(text: str) -> dict:
    """A duration from a flag: ``30`` or ``fixed:30``, ``exp:30`` / ``exponential:30``
    (the mean), ``uniform:10-60`` (low-high); seconds. The table form of a TOML file."""
    kind, sep, rest = text.strip().partition(":")
    if not sep:
        kind, rest = "fixed", kind
    kind = {"exp": "exponential"}.get(kind, kind)
    try:
        if kind == "uniform":
            low, dash, high = rest.partition("-")
            if not dash:
                raise ValueError
            return {"kind": kind, "low": float(low), "high": float(high)}
        return {"kind": kind, "mean": float(rest)}
    except ValueError:
        raise ValueError(f"{text!r} is not SECONDS, fixed:S, exp:MEAN or uniform:LOW-HIGH") from None


class _Check:
    """The checks of one source; each raises a ScenarioError naming the key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, problem: str):
        raise ScenarioError(self.source, key, problem)

    def table(self, key: str, value, known) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"{value!r} is not a table")
        unknown = sorted(set(value) - set(known))
        if unknown:
            self.fail(f"{key}.{unknown[0]}" if key else unknown[0],
                      f"unknown key (known: {', '.join(sorted(known))})")
        return value

    def number(self, key: str, value, *, low=None, high=None, above=None, integer=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                integer and not isinstance(value, int)):
            self.fail(key, f"{value!r} is not {'a whole number' if integer else 'a number'}")
        if not math.isfinite(value):
            self.fail(key, f"{value!r} is not a finite number")
        if low is not None and value < low:
            self.fail(key, f"{value!r} is less than {low}")
        if above is not None and value <= above:
            self.fail(key, f"{value!r} is not more than {above}")
        if high is not None and value > high:
            self.fail(key, f"{value!r} is more than {high}")
        return value

    def share(self, key: str, value) -> float:
        return self.number(key, value, low=0, high=1)

    def word(self, key: str, value, choices) -> str:
        if value not in choices:
            self.fail(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def host(self, key: str, value) -> str:
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            self.fail(key, f"{value!r} is not a host name or address")
        return value


def _distribution(check: _Check, key: str, value) -> Distribution:
    data = check.table(key, value, [f.name for f in fields(Distribution)])
    d = Distribution(**data)
    check.word(f"{key}.kind", d.kind, DISTRIBUTIONS)
    for name in ("mean", "low", "high"):
        check.number(f"{key}.{name}", getattr(d, name), low=0)
    if d.kind == "uniform" and d.low > d.high:
        check.fail(f"{key}.low", f"{d.low!r} is more than {key}.high ({d.high!r})")
    return Distribution(d.kind, float(d.mean), float(d.low), float(d.high))


def _shape(check: _Check, value) -> Shape:
    data = check.table("shape", value, [f.name for f in fields(Shape)])
    s = Shape(**data)
    check.word("shape.kind", s.kind, SHAPES)
    check.number("shape.users", s.users, low=0, high=MAX_PHONES, integer=True)
    check.number("shape.spawn_rate", s.spawn_rate, above=0)
    for name in ("duration", "spike_at", "spike_duration"):
        check.number(f"shape.{name}", getattr(s, name), low=0)
    check.number("shape.spike_users", s.spike_users, low=0, high=MAX_PHONES, integer=True)
    if s.kind == "ramp" and not s.duration:
        check.fail("shape.duration", "a ramp needs a duration (seconds from 0 to all users)")
    if s.kind == "spike" and not s.users:
        check.fail("shape.users", "a spike needs users (the phones running before and after it)")
    if s.kind == "spike" and not (s.spike_users and s.spike_duration):
        check.fail("shape.spike_users" if not s.spike_users else "shape.spike_duration",
                   "a spike needs spike_users and spike_duration")
    return Shape(s.kind, s.users, float(s.spawn_rate), float(s.duration), float(s.spike_at),
                 s.spike_users, float(s.spike_duration))


def _build(data, source: str) -> Scenario:
    check = _Check(source)
    data = dict(check.table("", data, [f.name for f in fields(Scenario)]))
    if "hold_time" in data:
        data["hold_time"] = _distribution(check, "hold_time", data["hold_time"])
    if "answer_delay" in data:
        data["answer_delay"] = _distribution(check, "answer_delay", data["answer_delay"])
    if "shape" in data:
        data["shape"] = _shape(check, data["shape"])
    s = Scenario(**data)
    check.number("phones", s.phones, low=1, high=MAX_PHONES, integer=True)
    if s.shape.users > s.phones:
        check.fail("shape.users", f"{s.shape.users} users is more than the {s.phones} phones")
    if s.shape.users + s.shape.spike_users > s.phones:
        check.fail("shape.spike_users", f"{s.shape.users} users and {s.shape.spike_users} more "
                   f"in the spike need more than the {s.phones} phones")
    for key in ("sccp_host", "sip_host"):
        check.host(key, getattr(s, key))
    for key in ("sccp_port", "sip_port"):
        check.number(key, getattr(s, key), low=1, high=65535, integer=True)
    check.number("base_mac", s.base_mac, low=0, high=2 ** 48 - s.phones, integer=True)
    check.number("base_number", s.base_number, low=0, integer=True)
    if len(str(s.base_number + s.phones - 1)) > 20:
        check.fail("base_number", "the phones' numbers would be longer than 20 digits")
    check.number("bhca", s.bhca, low=0)
    check.number("no_answer_timeout", s.no_answer_timeout, above=0)
    check.number("timeout", s.timeout, above=0)
    for key in ("no_answer_share", "busy_share", "cti_share"):
        check.share(key, getattr(s, key))
    features = check.table("features", s.features, FEATURES)
    for name, share in features.items():
        check.share(f"features.{name}", share)
    total = s.no_answer_share + s.busy_share + sum(features.values())
    if total > 1 + 1e-9:  # each call is one kind: plain, unanswered, busy or with a feature
        check.fail("features" if features else "busy_share",
                   f"no_answer_share, busy_share and the feature shares add up to {total:g}, "
                   "more than 1 (each call is one kind)")
    floats = {k: float(getattr(s, k)) for k in ("bhca", "no_answer_timeout", "timeout",
                                                "no_answer_share", "busy_share", "cti_share")}
    return Scenario(**{**{f.name: getattr(s, f.name) for f in fields(Scenario)}, **floats,
                       "features": {k: float(v) for k, v in features.items()}})
