"""One actor per CSTA monitor (MonitorStart), keyed by its monitorCrossRefID.

It subscribes to one line and turns every event the line publishes into ECMA-323 XML for
its session, which sends it in an INFO. Rendering here keeps the line protocol-neutral and
the session free of per-event work; stopping the monitor unsubscribes it.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.events import CallEvent, FeatureEvent, Subscribe, Unsubscribe
from actors.runtime import ReactorActor
from sip.csta.events import render_event


@dataclass(frozen=True, slots=True)
class EventXML:
    """Monitor -> session: one event, ready to send."""

    monitor_id: str
    body: bytes


class MonitorActor(ReactorActor):
    namespace = "cme.monitor"

    def __init__(self, monitor_id: str, line, session, namespace: str, device_forms=None) -> None:
        super().__init__()
        self.monitor_id = monitor_id
        self.line = line  # the LineActor ref
        self.session = session  # the CTISessionActor ref
        self.xml_namespace = namespace
        self.device_forms = device_forms

    @property
    def trace_id(self) -> str:
        return self.monitor_id

    def on_start(self) -> None:
        self.line.tell(Subscribe(self.actor_ref))

    def on_stop(self) -> None:
        if self.line.is_alive():
            self.line.tell(Unsubscribe(self.actor_ref))

    def on_receive(self, message):
        if isinstance(message, (CallEvent, FeatureEvent)):
            body = render_event(message, self.monitor_id, self.xml_namespace, self.device_forms)
            if self.log.tracing:
                self.log.debug("{kind} for {device}", kind=message.kind, device=message.device)
            if self.session.is_alive():
                self.session.tell(EventXML(self.monitor_id, body))
            return None
        return super().on_receive(message)
