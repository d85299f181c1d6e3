"""The call model as tables of draws: arrivals, kinds, durations, callees, slices."""
import math
import random
import statistics

import pytest

from load.model import CallPlan, PhoneModel, Slice, draw, shares
from load.scenario import Distribution, Scenario, ScenarioError


def model(index=0, seed=1, **kw):
    return PhoneModel(Scenario(**kw), index, random.Random(seed))


def test_arrivals_are_exponential_at_bhca_per_hour():
    m = model(bhca=360.0)  # one call per 10 s
    gaps = [m.next_arrival() for _ in range(20000)]
    assert statistics.mean(gaps) == pytest.approx(10.0, rel=0.03)
    # exponential: the standard deviation equals the mean
    assert statistics.pstdev(gaps) == pytest.approx(10.0, rel=0.05)


def test_a_phone_with_no_bhca_never_calls():
    assert model(bhca=0.0).next_arrival() == math.inf


@pytest.mark.parametrize("distribution, mean", [
    (Distribution("fixed", mean=2.5), 2.5),
    (Distribution("exponential", mean=4.0), 4.0),
    (Distribution("uniform", low=1.0, high=3.0), 2.0),
    (Distribution("exponential", mean=0.0), 0.0),
])
def test_durations_follow_their_distribution(distribution, mean):
    rng = random.Random(2)
    values = [draw(distribution, rng) for _ in range(20000)]
    assert statistics.mean(values) == pytest.approx(mean, rel=0.03, abs=1e-9)
    assert min(values) >= 0


def test_an_unknown_distribution_is_a_one_line_error():
    with pytest.raises(ScenarioError, match="unknown distribution kind 'normal'"):
        draw(Distribution("normal", mean=1), random.Random())


def test_kinds_come_in_their_shares():
    m = model(no_answer_share=0.1, busy_share=0.05, cti_share=0.3,
              features={"hold_resume": 0.2, "dnd": 0.05})
    plans = [m.plan() for _ in range(40000)]
    count = {kind: sum(p.kind == kind for p in plans) / len(plans)
             for kind in ("call", "no_answer", "busy", "hold_resume", "dnd", "transfer")}
    assert count == pytest.approx({"call": 0.6, "no_answer": 0.1, "busy": 0.05, "hold_resume": 0.2,
                                   "dnd": 0.05, "transfer": 0.0}, abs=0.01)
    ringing = [p for p in plans if p.kind in ("call", "no_answer", "hold_resume")]
    assert sum(p.cti for p in ringing) / len(ringing) == pytest.approx(0.3, abs=0.01)
    assert not any(p.cti for p in plans if p.kind in ("busy", "dnd"))  # CTI places ringing calls only


def test_a_plan_carries_its_durations():
    plan = model(hold_time=Distribution("fixed", mean=3.0),
                 answer_delay=Distribution("fixed", mean=0.5)).plan()
    assert plan == CallPlan("call", False, 3.0, 0.5)


@pytest.mark.parametrize("scenario, message", [
    (dict(busy_share=0.6, no_answer_share=0.6), "add up to 1.2: at most 1"),
    (dict(busy_share=-0.1), "share of busy is -0.1"),
    (dict(cti_share=2.0), "share of cti is 2.0"),
    (dict(features={"park": 0.1}), "unknown feature 'park'"),
])
def test_impossible_shares_are_one_line_errors(scenario, message):
    with pytest.raises(ScenarioError, match=message):
        shares(Scenario(**scenario))


@pytest.mark.parametrize("phones, workers, expected", [
    (30, 1, [(0, 30)]),
    (30, 2, [(0, 15), (15, 30)]),
    (31, 2, [(0, 16), (16, 31)]),
    (5, 3, [(0, 2), (2, 4), (4, 5)]),
])
def test_workers_take_disjoint_slices(phones, workers, expected):
    slices = [Slice(Scenario(phones=phones), w, workers) for w in range(workers)]
    assert [(s.first, s.end) for s in slices] == expected


def test_a_slice_hands_out_each_index_once_and_takes_it_back():
    s = Slice(Scenario(phones=4), 1, 2)  # phones 2 and 3
    assert [s.acquire(), s.acquire(), s.acquire()] == [2, 3, None]
    s.release(2)
    assert s.acquire() == 2


def test_idle_phones_can_be_claimed_once():
    s = Slice(Scenario(phones=3))
    for _ in range(3):
        s.set_idle(s.acquire(), True)
    assert s.idle() == [0, 1, 2]
    assert s.claim(1) and not s.claim(1)
    assert s.idle() == [0, 2]
    s.set_idle(1, True)
    s.release(0)
    assert s.idle() == [1, 2]


def test_with_a_busy_share_the_slices_last_phone_stays_out_of_the_callees():
    s = Slice(Scenario(phones=4, busy_share=0.1), 0, 2)
    assert s.busy_phone == 1
    for _ in range(2):
        s.set_idle(s.acquire(), True)
    assert s.idle() == [0]
    assert Slice(Scenario(phones=4), 0, 2).busy_phone is None


def test_claiming_any_idle_phone_never_takes_the_caller_and_takes_each_once():
    s = Slice(Scenario(phones=5))
    for _ in range(5):
        s.set_idle(s.acquire(), True)
    rng = random.Random(3)
    taken = [s.claim_any(rng, caller=2) for _ in range(4)]
    assert sorted(taken) == [0, 1, 3, 4]
    assert s.claim_any(rng, caller=2) is None  # only the caller is left
    assert s.idle() == [2]
