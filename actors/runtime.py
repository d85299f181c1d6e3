"""A pykka actor type whose inboxes are drained on the Twisted reactor thread.

pykka's `ThreadingActor` gives each actor a thread; with thousands of phones, lines and
sessions that is thousands of threads contending for the GIL. Here every actor's inbox is
a deque, and one `Runtime` per reactor keeps a queue of actors that have mail. A single
reactor call drains it, a bounded batch at a time so socket I/O is never starved. pykka
documents `_create_actor_inbox`, `_create_future` and `_start_actor_loop` as the hooks
for new actor types; those, a shortcut in `_handle_receive` for domain messages and a
leaner `tell`/`is_alive` on the actor's ref are all this module overrides, so `tell`,
`ask`, `proxy` and `ActorRegistry` behave as pykka documents.

Rules that follow from running on the reactor thread:
- Nothing in an actor may block. `ask(..., block=False)` returns a `ReactorFuture`; turn
  it into a Deferred with `.deferred()` (or `as_deferred`). A blocking `get()` on the
  reactor thread of a future that is not resolved raises `BlockingGetError` at once,
  instead of deadlocking the whole server.
- Other threads may `tell`/`ask` (tests, tools): their messages are handed to the reactor
  with `callFromThread`, and their `get()` waits on a real lock.
"""
from __future__ import annotations

import queue
import sys
import threading
import uuid
from collections import deque
from typing import Any, Callable

import pykka
from pykka import ActorDeadError, ActorRegistry, messages
from pykka._envelope import Envelope  # what pykka's own tell sends
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python import failure, threadable

from actors.socket_write import TURN_WRITES
from actors.trace import TraceLogger

__all__ = [
    "BlockingGetError",
    "ReactorActor",
    "ReactorFuture",
    "Runtime",
    "as_deferred",
    "current_runtime",
    "set_runtime",
]

_log = Logger(namespace="cme.actors")

# One lock for the rare cross-thread hand-over of a result; reactor-only code never waits.
_waiter_lock = threading.Lock()
_get_ident = threading.get_ident


def _on_reactor_thread() -> bool:
    # Before a reactor runs, Twisted has no IO thread; treat the caller as it.
    io = threadable.ioThread
    return io is None or io == threading.get_ident()


class BlockingGetError(RuntimeError):
    """A blocking wait on the reactor thread, which would deadlock the server."""


class ReactorFuture(pykka.Future):
    """A pykka Future resolved on the reactor thread, convertible to a Deferred."""

    _UNSET = object()

    def __init__(self) -> None:
        super().__init__()
        self._result: Any = self._UNSET  # ("ok", value) or ("err", exc_info)
        self._callbacks: list[Callable[[], None]] | None = None
        self._waiter: threading.Event | None = None

    def done(self) -> bool:
        return self._result is not self._UNSET

    def get(self, *, timeout: float | None = None) -> Any:
        if self._get_hook is not None:
            return super().get(timeout=timeout)
        if self._result is self._UNSET:
            if _on_reactor_thread():
                raise BlockingGetError(
                    "blocking get() on the reactor thread would deadlock the server; "
                    "use future.deferred() or ask() from another thread"
                )
            with _waiter_lock:
                if self._result is self._UNSET and self._waiter is None:
                    self._waiter = threading.Event()
            if self._waiter is not None and not self._waiter.wait(timeout):
                raise pykka.Timeout(f"{timeout} seconds")
        kind, value = self._result
        if kind == "ok":
            return value
        exc_type, exc_value, tb = value
        if exc_value is None:
            exc_value = exc_type()
        raise exc_value.with_traceback(tb)

    def set(self, value: Any = None) -> None:
        self._resolve(("ok", value))

    def set_exception(self, exc_info=None) -> None:
        self._resolve(("err", exc_info if exc_info is not None else sys.exc_info()))

    def _resolve(self, result: tuple) -> None:
        with _waiter_lock:
            if self._result is not self._UNSET or self._get_hook is not None:
                raise queue.Full
            self._result = result
            waiter = self._waiter
        if waiter is not None:
            waiter.set()
        callbacks, self._callbacks = self._callbacks, None
        for cb in callbacks or ():
            cb()

    def add_done_callback(self, fn: Callable[["ReactorFuture"], None]) -> None:
        """Call `fn(self)` once resolved (at once if it already is)."""
        if self._result is not self._UNSET:
            fn(self)
        else:
            if self._callbacks is None:
                self._callbacks = []
            self._callbacks.append(lambda: fn(self))

    def deferred(self) -> Deferred:
        """A Deferred that fires with the value, or errbacks with the exception."""
        d: Deferred = Deferred()

        def fire(fut: ReactorFuture) -> None:
            kind, value = fut._result
            if kind == "ok":
                d.callback(value)
            else:
                d.errback(failure.Failure(value[1], value[0], value[2]))

        if self._get_hook is not None:
            # Futures built with set_get_hook (pykka's stop(), map(), join()) only
            # resolve by being read; they read other, already-settled futures.
            try:
                d.callback(self.get(timeout=0))
            except Exception:
                d.errback()
            return d
        self.add_done_callback(fire)
        return d


