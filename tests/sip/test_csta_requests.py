"""Every request example of csta.md parses into its typed request, in every accepted
namespace (ed2..ed6 and none), with Microsoft's RCC extensions, and malformed requests
carry the CSTA error csta.md's Errors section names."""
from __future__ import annotations

import re

import pytest

from sip.csta import CSTAParseError, DeviceID, ED3, parse_request
from sip.csta import requests as rq
from sip.csta.requests import Connection
from sip.csta.xml import NAMESPACES

C42_202 = "<callID>42</callID><deviceID>202</deviceID>"
C42_201 = "<callID>42</callID><deviceID>201</deviceID>"
C43_201 = "<callID>43</callID><deviceID typeOfNumber=\"dynamic\">201</deviceID>"


def dev(text, digits=None, ton=None):
    return DeviceID(text, digits or text, ton)


def conn(call_id, number, ton=None):
    return Connection(call_id, DeviceID(number, number, ton))


EXAMPLES = [
    ("<RequestSystemStatus/>", rq.RequestSystemStatus()),
    ("<SystemStatus><systemStatus>normal</systemStatus></SystemStatus>", rq.SystemStatus("normal")),
    ("<SystemRegister><requestTypes><systemStatus>true</systemStatus></requestTypes></SystemRegister>",
     rq.SystemRegister(("systemStatus",))),
    ("<GetCSTAFeatures/>", rq.GetCSTAFeatures()),
    ("<MonitorStart><monitorObject><deviceObject>tel:201</deviceObject></monitorObject></MonitorStart>",
     rq.MonitorStart(dev("tel:201", "201"))),
    ("<MonitorStop><monitorCrossRefID>99fda87c</monitorCrossRefID></MonitorStop>", rq.MonitorStop("99fda87c")),
    ("<MakeCall><callingDevice>201</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber>"
     "<autoOriginate>doNotPrompt</autoOriginate></MakeCall>",
     rq.MakeCall(dev("201"), dev("202"), "doNotPrompt")),
    ("<MakeCall><callingDevice>tel:201</callingDevice><calledDirectoryNumber>tel:+14085551234;phone-context=dialstring"
     "</calledDirectoryNumber><autoOriginate>prompt</autoOriginate></MakeCall>",
     rq.MakeCall(dev("tel:201", "201"), dev("tel:+14085551234;phone-context=dialstring", "+14085551234"), "prompt")),
    ("<MakeCall><callingDevice>sip:201@cme.example.com</callingDevice><calledDirectoryNumber>202"
     "</calledDirectoryNumber></MakeCall>",
     rq.MakeCall(dev("sip:201@cme.example.com", "201"), dev("202"), "doNotPrompt")),
    (f"<AnswerCall><callToBeAnswered>{C42_202}</callToBeAnswered></AnswerCall>", rq.AnswerCall(conn(42, "202"))),
    (f"<ClearConnection><connectionToBeCleared>{C42_201}</connectionToBeCleared></ClearConnection>",
     rq.ClearConnection(conn(42, "201"))),
    (f"<HoldCall><callToBeHeld>{C42_201}</callToBeHeld></HoldCall>", rq.HoldCall(conn(42, "201"))),
    (f"<RetrieveCall><callToBeRetrieved>{C42_201}</callToBeRetrieved></RetrieveCall>",
     rq.RetrieveCall(conn(42, "201"))),
    (f"<ConsultationCall><existingCall>{C42_201}</existingCall><consultedDevice>203</consultedDevice>"
     "</ConsultationCall>", rq.ConsultationCall(conn(42, "201"), dev("203"))),
    (f"<TransferCall><heldCall>{C42_201}</heldCall><activeCall>{C43_201}</activeCall></TransferCall>",
     rq.TransferCall(conn(42, "201"), conn(43, "201", "dynamic"))),
    (f"<SingleStepTransferCall><activeCall>{C42_201}</activeCall><transferredTo>203</transferredTo>"
     "</SingleStepTransferCall>", rq.SingleStepTransferCall(conn(42, "201"), dev("203"))),
    (f"<DeflectCall><callToBeDiverted>{C42_202}</callToBeDiverted><newDestination>203</newDestination>"
     "</DeflectCall>", rq.DeflectCall(conn(42, "202"), dev("203"))),
    (f"<DeflectCall><callToBeDiverted>{C42_202}</callToBeDiverted><newDestination><device>tel:203</device>"
     "</newDestination></DeflectCall>", rq.DeflectCall(conn(42, "202"), dev("tel:203", "203"))),
    (f"<AlternateCall><heldCall>{C42_201}</heldCall><activeCall>{C43_201}</activeCall></AlternateCall>",
     rq.AlternateCall(conn(42, "201"), conn(43, "201", "dynamic"))),
    (f"<ReconnectCall><activeCall>{C43_201}</activeCall><heldCall>{C42_201}</heldCall></ReconnectCall>",
     rq.ReconnectCall(conn(43, "201", "dynamic"), conn(42, "201"))),
    (f"<GenerateDigits><connectionToSendDigits>{C42_201}</connectionToSendDigits>"
     "<charactersToSend>123#</charactersToSend></GenerateDigits>", rq.GenerateDigits(conn(42, "201"), "123#")),
    ("<GetDoNotDisturb><device>201</device></GetDoNotDisturb>", rq.GetDoNotDisturb(dev("201"))),
    ("<SetDoNotDisturb><device>201</device><doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>",
     rq.SetDoNotDisturb(dev("201"), True)),
    ("<GetForwarding><device>201</device></GetForwarding>", rq.GetForwarding(dev("201"))),
    ("<SetForwarding><device>201</device><forwardingType>forwardImmediate</forwardingType>"
     "<activateForward>true</activateForward><forwardDN>2424</forwardDN></SetForwarding>",
     rq.SetForwarding(dev("201"), "forwardImmediate", True, dev("2424"))),
    ("<SetForwarding><device>201</device><forwardingType>forwardImmediate</forwardingType>"
     "<activateForward>false</activateForward></SetForwarding>",
     rq.SetForwarding(dev("201"), "forwardImmediate", False, None)),
    ("<SetMessageWaitingIndicator><device>201</device><messageWaitingOn>true</messageWaitingOn>"
     "</SetMessageWaitingIndicator>", rq.SetMessageWaitingIndicator(dev("201"), True)),
    ("<SnapshotDevice><snapshotObject>201</snapshotObject></SnapshotDevice>", rq.SnapshotDevice(dev("201"))),
]
IDS = [re.match(r"<(\w+)", xml).group(1) + f"-{i}" for i, (xml, _) in enumerate(EXAMPLES)]
MS_EXTENSIONS = ('<extensions><privateData><private>'
                 '<lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">tel:201</lcs:line>'
                 '</private></privateData></extensions>')


