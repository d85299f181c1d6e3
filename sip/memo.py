"""A bounded memo: what reading a text gave, kept by the text.

The SIP and CSTA readers see the same few texts again and again (a dialog's From and To,
its Request-Line, a peer's sent-by, our own Vias coming back in responses, a CSTA body),
so each remembers what it made of them. Every such memo is bounded the same way: when full
it starts over, and a text longer than its ``longest`` is read every time and never kept,
so a peer sending new or huge texts costs time, never memory. Only what was read
successfully is kept (a reader that raises stores nothing); what is kept is shared by
every reader and must not be changed.
"""
from __future__ import annotations

__all__ = ["Memo"]


class Memo(dict):
    """A dict (look-ups are ``dict.get``) whose :meth:`keep` bounds it."""

    __slots__ = ("limit", "longest")

    def __init__(self, limit: int, longest: int | None = None) -> None:
        super().__init__()
        self.limit = limit  # entries; then the memo starts over
        self.longest = longest  # the longest text kept (None: any)

    def keep(self, key, value, length: int = 0):
        """Remember ``value`` under ``key`` unless ``length`` (of the text it was read
        from) is beyond ``longest``; returns ``value``."""
        if self.longest is None or length <= self.longest:
            if len(self) >= self.limit:
                self.clear()
            self[key] = value
        return value


class RecentMemo:
    """A memo that keeps what is read again when new texts flood it: two generations of
    ``limit // 2`` each. New texts go to the young one; when it is full it becomes the
    old one (the previous old is dropped), and a text found in the old one moves back to
    the young. A text read again within about ``limit // 2`` new texts survives, where a
    :class:`Memo` starts over and loses it: a CTI application's repeated requests (a
    MakeCall of the same two numbers, SnapshotDevice) between bodies that never repeat
    (a ClearConnection names its call). At most ``limit`` entries, as a Memo."""

    __slots__ = ("limit", "longest", "_young", "_old")

    def __init__(self, limit: int, longest: int | None = None) -> None:
        self.limit = limit
        self.longest = longest
        self._young: dict = {}
        self._old: dict = {}

    def get(self, key, default=None):
        value = self._young.get(key)
        if value is None:
            value = self._old.pop(key, None)
            if value is None:
                return default
            self._put(key, value)
        return value

    def keep(self, key, value, length: int = 0):
        if self.longest is None or length <= self.longest:
            self._put(key, value)
        return value

    def _put(self, key, value) -> None:
        if len(self._young) >= max(1, self.limit // 2):
            self._old = self._young
            self._young = {}
        self._young[key] = value

    def __contains__(self, key) -> bool:
        return key in self._young or key in self._old

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def clear(self) -> None:
        self._young.clear()
        self._old.clear()
