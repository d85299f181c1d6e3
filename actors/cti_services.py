"""The CSTA feature and snapshot services of Table 1, for the CTI session actor.

Each maps onto what a line already does for its phone: SetDoNotDisturb, SetForwarding and
SetMessageWaitingIndicator send the line the same message its soft keys do (so phone- and
CTI-initiated changes produce the same events), the Get services and SnapshotDevice read
the line's configuration state and status record. Every request checks the device: an
unknown number is `invalidDeviceID`, a DN that is not `cti watch` is
`privilegeViolationSpecifiedDevice`. Call-control services arrive with issue 6.
"""
from __future__ import annotations

from actors import calls as c
from actors.events import ConnectionID
from fsm.connection import CSTA_STATE
from sip.csta import requests as rq
from sip.csta.errors import error_xml
from sip.csta.responses import (ForwardItem, SnapshotItem, empty_response, get_do_not_disturb_response,
                                get_forwarding_response, snapshot_device_response)

FEATURES = (rq.GetDoNotDisturb, rq.SetDoNotDisturb, rq.GetForwarding, rq.SetForwarding,
            rq.SetMessageWaitingIndicator, rq.SnapshotDevice)


def serve_feature(gateway, request, ns: str) -> bytes:
    device = request.snapshot_object if isinstance(request, rq.SnapshotDevice) else request.device
    digits = device.digits
    dn = gateway.config.dn_by_number(digits)
    line = gateway.telephony.directory.get(digits) if gateway.telephony is not None else None
    if dn is None or line is None:
        return error_xml("operation", "invalidDeviceID", ns)
    if not dn.cti_watch:
        return error_xml("operation", "privilegeViolationSpecifiedDevice", ns)
    if isinstance(request, rq.GetDoNotDisturb):
        return get_do_not_disturb_response(dn.do_not_disturb, ns)
    if isinstance(request, rq.SetDoNotDisturb):
        line.tell(c.SetDnd(request.do_not_disturb_on))
        return empty_response("SetDoNotDisturbResponse", ns)
    if isinstance(request, rq.GetForwarding):
        target = dn.call_forward_all
        return get_forwarding_response([ForwardItem("forwardImmediate", bool(target), target)], ns)
    if isinstance(request, rq.SetForwarding):
        if request.forwarding_type != "forwardImmediate":
            return error_xml("operation", "invalidForwardingType", ns)  # CME: call forward all only
        if request.activate_forward and request.forward_dn is None:
            return error_xml("operation", "invalidForwardingDestination", ns)
        line.tell(c.SetForward(request.forward_dn.digits if request.activate_forward else None))
        return empty_response("SetForwardingResponse", ns)
    if isinstance(request, rq.SetMessageWaitingIndicator):
        line.tell(c.SetMwi(request.message_waiting_on))
        return empty_response("SetMessageWaitingIndicatorResponse", ns)
    # SnapshotDevice: the device's connections as its line reports them
    status = gateway.telephony.board.lines.get(dn.tag)
    views = status.calls.values() if status is not None else ()
    items = [SnapshotItem(ConnectionID(v.call_id, digits), CSTA_STATE[v.state]) for v in views]
    return snapshot_device_response(items, ns)


# -- call control: asked of the line, answered when it has acted ----------------------------
CALL_CONTROL = {
    rq.MakeCall: ("make_call", None, None),
    rq.AnswerCall: ("answer", "call_to_be_answered", "AnswerCallResponse"),
    rq.ClearConnection: ("clear", "connection_to_be_cleared", "ClearConnectionResponse"),
    rq.HoldCall: ("hold", "call_to_be_held", "HoldCallResponse"),
    rq.RetrieveCall: ("retrieve", "call_to_be_retrieved", "RetrieveCallResponse"),
    rq.DeflectCall: ("deflect", "call_to_be_diverted", "DeflectCallResponse"),
    rq.SingleStepTransferCall: ("single_step", "active_call", None),
    rq.AlternateCall: ("alternate", "active_call", "AlternateCallResponse"),
    rq.ReconnectCall: ("reconnect", "active_call", "ReconnectCallResponse"),
}


def call_control_target(gateway, request, ns: str):
    """(line ref, CTICall) for a call-control request, or the error XML to answer with."""
    from actors.line_cti import CTICall

    service, field, _ = CALL_CONTROL[type(request)]
    if isinstance(request, rq.MakeCall):
        if request.auto_originate == "prompt":
            # cme.md: prompted MakeCall is unsupported on MOC phones and several models;
            # this server does not prompt at all yet.
            return error_xml("operation", "requestIncompatibleWithObject", ns)
        digits, message = request.calling_device.digits, CTICall(service, called=request.called_directory_number.digits)
    else:
        conn = getattr(request, field)
        called = ""
        if isinstance(request, rq.DeflectCall):
            called = request.new_destination.digits
        elif isinstance(request, rq.SingleStepTransferCall):
            called = request.transferred_to.digits
        held = request.held_call.call_id if isinstance(request, (rq.AlternateCall, rq.ReconnectCall)) else 0
        if held and request.held_call.device.digits != conn.device.digits:
            return error_xml("operation", "requestIncompatibleWithObject", ns)  # one line at a time here
        digits, message = conn.device.digits, CTICall(service, call_id=conn.call_id, called=called, other_call=held)
    dn = gateway.config.dn_by_number(digits)
    line = gateway.telephony.directory.get(digits) if gateway.telephony is not None else None
    if dn is None or line is None:
        return error_xml("operation", "invalidCallingDeviceID" if service == "make_call" else "invalidDeviceID", ns)
    if not dn.cti_watch:
        return error_xml("operation", "privilegeViolationSpecifiedDevice", ns)
    return line, message


def call_control_answer(request, result, ns: str) -> bytes:
    """The CSTA response for what the line answered."""
    from sip.csta.responses import make_call_response, single_step_transfer_call_response

    if result[0] != "ok":
        return error_xml(result[1], result[2], ns)
    if isinstance(request, rq.MakeCall):
        return make_call_response(result[1], ns)
    if isinstance(request, rq.SingleStepTransferCall):
        return single_step_transfer_call_response(result[1], ns)
    return empty_response(CALL_CONTROL[type(request)][2], ns)
