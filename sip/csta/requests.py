"""CSTA requests parsed into frozen dataclasses.

`parse_request(body)` returns `Parsed(request, namespace)`; anything unusable raises
CSTAParseError carrying the CSTAErrorCode to answer with (see csta.md "Errors"):

- not XML, a DTD/entity, an oversize body, a root outside the CSTA namespaces: unspecified
- a CSTA root this server does not serve: operation/serviceNotSupported
- a missing or undialable device: operation/invalidDeviceID (invalidCallingDeviceID,
  invalidCalledDeviceID, invalidDestination, invalidForwardingDestination where the field says so)
- a missing connection or a missing/non-numeric callID: operation/invalidConnectionID /
  operation/invalidCallID
- a value outside its enumeration (booleans, autoOriginate, digits outside 0-9*#A-D):
  operation/valueOutOfRange (invalidForwardingType, invalidMessageWaitingSetting,
  invalidMonitorObject, invalidMonitorCrossRefID where the field says so)

Unknown children (extensions/privateData, correlatorData, ...) are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from sip.csta.devices import DeviceID, parse_device_id
from sip.csta.errors import CSTAParseError
from sip.memo import RecentMemo
from sip.csta.xml import CSTA_NAMESPACES, ED3, child, parse_xml, split_tag, text

AUTO_ORIGINATE = ("prompt", "doNotPrompt")
FORWARDING_TYPES = (
    "forwardImmediate", "forwardBusy", "forwardNoAns", "forwardDND", "forwardBusyInt",
    "forwardBusyExt", "forwardNoAnsInt", "forwardNoAnsExt", "forwardImmInt", "forwardImmExt",
    "forwardDNDInt", "forwardDNDExt",
)
_CHARACTERS = re.compile(r"[0-9*#A-D]+")
MAX_CHARACTERS = 64


@dataclass(frozen=True, slots=True)
class Connection:
    """A ConnectionID as a request named it: (callID, deviceID)."""

    call_id: int
    device: DeviceID


# --- session and monitoring --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RequestSystemStatus:
    sys_stat_register_id: str | None = None


@dataclass(frozen=True, slots=True)
class SystemStatus:
    system_status: str
    sys_stat_register_id: str | None = None


@dataclass(frozen=True, slots=True)
class SystemRegister:
    request_types: tuple[str, ...] = ()  # the requestTypes set to true


@dataclass(frozen=True, slots=True)
class GetCSTAFeatures:
    pass


@dataclass(frozen=True, slots=True)
class MonitorStart:
    device: DeviceID


@dataclass(frozen=True, slots=True)
class MonitorStop:
    monitor_cross_ref_id: str


# --- call control ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MakeCall:
    calling_device: DeviceID
    called_directory_number: DeviceID
    auto_originate: str = "doNotPrompt"


@dataclass(frozen=True, slots=True)
class AnswerCall:
    call_to_be_answered: Connection


@dataclass(frozen=True, slots=True)
class ClearConnection:
    connection_to_be_cleared: Connection


@dataclass(frozen=True, slots=True)
class HoldCall:
    call_to_be_held: Connection


@dataclass(frozen=True, slots=True)
class RetrieveCall:
    call_to_be_retrieved: Connection


@dataclass(frozen=True, slots=True)
class ReconnectCall:
    active_call: Connection
    held_call: Connection


@dataclass(frozen=True, slots=True)
class AlternateCall:
    held_call: Connection
    active_call: Connection


@dataclass(frozen=True, slots=True)
class ConsultationCall:
    existing_call: Connection
    consulted_device: DeviceID


@dataclass(frozen=True, slots=True)
class TransferCall:
    held_call: Connection
    active_call: Connection


@dataclass(frozen=True, slots=True)
class SingleStepTransferCall:
    active_call: Connection
    transferred_to: DeviceID


@dataclass(frozen=True, slots=True)
class DeflectCall:
    call_to_be_diverted: Connection
    new_destination: DeviceID


@dataclass(frozen=True, slots=True)
class GenerateDigits:
    connection_to_send_digits: Connection
    characters_to_send: str


# --- logical and physical device features, snapshot --------------------------------------
@dataclass(frozen=True, slots=True)
class GetDoNotDisturb:
    device: DeviceID


@dataclass(frozen=True, slots=True)
class SetDoNotDisturb:
    device: DeviceID
    do_not_disturb_on: bool


@dataclass(frozen=True, slots=True)
class GetForwarding:
    device: DeviceID


@dataclass(frozen=True, slots=True)
class SetForwarding:
    device: DeviceID
    forwarding_type: str
    activate_forward: bool
    forward_dn: DeviceID | None = None


@dataclass(frozen=True, slots=True)
class SetMessageWaitingIndicator:
    device: DeviceID
    message_waiting_on: bool


@dataclass(frozen=True, slots=True)
class SnapshotDevice:
    snapshot_object: DeviceID


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed request and the namespace it came in ("" when it had none)."""

    request: object
    namespace: str

    @property
    def answer_namespace(self) -> str:
        return self.namespace or ED3


