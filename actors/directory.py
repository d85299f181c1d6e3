"""Device ID → actor routing.

The SCCP and SIP protocols know a device by its wire identity (`SEP001E4A34A35F`, a DN
such as `201`, a CTI session id, a monitorCrossRefID); this map turns that into the actor
that owns it. A dict, because pykka's own registry is a linear list.
"""
from __future__ import annotations

from typing import Any, Hashable, Iterator

from pykka import ActorRef


class UnknownDevice(KeyError):
    """No actor is registered under that device ID."""

    def __str__(self) -> str:
        return f"no actor for device {self.args[0]!r}"


class Directory:
    def __init__(self) -> None:
        self._refs: dict[Hashable, ActorRef] = {}

    def register(self, device_id: Hashable, ref: ActorRef) -> None:
        """Route `device_id` to `ref`, replacing a previous owner (a re-registering phone)."""
        self._refs[device_id] = ref

    def unregister(self, device_id: Hashable, ref: ActorRef | None = None) -> None:
        """Forget `device_id`; with `ref`, only if it still routes to that actor."""
        current = self._refs.get(device_id)
        if current is not None and (ref is None or current is ref):
            del self._refs[device_id]

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

    def tell(self, device_id: Hashable, message: Any) -> bool:
        """Deliver `message` to the device's actor; False when there is none."""
        ref = self.get(device_id)
        if ref is None:
            return False
        ref.tell(message)
        return True

    def __contains__(self, device_id: Hashable) -> bool:
        return self.get(device_id) is not None

    def __len__(self) -> int:
        return len(self._refs)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._refs))
