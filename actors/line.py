"""One actor per ephone-dn (directory number), created from configuration.

A line exists whether or not a phone shows it: CTI can watch a DN before any phone
registers, and a `cti notify` DN is permanently up with no phone at all (cme.md). This
issue's line only knows whether it is in service; calls arrive with the call-control
issue.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.runtime import ReactorActor
from actors.status import LineStatus


@dataclass(frozen=True, slots=True)
class PhoneUp:
    """A registered phone now shows this line."""

    device: str
    instance: int


@dataclass(frozen=True, slots=True)
class PhoneDown:
    """That phone no longer shows this line (unregistered, lost, replaced)."""

    device: str
    reason: str = ""


class LineActor(ReactorActor):
    namespace = "cme.line"

    def __init__(self, dn, status: LineStatus) -> None:
        super().__init__()
        self.dn = dn
        self.status = status
        self.phones: dict[str, int] = {}  # device -> line instance on that phone
        self._update()

    @property
    def trace_id(self) -> str:
        return self.dn.number or f"tag{self.dn.tag}"

    def on_receive(self, message):
        if isinstance(message, PhoneUp):
            self.phones[message.device] = message.instance
            self.log.debug("shown on {device} as line {instance}", device=message.device, instance=message.instance)
        elif isinstance(message, PhoneDown):
            if self.phones.pop(message.device, None) is not None:
                self.log.debug("no longer on {device}: {reason}", device=message.device, reason=message.reason)
        else:
            return super().on_receive(message)
        self._update()
        return None

    def in_service(self) -> bool:
        return bool(self.phones) or self.dn.cti_notify

    def _update(self) -> None:
        state = "idle" if self.in_service() else "down"
        if state != self.status.state:
            self.log.info("line {number} is {state}", number=self.dn.number, state="up" if state == "idle" else "down")
        self.status.state = state
        self.status.phones = set(self.phones)
