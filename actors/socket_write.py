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
