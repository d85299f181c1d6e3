"""What one CTI session may control and monitor (issue 13, "scope of a session").

CME lets any application that reaches the CTI interface open a session on a `cti watch`
line (MOC needs no configuration at all); it is the application's To line that says whose
phone this is. So a session opened by an application that is not a session manager
controls and monitors that line only (all of its numbers: `number N secondary M`), and a
registered `cti-aware` session manager -- an application the administrator configured
by name -- may use every `cti watch` line. `cti watch` is checked separately, by the
services, for both.

The gateway (cme/cti.py) decides the scope when it accepts the INVITE and gives it to the
session actor; the services ask it. It never changes for the session's life.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SessionScope:
    numbers: frozenset | None  # the session's own line's numbers; None: every line
    manager: str = ""  # the session manager's register-id, when it is one

    @classmethod
    def line(cls, numbers) -> "SessionScope":
        return cls(frozenset(numbers))

    @classmethod
    def session_manager(cls, register_id: str) -> "SessionScope":
        return cls(None, register_id)

    def allows(self, digits: str) -> bool:
        """May the session control or monitor the device with these digits? Destinations
        (a called number, a transfer or deflect target) are not the controlled device and
        are never asked about."""
        return self.numbers is None or digits in self.numbers

    def __str__(self) -> str:
        if self.numbers is None:
            return f"every cti watch line (session manager {self.manager})"
        return "line " + ", ".join(sorted(self.numbers))
