"""Thresholds parsed from their text and checked on Locust's statistics files, read back
as locust 2.47 writes them (the header below is a real run's)."""
import json

import pytest

from load.stats import StatsError, cause, read_failures, read_stats, summary
from load.thresholds import ThresholdError, check_all, parse

HEADER = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
          "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
          "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%")
ROWS = [
    "SCCP,register,40,2,30,35.5,3.2,420.7,0.0,2.0,0.1,30,32,35,40,60,90,200,400,420,420,420",
    "SCCP,post-dial delay,200,10,48,50.25,0.99,160.2,0.0,10.5,0.5,48,60,70,80,90,120,140,151,160,160,160",
    "CSTA,MakeCall response,0,0,0,0.0,0,0,0.0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
    ",Aggregated,240,12,45,47.8,0.99,420.7,0.0,12.5,0.6,45,58,68,78,88,110,150,300,420,420,420",
]


@pytest.fixture
def stats(tmp_path):
    (tmp_path / "run_stats.csv").write_text("\n".join([HEADER, *ROWS]) + "\n")
    (tmp_path / "run_failures.csv").write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        "SCCP,post-dial delay,StepFailed('busy'),7,2026-12-01T14:57:48Z,2026-12-01T14:57:50Z\n"
        "SCCP,post-dial delay,StepFailed('reorder'),3,2026-12-01T14:57:48Z,2026-12-01T14:57:50Z\n"
        "SCCP,register,\"StepFailed(\"\"rejected\"\")\",1,x,y\n"
        "SCCP,register,\"ConnectionResetError(104, 'Connection reset by peer')\",1,x,y\n")
    return tmp_path


@pytest.mark.parametrize("text, passed, detail", [
    ("p99(post-dial delay)<150ms", False, "151ms"),
    ("p99(post-dial delay)<=151ms", True, "151ms"),
    ("p95(post-dial delay)<0.15s", True, "120ms"),
    ("p50(register)<1s", True, "30ms"),
    ("p99.9(register) < 420", False, "420ms"),
    ("avg(post-dial delay)<50", False, "50.25ms"),
    ("max(register)>400ms", True, "420.7ms"),
    ("median(register)<=30", True, "30ms"),
    ("min(register)>=3ms", True, "3.2ms"),
    ("fail_ratio(post-dial delay)<5.1%", True, "5%"),
    ("fail_ratio(post-dial delay)<0.05", False, "5%"),
    ("fail_ratio<=5%", True, "5%"),
    ("rps(post-dial delay)>=10/s", True, "10.5/s"),
    ("rps>=13", False, "12.5/s"),
    ("failures<5", False, "12"),
    ("failures(register)<5", True, "2"),
    ("count(register)>=40", True, "40"),
    ("count(MakeCall response)>0", False, "0"),
])
def test_a_threshold_against_the_statistics(stats, text, passed, detail):
    result = parse(text).check(read_stats(stats / "run_stats.csv"))
    assert (result.passed, result.detail) == (passed, detail)
    assert result.line().startswith("pass" if passed else "FAIL")


def test_a_step_without_requests_or_without_a_row_fails(stats):
    steps = read_stats(stats / "run_stats.csv")
    empty, missing = check_all([parse("p99(MakeCall response)<1s"), parse("p99(regster)<1s")], steps)
    assert not empty.passed and empty.detail == "'MakeCall response' has no requests"
    assert not missing.passed and missing.line() == \
        "FAIL  p99(regster)<1s  (no step named 'regster' in the statistics)"


@pytest.mark.parametrize("text, error", [
    ("p99(post-dial delay)", "'p99(post-dial delay)' is not STAT(STEP) OP VALUE, e.g. 'p99(post-dial delay)<150ms'"),
    ("p42(register)<1s", "'p42(register)<1s': 'p42' is not one of median, avg, min, max, p50, p66, "
                         "p75, p80, p90, p95, p98, p99, p99.9, p99.99, p100, fail_ratio, failures, count, rps"),
    ("p99(register)<1h", "'p99(register)<1h': p99 takes 'ms' or 's', not 'h'"),
    ("failures<5%", "'failures<5%': failures takes a plain number, not '%'"),
    ("fail_ratio<5", "'fail_ratio<5': fail_ratio is a fraction 0..1 or a %, not '5'"),
    ("p99( )<1", "'p99( )<1': the step in () is empty"),
    ("p99(register)<=-1", "'p99(register)<=-1': '-1' is not a number"),
    ("p99(register)==1", "'p99(register)==1' is not STAT(STEP) OP VALUE, e.g. 'p99(post-dial delay)<150ms'"),
])
def test_a_bad_threshold_is_one_line(text, error):
    with pytest.raises(ThresholdError) as info:
        parse(text)
    assert str(info.value) == error


@pytest.mark.parametrize("error, why", [
    ("StepFailed('busy')", "busy"),
    ('StepFailed("csta invalidCallID")', "csta invalidCallID"),
    ("ConnectionResetError(104, 'Connection reset by peer')", "ConnectionResetError(104, 'Connection reset by peer')"),
    ("timeout", "timeout"),
])
def test_the_cause_of_a_failure_is_its_message(error, why):
    assert cause(error) == why


def test_the_summary_has_every_step_with_failures_by_cause(stats):
    data = summary(read_stats(stats / "run_stats.csv"), read_failures(stats / "run_failures.csv"))
    json.dumps(data)  # it is JSON
    pdd = data["steps"]["post-dial delay"]
    assert pdd == {"type": "SCCP", "count": 200, "failures": 10, "fail_ratio": 0.05,
                   "failures_by_cause": {"busy": 7, "reorder": 3}, "p50_ms": 48.0,
                   "p90_ms": 90.0, "p99_ms": 151.0, "max_ms": 160.2, "avg_ms": 50.25, "rps": 10.5}
    assert data["steps"]["register"]["failures_by_cause"] == {
        "rejected": 1, "ConnectionResetError(104, 'Connection reset by peer')": 1}
    assert data["steps"]["MakeCall response"]["p99_ms"] is None
    assert data["total"]["count"] == 240 and data["total"]["failures_by_cause"]["busy"] == 7


def test_no_failures_file_is_no_failures(tmp_path):
    assert read_failures(tmp_path / "none_failures.csv") == {}


def test_a_file_that_is_not_locusts_is_one_line(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(StatsError, match=r"x.csv: not a Locust statistics file$"):
        read_stats(tmp_path / "x.csv")
    with pytest.raises(StatsError, match=r"nope.csv: No such file or directory$"):
        read_stats(tmp_path / "nope.csv")
