"""`write memory`: the running configuration saved atomically, the file's mode kept, the
previous copy kept in the state directory (or beside the file without one)."""
import os
import stat

import conf
from cme.app import Application


def app_for(path, state_dir=None):
    result = conf.load_file(str(path))
    return Application(config=result.config, config_path=str(path), state_dir=state_dir)


def test_write_memory_keeps_the_files_mode_and_puts_the_previous_copy_in_the_state_directory(tmp_path):
    path = tmp_path / "cme.cfg"
    path.write_text("hostname before\n")
    os.chmod(path, 0o640)
    app = app_for(path, state_dir=str(tmp_path / "state"))
    app.config.hostname = "after"
    assert app.write_memory() == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "hostname after" in path.read_text()
    assert (tmp_path / "state" / "cme.cfg.bak").read_text() == "hostname before\n"
    assert not (tmp_path / "cme.cfg.bak").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_without_a_state_directory_the_previous_copy_stays_beside_the_file(tmp_path):
    path = tmp_path / "cme.cfg"
    path.write_text("hostname before\n")
    app_for(path).write_memory()
    assert (tmp_path / "cme.cfg.bak").read_text() == "hostname before\n"
