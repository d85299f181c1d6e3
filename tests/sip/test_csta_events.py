"""Golden ECMA-323 XML for every event kind lines publish, in the ed3 schema's order, with
device fields wrapped and `notKnown` where the line did not know a device."""
from __future__ import annotations

import pytest

from actors.events import CallEvent, ConnectionID, FeatureEvent
from sip.csta import ED3, DeviceForms, parse_device_id, render_event
from sip.csta.events import EVENT_ELEMENTS
from sip.csta.xml import NAMESPACES
from tests.sip.test_csta_responses import assert_golden, doc

C = ConnectionID(42, "201")
C202 = ConnectionID(42, "202")
X = "<monitorCrossRefID>99fda87c</monitorCrossRefID>"
CONN = "<callID>42</callID><deviceID>201</deviceID>"


def d(name, number):
    return f"<{name}><deviceIdentifier>{number}</deviceIdentifier></{name}>"


def unknown(name):
    return f"<{name}><notKnown/></{name}>"


EVENTS = {
    "service_initiated": (
        CallEvent("service_initiated", "201", C, "initiated", "makeCall", initiating="201"),
        f"<ServiceInitiatedEvent>{X}<initiatedConnection>{CONN}</initiatedConnection>{d('initiatingDevice', 201)}"
        "<localConnectionInfo>initiated</localConnectionInfo><cause>makeCall</cause></ServiceInitiatedEvent>"),
    "originated": (
        CallEvent("originated", "201", C, "connected", "makeCall", calling="201", called="202"),
        f"<OriginatedEvent>{X}<originatedConnection>{CONN}</originatedConnection>{d('callingDevice', 201)}"
        f"{d('calledDevice', 202)}<localConnectionInfo>connected</localConnectionInfo><cause>makeCall</cause>"
        "</OriginatedEvent>"),
    "delivered": (
        CallEvent("delivered", "201", C202, "connected", "newCall", alerting="202", calling="201", called="202"),
        f"<DeliveredEvent>{X}<connection><callID>42</callID><deviceID>202</deviceID></connection>"
        f"{d('alertingDevice', 202)}{d('callingDevice', 201)}{d('calledDevice', 202)}"
        f"{unknown('lastRedirectionDevice')}<localConnectionInfo>connected</localConnectionInfo>"
        "<cause>newCall</cause></DeliveredEvent>"),
    "delivered_redirected": (
        CallEvent("delivered", "203", ConnectionID(7, "203"), "alerting", "redirected", alerting="203",
                  calling="201", called="202", last_redirection="202"),
        f"<DeliveredEvent>{X}<connection><callID>7</callID><deviceID>203</deviceID></connection>"
        f"{d('alertingDevice', 203)}{d('callingDevice', 201)}{d('calledDevice', 202)}"
        "<lastRedirectionDevice><numberDialed>202</numberDialed></lastRedirectionDevice>"
        "<localConnectionInfo>alerting</localConnectionInfo><cause>redirected</cause></DeliveredEvent>"),
    "network_reached": (
        CallEvent("network_reached", "201", ConnectionID(44, "95551234"), "connected", "newCall",
                  calling="201", called="95551234", network="95551234"),
        f"<NetworkReachedEvent>{X}<outboundConnection><callID>44</callID><deviceID>95551234</deviceID>"
        f"</outboundConnection>{d('networkInterfaceUsed', 95551234)}{d('callingDevice', 201)}"
        f"{d('calledDevice', 95551234)}{unknown('lastRedirectionDevice')}"
        "<localConnectionInfo>connected</localConnectionInfo><cause>newCall</cause></NetworkReachedEvent>"),
    "established": (
        CallEvent("established", "202", ConnectionID(43, "202"), "connected", "newCall", answering="202",
                  calling="201", called="202"),
        f"<EstablishedEvent>{X}<establishedConnection><callID>43</callID><deviceID>202</deviceID>"
        f"</establishedConnection>{d('answeringDevice', 202)}{d('callingDevice', 201)}{d('calledDevice', 202)}"
        f"{unknown('lastRedirectionDevice')}<localConnectionInfo>connected</localConnectionInfo>"
        "<cause>newCall</cause></EstablishedEvent>"),
    "connection_cleared": (
        CallEvent("connection_cleared", "201", C, "null", "normalClearing", releasing="201"),
        f"<ConnectionClearedEvent>{X}<droppedConnection>{CONN}</droppedConnection>{d('releasingDevice', 201)}"
        "<localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause></ConnectionClearedEvent>"),
    "held": (
        CallEvent("held", "201", C, "hold", "normal", holding="201"),
        f"<HeldEvent>{X}<heldConnection>{CONN}</heldConnection>{d('holdingDevice', 201)}"
        "<localConnectionInfo>hold</localConnectionInfo><cause>normal</cause></HeldEvent>"),
    "retrieved": (
        CallEvent("retrieved", "201", C, "connected", "normal", retrieving="201"),
        f"<RetrievedEvent>{X}<retrievedConnection>{CONN}</retrievedConnection>{d('retrievingDevice', 201)}"
        "<localConnectionInfo>connected</localConnectionInfo><cause>normal</cause></RetrievedEvent>"),
    "diverted": (
        CallEvent("diverted", "202", ConnectionID(42, "202"), "null", "redirected", calling="201", called="202",
                  diverting="202", new_destination="203", last_redirection="202"),
        f"<DivertedEvent>{X}<connection><callID>42</callID><deviceID>202</deviceID></connection>"
        f"{d('divertingDevice', 202)}{d('newDestination', 203)}{d('callingDevice', 201)}{d('calledDevice', 202)}"
        "<lastRedirectionDevice><numberDialed>202</numberDialed></lastRedirectionDevice>"
        "<localConnectionInfo>null</localConnectionInfo><cause>redirected</cause></DivertedEvent>"),
    "failed": (
        CallEvent("failed", "201", C, "fail", "busy", calling="201", called="202", initiating="202"),
        f"<FailedEvent>{X}<failedConnection>{CONN}</failedConnection>{d('failingDevice', 202)}"
        f"{d('callingDevice', 201)}{d('calledDevice', 202)}{unknown('lastRedirectionDevice')}"
        "<localConnectionInfo>fail</localConnectionInfo><cause>busy</cause></FailedEvent>"),
    "transferred_transferring": (
        # the transferring device 201: both its calls end; 202 and 203 are now joined
        CallEvent("transferred", "201", ConnectionID(43, "201"), "null", "transfer", calling="202", called="203",
                  extra={"primary_old": ConnectionID(42, "201"), "secondary_old": ConnectionID(43, "201"),
                         "transferring": "201", "transferred_to": "203"}),
        f"<TransferedEvent>{X}<primaryOldCall>{CONN}</primaryOldCall>"
        "<secondaryOldCall><callID>43</callID><deviceID>201</deviceID></secondaryOldCall>"
        f"{d('transferringDevice', 201)}{d('transferredToDevice', 203)}<transferredConnections>"
        "<connectionListItem><endpoint><deviceID>202</deviceID></endpoint></connectionListItem>"
        "<connectionListItem><endpoint><deviceID>203</deviceID></endpoint></connectionListItem>"
        "</transferredConnections><localConnectionInfo>null</localConnectionInfo><cause>transfer</cause>"
        "</TransferedEvent>"),
    "transferred_single_step": (
        CallEvent("transferred", "201", C, "null", "transfer",
                  extra={"primary_old": C, "secondary_old": None, "transferring": "201", "transferred_to": "203"}),
        f"<TransferedEvent>{X}<primaryOldCall>{CONN}</primaryOldCall>"
        f"{d('transferringDevice', 201)}{d('transferredToDevice', 203)}<transferredConnections/>"
        "<localConnectionInfo>null</localConnectionInfo><cause>transfer</cause></TransferedEvent>"),
    "transferred_far_end": (
        # the party that stays (202): its connection lives on, joined to 203
        CallEvent("transferred", "202", ConnectionID(42, "202"), "connected", "transfer",
                  extra={"transferring": "201", "transferred_to": "203"}),
        f"<TransferedEvent>{X}<primaryOldCall><callID>42</callID><deviceID>202</deviceID></primaryOldCall>"
        f"{d('transferringDevice', 201)}{d('transferredToDevice', 203)}<transferredConnections>"
        "<connectionListItem><newConnection><callID>42</callID><deviceID>202</deviceID></newConnection>"
        "<endpoint><deviceID>202</deviceID></endpoint></connectionListItem></transferredConnections>"
        "<localConnectionInfo>connected</localConnectionInfo><cause>transfer</cause></TransferedEvent>"),
    "transferred_explicit_connections": (
        CallEvent("transferred", "202", ConnectionID(42, "202"), "connected", "singleStepTransfer",
                  extra={"transferring": "201", "transferred_to": "203",
                         "connections": [(ConnectionID(42, "202"), ConnectionID(42, "202"), "202"),
                                         (ConnectionID(44, "203"), None, None)]}),
        f"<TransferedEvent>{X}<primaryOldCall><callID>42</callID><deviceID>202</deviceID></primaryOldCall>"
        f"{d('transferringDevice', 201)}{d('transferredToDevice', 203)}<transferredConnections>"
        "<connectionListItem><newConnection><callID>42</callID><deviceID>202</deviceID></newConnection>"
        "<oldConnection><callID>42</callID><deviceID>202</deviceID></oldConnection>"
        "<endpoint><deviceID>202</deviceID></endpoint></connectionListItem>"
        "<connectionListItem><newConnection><callID>44</callID><deviceID>203</deviceID></newConnection>"
        "<endpoint><notKnown/></endpoint></connectionListItem></transferredConnections>"
        "<localConnectionInfo>connected</localConnectionInfo><cause>singleStepTransfer</cause></TransferedEvent>"),
    "do_not_disturb": (
        FeatureEvent("do_not_disturb", "201", True),
        f"<DoNotDisturbEvent>{X}{d('device', 201)}<doNotDisturbOn>true</doNotDisturbOn></DoNotDisturbEvent>"),
    "forwarding_on": (
        FeatureEvent("forwarding", "201", True, "2424"),
        f"<ForwardingEvent>{X}{d('device', 201)}<forwardingType>forwardImmediate</forwardingType>"
        "<forwardStatus>true</forwardStatus><forwardTo>2424</forwardTo></ForwardingEvent>"),
    "forwarding_off": (
        FeatureEvent("forwarding", "201", False),
        f"<ForwardingEvent>{X}{d('device', 201)}<forwardingType>forwardImmediate</forwardingType>"
        "<forwardStatus>false</forwardStatus></ForwardingEvent>"),
    "message_waiting": (
        FeatureEvent("message_waiting", "201", False),
        f"<MessageWaitingEvent>{X}{d('targetDevice', 201)}<deviceForMessage>201</deviceForMessage>"
        "<messageWaitingOn>false</messageWaitingOn></MessageWaitingEvent>"),
}


