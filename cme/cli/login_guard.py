"""Failed CLI log-ins per source address, and the quiet periods they cause.

IOS's `login block-for S attempts N within W`: when N log-ins fail within W seconds, the
router goes into quiet mode for S seconds and refuses log-ins. Here the count and the
quiet period are per source address (IOS's quiet mode is router-wide unless a quiet-mode
access class exempts sources; per source, one prober cannot lock the administrator out).
One guard is shared by the SSH and the telnet listener, so failures over both count
together. Without `login block-for` the default policy applies (`DEFAULT_POLICY`).

    guard = LoginGuard(reactor, lambda: config.login_block or DEFAULT_POLICY)
    if guard.blocked(host): refuse
    guard.failed(host, user="admin", port=22)   # after a wrong password

The guard only counts and times; the listeners decide what a blocked source is told. It
keeps at most `max_sources` sources (the oldest forgotten first), so memory is bounded.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Callable

from actors.trace import TraceLogger
from conf.model import LoginBlock

log = TraceLogger(namespace="cme.cli")

#: What applies without `login block-for`: 5 failures within 60 s block the source for 60 s.
DEFAULT_POLICY = LoginBlock(block_for=60, attempts=5, within=60)


@dataclass
class SourceRecord:
    """One source's failures: `recent` are the times inside the watch window."""

    host: str
    count: int = 0  # failures since first seen
    last_user: str = ""
    last_port: int | None = None
    last_time: float = 0.0
    recent: deque = field(default_factory=deque)
    quiet_until: float | None = None
    refused: int = 0  # connections or attempts refused while quiet
    _off_call: object = None


class LoginGuard:
    def __init__(self, clock, policy: LoginBlock | Callable[[], LoginBlock | None] = DEFAULT_POLICY, *,
                 max_sources: int = 4096) -> None:
        self.clock = clock
        self._policy = policy
        self.max_sources = max_sources
        self.sources: OrderedDict[str, SourceRecord] = OrderedDict()
        self.total_failures = 0

    # -- the policy in force ---------------------------------------------------------------
    def policy(self) -> LoginBlock:
        p = self._policy() if callable(self._policy) else self._policy
        return p or DEFAULT_POLICY

    # -- asked by the listeners ------------------------------------------------------------
    def blocked(self, host: str) -> bool:
        """Is `host` in a quiet period now? (Counts the refusal when it is.)"""
        record = self.sources.get(host)
        if record is None or record.quiet_until is None:
            return False
        if self.clock.seconds() >= record.quiet_until:
            self._quiet_off(record)
            return False
        record.refused += 1
        return True

    def failed(self, host: str, user: str = "", port: int | None = None) -> bool:
        """One failed log-in from `host`; True when it starts a quiet period."""
        now = self.clock.seconds()
        policy = self.policy()
        record = self.sources.get(host)
        if record is None:
            record = self.sources[host] = SourceRecord(host)
            while len(self.sources) > self.max_sources:
                _, old = self.sources.popitem(last=False)
                self._cancel(old)
        self.sources.move_to_end(host)
        self.total_failures += 1
        record.count += 1
        record.last_user, record.last_port, record.last_time = user, port, now
        if record.quiet_until is not None:
            return False  # already quiet (an attempt already under way when it began)
        record.recent.append(now)
        while record.recent and now - record.recent[0] >= policy.within:
            record.recent.popleft()
        if len(record.recent) < policy.attempts:
            return False
        record.recent.clear()
        record.quiet_until = now + policy.block_for
        record._off_call = self.clock.callLater(policy.block_for, self._quiet_off, record)
        log.warn("%SEC_LOGIN-1-QUIET_MODE_ON: {n} login failures within {within} seconds, [user: {user}] "
                 "[Source: {host}] [localport: {port}] [Reason: Login Authentication Failed]: log-ins from "
                 "{host} are blocked for {seconds} seconds",
                 n=policy.attempts, within=policy.within, user=user, host=host, port=port if port else "-",
                 seconds=policy.block_for)
        return True

    def _quiet_off(self, record: SourceRecord) -> None:
        if record.quiet_until is None:
            return
        self._cancel(record)
        record.quiet_until = None
        log.info("%SEC_LOGIN-5-QUIET_MODE_OFF: Quiet Mode is OFF for {host}, because block period timed out "
                 "({refused} attempts refused meanwhile)", host=record.host, refused=record.refused)
        record.refused = 0

    @staticmethod
    def _cancel(record: SourceRecord) -> None:
        call, record._off_call = record._off_call, None
        if call is not None and call.active():
            call.cancel()

    # -- for `show login` ------------------------------------------------------------------
    def quiet(self) -> list[tuple[str, float]]:
        """(host, seconds left) for every source in a quiet period now."""
        now = self.clock.seconds()
        return [(r.host, r.quiet_until - now) for r in self.sources.values()
                if r.quiet_until is not None and r.quiet_until > now]

    def watched(self) -> list[tuple[str, int]]:
        """(host, failures in the current watch window) for sources not quiet."""
        now, within = self.clock.seconds(), self.policy().within
        out = []
        for r in self.sources.values():
            n = sum(1 for t in r.recent if now - t < within)
            if n and r.quiet_until is None:
                out.append((r.host, n))
        return out

    def failures(self) -> list[SourceRecord]:
        """Every remembered source with failures, the most recent failure first."""
        return sorted((r for r in self.sources.values() if r.count), key=lambda r: -r.last_time)

    def clear(self) -> None:
        """Forget every failure and end every quiet period."""
        for record in self.sources.values():
            self._cancel(record)
        self.sources.clear()
        self.total_failures = 0