# --- field readers -----------------------------------------------------------------------
class _Reader:
    def __init__(self, root: etree._Element, namespace: str):
        self.root = root
        self.ns = namespace

    def fail(self, message: str, value: str, category: str = "operation") -> CSTAParseError:
        return CSTAParseError(f"{etree.QName(self.root).localname}: {message}", category, value,
                              self.ns)

    def device(self, name: str, error: str = "invalidDeviceID", parent=None,
               optional: bool = False) -> DeviceID | None:
        el = child(self.root if parent is None else parent, name)
        if el is None:
            if optional:
                return None
            raise self.fail(f"missing {name}", error)
        # Some phones nest the DeviceID (newDestination/device, deviceObject/deviceIdentifier).
        nested = next((c for c in el if isinstance(c.tag, str)), None)
        source = el if nested is None else nested
        try:
            return parse_device_id(text(source), source.get("typeOfNumber"))
        except ValueError:
            raise self.fail(f"{name} {text(source)!r} is not a device ID", error) from None

    def connection(self, name: str) -> Connection:
        el = child(self.root, name)
        if el is None:
            raise self.fail(f"missing {name}", "invalidConnectionID")
        call_id = text(child(el, "callID"))
        if not call_id or not call_id.isascii() or not call_id.isdigit() or len(call_id) > 18:
            raise self.fail(f"{name} has no usable callID ({call_id!r})", "invalidCallID")
        device = self.device("deviceID", parent=el)
        return Connection(int(call_id), device)

    def string(self, name: str, error: str, optional: bool = False) -> str | None:
        value = text(child(self.root, name))
        if not value:
            if optional:
                return None
            raise self.fail(f"missing {name}", error)
        return value

    def choice(self, name: str, allowed: tuple[str, ...], error: str = "valueOutOfRange",
               default: str | None = None) -> str:
        value = text(child(self.root, name))
        if value is None and default is not None:
            return default
        if value not in allowed:
            raise self.fail(f"{name} {value!r} is not one of {', '.join(allowed)}", error)
        return value

    def boolean(self, name: str, error: str = "valueOutOfRange") -> bool:
        value = text(child(self.root, name))
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise self.fail(f"{name} {value!r} is not a boolean", error)


def _request_system_status(r: _Reader):
    return RequestSystemStatus(r.string("sysStatRegisterID", "valueOutOfRange", optional=True))


def _system_status(r: _Reader):
    status = r.choice("systemStatus", (
        "disabled", "partiallyDisabled", "enabled", "initializing", "messagesLost", "normal",
        "overloadImminent", "overloadReached", "overloadRelieved"))
    return SystemStatus(status, r.string("sysStatRegisterID", "valueOutOfRange", optional=True))


def _system_register(r: _Reader):
    types = child(r.root, "requestTypes")
    chosen = ()
    if types is not None:
        chosen = tuple(etree.QName(c).localname for c in types
                       if isinstance(c.tag, str) and text(c) in ("true", "1"))
    return SystemRegister(chosen)


def _monitor_start(r: _Reader):
    obj = child(r.root, "monitorObject")
    if obj is None:
        raise r.fail("missing monitorObject", "invalidMonitorObject")
    if child(obj, "deviceObject") is None:
        # callObject monitors are not offered (GetCSTAFeatures lists device monitors only).
        raise r.fail("monitorObject has no deviceObject", "invalidMonitorObject")
    return MonitorStart(r.device("deviceObject", parent=obj))


def _monitor_stop(r: _Reader):
    return MonitorStop(r.string("monitorCrossRefID", "invalidMonitorCrossRefID"))


def _make_call(r: _Reader):
    return MakeCall(r.device("callingDevice", "invalidCallingDeviceID"),
                    r.device("calledDirectoryNumber", "invalidCalledDeviceID"),
                    r.choice("autoOriginate", AUTO_ORIGINATE, default="doNotPrompt"))