@pytest.mark.parametrize("name", sorted(EVENTS))
@pytest.mark.parametrize("namespace", [None, NAMESPACES[3], NAMESPACES[5]], ids=["default", "ed3", "ed5"])
def test_event_golden(name, namespace):
    event, expected = EVENTS[name]
    assert_golden(render_event(event, "99fda87c", namespace), doc(expected, namespace or ED3))


def test_every_event_kind_has_a_golden():
    assert {event.kind for event, _ in EVENTS.values()} == set(EVENT_ELEMENTS)
    assert EVENT_ELEMENTS["transferred"] == "TransferedEvent"


def test_absent_devices_are_not_known_and_empty_cause_is_omitted():
    xml = render_event(CallEvent("originated", "201", C, "connected", ""), "1")
    assert xml == doc(f"<OriginatedEvent><monitorCrossRefID>1</monitorCrossRefID><originatedConnection>{CONN}"
                      f"</originatedConnection>{unknown('callingDevice')}{unknown('calledDevice')}"
                      "<localConnectionInfo>connected</localConnectionInfo></OriginatedEvent>")


def test_suppress_conversion_echoes_devices_as_the_application_wrote_them():
    forms = DeviceForms()
    forms.remember(parse_device_id("tel:201"))
    forms.remember(parse_device_id("sip:202@cme.example.com"))
    event = CallEvent("delivered", "201", C202, "connected", "newCall", alerting="202", calling="201",
                      called="202")
    xml = render_event(event, "1", device_id_form=forms)
    assert b"<deviceID>sip:202@cme.example.com</deviceID>" in xml
    assert b"<callingDevice><deviceIdentifier>tel:201</deviceIdentifier></callingDevice>" in xml
    assert b"<deviceIdentifier>203</deviceIdentifier>" not in xml
    # numbers the application never named stay plain
    assert forms("203") == "203"


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        render_event(FeatureEvent("hookswitch", "201", True), "1")
