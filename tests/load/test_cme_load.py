"""`cme load` end to end: the command, a real server (--local or one started here) and
Locust in child processes, with tests/load/standin_locustfile.py (phones that really
register) in place of the engine's locustfile. Flags, scenarios and thresholds that are
wrong are refused before anything starts (checked in-process: no Locust import here)."""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import conf
from cme import load as cme_load
from cme.phones import generate_config
from load.scenario import Scenario
from tests.interop.conftest import ROOT, free_port, stop, this_tree, twistd

STANDIN = ROOT / "tests" / "load" / "standin_locustfile.py"


def cme_load_run(*args, timeout=60):
    """`cme load ARGS` in a child process running this tree's code: (exit status, output)."""
    proc = subprocess.run([sys.executable, "-m", "cme.main", "load", *args], cwd=ROOT,
                          env=this_tree(), capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def stats_rows(path):
    lines = Path(path).read_text().splitlines()
    header = lines[0].split(",")
    return {row.split(",")[1]: dict(zip(header, row.split(","))) for row in lines[1:]}


def test_a_local_run_makes_every_report_and_a_failing_threshold_fails(tmp_path):
    html, out_json = tmp_path / "report.html", tmp_path / "summary.json"
    rc, output = cme_load_run(
        "--local", "--headless", "-u", "6", "-r", "20", "-t", "4s", "-f", str(STANDIN),
        "--csv", str(tmp_path / "run"), "--html", str(html), "--json", str(out_json),
        "--threshold", "count(register)>=6", "--threshold", "p99(register)<0.001ms",
        "--threshold", "failures(register)<1")
    assert rc == 1, output
    assert "Traceback" not in output
    assert "FAIL  p99(register)<0.001ms  (measured " in output
    assert "pass  count(register)>=6  (measured 6)" in output
    assert "cme load: 1 of 3 thresholds failed" in output
    rows = stats_rows(tmp_path / "run_stats.csv")
    assert rows["register"]["Request Count"] == "6" and rows["register"]["Failure Count"] == "0"
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    data = json.loads(out_json.read_text())
    assert data["steps"]["register"]["count"] == 6 and data["passed"] is False
    assert [t["passed"] for t in data["thresholds"]] == [True, False, True]
    assert data["scenario"]["phones"] == 6  # -u sized the test: 6 phones, 6 ephones
    # the server was stopped, and said so in its log
    log = Path(output.split("server stopped; its log: ")[1].split()[0])
    assert "cme-cti is down" in log.read_text()
    assert "max-ephones 6" in (log.parent / "cme.cfg").read_text()


def test_passing_thresholds_exit_0_and_the_reports_go_to_a_work_directory_by_default():
    rc, output = cme_load_run("--local", "--headless", "--phones", "3", "-t", "3s",
                              "-f", str(STANDIN), "--threshold", "count(register)>=3",
                              "--threshold", "fail_ratio(register)<=0%")
    assert rc == 0, output
    csv = Path(output.split("cme load: statistics: ")[1].split(",")[0].split()[0])
    summary = Path(output.split("cme load: summary: ")[1].split()[0])
    assert csv.exists() and summary.parent == csv.parent
    assert json.loads(summary.read_text())["passed"] is True


def test_a_server_that_refuses_the_phones_is_failures_by_cause(tmp_path):
    """Unknown MACs: every registration rejected, counted as "rejected"; no traceback."""
    sccp, sip = free_port(), free_port()
    proc, _ = twistd(generate_config(3, sccp_port=sccp, sip_port=sip), tmp_path)
    try:
        rc, output = cme_load_run(
            "--server", f"127.0.0.1:{sccp}", "--base-mac", "0000.0B00.0000", "--headless",
            "-u", "3", "-t", "3s", "-f", str(STANDIN), "--csv", str(tmp_path / "run"),
            "--threshold", "failures(register)<1")
    finally:
        stop(proc)
    assert rc == 1, output
    assert "Traceback" not in output
    data = json.loads((tmp_path / "run_summary.json").read_text())
    assert data["steps"]["register"]["failures_by_cause"] == {"rejected": 3}
    assert data["scenario"]["sip_port"] == 5060  # --server's host, the default SIP port


def test_a_server_that_is_not_there_is_refused_registrations(tmp_path):
    rc, output = cme_load_run("--server", f"127.0.0.1:{free_port()}", "--headless", "-u", "2",
                              "-t", "2s", "-f", str(STANDIN), "--csv", str(tmp_path / "run"))
    assert rc == 0, output  # no threshold: failures are counted, not an error
    data = json.loads((tmp_path / "run_summary.json").read_text())
    assert data["steps"]["register"]["failures_by_cause"] == {"refused": 2}


@pytest.mark.parametrize("args, line", [
    (["--phones", "-3"], "cme load: --phones: -3 is less than 1"),
    (["--busy-share", "1.5"], "cme load: --busy-share: 1.5 is more than 1"),
    (["--hold-time", "gauss:3"], "cme load: --hold-time: 'gauss' is not one of fixed, exponential, uniform"),
    (["--feature", "conference=0.1"],
     "cme load: --feature: unknown key (known: dnd, forward_all, hold_resume, transfer)"),
    (["--shape", "ramp"], "cme load: --shape-duration: a ramp needs a duration (seconds from 0 to all users)"),
    (["--phones", "10", "--shape", "spike", "--shape-users", "8", "--spike-users", "5",
      "--spike-duration", "3"],
     "cme load: --spike-users: 8 users and 5 more in the spike need more than the 10 phones"),
    (["--shape", "spike", "--spike-users", "5", "--spike-duration", "3"],
     "cme load: --shape-users: a spike needs users (the phones running before and after it)"),
    (["--phones", "10", "-u", "20"],
     "cme load: -u 20 is more than the scenario's 10 phones (each user is one phone)"),
    (["--threshold", "p99(register)<1kg"], "cme load: 'p99(register)<1kg': p99 takes 'ms' or 's', not 'kg'"),
    (["--worker", "--local"], "cme load: a --worker runs phones only: --local, --threshold, --json "
                              "and --write-config belong to the master"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, line):
    assert cme_load.main(args) == 2
    err = capsys.readouterr().err
    assert err == line + "\n"


def test_a_bad_scenario_file_names_the_file_and_the_key(tmp_path, capsys):
    (tmp_path / "s.toml").write_text('phones = 5\n[hold_time]\nkind = "gauss"\n')
    assert cme_load.main(["--config", str(tmp_path / "s.toml"), "--phones", "4"]) == 2
    assert capsys.readouterr().err == \
        f"{tmp_path}/s.toml: hold_time.kind: 'gauss' is not one of fixed, exponential, uniform\n"


def test_a_bad_scenario_file_in_a_child_process_is_one_line(tmp_path):
    (tmp_path / "s.toml").write_text("colour = 'red'\n")
    rc, output = cme_load_run("--local", "--config", str(tmp_path / "s.toml"), "--headless")
    assert rc == 2 and output.count("\n") == 1 and output.startswith(f"{tmp_path}/s.toml: colour: unknown key")


def test_usage_errors_are_argparse_s(capsys):
    with pytest.raises(SystemExit) as info:
        cme_load.main(["--local", "--server", "127.0.0.1:2000"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_write_config_is_a_configuration_cme_check_config_accepts(tmp_path, capsys):
    (tmp_path / "s.toml").write_text("phones = 12\nbase_number = 5000\nbase_mac = 0x00000B000010\n")
    path = tmp_path / "cme.cfg"
    assert cme_load.main(["--config", str(tmp_path / "s.toml"), "--server", "127.0.0.1:2010",
                          "--sip", "127.0.0.1:5070", "--write-config", str(path)]) == 0
    assert "12 ephones SEP00000B000010..SEP00000B00001B, numbers 5000..5011" in capsys.readouterr().err
    from conf.check import main as check_config

    assert check_config([str(path)]) == 0
    config = conf.load_file(path).config
    assert sorted(e.device_name for e in config.ephones.values()) == \
        [Scenario(base_mac=0xB000010).device_name(i) for i in range(12)]
    assert config.telephony.port == 2010 and config.telephony.pending_per_source == 0
    assert "source-address 127.0.0.1 port 5070" in path.read_text()


def test_the_local_server_failing_to_start_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = cme_load.LocalServer(Scenario(phones=2), tmp_path, port, free_port())
        with pytest.raises(RuntimeError) as info:
            server.start(timeout=30)
    assert str(info.value).startswith("the server exited with status 1: ")
    assert "\n" not in str(info.value) and str(port) in str(info.value)


def registered(log: Path) -> list[str]:
    return sorted(line.split("ephone-")[1].split()[0].split(":")[1]
                  for line in log.read_text().splitlines() if "has registered" in line)


def test_two_forked_workers_take_their_own_slices_of_the_phones(tmp_path):
    """--processes 2: Locust's master and two workers; each registers its own 3 phones."""
    rc, output = cme_load_run("--local", "--headless", "--processes", "2", "-u", "6", "-r", "20",
                              "-t", "5s", "-f", str(STANDIN), "--csv", str(tmp_path / "run"))
    assert rc == 0, output
    log = Path(output.split("server stopped; its log: ")[1].split()[0])
    assert registered(log) == [Scenario().device_name(i) for i in range(6)]
    assert stats_rows(tmp_path / "run_stats.csv")["register"]["Request Count"] == "6"


def test_a_master_and_two_worker_commands_merge_their_statistics(tmp_path):
    sccp, sip, master_port = free_port(), free_port(), free_port()
    proc, log = twistd(generate_config(6, sccp_port=sccp, sip_port=sip), tmp_path)
    common = ["--server", f"127.0.0.1:{sccp}", "--sip", f"127.0.0.1:{sip}", "-f", str(STANDIN)]
    workers = [subprocess.Popen(
        [sys.executable, "-m", "cme.main", "load", "--worker", "--workers", "2", "--phones", "6",
         "--master-port", str(master_port), *common], cwd=ROOT, env=this_tree(),
        stdout=subprocess.DEVNULL, stderr=(tmp_path / f"worker{i}.log").open("w")) for i in range(2)]
    try:
        rc, output = cme_load_run("--master", "--expect-workers", "2", "--master-bind-port",
                                  str(master_port), "--headless", "-u", "6", "-r", "20", "-t", "5s",
                                  "--csv", str(tmp_path / "run"), "--threshold", "count(register)>=6",
                                  *common)
        for w in workers:
            w.wait(timeout=30)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
        stop(proc)
    assert rc == 0, output
    assert registered(log) == [Scenario().device_name(i) for i in range(6)]
    for i in range(2):
        assert "Traceback" not in (tmp_path / f"worker{i}.log").read_text()


@pytest.mark.parametrize("sigint_ignored", [False, True], ids=["foreground", "started-by-a-shell-in-the-background"])
def test_ctrl_c_ends_the_test_with_its_reports_and_stops_the_server(tmp_path, sigint_ignored):
    """A shell's `cme load ... &` starts it with SIGINT ignored, which children inherit:
    kill -INT must still end the test, with its reports."""
    import signal
    import time

    out = tmp_path / "out.log"
    proc = subprocess.Popen([sys.executable, "-m", "cme.main", "load", "--local", "--headless",
                             "-u", "3", "-f", str(STANDIN), "--csv", str(tmp_path / "run")],
                            cwd=ROOT, env=this_tree(), stdout=out.open("w"), stderr=subprocess.STDOUT,
                            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
                            if sigint_ignored else None)
    try:
        deadline = time.monotonic() + 30
        while "SCCP     register" not in out.read_text():  # Locust's periodic table: a child's output is the way
            assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, out.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    output = out.read_text()
    assert "Traceback" not in output
    assert json.loads((tmp_path / "run_summary.json").read_text())["steps"]["register"]["count"] == 3
    log = Path(output.split("server stopped; its log: ")[1].split()[0])
    assert "cme-cti is down" in log.read_text()


STEPS = ("register", "dial tone", "post-dial delay", "ring-in", "answer to media", "hold/resume",
         "MakeCall response", "MakeCall to Established", "event lag")


@pytest.mark.skipif(not cme_load.LOCUSTFILE.exists(), reason="load/locustfile.py (the engine) is not in this tree")
def test_the_whole_test_in_one_command_with_the_engine(tmp_path):
    """Issue 14's CI run: `cme load --local --headless` with the real locustfile: every timed
    step counted, the HTML report written, a threshold that must fail fails."""
    html = tmp_path / "report.html"
    rc, output = cme_load_run(
        "--local", "--headless", "-u", "24", "-r", "50", "-t", "15s", "--bhca", "1200",
        "--hold-time", "exp:2", "--answer-delay", "uniform:0.1-0.5", "--cti-share", "0.3",
        "--feature", "hold_resume=0.3", "--csv", str(tmp_path / "run"), "--html", str(html),
        "--only-summary", "--threshold", "p50(register)<5s", "--threshold", "p99(post-dial delay)<0.001ms",
        timeout=90)
    assert rc == 1, output
    assert "Traceback" not in output
    rows = stats_rows(tmp_path / "run_stats.csv")
    assert {name: int(rows[name]["Request Count"]) > 0 for name in STEPS if name in rows} == \
        {name: True for name in STEPS}
    assert html.exists()
    assert "pass  p50(register)<5s" in output and "FAIL  p99(post-dial delay)<0.001ms" in output


def alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_killing_cme_load_leaves_no_server_or_locust_behind(tmp_path):
    import os
    import signal
    import time

    out = tmp_path / "out.log"
    proc = subprocess.Popen([sys.executable, "-m", "cme.main", "load", "--local", "--headless",
                             "-u", "2", "-f", str(STANDIN), "--csv", str(tmp_path / "run")],
                            cwd=ROOT, env=this_tree(), stdout=out.open("w"), stderr=subprocess.STDOUT)
    children = []
    try:
        deadline = time.monotonic() + 30
        while "SCCP     register" not in out.read_text():  # Locust's periodic table
            assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
            time.sleep(0.1)
        children = [int(pid) for pid in subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()]
        assert len(children) == 2  # the server and Locust
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in children):
            assert time.monotonic() < deadline, "a child of cme load outlived it"
            time.sleep(0.1)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_locusts_users_size_the_test_only_when_nothing_says_how_many_phones(tmp_path, capsys):
    (tmp_path / "s.toml").write_text("phones = 50\n")
    assert cme_load.main(["--config", str(tmp_path / "s.toml"), "-u", "10",
                          "--write-config", str(tmp_path / "a.cfg")]) == 0
    assert cme_load.main(["-u", "10", "--write-config", str(tmp_path / "b.cfg")]) == 0
    assert cme_load.main(["--phones", "30", "-u", "10", "--write-config", str(tmp_path / "c.cfg")]) == 0
    err = capsys.readouterr().err
    assert "wrote {}: 50 ephones".format(tmp_path / "a.cfg") in err
    assert "wrote {}: 10 ephones".format(tmp_path / "b.cfg") in err
    assert "wrote {}: 30 ephones".format(tmp_path / "c.cfg") in err


def test_local_and_a_host_of_its_own_contradict(capsys):
    assert cme_load.main(["--local", "--host", "10.0.0.1:2000"]) == 2
    assert capsys.readouterr().err == \
        "cme load: --local tests the server it starts: leave out Locust's --host\n"


def test_a_locust_that_ignores_the_stop_is_stopped_harder():
    """Ctrl-C reaches Locust as SIGINT; one that does not end gets SIGTERM STOP_PATIENCE
    seconds later by itself (seen once in CI: a SIGINT after a web-UI stop was not acted on)."""
    import signal
    import time

    stubborn = ("import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                "print('up', flush=True); time.sleep(60)")
    code = ("import os, sys; import cme.load as load; load.STOP_PATIENCE = 0.5; "
            f"sys.exit(-load.run_locust([sys.executable, '-c', {stubborn!r}], dict(os.environ)))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=this_tree(),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "up"
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == signal.SIGTERM  # the child ended by SIGTERM
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
