"""What one peer may cost the SIP listeners: the numbers, in one place.

:class:`StreamLimits` is what a SIP stream listener (TCP now, TLS later) enforces on each
connection; the caller builds it from the configuration (``sip-ua``) and passes it to
:class:`sip.transport.SIPStreamFactory`. :class:`VerifiedSources` is the UAS core's
memory of the UDP sources that have shown they receive what we send (so answering them
in full cannot amplify a spoofed packet towards a third party).

The defaults are for real clients: MOC/OCS and CSTA servers keep one TCP connection for
hours with a session on it (a connection that carries a session or a transaction is never
idle-closed), and send a whole message within milliseconds of starting it.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_AGING_MINUTES = 5
"""`sip-ua / timers connection aging` (IOS: minutes, default 5)."""
DEFAULT_PER_SOURCE = 32
"""`sip-ua / connection limit per-source` (0: no cap)."""


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """Per-connection limits of a SIP stream listener (seconds; 0 turns a timeout off).

    - ``first_message``: a new connection must deliver a complete message within this.
    - ``partial_message``: once a message has started (octets buffered), it must complete
      within this (a header at 1 octet/s, a Content-Length that never fills: slowloris).
    - ``idle``: a connection with no complete message for this long is closed, unless the
      transaction user still uses the flow (a CTI session or a trunk call lives on it) or
      a transaction is open on it (``core.flow_busy(flow)``). RFC 5626 CRLF keepalives do
      not count as messages.
    - ``per_source``: live connections one source host may hold (0: no cap).
    """

    first_message: float = 30.0
    partial_message: float = 30.0
    idle: float = DEFAULT_AGING_MINUTES * 60.0
    per_source: int = DEFAULT_PER_SOURCE

    @classmethod
    def from_sip_ua(cls, sip_ua) -> "StreamLimits":
        """From the `sip-ua` model (conf.model.SipUa): `timers connection aging M`,
        `connection limit per-source N`."""
        return cls(idle=getattr(sip_ua, "connection_aging", DEFAULT_AGING_MINUTES) * 60.0,
                   per_source=getattr(sip_ua, "connection_limit", DEFAULT_PER_SOURCE))


DEFAULT_VERIFIED = 8192


class VerifiedSources:
    """UDP source addresses ``(host, port)`` that have shown they receive what we send: an
    ACK or in-dialog request carrying a To tag we issued to that address, or a response to
    one of our client transactions sent there. Least recently used first out, at most
    ``limit`` kept, so a flood of spoofed sources costs bounded memory (a forgotten source
    is simply treated as new again: answered once, never amplified)."""

    def __init__(self, limit: int = DEFAULT_VERIFIED) -> None:
        self.limit = limit
        self._sources: OrderedDict[tuple, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, source) -> bool:
        if source in self._sources:
            self._sources.move_to_end(source)
            return True
        return False

    def add(self, source) -> None:
        self._sources[source] = None
        self._sources.move_to_end(source)
        while len(self._sources) > self.limit:
            self._sources.popitem(last=False)


class IssuedTags:
    """To tags we put in responses sent to unverified UDP sources, and to whom: a later
    request from that source carrying the tag proves it received our response. Bounded
    like :class:`VerifiedSources` (oldest forgotten first)."""

    def __init__(self, limit: int = DEFAULT_VERIFIED) -> None:
        self.limit = limit
        self._tags: OrderedDict[str, tuple] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tags)

    def add(self, tag: str, source) -> None:
        self._tags[tag] = source
        self._tags.move_to_end(tag)
        while len(self._tags) > self.limit:
            self._tags.popitem(last=False)

    def proves(self, tag: str | None, source) -> bool:
        """True (and the tag is spent) when ``tag`` was issued to ``source``."""
        if tag is None or self._tags.get(tag) != source:
            return False
        del self._tags[tag]
        return True
