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
