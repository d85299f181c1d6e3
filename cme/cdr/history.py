"""What the server keeps of the call detail records: the recent ones (for `show call
history voice brief` and the web view) and tallies of every record ever (for /metrics)."""
from __future__ import annotations

from collections import Counter, deque

KEEP = 1000  # records kept for the CLI and the web view (IOS keeps 15 minutes' worth, max 1000)


class CallHistory:
    """`record(rec)` is the switch's accounting callable: it runs on the reactor thread
    once per call leg, so it only appends and counts; the files write in batches."""

    def __init__(self, files=None, *, keep: int = KEEP) -> None:
        self._recent: deque = deque(maxlen=keep)
        # every record ever, by (direction, answered, cause)
        self.tally: Counter = Counter()
        # every trunk leg's record ever, by (dial_peer, direction, answered, cause)
        self.trunk_tally: Counter = Counter()
        self.files = files  # cme.cdr.files.CdrFiles, or None: kept in memory only

    def record(self, rec) -> None:
        self._recent.append(rec)
        answered = rec.connect is not None
        self.tally[(rec.direction, answered, rec.cause)] += 1
        if rec.dial_peer is not None:
            self.trunk_tally[(rec.dial_peer, rec.direction, answered, rec.cause)] += 1
        files = self.files
        if files is not None:
            files.add(rec)

    def recent(self, limit: int = 100) -> list:
        """The newest `limit` records kept, newest first."""
        out = []
        for rec in reversed(self._recent):
            if len(out) >= limit:
                break
            out.append(rec)
        return out

    def __len__(self) -> int:
        return len(self._recent)
