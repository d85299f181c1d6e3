"""Golden XML of every positive response, GetCSTAFeaturesResponse exactly as csta.md lists it,
and CSTAErrorCode, in the request's namespace."""
from __future__ import annotations

import re

import pytest
from lxml import etree

from actors.events import ConnectionID
from sip.csta import ED3, get_csta_features_response
from sip.csta import responses as r
from sip.csta.requests import Connection
from sip.csta.devices import DeviceID
from sip.csta.xml import NAMESPACES

DECL = b'<?xml version="1.0" encoding="UTF-8"?>'


def doc(xml: str, namespace: str = ED3) -> bytes:
    """csta.md's compact example with the namespace on its root and the XML declaration."""
    xml = re.sub(r">\s+<", "><", xml.strip())
    return DECL + re.sub(r"^<(\w+)", lambda m: f'<{m.group(1)} xmlns="{namespace}"', xml, count=1).encode()


def c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def assert_golden(actual: bytes, expected: bytes) -> None:
    assert c14n(actual) == c14n(expected)
    assert actual == expected


C42 = ConnectionID(42, "201")
GOLDEN = {
    "RequestSystemStatusResponse": (lambda ns: r.request_system_status_response(namespace=ns),
                                    "<RequestSystemStatusResponse><systemStatus>normal</systemStatus>"
                                    "</RequestSystemStatusResponse>"),
    "SystemStatusResponse": (lambda ns: r.system_status_response(ns), "<SystemStatusResponse/>"),
    "SystemRegisterResponse": (lambda ns: r.system_register_response("2", ns),
                               "<SystemRegisterResponse><sysStatRegisterID>2</sysStatRegisterID>"
                               "</SystemRegisterResponse>"),
    "MonitorStartResponse": (lambda ns: r.monitor_start_response("99fda87c", ns),
                             "<MonitorStartResponse><monitorCrossRefID>99fda87c</monitorCrossRefID>"
                             "</MonitorStartResponse>"),
    "MakeCallResponse": (lambda ns: r.make_call_response(C42, ns),
                         "<MakeCallResponse><callingDevice><callID>42</callID><deviceID>201</deviceID>"
                         "</callingDevice></MakeCallResponse>"),
    "ConsultationCallResponse": (lambda ns: r.consultation_call_response(ConnectionID(43, "201"), ns),
                                 "<ConsultationCallResponse><initiatedCall><callID>43</callID>"
                                 "<deviceID>201</deviceID></initiatedCall></ConsultationCallResponse>"),
    "TransferCallResponse": (lambda ns: r.transfer_call_response(ConnectionID(44, "202"), ns),
                             "<TransferCallResponse><transferredCall><callID>44</callID><deviceID>202</deviceID>"
                             "</transferredCall></TransferCallResponse>"),
    "SingleStepTransferCallResponse": (
        lambda ns: r.single_step_transfer_call_response(ConnectionID(45, "203"), ns),
        "<SingleStepTransferCallResponse><transferredCall><callID>45</callID><deviceID>203</deviceID>"
        "</transferredCall></SingleStepTransferCallResponse>"),
    "GetDoNotDisturbResponse": (lambda ns: r.get_do_not_disturb_response(False, ns),
                                "<GetDoNotDisturbResponse><doNotDisturbOn>false</doNotDisturbOn>"
                                "</GetDoNotDisturbResponse>"),
    "GetForwardingResponse": (
        lambda ns: r.get_forwarding_response([r.ForwardItem("forwardImmediate", True, "2424")], ns),
        """<GetForwardingResponse><forwardingList><forwardListItem><forwardingType>forwardImmediate</forwardingType>
           <forwardStatus>true</forwardStatus><forwardDN>2424</forwardDN></forwardListItem></forwardingList>
           </GetForwardingResponse>"""),
    "SnapshotDeviceResponse": (
        lambda ns: r.snapshot_device_response([r.SnapshotItem(C42, "connected")], ns),
        """<SnapshotDeviceResponse><crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo>
           <connectionIdentifier><callID>42</callID><deviceID>201</deviceID></connectionIdentifier>
           <localCallState><compoundCallState><localConnectionState>connected</localConnectionState></compoundCallState></localCallState>
           </snapshotDeviceResponseInfo></snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>"""),
} | {name: ((lambda n: lambda ns: r.empty_response(n, ns))(name), f"<{name}/>") for name in r.EMPTY_RESPONSES}

