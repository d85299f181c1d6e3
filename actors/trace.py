"""The trace gate: which log namespaces trace, and a Logger that obeys it at the source.

Every actor and protocol logs through a `TraceLogger` whose namespace names it
(``cme.phone.SEP001E4A34A35F``, ``cme.line.201``, ``cme.cti.session.3``, ``cme.sip`` ...).
Info and above always pass; debug events -- the *trace* -- pass only while their
namespace, or one of its dotted parents, is switched on in :data:`TRACE` (``--trace`` at
start-up, ``debug``/``undebug`` in the CLI).

The gate lives here, beside the actor runtime, and depends on ``twisted.logger`` and the
standard library only, so actors, the SIP and SCCP protocols can all use it without
importing the application. Where the events go (text, JSON lines, the CLI's buffer), the
bridge from stdlib ``logging`` and the ``cme trace`` reader are the application's:
see :mod:`cme.trace`.

Actors run on the reactor thread (see :mod:`actors.runtime`), not in threads of their own,
so the gate is read from one thread in the server. It stays safe to read while another
thread flips a switch (a library logging from a worker thread through the stdlib bridge,
a test): the hot path takes no lock and writers swap whole values (see :class:`TraceControl`).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Mapping

from twisted.logger import Logger, LogLevel, PredicateResult

__all__ = ["TRACE", "TraceControl", "TraceLogger", "namespace_matches"]

#: Namespaces remembered by the :class:`TraceControl` cache before it starts
#: over (session and monitor ids grow without bound over a long run).
_CACHE_LIMIT = 4096


def _check_namespace(namespace: str) -> str:
    if not isinstance(namespace, str):
        raise TypeError(f"namespace must be a string, not {type(namespace).__name__}")
    ns = namespace.strip()
    if not ns or any(not part for part in ns.split(".")):
        raise ValueError(f"invalid log namespace {namespace!r}")
    return ns


def namespace_matches(namespace: str, prefix: str) -> bool:
    """True if *namespace* is *prefix* or lies below it (dotted boundary).

    ``'cme.cti'`` matches ``'cme.cti'`` and ``'cme.cti.session.3'`` but not
    ``'cme.ctix'``.
    """
    return namespace == prefix or namespace.startswith(prefix + ".")


class TraceControl:
    """The set of namespaces for which debug-level events (trace) pass.

    Also an ``ILogFilterPredicate``: call it with an event to get
    ``PredicateResult.no`` for a debug event from a namespace that is not
    traced, ``PredicateResult.maybe`` for anything else.
    """

    def __init__(self, namespaces: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._enabled: frozenset[str] = frozenset(_check_namespace(n) for n in namespaces)
        self._cache: dict[str, bool] = {}
        self._listeners: list[Callable[[], None]] = []

    # The hot path (``is_enabled``) takes no lock.  Writers replace
    # ``_enabled`` first and ``_cache`` second; readers read ``_cache`` first
    # and ``_enabled`` second.  A reader racing a change therefore either
    # stores into the discarded old cache or computes against the new set --
    # a stale answer never lands in the live cache.

    def _replace(self, enabled: frozenset[str]) -> None:
        self._enabled = enabled
        self._cache = {}
        for listener in list(self._listeners):
            listener()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every change (the stdlib bridge adjusts levels)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def enable(self, namespace: str) -> None:
        """Switch trace on for *namespace* and every namespace below it."""
        ns = _check_namespace(namespace)
        with self._lock:
            if ns not in self._enabled:
                self._replace(self._enabled | {ns})

    def disable(self, namespace: str) -> None:
        """Switch trace off for *namespace*: removes it and any entries below it.

        A parent that is still enabled keeps covering *namespace*; disabling a
        namespace that is not enabled is a no-op.
        """
        ns = _check_namespace(namespace)
        with self._lock:
            keep = frozenset(n for n in self._enabled if not namespace_matches(n, ns))
            if keep != self._enabled:
                self._replace(keep)

    def disable_all(self) -> None:
        """``undebug all``."""
        with self._lock:
            self._replace(frozenset())

    def enabled(self) -> list[str]:
        """The enabled namespaces, sorted."""
        return sorted(self._enabled)

    def is_enabled(self, namespace: str) -> bool:
        """True if trace is on for *namespace* (itself or a dotted parent)."""
        cache = self._cache
        try:
            return cache[namespace]
        except KeyError:
            pass
        except TypeError:  # unhashable garbage in log_namespace
            return False
        enabled = self._enabled
        if not enabled or not isinstance(namespace, str):
            result = False
        else:
            result = namespace in enabled
            pos = namespace.rfind(".")
            while not result and pos > 0:
                result = namespace[:pos] in enabled
                pos = namespace.rfind(".", 0, pos)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[namespace] = result
        return result

    def __call__(self, event: Mapping[str, Any]) -> PredicateResult:
        if event.get("log_level") is LogLevel.debug and not self.is_enabled(
            event.get("log_namespace")  # type: ignore[arg-type]
        ):
            return PredicateResult.no
        return PredicateResult.maybe

    def __repr__(self) -> str:
        return f"TraceControl({self.enabled()!r})"


#: The process's trace switches: `--trace` at start-up, `debug`/`undebug` at run time.
TRACE = TraceControl()


class TraceLogger(Logger):
    """A twisted Logger whose debug events are dropped at the source unless traced.

    Under twistd the text observer is twistd's own, which knows nothing of traces, so the
    gate sits here: a debug event from an untraced namespace costs one dict lookup and
    builds no event at all. Everything at info and above is always emitted.
    """

    @property
    def tracing(self) -> bool:
        """Whether this logger's debug events pass now: ask before computing a trace
        argument that costs something (a body as text), so that a trace that is off
        costs one dict look-up."""
        return TRACE.is_enabled(self.namespace)

    def emit(self, level: LogLevel, format: str | None = None, **kwargs: Any) -> None:
        if level is LogLevel.debug and not TRACE.is_enabled(self.namespace):
            return
        super().emit(level, format, **kwargs)
