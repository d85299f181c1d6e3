"""The call model read from TOML or flags: what is accepted, and a one-line error naming the
key for anything else."""
from pathlib import Path

import pytest

from load.scenario import (Distribution, Scenario, ScenarioError, Shape, merged,
                           parse_distribution)

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_file_loads_with_what_it_says():
    s = Scenario.from_toml(ROOT / "conf" / "examples" / "load.toml")
    assert s.phones == 200 and s.base_mac == 0x0000000A0000
    assert s.answer_delay == Distribution("uniform", low=0.5, high=3.0)
    assert s.features == {"hold_resume": 0.1, "transfer": 0.05, "forward_all": 0.02, "dnd": 0.02}
    assert s.shape == Shape("steady", spawn_rate=50.0)


def test_an_empty_file_is_the_defaults(tmp_path):
    (tmp_path / "s.toml").write_text("")
    assert Scenario.from_toml(tmp_path / "s.toml") == Scenario()


def test_overrides_lie_over_the_file_table_by_table(tmp_path):
    (tmp_path / "s.toml").write_text('phones = 50\n[hold_time]\nkind = "fixed"\nmean = 5\n')
    s = Scenario.from_toml(tmp_path / "s.toml", {"phones": 60, "hold_time": {"mean": 7}})
    assert s.phones == 60 and s.hold_time == Distribution("fixed", mean=7.0)


def test_json_round_trip_is_the_same_scenario():
    s = Scenario.from_dict({"phones": 7, "features": {"dnd": 0.5}, "bhca": 60,
                            "shape": {"kind": "spike", "users": 4, "spike_users": 2, "spike_duration": 3}})
    assert Scenario.from_json(s.to_json()) == s
    assert isinstance(s.bhca, float)


@pytest.mark.parametrize("text, error", [
    ('phones = -3', "s.toml: phones: -3 is less than 1"),
    ('phones = 10001', "s.toml: phones: 10001 is more than 10000"),
    ('phones = 2.5', "s.toml: phones: 2.5 is not a whole number"),
    ('phones = "ten"', "s.toml: phones: 'ten' is not a whole number"),
    ('colour = 1', "s.toml: colour: unknown key (known: answer_delay, base_mac, base_number, "
                   "bhca, busy_share, cti_share, features, hold_time, no_answer_share, "
                   "no_answer_timeout, phones, sccp_host, sccp_port, shape, sip_host, sip_port, timeout)"),
    ('[hold_time]\nkind = "gauss"',
     "s.toml: hold_time.kind: 'gauss' is not one of fixed, exponential, uniform"),
    ('[hold_time]\nsigma = 1', "s.toml: hold_time.sigma: unknown key (known: high, kind, low, mean)"),
    ('[answer_delay]\nkind = "uniform"\nlow = 3\nhigh = 1',
     "s.toml: answer_delay.low: 3 is more than answer_delay.high (1)"),
    ('[hold_time]\nmean = -1', "s.toml: hold_time.mean: -1 is less than 0"),
    ('hold_time = 30', "s.toml: hold_time: 30 is not a table"),
    ('busy_share = 1.5', "s.toml: busy_share: 1.5 is more than 1"),
    ('cti_share = -0.1', "s.toml: cti_share: -0.1 is less than 0"),
    ('busy_share = 0.6\nno_answer_share = 0.6',
     "s.toml: busy_share: no_answer_share, busy_share and the feature shares add up to 1.2, "
     "more than 1 (each call is one kind)"),
    ('busy_share = 0.5\n[features]\ndnd = 0.3\nhold_resume = 0.3',
     "s.toml: features: no_answer_share, busy_share and the feature shares add up to 1.1, "
     "more than 1 (each call is one kind)"),
    ('[features]\nconference = 0.1',
     "s.toml: features.conference: unknown key (known: dnd, forward_all, hold_resume, transfer)"),
    ('[features]\ndnd = 0.7\ntransfer = 0.7',
     "s.toml: features: no_answer_share, busy_share and the feature shares add up to 1.4, "
     "more than 1 (each call is one kind)"),
    ('[shape]\nkind = "wave"', "s.toml: shape.kind: 'wave' is not one of steady, ramp, spike"),
    ('[shape]\nkind = "ramp"', "s.toml: shape.duration: a ramp needs a duration "
                               "(seconds from 0 to all users)"),
    ('[shape]\nkind = "spike"\nusers = 5\nspike_duration = 5',
     "s.toml: shape.spike_users: a spike needs spike_users and spike_duration"),
    ('[shape]\nkind = "spike"\nspike_users = 5\nspike_duration = 5',
     "s.toml: shape.users: a spike needs users (the phones running before and after it)"),
    ('phones = 10\n[shape]\nusers = 20', "s.toml: shape.users: 20 users is more than the 10 phones"),
    ('phones = 10\n[shape]\nusers = 8\nspike_users = 5\nkind = "spike"\nspike_duration = 1',
     "s.toml: shape.spike_users: 8 users and 5 more in the spike need more than the 10 phones"),
    ('[shape]\nspawn_rate = 0', "s.toml: shape.spawn_rate: 0 is not more than 0"),
    ('sccp_port = 70000', "s.toml: sccp_port: 70000 is more than 65535"),
    ('sip_host = ""', "s.toml: sip_host: '' is not a host name or address"),
    ('timeout = 0', "s.toml: timeout: 0 is not more than 0"),
    ('bhca = nan', "s.toml: bhca: nan is not a finite number"),
    ('base_mac = 0xFFFFFFFFFFFF', "s.toml: base_mac: 281474976710655 is more than 281474976710636"),
    ('phones = [', None),
])
def test_a_bad_file_is_one_line_naming_the_key(tmp_path, text, error):
    (tmp_path / "s.toml").write_text(text + "\n")
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(tmp_path / "s.toml")
    message = str(info.value).replace(str(tmp_path) + "/", "")
    assert "\n" not in message
    if error is None:
        assert message.startswith("s.toml: not TOML: ")
    else:
        assert message == error


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ScenarioError, match=r"nope.toml: No such file or directory$"):
        Scenario.from_toml(tmp_path / "nope.toml")


