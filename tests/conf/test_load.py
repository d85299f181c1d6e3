"""Loading from files and bytes: every way a file can be unusable is one clear ConfigError."""

import builtins
import os

import pytest

from conf import MAX_CONFIG_BYTES, ConfigError, load_file, parse_bytes, parse_text

from .helpers import SEEDS


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.cfg: no such file$"):
        load_file(tmp_path / "nope.cfg")


def test_directory(tmp_path):
    with pytest.raises(ConfigError, match="is a directory, not a configuration file"):
        load_file(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.cfg"
    path.write_text("hostname x\n")
    real_open = builtins.open

    def refuse(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", refuse)
    with pytest.raises(ConfigError, match=r"secret\.cfg: permission denied$"):
        load_file(path)


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_file(fifo)  # and does not block reading it


def test_nul_bytes(tmp_path):
    path = tmp_path / "bin.cfg"
    path.write_bytes(b"hostname x\n\x00\x01\x02")
    with pytest.raises(ConfigError, match=r"binary data \(NUL byte at offset 11\)"):
        load_file(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.cfg"
    path.write_bytes(b"hostname caf\xe9\n")
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xe9 at offset 12\)"):
        load_file(path)


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.cfg"
    with open(path, "wb") as f:
        f.truncate(100 * 2**20)  # sparse: cheap
    real_open = builtins.open

    def no_reading(file, *args, **kwargs):
        assert os.fspath(file) != str(path), "the size check must come before reading"
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", no_reading)
    with pytest.raises(ConfigError, match=r"104857600 bytes is more than the 4 MiB a configuration may have"):
        load_file(path)


def test_just_under_the_cap_loads(tmp_path):
    path = tmp_path / "big.cfg"
    line = b"! " + b"x" * 1000 + b"\n"
    path.write_bytes(line * (MAX_CONFIG_BYTES // len(line)))
    assert load_file(path).findings == []


def test_bytes_over_the_cap_are_refused():
    with pytest.raises(ConfigError, match="more than the 4 MiB"):
        parse_bytes(b"!" * (MAX_CONFIG_BYTES + 1))


def test_error_messages_are_one_line(tmp_path):
    for target in (tmp_path / "missing", tmp_path):
        with pytest.raises(ConfigError) as info:
            load_file(target)
        assert "\n" not in str(info.value)


def test_utf8_bom_and_text():
    assert parse_bytes("\ufeffhostname caf\u00e9x\n".encode()).findings[0].message.endswith("is not a host name "
                                                                                           "(a letter, then letters, digits, hyphens; at most 63)")
    assert parse_bytes(b"\xef\xbb\xbfhostname cme\n").config.hostname == "cme"


def test_errors_still_load_the_valid_lines():
    result = parse_text("hostname cme\nbogus\nephone-dn 1\nnumber 201\n")
    assert len(result.errors) == 1 and result.warnings == []
    assert result.config.hostname == "cme" and result.config.ephone_dns[1].number == "201"


def test_strict_makes_errors_fatal():
    with pytest.raises(ConfigError) as info:
        parse_text("hostname cme\nbogus\n", filename="s.cfg", strict=True)
    assert str(info.value).startswith("s.cfg: 1 error in the configuration; first: s.cfg:2: % Invalid input")
    assert len(info.value.findings) == 1
    with pytest.raises(ConfigError, match="session-manager.cfg: 2 errors"):
        load_file(SEEDS / "session-manager.cfg", strict=True)


def test_strict_allows_warnings():
    text = "".join(f"ephone-dn {n}\nnumber 20{n}\ncti watch\n" for n in (1, 2)) + "ephone 1\nbutton 1:1 2o2\n"
    assert parse_text(text, strict=True).warnings
    assert load_file(SEEDS / "moc-client.cfg", strict=True).findings == []