def with_namespace(xml: str, namespace: str | None) -> str:
    if namespace is None:
        return xml
    return re.sub(r"^<(\w+)", lambda m: f'<{m.group(1)} xmlns="{namespace}"', xml, count=1)


def with_extensions(xml: str) -> str:
    m = re.match(r"^<(\w+)/>$", xml)
    if m:
        xml = f"<{m.group(1)}></{m.group(1)}>"
    head, _, _ = xml.rpartition("</")
    return head + MS_EXTENSIONS + xml[len(head):]


@pytest.mark.parametrize("xml,expected", EXAMPLES, ids=IDS)
@pytest.mark.parametrize("edition", [2, 3, 4, 5, 6])
def test_examples_parse_in_every_edition(xml, expected, edition):
    ns = NAMESPACES[edition]
    parsed = parse_request(with_namespace(xml, ns).encode())
    assert parsed.request == expected
    assert parsed.namespace == ns
    assert parsed.answer_namespace == ns


@pytest.mark.parametrize("xml,expected", EXAMPLES, ids=IDS)
def test_examples_parse_without_namespace_answer_in_ed3(xml, expected):
    parsed = parse_request(xml.encode())
    assert parsed.request == expected
    assert parsed.namespace == ""
    assert parsed.answer_namespace == ED3


@pytest.mark.parametrize("xml,expected", EXAMPLES, ids=IDS)
def test_examples_with_microsoft_extensions(xml, expected):
    body = '<?xml version="1.0" encoding="utf-8"?>' + with_namespace(with_extensions(xml), ED3)
    assert parse_request(body.encode()).request == expected


def test_prefixed_namespace_and_whitespace_are_accepted():
    body = f"""<?xml version="1.0"?>
    <csta:MakeCall xmlns:csta="{NAMESPACES[4]}">
      <csta:callingDevice> tel:201 </csta:callingDevice>
      <!-- a comment -->
      <csta:calledDirectoryNumber>202</csta:calledDirectoryNumber>
    </csta:MakeCall>"""
    parsed = parse_request(body.encode())
    assert parsed.request == rq.MakeCall(dev("tel:201", "201"), dev("202"))
    assert parsed.namespace == NAMESPACES[4]


def test_str_bodies_are_accepted():
    assert parse_request("<GetCSTAFeatures/>").request == rq.GetCSTAFeatures()


def test_requests_are_frozen():
    request = parse_request(EXAMPLES[6][0]).request
    with pytest.raises(AttributeError):
        request.auto_originate = "prompt"


