"""Reading a configuration: from text, from bytes, from a file, with every way a file
can be unusable turned into one clear `ConfigError`.

Unknown or wrong commands are not errors here: they are findings, and the valid lines
still load, as on a router booting with a bad line. `strict=True` makes any error
finding fatal.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from conf.findings import ERROR, WARNING, Finding
from conf.model import Config
from conf.parser import Parser

MAX_CONFIG_BYTES = 4 * 2**20  # no router configuration comes near this


class ConfigError(Exception):
    """The configuration cannot be used at all (or, when strict, has errors)."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


@dataclass
class LoadResult:
    config: Config
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


def parse_text(text: str, filename: str = "<config>", strict: bool = False) -> LoadResult:
    parser = Parser(filename)
    parser.feed_text(text)
    result = LoadResult(parser.config, parser.finish())
    if strict and result.errors:
        n = len(result.errors)
        raise ConfigError(f"{filename}: {n} error{'s' if n > 1 else ''} in the configuration; "
                          f"first: {result.errors[0]}", result.findings)
    return result


def decode(data: bytes, filename: str) -> str:
    """Configuration text from bytes: UTF-8 (a BOM is allowed), never binary."""
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(_too_big(filename, len(data)))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ConfigError(f"{filename}: binary data (NUL byte at offset {nul}), not a configuration")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{filename}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    return text.removeprefix("\ufeff")


def parse_bytes(data: bytes, filename: str = "<config>", strict: bool = False) -> LoadResult:
    return parse_text(decode(data, filename), filename, strict)


def _too_big(filename: str, size: int) -> str:
    return (f"{filename}: {size} bytes is more than the {MAX_CONFIG_BYTES // 2**20} MiB "
            "a configuration may have")


def read_config_bytes(path: str | os.PathLike) -> bytes:
    name = os.fspath(path)
    try:
        info = os.stat(name)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{name}: is a directory, not a configuration file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{name}: not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(_too_big(name, info.st_size))
        with open(name, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)  # the file may have grown since stat
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such file") from None
    except PermissionError:
        raise ConfigError(f"{name}: permission denied") from None
    except IsADirectoryError:
        raise ConfigError(f"{name}: is a directory, not a configuration file") from None
    except OSError as e:
        raise ConfigError(f"{name}: cannot read ({e.strerror or e})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(_too_big(name, len(data)))
    return data


def load_file(path: str | os.PathLike, strict: bool = False) -> LoadResult:
    name = os.fspath(path)
    return parse_bytes(read_config_bytes(name), name, strict)
