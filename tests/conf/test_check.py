"""`cme check-config`: output format and exit status."""

from conf.check import main

from .helpers import DEFAULT, SEEDS


def test_session_manager(capsys):
    path = str(SEEDS / "session-manager.cfg")
    assert main([path]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[0] for line in out] == [f"{path}:29", f"{path}:30"]


def test_clean_files_exit_0_and_say_so(capsys):
    assert main([str(SEEDS / "moc-client.cfg")]) == 0
    assert main(["check-config", str(DEFAULT)]) == 0
    assert capsys.readouterr().out == f"{SEEDS / 'moc-client.cfg'}: valid\n{DEFAULT}: valid\n"


def test_file_name_is_printed_as_given(tmp_path, capsys, monkeypatch):
    (tmp_path / "x.cfg").write_text("hostname ok\nbogus\n")
    monkeypatch.chdir(tmp_path)
    assert main(["x.cfg"]) == 1
    assert capsys.readouterr().out == "x.cfg:2: % Invalid input detected at '^' marker (at 'bogus').\n"


def test_verbose_shows_the_caret(tmp_path, capsys):
    path = tmp_path / "v.cfg"
    path.write_text("voice service voip\n csta cti mode basic\n")
    assert main([str(path), "--verbose"]) == 1
    assert capsys.readouterr().out.splitlines()[1:] == [" csta cti mode basic", " ^"]


def test_warnings_alone_exit_0_unless_strict(tmp_path, capsys):
    path = tmp_path / "w.cfg"
    path.write_text("".join(f"ephone-dn {n}\nnumber 20{n}\ncti watch\n" for n in (1, 2)) + "ephone 1\nbutton 1:1 2o2\n")
    assert main([str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{path}: valid, 1 warning"
    assert main([str(path), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "overlay" in out and "valid" not in out


def test_unusable_file_exits_2_with_message_on_stderr(tmp_path, capsys):
    assert main([str(tmp_path / "missing.cfg")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"cme check-config: {tmp_path / 'missing.cfg'}: no such file\n"