MALFORMED = [
    ("<MakeCall><calledDirectoryNumber>202</calledDirectoryNumber></MakeCall>",
     "operation", "invalidCallingDeviceID"),
    ("<MakeCall><callingDevice>201</callingDevice><calledDirectoryNumber>bob</calledDirectoryNumber></MakeCall>",
     "operation", "invalidCalledDeviceID"),
    ("<MakeCall><callingDevice>201</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber>"
     "<autoOriginate>maybe</autoOriginate></MakeCall>", "operation", "valueOutOfRange"),
    ("<AnswerCall/>", "operation", "invalidConnectionID"),
    ("<AnswerCall><callToBeAnswered><deviceID>202</deviceID></callToBeAnswered></AnswerCall>",
     "operation", "invalidCallID"),
    ("<AnswerCall><callToBeAnswered><callID>x9</callID><deviceID>202</deviceID></callToBeAnswered></AnswerCall>",
     "operation", "invalidCallID"),
    ("<AnswerCall><callToBeAnswered><callID>9</callID></callToBeAnswered></AnswerCall>",
     "operation", "invalidDeviceID"),
    ("<HoldCall><callToBeHeld><callID>9</callID><deviceID>sip:alice@x</deviceID></callToBeHeld></HoldCall>",
     "operation", "invalidDeviceID"),
    ("<MonitorStart/>", "operation", "invalidMonitorObject"),
    ("<MonitorStart><monitorObject><callObject><callID>1</callID><deviceID>201</deviceID></callObject>"
     "</monitorObject></MonitorStart>", "operation", "invalidMonitorObject"),
    ("<MonitorStart><monitorObject><deviceObject></deviceObject></monitorObject></MonitorStart>",
     "operation", "invalidDeviceID"),
    ("<MonitorStop/>", "operation", "invalidMonitorCrossRefID"),
    ("<SingleStepTransferCall><activeCall>" + C42_201 + "</activeCall></SingleStepTransferCall>",
     "operation", "invalidDestination"),
    ("<DeflectCall><callToBeDiverted>" + C42_201 + "</callToBeDiverted><newDestination>x</newDestination>"
     "</DeflectCall>", "operation", "invalidDestination"),
    ("<ConsultationCall><existingCall>" + C42_201 + "</existingCall></ConsultationCall>",
     "operation", "invalidCalledDeviceID"),
    ("<GenerateDigits><connectionToSendDigits>" + C42_201 + "</connectionToSendDigits>"
     "<charactersToSend>12x</charactersToSend></GenerateDigits>", "operation", "valueOutOfRange"),
    ("<GenerateDigits><connectionToSendDigits>" + C42_201 + "</connectionToSendDigits></GenerateDigits>",
     "operation", "valueOutOfRange"),
    ("<SetDoNotDisturb><device>201</device><doNotDisturbOn>yes</doNotDisturbOn></SetDoNotDisturb>",
     "operation", "valueOutOfRange"),
    ("<GetDoNotDisturb/>", "operation", "invalidDeviceID"),
    ("<SetForwarding><device>201</device><forwardingType>forwardSometimes</forwardingType>"
     "<activateForward>true</activateForward><forwardDN>2424</forwardDN></SetForwarding>",
     "operation", "invalidForwardingType"),
    ("<SetForwarding><device>201</device><forwardingType>forwardImmediate</forwardingType>"
     "<activateForward>true</activateForward></SetForwarding>", "operation", "invalidForwardingDestination"),
    ("<SetMessageWaitingIndicator><device>201</device></SetMessageWaitingIndicator>",
     "operation", "invalidMessageWaitingSetting"),
    ("<SnapshotDevice><snapshotObject/></SnapshotDevice>", "operation", "invalidDeviceID"),
    ("<SystemStatus><systemStatus>fine</systemStatus></SystemStatus>", "operation", "valueOutOfRange"),
    ("<ConferenceCall/>", "operation", "serviceNotSupported"),
    ("<MakeCallResponse/>", "operation", "serviceNotSupported"),
]


@pytest.mark.parametrize("xml,category,value", MALFORMED,
                         ids=[f"{i}-{v}" for i, (_, _, v) in enumerate(MALFORMED)])
@pytest.mark.parametrize("edition", [None, 3, 5])
def test_malformed_requests_carry_the_csta_error(xml, category, value, edition):
    ns = NAMESPACES[edition] if edition else None
    with pytest.raises(CSTAParseError) as info:
        parse_request(with_namespace(xml, ns).encode())
    err = info.value
    assert (err.category, err.value, err.reason) == (category, value, "request")
    expected_ns = ns or ED3
    assert err.error_xml() == (f'<?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="{expected_ns}">'
                               f"<{category}>{value}</{category}></CSTAErrorCode>").encode()


def test_every_served_request_has_an_example():
    assert {type(expected).__name__ for _, expected in EXAMPLES} == set(rq.PARSERS)
