"""Who hears a line: its monitors (CSTA events) and the endpoints that show it (call steps).

Both subscribe the same way, by message to the line (actors/events.py): a monitor with
`Subscribe`, an endpoint with `EndpointUp`, carrying what the line needs to know of it.
The line publishes each CSTA-level change once to every monitor, and tells each endpoint
the steps of the calls on it; neither kind of subscriber is known by its protocol.
"""
from __future__ import annotations

from actors.events import CallStep, Endpoint, deliver
from actors.trace import TRACE


class Audience:
    __slots__ = ("monitors", "endpoints", "_log")

    def __init__(self, log, endpoints: dict[str, Endpoint] | None = None) -> None:
        self.monitors: list = []
        self.endpoints: dict[str, Endpoint] = dict(endpoints or {})  # device -> Endpoint
        self._log = log

    # -- monitors -------------------------------------------------------------------------
    def subscribe(self, subscriber) -> None:
        if subscriber not in self.monitors:
            self.monitors.append(subscriber)

    def unsubscribe(self, subscriber) -> None:
        if subscriber in self.monitors:
            self.monitors.remove(subscriber)

    def listening(self) -> bool:
        """Whether an event published now reaches anyone: a monitor, or the line's trace
        (`debug` on its namespace). When not, the line need not build the event at all."""
        return bool(self.monitors) or self.tracing()

    def tracing(self) -> bool:
        """Whether the line's trace (`debug` on its namespace) is on."""
        return TRACE.is_enabled(getattr(self._log, "namespace", None))

    def publish(self, event) -> None:
        if self.tracing():  # (the line publishes ten events a monitored call: no log call for nothing)
            self._log.debug("publish {event}", event=event)
        monitors = self.monitors
        if len(monitors) == 1:  # the usual case: one CTI session's monitor
            subscriber = monitors[0]
            if not deliver(subscriber, event):
                monitors.remove(subscriber)
            return
        for subscriber in list(monitors):
            if not deliver(subscriber, event):
                monitors.remove(subscriber)

    # -- endpoints --------------------------------------------------------------------------
    def show(self, step: CallStep) -> None:
        """Tell the step to the endpoint it is for, if that endpoint still shows the line."""
        endpoint = self.endpoints.get(step.device)
        if endpoint is not None:
            deliver(endpoint.ref, step)

    def tell(self, device: str, message) -> None:
        endpoint = self.endpoints.get(device)
        if endpoint is not None:
            deliver(endpoint.ref, message)

    def first(self) -> str | None:
        """The endpoint a CTI action plays on: the first that came up (None: no endpoint,
        e.g. a `cti notify` line)."""
        return next(iter(self.endpoints), None)
