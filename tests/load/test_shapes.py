"""The ramp and spike shapes as user counts over time."""
import pytest

from load.scenario import Scenario, Shape
from load.shapes import users_at


@pytest.mark.parametrize("shape, t, expected", [
    (Shape("steady", spawn_rate=10), 5, (40, 10)),
    (Shape("ramp", users=20, spawn_rate=5, duration=10), 0, (1, 5)),
    (Shape("ramp", users=20, spawn_rate=5, duration=10), 5, (10, 5)),
    (Shape("ramp", users=20, spawn_rate=5, duration=10), 10, (20, 5)),
    (Shape("ramp", users=20, spawn_rate=5, duration=10), 99, (20, 5)),  # held until --run-time
    (Shape("spike", users=10, spike_at=5, spike_users=30, spike_duration=2), 4.9, (10, 50.0)),
    (Shape("spike", users=10, spike_at=5, spike_users=30, spike_duration=2), 5, (40, 50.0)),
    (Shape("spike", users=10, spike_at=5, spike_users=30, spike_duration=2), 7, (10, 50.0)),
    (Shape("spike", users=10, spike_at=5, spike_users=30, spike_duration=2, duration=20), 20, None),
])
def test_users_over_time(shape, t, expected):
    assert users_at(Scenario(phones=40, shape=shape), t) == expected


def test_a_shape_ends_at_locusts_run_time():
    scenario = Scenario(phones=4, shape=Shape("ramp", users=4, duration=10))
    assert users_at(scenario, 4.9, run_time=5) == (2, 50.0)
    assert users_at(scenario, 5, run_time=5) is None
    assert users_at(scenario, 5, run_time=None) == (2, 50.0)