FEATURES = """
<GetCSTAFeaturesResponse><supportedServices>
 <systemStatServList><systemRegister/><requestSystemStatus/><systemStatus/></systemStatServList>
 <monitoringServList><monitorStart/><monitorStop/></monitoringServList>
 <snapshotServList><snapshotDevice/></snapshotServList>
 <callControlServList><alternateCall/><answerCall/><clearConnection/><consultationCall/><deflectCall/>
   <holdCall/><makeCall/><reconnectCall/><retrieveCall/><singleStepTransfer/><transferCall/></callControlServList>
 <callAssociatedServList><generateDigits/></callAssociatedServList>
 <physDevServList><setMessageWaitingIndicator/></physDevServList>
 <logicalServList><getDoNotDisturb/><getForwarding/><setDoNotDisturb/><setForwarding/></logicalServList>
</supportedServices><supportedEvents>
 <callControlEvtsList><connectionCleared/><delivered/><diverted/><established/><failed/><held/>
   <originated/><retrieved/><serviceInitiated/><transferred/></callControlEvtsList>
 <physDevEvtsList><messageWaiting/></physDevEvtsList>
 <logicalEvtsList><doNotDisturb/><forwarding/></logicalEvtsList>
</supportedEvents></GetCSTAFeaturesResponse>"""
GOLDEN["GetCSTAFeaturesResponse"] = (lambda ns: get_csta_features_response(ns), FEATURES)

EDITIONS = [None] + [NAMESPACES[n] for n in range(2, 7)]


@pytest.mark.parametrize("name", sorted(GOLDEN))
@pytest.mark.parametrize("namespace", EDITIONS, ids=["default"] + [f"ed{n}" for n in range(2, 7)])
def test_response_golden(name, namespace):
    render, expected = GOLDEN[name]
    assert_golden(render(namespace), doc(expected, namespace or ED3))


def test_every_table1_response_has_a_golden():
    wanted = {"RequestSystemStatusResponse", "SystemStatusResponse", "SystemRegisterResponse",
              "GetCSTAFeaturesResponse", "MonitorStartResponse", "MonitorStopResponse", "MakeCallResponse",
              "AnswerCallResponse", "ClearConnectionResponse", "HoldCallResponse", "RetrieveCallResponse",
              "ReconnectCallResponse", "AlternateCallResponse", "ConsultationCallResponse",
              "TransferCallResponse", "SingleStepTransferCallResponse", "DeflectCallResponse",
              "GenerateDigitsResponse", "GetDoNotDisturbResponse", "SetDoNotDisturbResponse",
              "GetForwardingResponse", "SetForwardingResponse", "SetMessageWaitingIndicatorResponse",
              "SnapshotDeviceResponse"}
    assert wanted == set(GOLDEN)


def test_responses_accept_request_connections():
    """A request's Connection (DeviceID device) echoes as its digits."""
    c = Connection(42, DeviceID("tel:201", "201"))
    assert r.make_call_response(c) == r.make_call_response(C42)


def test_empty_response_rejects_non_empty_names():
    with pytest.raises(ValueError):
        r.empty_response("MakeCallResponse")


def test_features_capability_names_and_list_order():
    root = etree.fromstring(get_csta_features_response())
    services = [etree.QName(e).localname for e in root[0]]
    assert services == ["systemStatServList", "monitoringServList", "snapshotServList", "callControlServList",
                        "callAssociatedServList", "physDevServList", "logicalServList"]
    names = {etree.QName(e).localname for e in root.iter()}
    assert {"singleStepTransfer", "transferred"} <= names
    assert not {"singleStepTransferCall", "transfered", "systemStatusServList"} & names


@pytest.mark.parametrize("category,value", [
    ("operation", "invalidCallID"), ("stateIncompatibility", "invalidConnectionState"),
    ("systemResourceAvailibility", "resourceBusy"), ("security", "requestedDeviceNotAllowed"),
    ("unspecified", "unspecified"), ("subscribedResourceAvailability", "generic"),
    ("performanceManagement", "generic"), ("privateData", "generic")])
@pytest.mark.parametrize("namespace", EDITIONS, ids=["default"] + [f"ed{n}" for n in range(2, 7)])
def test_error_golden(category, value, namespace):
    from sip.csta import error_xml
    assert_golden(error_xml(category, value, namespace),
                  doc(f"<CSTAErrorCode><{category}>{value}</{category}></CSTAErrorCode>", namespace or ED3))
