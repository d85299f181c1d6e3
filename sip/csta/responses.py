"""Positive CSTA responses, rendered in the request's namespace (default ed3).

Connections are anything with `call_id` and `device` (actors.events.ConnectionID, or a
requests.Connection whose device is a DeviceID); devices are rendered with str().
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sip.csta.xml import Builder, boolean, namespace_for, render

#: Responses that carry nothing: the request's name + "Response", empty.
EMPTY_RESPONSES = (
    "SystemStatusResponse", "MonitorStopResponse", "AnswerCallResponse", "ClearConnectionResponse",
    "HoldCallResponse", "RetrieveCallResponse", "ReconnectCallResponse", "AlternateCallResponse",
    "DeflectCallResponse", "GenerateDigitsResponse", "SetDoNotDisturbResponse",
    "SetForwardingResponse", "SetMessageWaitingIndicatorResponse",
)


def connection_id(b, parent, name: str, connection) -> None:
    el = b.add(parent, name)
    b.add(el, "callID", str(connection.call_id))
    b.add(el, "deviceID", str(connection.device))


def empty_response(name: str, namespace: str | None = None) -> bytes:
    if name not in EMPTY_RESPONSES:
        raise ValueError(f"{name} is not an empty CSTA response")
    return _empty(name, namespace_for(namespace))


@cache  # bounded: the names above × the five CSTA editions
def _empty(name: str, namespace: str | None) -> bytes:
    return Builder(name, namespace).bytes()


def request_system_status_response(status: str = "normal", namespace: str | None = None) -> bytes:
    def fill(b):
        b.add(b.root, "systemStatus", status)

    return render("RequestSystemStatusResponse", namespace, fill)


def system_status_response(namespace: str | None = None) -> bytes:
    return empty_response("SystemStatusResponse", namespace)


def system_register_response(register_id: str, namespace: str | None = None) -> bytes:
    def fill(b):
        b.add(b.root, "sysStatRegisterID", register_id)

    return render("SystemRegisterResponse", namespace, fill)


def monitor_start_response(monitor_cross_ref_id: str, namespace: str | None = None) -> bytes:
    def fill(b):
        b.add(b.root, "monitorCrossRefID", monitor_cross_ref_id)

    return render("MonitorStartResponse", namespace, fill)


def make_call_response(calling_connection, namespace: str | None = None) -> bytes:
    def fill(b):
        connection_id(b, b.root, "callingDevice", calling_connection)

    return render("MakeCallResponse", namespace, fill)


def consultation_call_response(initiated_call, namespace: str | None = None) -> bytes:
    def fill(b):
        connection_id(b, b.root, "initiatedCall", initiated_call)

    return render("ConsultationCallResponse", namespace, fill)


def transfer_call_response(transferred_call, namespace: str | None = None) -> bytes:
    def fill(b):
        connection_id(b, b.root, "transferredCall", transferred_call)

    return render("TransferCallResponse", namespace, fill)


def single_step_transfer_call_response(transferred_call, namespace: str | None = None) -> bytes:
    def fill(b):
        connection_id(b, b.root, "transferredCall", transferred_call)

    return render("SingleStepTransferCallResponse", namespace, fill)


def get_do_not_disturb_response(on: bool, namespace: str | None = None) -> bytes:
    def fill(b):
        b.add(b.root, "doNotDisturbOn", boolean(on))

    return render("GetDoNotDisturbResponse", namespace, fill)


@dataclass(frozen=True, slots=True)
class ForwardItem:
    forwarding_type: str
    status: bool
    forward_dn: str | None = None


def get_forwarding_response(items: Iterable[ForwardItem], namespace: str | None = None) -> bytes:
    """forwardingList/forwardListItem (forwardingType, forwardStatus, forwardDN) in schema order."""
    items = list(items)  # fill may run twice (see render)

    def fill(b):
        listing = b.add(b.root, "forwardingList")
        for item in items:
            el = b.add(listing, "forwardListItem")
            b.add(el, "forwardingType", item.forwarding_type)
            b.add(el, "forwardStatus", boolean(item.status))
            if item.forward_dn:
                b.add(el, "forwardDN", str(item.forward_dn))

    return render("GetForwardingResponse", namespace, fill)


@dataclass(frozen=True, slots=True)
class SnapshotItem:
    """One of the device's connections and its CSTA state (connected, alerting, hold, ...)."""

    connection: object
    state: str


def snapshot_device_response(items: Iterable[SnapshotItem], namespace: str | None = None) -> bytes:
    items = list(items)  # fill may run twice (see render)
    if not items:  # a device with no call: the same document every time
        return _no_calls_snapshot(namespace_for(namespace))
    return _snapshot(items, namespace)


@cache  # bounded: the five CSTA editions (namespace_for)
def _no_calls_snapshot(namespace: str | None) -> bytes:
    return _snapshot([], namespace)


def _snapshot(items: list[SnapshotItem], namespace: str | None) -> bytes:
    def fill(b):
        data = b.add(b.add(b.root, "crossRefIDorSnapshotData"), "snapshotData")
        for item in items:
            info = b.add(data, "snapshotDeviceResponseInfo")
            connection_id(b, info, "connectionIdentifier", item.connection)
            compound = b.add(b.add(info, "localCallState"), "compoundCallState")
            b.add(compound, "localConnectionState", item.state)

    return render("SnapshotDeviceResponse", namespace, fill)
