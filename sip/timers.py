"""RFC 3261 timer values (§17, Table 4), computed from T1, T2 and T4.

A transaction asks its :class:`Timers` for durations; nothing here waits. Over a
reliable transport (TCP, TLS, SCTP, WebSocket) the retransmission timers (A, E, G) are
off (None) and the timers that only soak up stray retransmissions (D, I, J, K) are zero,
so a transaction that reaches Completed/Confirmed ends at once (§17.1.2.2, §17.2.1).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

RELIABLE_TRANSPORTS = frozenset({"TCP", "TLS", "SCTP", "TLS-SCTP", "WS", "WSS"})


def is_reliable(transport: str) -> bool:
    """Whether a Via transport token (``UDP``, ``TCP``, ...) names a reliable transport."""
    return transport.upper() in RELIABLE_TRANSPORTS


@dataclass(frozen=True, slots=True)
class Timers:
    """Timer durations in seconds. ``t1`` is the RTT estimate (default 500 ms), ``t2`` the
    cap on non-INVITE and response retransmission intervals (4 s), ``t4`` how long a
    message may linger in the network (5 s)."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    reliable: bool = False

    def __post_init__(self) -> None:
        if not (0 < self.t1 <= self.t2) or self.t4 <= 0:
            raise ValueError("SIP timers need 0 < T1 <= T2 and T4 > 0")

    def over(self, transport: str | bool) -> "Timers":
        """The same T1/T2/T4 for a transport (a Via token, or True for reliable)."""
        reliable = transport if isinstance(transport, bool) else is_reliable(transport)
        return self if reliable == self.reliable else replace(self, reliable=reliable)

    # -- INVITE client (a SIP trunk's calls) ---------------------------------------------
    @property
    def A(self) -> float | None:
        """First INVITE retransmission interval; doubles each time (UDP only)."""
        return None if self.reliable else self.t1

    @property
    def B(self) -> float:
        """INVITE client transaction timeout."""
        return 64 * self.t1

    @property
    def C(self) -> float:
        """Proxy INVITE transaction timeout (> 3 min)."""
        return 180.0

    @property
    def D(self) -> float:
        """Wait time for response retransmissions (>= 32 s on UDP)."""
        return 0.0 if self.reliable else max(32.0, 64 * self.t1)

    @property
    def M(self) -> float:
        """RFC 6026 Accepted state of an INVITE client transaction: how long further 2xx
        (retransmissions, other forks) still reach the TU."""
        return 64 * self.t1

    # -- non-INVITE client ---------------------------------------------------------------
    @property
    def E(self) -> float | None:
        """First non-INVITE request retransmission interval (UDP only)."""
        return None if self.reliable else self.t1

    @property
    def F(self) -> float:
        """Non-INVITE client transaction timeout."""
        return 64 * self.t1

    # -- INVITE server -------------------------------------------------------------------
    @property
    def G(self) -> float | None:
        """First retransmission interval of a non-2xx final INVITE response (UDP only)."""
        return None if self.reliable else self.t1

    @property
    def H(self) -> float:
        """How long to wait for the ACK of a non-2xx final response."""
        return 64 * self.t1

    @property
    def I(self) -> float:  # noqa: E743 - RFC 3261 names it so
        """Confirmed state: how long to absorb ACK retransmissions."""
        return 0.0 if self.reliable else self.t4

    # -- non-INVITE server ---------------------------------------------------------------
    @property
    def J(self) -> float:
        """Completed state: how long to absorb request retransmissions."""
        return 0.0 if self.reliable else 64 * self.t1

    @property
    def K(self) -> float:
        """Client Completed state: how long to absorb response retransmissions."""
        return 0.0 if self.reliable else self.t4

    @property
    def L(self) -> float:
        """RFC 6026 Accepted state: how long an INVITE server transaction lives after a
        2xx, absorbing INVITE retransmissions."""
        return 64 * self.t1

    def backoff(self, interval: float) -> float:
        """The next E/G interval after ``interval``: doubled, capped at T2."""
        return min(2 * interval, self.t2)


DEFAULT = Timers()
