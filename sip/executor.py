"""The one executor of sans-I/O SIP effects (sip/transaction.py's Send, StartTimer, ...).

The transactions and the 2xx retransmission (sip.dialog.OkRetransmission) answer every
event with a list of effects. Carrying them out — writing to a flow, arming and
cancelling timers by name, dropping an owner's timers when it ends — is done here and
nowhere else, so the cancellation races and the timer bookkeeping are solved once. What
an effect *means* to its owner stays with the owner, through the hooks:

- ``on_timer(owner, name)``: a timer expired (it is already forgotten here);
- ``on_deliver(owner, message, flow)``: a message for the transaction user;
- ``on_timeout(owner, timer, flow)``: no final response (or no ACK) came;
- ``on_terminated(owner)``: the owner is over (its timers are already cancelled).

An owner is any hashable object (a transaction, an OkRetransmission). The UAS core runs
one executor for its transactions; a CTI session runs one for its 2xx, whose timer hook
posts to the actor's inbox so the retransmission state is only touched in the actor.
"""
from __future__ import annotations

from typing import Callable, Iterable

from sip.deadlines import Deadlines
from sip.transaction import CancelTimer, Deliver, Effect, Send, StartTimer, Terminated, Timeout


def _ignore(*args) -> None:
    return None


class Executor:
    """``clock`` provides ``callLater`` (the reactor, or ``task.Clock`` in tests)."""

    __slots__ = ("clock", "on_timer", "on_deliver", "on_timeout", "on_terminated", "sent",
                 "_timers", "_deadlines")

    def __init__(self, clock, *, on_timer: Callable, on_deliver: Callable = _ignore,
                 on_timeout: Callable = _ignore, on_terminated: Callable = _ignore) -> None:
        self.clock = clock
        self.on_timer = on_timer
        self.on_deliver = on_deliver
        self.on_timeout = on_timeout
        self.on_terminated = on_terminated
        self.sent = 0
        self._timers: dict[object, dict[str, object]] = {}  # owner -> name -> its Deadline
        self._deadlines = Deadlines(clock)  # one reactor call per timer duration (sip.deadlines)

    def run(self, owner, effects: Iterable[Effect], flow) -> None:
        """Carry out ``effects`` of ``owner`` in order; Send goes to ``flow``."""
        for effect in effects:
            kind = type(effect)  # the effects are final classes: one look-up, not an isinstance chain
            if kind is Send:
                self.sent += 1
                flow.send(effect.message)
            elif kind is StartTimer:
                timers = self._timers.get(owner)
                if timers is None:
                    timers = self._timers[owner] = {}
                else:  # a restart replaces the running one
                    call = timers.pop(effect.name, None)
                    if call is not None and call.active():
                        call.cancel()
                timers[effect.name] = self._deadlines.call_later(effect.seconds, self._fired, owner, effect.name)
            elif kind is CancelTimer:
                self._cancel(owner, effect.name)
            elif kind is Deliver:
                self.on_deliver(owner, effect.message, flow)
            elif kind is Terminated:
                self.cancel(owner)
                self.on_terminated(owner)
            elif kind is Timeout:
                self.on_timeout(owner, effect.timer, flow)

    def cancel(self, owner) -> None:
        """Cancel every timer ``owner`` still holds (it ended, or its actor stopped)."""
        timers = self._timers.pop(owner, None)
        if timers:
            for call in timers.values():
                if call.active():
                    call.cancel()

    def timer_count(self) -> int:
        return sum(len(t) for t in self._timers.values())

    def _cancel(self, owner, name: str) -> None:
        timers = self._timers.get(owner)
        call = timers.pop(name, None) if timers is not None else None
        if call is not None and call.active():
            call.cancel()
        if timers is not None and not timers:
            del self._timers[owner]

    def _fired(self, owner, name: str) -> None:
        self._cancel(owner, name)  # forget it: it ran
        self.on_timer(owner, name)
