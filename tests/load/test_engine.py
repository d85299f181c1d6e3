"""The Locust engine end to end: `python -m locust -f load/locustfile.py` in child processes
(Locust patches the process with gevent: never imported here) against a live twistd on
`cme phones`' generated configuration, moved to free ports."""
import csv
import time
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cme.phones import generate_config
from load.scenario import Distribution, Scenario
from tests.interop.conftest import free_port, moved, stop, this_tree, twistd

ROOT = Path(__file__).resolve().parents[2]
LOCUST = [sys.executable, "-m", "locust", "-f", str(ROOT / "load" / "locustfile.py")]
PHONE_STEPS = ("register", "dial tone", "post-dial delay", "ring-in", "answer to media", "hold/resume")
CTI_STEPS = ("MakeCall response", "MakeCall to Established", "event lag")


@pytest.fixture
def live(tmp_path):
    """A server for 30 generated phones: (Scenario for them, server log, process).

    The busy share is high enough that a 15-second run surely places busy calls: at 0.05 a
    run saw about 2 (most plans fall on a phone already in a call), and CI once saw none."""
    sip_port, sccp_port = free_port(), free_port()
    proc, log = twistd(moved(generate_config(30), sip_port, sccp_port), tmp_path)
    scenario = Scenario(phones=30, sccp_port=sccp_port, sip_port=sip_port, bhca=1200.0,
                        hold_time=Distribution("fixed", mean=0.5), answer_delay=Distribution("fixed", mean=0.1),
                        busy_share=0.2, features={"hold_resume": 0.3}, cti_share=0.3, timeout=5.0)
    yield scenario, log, proc
    if proc.poll() is None:
        stop(proc)


def env(scenario: Scenario) -> dict:
    return {**this_tree(), "CME_LOAD_SCENARIO": scenario.to_json()}


def stats(prefix: Path) -> dict[str, dict]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def failures(prefix: Path) -> dict[tuple[str, str], int]:
    with open(f"{prefix}_failures.csv", newline="") as f:
        return {(row["Name"], row["Error"]): int(row["Occurrences"]) for row in csv.DictReader(f)}


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text[-4000:]


def headless(scenario, prefix, users, seconds, *extra, timeout=90):
    return subprocess.run([*LOCUST, "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
                           "--csv", str(prefix), "--host", f"127.0.0.1:{scenario.sccp_port}", *extra],
                          cwd=ROOT, env=env(scenario), capture_output=True, text=True, timeout=timeout)


def test_a_headless_run_times_every_step_of_the_call_model(live, tmp_path):
    scenario, log, _ = live
    run = headless(scenario, tmp_path / "run", 30, 15)
    no_traceback(run.stdout, run.stderr, log.read_text())
    table = stats(tmp_path / "run")
    for name in PHONE_STEPS + CTI_STEPS:
        assert int(table[name]["Request Count"]) > 0, (name, run.stderr[-3000:])
    assert table["register"]["Request Count"] == "30"
    assert table["register"]["Type"] == "SCCP" and table["MakeCall response"]["Type"] == "CSTA"
    # busy calls dial the phone in DND: counted, by cause, under the step that saw it
    assert set(failures(tmp_path / "run")) == {("post-dial delay", "busy")}


def test_a_distributed_run_merges_two_workers_with_their_own_phones(live, tmp_path):
    scenario, log, _ = live
    scenario = Scenario(**{**scenario.__dict__, "phones": 20})
    port = free_port()
    master = subprocess.Popen([*LOCUST, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
                               "--expect-workers", "2", "--headless", "-u", "20", "-r", "20", "-t", "12s",
                               "--csv", str(tmp_path / "merged"), "--host", f"127.0.0.1:{scenario.sccp_port}"],
                              cwd=ROOT, env=env(scenario), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    workers = [subprocess.Popen([*LOCUST, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                                cwd=ROOT, env=env(scenario), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    out = master.communicate(timeout=90)[0]
    outs = [w.communicate(timeout=30)[0] for w in workers]
    no_traceback(out, *outs, log.read_text())
    registered = re.findall(r"(SEP[0-9A-F]{12}) IP:\S+ type 7961 has registered", log.read_text())
    assert sorted(set(registered)) == [scenario.device_name(i) for i in range(20)]  # each MAC, by one worker
    assert len(registered) == 20  # nobody registered twice (as a collision would)
    table = stats(tmp_path / "merged")
    assert table["register"]["Request Count"] == "20" and table["register"]["Failure Count"] == "0"
    for name in ("dial tone", "post-dial delay", "ring-in", "answer to media"):
        assert int(table[name]["Request Count"]) > 0, name


def test_a_server_that_does_not_know_the_phones_is_counted_as_rejected(live, tmp_path):
    scenario, log, _ = live
    strangers = Scenario(**{**scenario.__dict__, "base_mac": 0x0000000B0000, "phones": 5})
    run = headless(strangers, tmp_path / "run", 5, 4)
    no_traceback(run.stdout, run.stderr, log.read_text())
    assert failures(tmp_path / "run").get(("register", "rejected"), 0) >= 5


def test_a_server_going_away_mid_test_is_lost_registration_then_refused(live, tmp_path):
    scenario, log, proc = live
    scenario = Scenario(**{**scenario.__dict__, "phones": 10})
    child = subprocess.Popen([*LOCUST, "--headless", "-u", "10", "-r", "10", "-t", "8s", "--csv", str(tmp_path / "run"),
                              "--host", f"127.0.0.1:{scenario.sccp_port}"], cwd=ROOT, env=env(scenario),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in child.stdout:  # the users are up once Locust says so; then the server goes
        if "All users spawned" in line:
            break
    deadline = time.monotonic() + 10
    while log.read_text().count("has registered") < 10:  # a child process: polling its log
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stop(proc)
    out = child.communicate(timeout=60)[0]
    no_traceback(out)
    causes = {error for name, error in failures(tmp_path / "run") if name == "register"}
    assert "lost registration" in causes and "refused" in causes, failures(tmp_path / "run")


def test_the_locust_side_imports_no_twisted():
    code = ("import sys, load.users, load.locustfile; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('twisted', 'actors', 'cme')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=this_tree(), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_ramp_shape_brings_the_phones_up_over_its_duration(live, tmp_path):
    scenario, log, _ = live
    from load.scenario import Shape
    ramp = Scenario(**{**scenario.__dict__, "phones": 6, "shape": Shape("ramp", users=6, spawn_rate=10, duration=3)})
    run = headless(ramp, tmp_path / "run", 6, 5)
    no_traceback(run.stdout, run.stderr, log.read_text())
    assert "Shape test updating to 6 users" in run.stderr
    assert stats(tmp_path / "run")["register"]["Request Count"] == "6"
