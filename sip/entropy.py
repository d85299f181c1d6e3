"""Random hex for branches, tags and Call-IDs, from the OS's CSPRNG read in blocks.

A branch (§8.1.1.7) and a tag (§19.3) must not be guessable by someone who wants to
answer or end what is not theirs, so they come from os.urandom as secrets.token_hex's do;
but one getrandom() call per event INFO was 1.5 % of the server's CPU on the CSTA
path. The same bytes are drawn 4 KiB at a time and handed out in order, never twice. A
forked child starts with an empty pool (os.register_at_fork), so parent and child never
share bytes.
"""
from __future__ import annotations

import os

BLOCK = 4096


class Pool:
    """Bytes of os.urandom, read BLOCK at a time, each handed out once."""

    __slots__ = ("_hex", "_at", "_read")

    def __init__(self, read=os.urandom) -> None:
        self._read = read
        self._hex = ""
        self._at = 0

    def hex(self, nbytes: int) -> str:
        """2 × nbytes hex digits, as secrets.token_hex(nbytes) gives."""
        width = 2 * nbytes
        at = self._at
        if at + width > len(self._hex):
            self._hex = self._read(max(BLOCK, nbytes)).hex()
            at = 0
        self._at = at + width
        return self._hex[at:at + width]

    def clear(self) -> None:
        self._hex = ""
        self._at = 0


POOL = Pool()
token_hex = POOL.hex
os.register_at_fork(after_in_child=POOL.clear)
