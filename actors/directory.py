"""Device ID → actor routing: the one map of who owns which identity.

The SCCP and SIP protocols know a device by its wire identity (`SEP001E4A34A35F`, a DN
such as `201`); lines know each other by ephone-dn tag (an int); a live call leg is known
by its call id. Each of these IDs routes here to the actor that owns it: phones under
their device name, lines under their tag and their number, calls under their call id
(pointing at the line that holds the leg). A dict, because pykka's own registry is a
linear list.
"""
from __future__ import annotations

from typing import Hashable, Iterator

from pykka import ActorRef


class UnknownDevice(KeyError):
    """No actor is registered under that device ID."""

    def __str__(self) -> str:
        return f"no actor for device {self.args[0]!r}"


class Directory:
    def __init__(self) -> None:
        self._refs: dict[Hashable, ActorRef] = {}
        self._calls: dict[int, int] = {}  # live call id -> the ephone-dn tag holding the leg
        self.calls_started = 0  # call legs ever started (the metrics' cme_call_legs_started_total)

    def register(self, device_id: Hashable, ref: ActorRef) -> None:
        """Route `device_id` to `ref`, replacing a previous owner (a re-registering phone)."""
        self._refs[device_id] = ref

    def unregister(self, device_id: Hashable) -> None:
        self._refs.pop(device_id, None)

    def get(self, device_id: Hashable) -> ActorRef | None:
        ref = self._refs.get(device_id)
        if ref is not None and not ref.is_alive():
            del self._refs[device_id]
            return None
        return ref

    def __getitem__(self, device_id: Hashable) -> ActorRef:
        ref = self.get(device_id)
        if ref is None:
            raise UnknownDevice(device_id)
        return ref

    def __contains__(self, device_id: Hashable) -> bool:
        return self.get(device_id) is not None

    def __len__(self) -> int:
        return len(self._refs)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._refs))

    # -- call legs: which line holds a live call id --------------------------------------
    def call_started(self, call_id: int, line_tag: int) -> None:
        self._calls[call_id] = line_tag
        self.calls_started += 1

    def call_ended(self, call_id: int) -> None:
        self._calls.pop(call_id, None)

    def line_of_call(self, call_id: int) -> int | None:
        return self._calls.get(call_id)
