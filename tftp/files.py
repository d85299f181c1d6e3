"""What the TFTP server may serve: providers with ``lookup(name) -> bytes | None``.

The server never opens a path. It passes each requested name through :func:`normalise`
(None: refused, ERROR 2) and asks its ``files`` collaborator for the bytes (None: ERROR 1).
A provider decides what exists; all of them here look names up case-insensitively, as
IOS's ``tftp-server`` does (phones ask for ``SEPABCDEF012345.cnf.xml`` while the
administrator wrote ``SEPabcdef012345.cnf.xml``), an exact match winning over others.

- :class:`DirectoryFiles`: regular files directly under a directory the administrator
  named, plus ``aliases`` (served name -> path relative to that directory, which may be
  in a subdirectory: ``tftp-server flash:/its/P0030801SR02.loads alias ...``). Every path
  is resolved with ``os.path.realpath`` and refused when it leaves the root (a symlink
  out), when it is not a regular file, or when it is over ``max_size`` bytes.
- :class:`MemoryFiles`: generated files (SEP*.cnf.xml, XMLDefault.cnf.xml) held in memory.
- :class:`Chain`: the first provider that has the name.
"""
from __future__ import annotations

import os
import stat
from typing import Mapping, Protocol

from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.tftp")

MAX_FILE_SIZE = 64 * 1024 * 1024
"""Largest file served: phone firmware images are a few MiB; 64 MiB at 512-byte blocks
already needs the block number to wrap (32 MiB)."""


class Files(Protocol):
    def lookup(self, name: str) -> bytes | None:
        """The bytes of ``name`` (already through :func:`normalise`), None when absent."""


def normalise(name: str) -> str | None:
    """The name to look up, or None when it must be refused: one leading ``/`` is
    stripped (phones ask for ``/SEP….cnf.xml``); then an absolute path (``/``, ``C:``),
    a backslash, a NUL or control character, an empty, ``.`` or ``..`` component refuse
    it."""
    if name.startswith("/"):
        name = name[1:]
    if not name or name.startswith("/") or "\\" in name:
        return None
    if any(ord(c) < 0x20 or c == "\x7f" for c in name):
        return None
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        return None  # C:..., a drive letter
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return name


def _pick(key: str, names):
    """The name among ``names`` equal to ``key`` ignoring case; an exact match first,
    else the first in sorted order (two names that differ only in case)."""
    folded = key.casefold()
    matches = sorted(n for n in names if n.casefold() == folded)
    if key in matches:
        return key
    return matches[0] if matches else None


class DirectoryFiles:
    def __init__(self, root: str | os.PathLike, aliases: Mapping[str, str] | None = None, *,
                 max_size: int = MAX_FILE_SIZE) -> None:
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise ValueError(f"TFTP root {root!s} is not a directory")
        self.aliases = dict(aliases or {})
        self.max_size = max_size

    def __repr__(self) -> str:
        return f"DirectoryFiles({self.root!r}, {len(self.aliases)} aliases)"

    def lookup(self, name: str) -> bytes | None:
        name = normalise(name)
        if name is None:
            return None
        alias = _pick(name, self.aliases)
        if alias is not None:
            target = self.aliases[alias]
            path = target if os.path.isabs(target) else os.path.join(self.root, target)
        elif "/" in name:
            return None  # only files directly under root, or named by an alias
        else:
            try:
                entry = _pick(name, os.listdir(self.root))
            except OSError:
                return None
            if entry is None:
                return None
            path = os.path.join(self.root, entry)
        return self._read(name, path)

    def _inside(self, path: str) -> bool:
        return os.path.commonpath([self.root, path]) == self.root and path != self.root

    def _read(self, name: str, path: str) -> bytes | None:
        real = os.path.realpath(path)
        if not self._inside(real):
            log.warn("TFTP {name!r}: {path} leaves {root}: refused", name=name, path=real,
                     root=self.root)
            return None
        try:
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            return None
        with os.fdopen(fd, "rb") as f:
            if info.st_size > self.max_size:
                log.warn("TFTP {name!r}: {size} bytes, over {limit}: refused", name=name,
                         size=info.st_size, limit=self.max_size)
                return None
            data = f.read(self.max_size + 1)
        if len(data) > self.max_size:
            return None  # it grew while read
        return data


class MemoryFiles:
    """Files held in memory, looked up ignoring case; :meth:`put` and :meth:`remove`
    change them (a configuration that is generated again)."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self._files: dict[str, bytes] = {}
        for name, data in (files or {}).items():
            self.put(name, data)

    def put(self, name: str, data: bytes) -> None:
        if normalise(name) != name:
            raise ValueError(f"{name!r} cannot be served over TFTP")
        self._files[name] = bytes(data)

    def remove(self, name: str) -> None:
        self._files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._files)

    def lookup(self, name: str) -> bytes | None:
        name = normalise(name)
        key = None if name is None else _pick(name, self._files)
        return None if key is None else self._files[key]


class Chain:
    def __init__(self, *providers: Files) -> None:
        self.providers = providers

    def lookup(self, name: str) -> bytes | None:
        for provider in self.providers:
            data = provider.lookup(name)
            if data is not None:
                return data
        return None
