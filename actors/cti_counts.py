"""What the CTI sessions did, counted for the metrics (cme/metrics.py reads it at scrape
time): one object per gateway, written by its sessions on the reactor thread."""
from __future__ import annotations

import re
from collections import Counter

_ERROR = re.compile(rb"<CSTAErrorCode[^>]*>\s*<[A-Za-z]+>\s*([A-Za-z]+)\s*<")


class CtiCounts:
    __slots__ = ("requests", "events_sent")

    def __init__(self) -> None:
        # (service, outcome) -> answered requests: outcome "ok", the CSTAErrorCode's value
        # (invalidDeviceID, ...), or "rejected" (refused in SIP: malformed, too large)
        self.requests: Counter = Counter()
        self.events_sent = 0

    def answered(self, service: str, body: bytes) -> None:
        """A CSTA answer left for `service` (a request's element name)."""
        if body.find(b"CSTAErrorCode", 0, 160) >= 0:  # the root element, near the start (no copy)
            m = _ERROR.search(body)
            self.requests[service, m.group(1).decode() if m else "error"] += 1
        else:
            self.requests[service, "ok"] += 1

    def rejected(self, service: str) -> None:
        self.requests[service, "rejected"] += 1