def _generate_digits(r: _Reader):
    connection = r.connection("connectionToSendDigits")
    chars = text(child(r.root, "charactersToSend"))
    if not chars or not _CHARACTERS.fullmatch(chars.upper()) or len(chars) > MAX_CHARACTERS:
        raise r.fail(f"charactersToSend {chars!r} is not DTMF (0-9*#A-D)", "valueOutOfRange")
    return GenerateDigits(connection, chars.upper())


def _set_forwarding(r: _Reader):
    device = r.device("device")
    kind = r.choice("forwardingType", FORWARDING_TYPES, "invalidForwardingType")
    on = r.boolean("activateForward")
    dn = r.device("forwardDN", "invalidForwardingDestination", optional=not on)
    return SetForwarding(device, kind, on, dn)


PARSERS = {
    "RequestSystemStatus": _request_system_status,
    "SystemStatus": _system_status,
    "SystemRegister": _system_register,
    "GetCSTAFeatures": lambda r: GetCSTAFeatures(),
    "MonitorStart": _monitor_start,
    "MonitorStop": _monitor_stop,
    "MakeCall": _make_call,
    "AnswerCall": lambda r: AnswerCall(r.connection("callToBeAnswered")),
    "ClearConnection": lambda r: ClearConnection(r.connection("connectionToBeCleared")),
    "HoldCall": lambda r: HoldCall(r.connection("callToBeHeld")),
    "RetrieveCall": lambda r: RetrieveCall(r.connection("callToBeRetrieved")),
    "ReconnectCall": lambda r: ReconnectCall(r.connection("activeCall"), r.connection("heldCall")),
    "AlternateCall": lambda r: AlternateCall(r.connection("heldCall"), r.connection("activeCall")),
    "ConsultationCall": lambda r: ConsultationCall(
        r.connection("existingCall"), r.device("consultedDevice", "invalidCalledDeviceID")),
    "TransferCall": lambda r: TransferCall(r.connection("heldCall"), r.connection("activeCall")),
    "SingleStepTransferCall": lambda r: SingleStepTransferCall(
        r.connection("activeCall"), r.device("transferredTo", "invalidDestination")),
    "DeflectCall": lambda r: DeflectCall(
        r.connection("callToBeDiverted"), r.device("newDestination", "invalidDestination")),
    "GenerateDigits": _generate_digits,
    "GetDoNotDisturb": lambda r: GetDoNotDisturb(r.device("device")),
    "SetDoNotDisturb": lambda r: SetDoNotDisturb(r.device("device"), r.boolean("doNotDisturbOn")),
    "GetForwarding": lambda r: GetForwarding(r.device("device")),
    "SetForwarding": _set_forwarding,
    "SetMessageWaitingIndicator": lambda r: SetMessageWaitingIndicator(
        r.device("device"), r.boolean("messageWaitingOn", "invalidMessageWaitingSetting")),
    "SnapshotDevice": lambda r: SnapshotDevice(r.device("snapshotObject")),
}


_PARSED_MAX = 256  # bodies remembered (two generations of 128, sip.memo.RecentMemo)
_PARSED_BODY_MAX = 1024  # longer bodies are parsed every time (they are rarely repeated)
_PARSED = RecentMemo(_PARSED_MAX, _PARSED_BODY_MAX)  # a flood of new bodies (each ClearConnection names its call) does not push out the repeated ones


def parse_request(body: bytes | str) -> Parsed:
    """Parse a CSTA request body; CSTAParseError (with the CSTA error to answer) otherwise.

    An application sends the same few bodies again and again (uaCSTA has no invokeID in
    the body: SnapshotDevice of one device, GetDoNotDisturb, ...), so what a short body
    parses to is remembered by its exact text: Parsed and every request in it are
    frozen. A body that fails is never remembered (it is parsed, and refused, each time)."""
    if type(body) is bytes or type(body) is str:
        parsed = _PARSED.get(body)
        if parsed is not None:
            return parsed
        return _PARSED.keep(body, parse_request_uncached(body), len(body))
    return parse_request_uncached(body)


def parse_request_uncached(body: bytes | str) -> Parsed:
    """parse_request's general path: lxml parses the body and the request is read."""
    root = parse_xml(body)
    namespace, name = split_tag(root)
    if namespace and namespace not in CSTA_NAMESPACES:
        raise CSTAParseError(f"root element {name!r} is not in an ECMA-323 namespace ({namespace})",
                             "unspecified", "unspecified")
    parser = PARSERS.get(name)
    if parser is None:
        raise CSTAParseError(f"unsupported CSTA request {name!r}", "operation", "serviceNotSupported",
                             namespace or None)
    return Parsed(parser(_Reader(root, namespace or None)), namespace)
