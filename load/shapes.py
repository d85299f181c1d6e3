"""The scenario's ramp and spike as user counts over time (pure: Locust's LoadTestShape
in load/locustfile.py only asks :func:`users_at`). ``steady`` has no shape: Locust's own
-u/-r start every user at the spawn rate and keep them."""
from __future__ import annotations

import math

from load.scenario import Scenario


def users_at(scenario: Scenario, t: float, run_time: float | None = None) -> tuple[int, float] | None:
    """(users, spawn rate) at ``t`` seconds into the test; None when the shape is over:
    at its ``duration``, or at Locust's --run-time (``run_time``), which Locust itself
    does not apply while a shape runs."""
    shape = scenario.shape
    if run_time and t >= run_time:
        return None
    users = shape.users or scenario.phones
    rate = shape.spawn_rate
    if shape.kind == "ramp":
        if shape.duration <= 0 or t >= shape.duration:
            return users, rate  # the top, held until --run-time
        return max(1, math.ceil(users * t / shape.duration)), rate
    if shape.kind == "spike":
        if shape.duration and t >= shape.duration:
            return None
        if shape.spike_at <= t < shape.spike_at + shape.spike_duration:
            return users + shape.spike_users, rate
        return users, rate
    return users, rate