def test_json_that_is_not_a_scenario_names_the_variable():
    with pytest.raises(ScenarioError, match="^CME_LOAD_SCENARIO: not JSON"):
        Scenario.from_json("{")
    with pytest.raises(ScenarioError, match="^CME_LOAD_SCENARIO: phones: 0 is less than 1$"):
        Scenario.from_json('{"phones": 0}')


@pytest.mark.parametrize("text, table", [
    ("30", {"kind": "fixed", "mean": 30.0}),
    ("fixed:1.5", {"kind": "fixed", "mean": 1.5}),
    ("exp:30", {"kind": "exponential", "mean": 30.0}),
    ("exponential:2", {"kind": "exponential", "mean": 2.0}),
    ("uniform:10-60", {"kind": "uniform", "low": 10.0, "high": 60.0}),
    ("gauss:3", {"kind": "gauss", "mean": 3.0}),  # the kind is checked with the scenario
])
def test_a_duration_flag(text, table):
    assert parse_distribution(text) == table


@pytest.mark.parametrize("text", ["", "exp:", "uniform:10", "uniform:a-b", "fast"])
def test_a_bad_duration_flag_says_the_forms(text):
    with pytest.raises(ValueError, match="is not SECONDS, fixed:S, exp:MEAN or uniform:LOW-HIGH"):
        parse_distribution(text)


def test_merged_keeps_what_is_not_overridden():
    assert merged({"a": 1, "t": {"x": 1, "y": 2}}, {"t": {"y": 3}, "b": 2}) == {
        "a": 1, "t": {"x": 1, "y": 3}, "b": 2}


def test_a_scenario_error_may_be_one_whole_line():
    """load.model raises ScenarioError("...") with the whole line."""
    assert str(ScenarioError("unknown feature 'park'")) == "unknown feature 'park'"
    assert str(ScenarioError("s.toml", "phones", "0 is less than 1")) == "s.toml: phones: 0 is less than 1"