def as_deferred(future: pykka.Future) -> Deferred:
    """Convert any future returned by a ReactorActor's ask/proxy into a Deferred."""
    if isinstance(future, ReactorFuture):
        return future.deferred()
    raise TypeError(f"not a ReactorFuture: {future!r}")


class _StopFlag:
    """The part of threading.Event that pykka uses, at a fraction of its size."""

    __slots__ = ("_set",)

    def __init__(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True

    def clear(self) -> None:
        self._set = False


class Runtime:
    """The run queue of actors with mail, drained on one reactor.

    `batch` bounds how many messages one reactor turn handles before it yields to I/O;
    `per_actor` bounds how many one actor handles before the next actor gets a turn.
    """

    def __init__(self, reactor=None, *, batch: int = 5000, per_actor: int = 64) -> None:
        if reactor is None:
            from twisted.internet import reactor as global_reactor

            reactor = global_reactor
        self.reactor = reactor
        self.batch = batch
        self.per_actor = per_actor
        self._ready: deque[ReactorActor] = deque()
        self._scheduled = False
        self._actors: dict[str, ReactorActor] = {}  # urn -> actor, in start order
        self.handled = 0  # messages handled, for `show` commands and benchmarks

    # -- scheduling -------------------------------------------------------------------
    def _make_ready(self, actor: ReactorActor) -> None:
        self._ready.append(actor)
        if not self._scheduled:
            self._scheduled = True
            self.reactor.callLater(0, self._drain)

    def _drain(self) -> None:
        self._scheduled = False
        self.run(self.batch)
        if self._ready and not self._scheduled:
            self._scheduled = True
            self.reactor.callLater(0, self._drain)

    def run(self, limit: int | None = None) -> int:
        """Handle up to `limit` queued messages now (all of them when None).

        What the actors write to connections meanwhile leaves when the pass ends, one
        send per connection (actors.socket_write.TURN_WRITES)."""
        ready = self._ready
        done = 0
        TURN_WRITES.hold()
        try:
            while ready and (limit is None or done < limit):
                actor = ready.popleft()
                n = actor._drain_some(self.per_actor)
                done += n
                if actor._inbox_queue and not actor.actor_stopped._set:
                    ready.append(actor)
                else:
                    actor._queued = False
        finally:
            TURN_WRITES.release()
        self.handled += done
        return done

    def run_until_idle(self) -> int:
        """Drain everything, including what handling produces (tests, shutdown)."""
        return self.run(None)

    def pending(self) -> int:
        return sum(len(a._inbox_queue) for a in self._ready)

    # -- life cycle ---------------------------------------------------------------------
    def actors(self) -> list[ReactorActor]:
        return list(self._actors.values())

    def _started(self, actor: ReactorActor) -> None:
        self._actors[actor.actor_urn] = actor

    def _stopped(self, actor: ReactorActor) -> None:
        self._actors.pop(actor.actor_urn, None)

    def stop_all(self) -> int:
        """Stop every actor of this runtime, last started first; `on_stop` runs for each.

        Messages already queued are handled first (pykka's stop semantics). Returns how
        many actors were stopped. Must be called on the reactor thread.
        """
        self.run_until_idle()
        count = 0
        for actor in reversed(list(self._actors.values())):
            if not actor.actor_stopped._set:
                actor.actor_ref.tell(messages._ActorStop())
                count += 1
            self.run_until_idle()
        return count


_runtime: Runtime | None = None


def current_runtime() -> Runtime:
    """The runtime new actors join: the one set with `set_runtime`, else the global reactor's."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def set_runtime(runtime: Runtime | None) -> Runtime | None:
    """Make `runtime` the one new actors join; returns the previous one (tests restore it)."""
    global _runtime
    previous, _runtime = _runtime, runtime
    return previous


#: Messages pykka's Actor._handle_receive interprets itself (exact classes: pykka does not
#: subclass them, and a domain message is never one).
_PYKKA_MESSAGES = frozenset({messages._ActorStop, messages.ProxyCall, messages.ProxyGetAttr,
                             messages.ProxySetAttr})


class _ReactorInbox:
    """pykka's ActorInbox protocol over a deque; `put` schedules the owning actor."""

    __slots__ = ("_actor",)

    def __init__(self, actor: ReactorActor) -> None:
        self._actor = actor

    def put(self, envelope, /) -> None:
        actor = self._actor
        io = threadable.ioThread  # _on_reactor_thread(), inline: this runs for every message
        if io is not None and io != threading.get_ident():
            actor._runtime.reactor.callFromThread(self.put, envelope)
            return
        actor._inbox_queue.append(envelope)
        if not actor._queued and actor._loop_started:
            actor._queued = True
            actor._runtime._make_ready(actor)

    def get(self):
        return self._actor._inbox_queue.popleft()

    def empty(self) -> bool:
        return not self._actor._inbox_queue


class ReactorActorRef(pykka.ActorRef):
    """pykka's ActorRef, with `tell` and `is_alive` reading the stop flag directly: they
    run for every message the server sends, and pykka's own go through two more calls
    (`is_alive` → `is_set`). Same semantics: a stopped actor raises ActorDeadError."""

    def is_alive(self) -> bool:
        return not self.actor_stopped._set

    def tell(self, message: Any) -> None:
        if self.actor_stopped._set:
            raise ActorDeadError(f"{self} not found")
        # _ReactorInbox.put and Runtime._make_ready, inline: this runs for every message
        # the server sends. On the reactor thread a tell queues the bare message (it has
        # no reply_to, so no Envelope is made; _drain_some tells the two apart by type).
        inbox = self.actor_inbox
        io = threadable.ioThread
        if io is not None and io != _get_ident():
            inbox.put(Envelope(message))  # hands it to the reactor thread
            return
        actor = inbox._actor
        actor._inbox_queue.append(message)
        if not actor._queued and actor._loop_started:
            actor._queued = True
            runtime = actor._runtime
            runtime._ready.append(actor)
            if not runtime._scheduled:
                runtime._scheduled = True
                runtime.reactor.callLater(0, runtime._drain)


class ReactorActor(pykka.Actor):
    """Base class of every actor in the server: runs on the reactor, logs under its name.

    Subclasses set `namespace` (e.g. "cme.line") and usually override `trace_id`, so the
    actor logs as `cme.line.201`. `self.log` is a TraceLogger under that namespace: its
    debug events are the actor's trace, emitted only while `debug`/`--trace` covers it.
    """

    namespace = "cme.actor"

    @staticmethod
    def _create_actor_inbox():
        return None  # replaced in __init__: the inbox needs to know its actor

    @staticmethod
    def _create_future() -> ReactorFuture:
        return ReactorFuture()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._inbox_queue: deque = deque()
        self._queued = False
        self._loop_started = False
        self._runtime = current_runtime()
        self._log: Logger | None = None
        # What pykka's Actor.__init__ sets (pykka 4: exactly these four attributes), made
        # here directly: its threading.Event and first ActorRef would be replaced at once,
        # and a CTI session starts an actor per session.
        self.actor_urn = uuid.uuid4().urn
        self.actor_inbox = _ReactorInbox(self)  # type: ignore[assignment]
        self.actor_stopped = _StopFlag()  # type: ignore[assignment]
        self._actor_ref = ReactorActorRef(self)  # reads the inbox and stop flag just set

    # -- identity and logging ----------------------------------------------------------
    @property
    def trace_id(self) -> str:
        """What follows the namespace in this actor's log name (default: short URN)."""
        return self.actor_urn.rsplit(":", 1)[-1][:8]

    @property
    def log(self) -> Logger:
        if self._log is None:
            self._log = TraceLogger(namespace=f"{self.namespace}.{self.trace_id}", source=self)
        return self._log

    def __str__(self) -> str:
        return f"{self.namespace}.{self.trace_id}"

    # -- the loop, as reactor turns -----------------------------------------------------
    def _start_actor_loop(self) -> None:
        if not _on_reactor_thread():
            self._runtime.reactor.callFromThread(self._start_actor_loop)
            return
        self._runtime._started(self)
        self._loop_started = True
        self._actor_loop_setup()  # on_start, synchronously: it runs before any message
        if self.actor_stopped._set:
            self._teardown()
        elif self._inbox_queue and not self._queued:
            self._queued = True
            self._runtime._make_ready(self)

    def _handle_receive(self, message: Any) -> Any:
        # pykka's own messages (stop, proxy calls) are a handful of classes; everything
        # else is the actor's domain mail, handed to on_receive without pykka's four
        # isinstance tests (this runs for every message the server handles).
        if type(message) in _PYKKA_MESSAGES:
            return super()._handle_receive(message)
        return self.on_receive(message)

    def _drain_some(self, limit: int) -> int:
        queue = self._inbox_queue
        n = 0
        stopped = self.actor_stopped
        on_receive = self.on_receive
        while queue and n < limit and not stopped._set:
            item = queue.popleft()
            n += 1
            # an Envelope (ask, pykka's own stop, a tell from another thread) or the bare
            # message of a tell made on the reactor thread (ReactorActorRef.tell)
            if type(item) is Envelope:
                message, reply_to = item.message, item.reply_to
            else:
                message, reply_to = item, None
            try:
                # _handle_receive, inline for domain mail
                if type(message) in _PYKKA_MESSAGES:
                    response = self._handle_receive(message)
                else:
                    response = on_receive(message)
                if reply_to is not None:
                    reply_to.set(response)
            except Exception:
                if reply_to is not None:
                    # The asker gets the exception; the actor goes on (pykka semantics).
                    reply_to.set_exception()
                else:
                    exc_info = sys.exc_info()
                    self._handle_failure(*exc_info)
                    try:
                        self.on_failure(*exc_info)
                    except Exception:
                        self._handle_failure(*sys.exc_info())
        if self.actor_stopped._set:
            self._teardown()
        return n

    def _handle_failure(self, exc_type, exc_value, tb) -> None:
        """Log with this actor's identity and stop this actor only."""
        self.log.failure(
            "actor {actor} stopped after an unhandled exception",
            failure.Failure(exc_value, exc_type, tb),
            actor=str(self),
        )
        ActorRegistry.unregister(self.actor_ref)
        self.actor_stopped.set()

    def _teardown(self) -> None:
        """Answer what is left in the inbox, as pykka does, and leave the runtime."""
        queue = self._inbox_queue
        while queue:
            envelope = queue.popleft()
            if type(envelope) is not Envelope or envelope.reply_to is None:
                continue  # a tell: nobody waits for it
            if isinstance(envelope.message, messages._ActorStop):
                envelope.reply_to.set(None)
            else:
                envelope.reply_to.set_exception(
                    exc_info=(
                        ActorDeadError,
                        ActorDeadError(f"{self.actor_ref} stopped before handling the message"),
                        None,
                    )
                )
        if self._loop_started:
            self._loop_started = False
            self._runtime._stopped(self)
            self.on_teardown()

    def on_teardown(self) -> None:
        """Hook run once the actor has left the runtime (directories unregister here)."""
