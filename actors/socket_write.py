"""Writing to a TCP connection at once when nothing is queued on it.

Twisted's `transport.write` only queues: it registers the socket for writability with
epoll, and a later reactor turn sends the data and unregisters it (`startWriting`, a
poll, `doWrite`, `stopWriting`). For a server whose every message is small and whose
sockets almost always have room, that is two `epoll_ctl` calls and a reactor dispatch per
write on top of the `send` itself: with strace on `benchmarks/calls.py`, 14 `epoll_ctl`
against 7 `sendto` a call.

`write_now` does what asyncio's transports do: when the connection has nothing queued,
it sends right away, and only what the kernel did not take (or everything, on any
error) goes to `transport.write`, so Twisted's buffering, back-pressure and error
handling see exactly the data they would have seen, in the same order. Anything that is
not a plain, connected, unencrypted Twisted TCP connection (TLS, a test's
StringTransport) is simply given to `transport.write`.
"""
from __future__ import annotations

from twisted.internet import tcp
from twisted.logger import Logger

_log = Logger(namespace="cme.actors.socket_write")

_TCP = (tcp.Server, tcp.Client)


def write_now(transport, data: bytes) -> None:
    """Send `data` on `transport` now if nothing is queued on it, else queue it."""
    if (type(transport) in _TCP and transport.connected and not transport.disconnecting
            and not transport.TLS and not transport._writeDisconnected and not transport._tempDataBuffer
            and transport.offset == len(transport.dataBuffer)):
        try:
            sent = transport.socket.send(data)
        except OSError:  # EAGAIN, EINTR, a reset: Twisted's own write path deals with it
            sent = 0
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


class TurnWrites:
    """The writes of one pass of the actor runtime, per connection, sent when it ends.

    While the runtime handles a batch of messages (`hold` … `release`, from
    actors.runtime.Runtime.run), what the actors write to a connection is kept and sent
    as one `write_now` when the pass ends: twenty CTI sessions answered on one TCP
    connection in a pass are one send, not twenty. Outside a pass (a protocol answering
    straight from `dataReceived`) a write goes out at once. All of a connection's writes
    must come here, so the order on the wire is the order written; `flush(transport)`
    before closing it, and `discard(transport)` once it is lost.
    """

    __slots__ = ("_pending", "_held")

    def __init__(self) -> None:
        self._pending: dict = {}  # transport -> [bytes], in first-write order
        self._held = 0

    def hold(self) -> None:
        self._held += 1

    def release(self) -> None:
        self._held -= 1
        if not self._held and self._pending:
            self.flush()

    def write(self, transport, data: bytes) -> None:
        if not self._held:
            write_now(transport, data)
            return
        chunks = self._pending.get(transport)
        if chunks is None:
            self._pending[transport] = [data]
        else:
            chunks.append(data)

    def flush(self, transport=None) -> None:
        """Send what is kept: for one connection, or for all of them."""
        if transport is not None:
            chunks = self._pending.pop(transport, None)
            if chunks:
                write_now(transport, b"".join(chunks))  # one chunk: join returns it as it is
            return
        pending, self._pending = self._pending, {}
        for transport, chunks in pending.items():
            try:
                write_now(transport, b"".join(chunks))
            except Exception:  # one broken transport must not keep the others' data
                _log.failure("writing to {transport!r} failed", transport=transport)

    def discard(self, transport) -> None:
        self._pending.pop(transport, None)


#: The process's one batch: the runtime holds it while it handles messages.
TURN_WRITES = TurnWrites()
