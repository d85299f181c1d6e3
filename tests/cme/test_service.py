"""The twistd service: start order, actors stopped with on_stop, a real twistd launch."""
import gc
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from twisted.internet import task

import conf
from actors.runtime import ReactorActor, Runtime, current_runtime
from cme.app import Application
from cme.service import YOUNG_PASS, CMEService

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = "hostname lab\nusername admin password cisco\nephone-dn 1\n number 201\n cti watch\n"


def make_app(text=MINIMAL):
    result = conf.parse_text(text, filename="lab.cfg")
    return Application(config=result.config, findings=list(result.findings))


class Journal(ReactorActor):
    stopped = []

    def on_stop(self):
        Journal.stopped.append(self.actor_urn)


def test_stop_service_stops_every_actor_and_runs_on_stop():
    clock = task.Clock()
    app = make_app()
    service = CMEService(app, runtime=Runtime(clock))
    thresholds = gc.get_threshold()
    service.startService()
    try:
        assert current_runtime() is service.runtime
        assert gc.get_freeze_count() > 0  # the configuration and actors, out of full collections
        assert gc.get_threshold() == (YOUNG_PASS, *thresholds[1:])  # fewer young passes
        refs = [Journal.start() for _ in range(3)]
        Journal.stopped.clear()
        done = []
        service.stopService().addCallback(done.append)
        assert done, "stopService finished synchronously (no listeners to wait for)"
        assert sorted(Journal.stopped) == sorted(r.actor_urn for r in refs)
        assert not any(r.is_alive() for r in refs)
        assert any("stopped 3 actors" in line for line in app.log_buffer.lines())
        assert gc.get_freeze_count() == 0  # what start froze goes back to the collector
        assert gc.get_threshold() == thresholds  # and the process's thresholds are back
    finally:
        if service.running:
            service.stopService()


def test_start_logs_the_configuration_and_its_findings():
    app = make_app(MINIMAL + "ephone-dn 2\n number 201\n")  # duplicate number: a finding
    assert app.findings
    service = CMEService(app, runtime=Runtime(task.Clock()))
    service.startService()
    service.stopService()
    lines = "\n".join(app.log_buffer.lines())
    assert "cme-cti" in lines and "2 ephone-dns" in lines
    assert str(app.findings[0]) in lines


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def twistd(*args, **kwargs):
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("twistd")), "--nodaemon", "--pidfile=", "cme", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this tree's code, whatever the venv points at
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def test_twistd_plugin_starts_and_sigterm_exits_zero(tmp_path):
    cfg = tmp_path / "cme.cfg"
    cfg.write_text(MINIMAL)
    proc = twistd(
        "--config", str(cfg), "--ssh-port", str(free_port()), "--telnet-port", str(free_port()), "--tftp-port", "-1",
        "--state-dir", str(tmp_path / "state"), "--json-log", str(tmp_path / "log.jsonl"),
    )
    try:
        seen = []
        for line in proc.stdout:  # bounded: the server prints its start line at once
            seen.append(line)
            if "cme-cti ready:" in line:
                break
        assert any("cme-cti ready:" in l and "cli-ssh 127.0.0.1:" in l for l in seen), "".join(seen)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "cme-cti is down" in out
    assert '"namespace": "cme.service"' in (tmp_path / "log.jsonl").read_text()


@pytest.mark.parametrize(
    "setup,expect",
    [
        (lambda p: None, "No such file"),
        (lambda p: p.mkdir(), "directory"),
    ],
    ids=["missing", "directory"],
)
def test_twistd_refuses_an_unusable_config_with_a_clear_message(tmp_path, setup, expect):
    path = tmp_path / "nope.cfg"
    setup(path)
    proc = twistd("--config", str(path))
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert str(path) in out and expect.lower() in out.lower()
    assert "Traceback" not in out


def test_strict_refuses_a_config_with_errors(tmp_path):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text(MINIMAL + "csta cti mode basic\n")
    proc = twistd("--config", str(cfg), "--strict")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Invalid input" in out


def test_a_port_already_in_use_is_one_clear_line_not_a_traceback(tmp_path):
    cfg = tmp_path / "cme.cfg"
    cfg.write_text(MINIMAL)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = twistd("--config", str(cfg), "--ssh-port", str(port), "--telnet-port", str(free_port()), "--tftp-port", "-1",
                      "--state-dir", str(tmp_path / "state"))
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in out and "in use" in out, out
    assert "Traceback" not in out, out


def test_the_state_directory_is_xdg_state_home_not_beside_the_package(monkeypatch, tmp_path):
    from cme.plugin import Options
    options = Options()
    options.parseOptions(["--config", str(Path(conf.__file__).parent / "cme.cfg")])
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert options.state_dir() == str(tmp_path / "xdg" / "cme-cti")
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert options.state_dir() == str(tmp_path / "home" / ".local" / "state" / "cme-cti")
    options["state-dir"] = str(tmp_path / "given")
    assert options.state_dir() == str(tmp_path / "given")


@pytest.mark.parametrize("text,warned", [(MINIMAL.replace("username admin password cisco\n", ""), True),
                                         (MINIMAL, False)])
def test_start_warns_when_nobody_can_log_in_to_the_cli(text, warned):
    app = make_app(text)
    service = CMEService(app, runtime=Runtime(task.Clock()))
    service.startService()
    service.stopService()
    lines = "\n".join(app.log_buffer.lines())
    assert ("nobody can log in to the CLI" in lines) is warned


def test_generated_phone_configurations_have_a_cli_username():
    from cme.phones import generate_config
    result = conf.parse_text(generate_config(3))
    assert "admin" in result.config.accounts and not result.errors

