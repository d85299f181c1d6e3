"""The CSTA feature and snapshot services of Table 1, for the CTI session actor.

Each maps onto what a line already does for its phone: SetDoNotDisturb, SetForwarding and
SetMessageWaitingIndicator send the line the same message its soft keys do (so phone- and
CTI-initiated changes produce the same events), the Get services and SnapshotDevice read
the line's configuration state and status record. A Set service is asked of the line
and answered once the line has saved the change (a change it cannot save is refused).
Every request checks the device: an
unknown number is `invalidDeviceID`, a DN that is not `cti watch` is
`privilegeViolationSpecifiedDevice`, and so is a device outside the session's scope
(actors/cti_scope.py: the session checks it for the features, call_control_target for the
controlled device of call control). Call-control services are asked of the line
(actors/line_cti.py) and answered when it has acted.
"""
from __future__ import annotations

from dataclasses import replace

from actors import calls as c
from actors.events import ConnectionID
from actors.line_cti import CTICall
from actors.status import CallViews
from conf.destination import outbound_peers
from conf.pattern import ARG_TYPES, ArgError
from fsm.connection import CSTA_STATE
from sip.csta import requests as rq
from sip.csta.errors import error_xml
from sip.csta.responses import (ForwardItem, SnapshotItem, consultation_call_response, empty_response,
                                get_do_not_disturb_response, get_forwarding_response, make_call_response,
                                single_step_transfer_call_response, snapshot_device_response,
                                transfer_call_response)

DIGITS = ARG_TYPES["digits"]  # what `call-forward all` accepts in the configuration
FEATURES = (rq.GetDoNotDisturb, rq.SetDoNotDisturb, rq.GetForwarding, rq.SetForwarding,
            rq.SetMessageWaitingIndicator)


def serve_feature(host, request, ns: str):
    """The answer to a Get service (bytes, at once), or for a Set service the (line ref,
    message) to ask the line: the change is acknowledged only once the line has saved it
    (feature_answer)."""
    digits = request.device.digits
    dn = host.config.dn_by_number(digits)
    line = host.directory.get(digits)
    if dn is None or line is None:
        return error_xml("operation", "invalidDeviceID", ns)
    if not dn.cti_watch:
        return error_xml("operation", "privilegeViolationSpecifiedDevice", ns)
    if isinstance(request, rq.GetDoNotDisturb):
        return get_do_not_disturb_response(dn.do_not_disturb, ns)
    if isinstance(request, rq.SetDoNotDisturb):
        return line, c.SetDnd(request.do_not_disturb_on)
    if isinstance(request, rq.GetForwarding):
        target = dn.call_forward_all
        return get_forwarding_response([ForwardItem("forwardImmediate", bool(target), target)], ns)
    if isinstance(request, rq.SetForwarding):
        if request.forwarding_type != "forwardImmediate":
            return error_xml("operation", "invalidForwardingType", ns)  # CME: call forward all only
        if request.activate_forward and not _forwardable(request.forward_dn, digits):
            return error_xml("operation", "invalidForwardingDestination", ns)
        return line, c.SetForward(request.forward_dn.digits if request.activate_forward else None)
    if isinstance(request, rq.SetMessageWaitingIndicator):
        return line, c.SetMwi(request.message_waiting_on)


_FEATURE_RESPONSES = {rq.SetDoNotDisturb: "SetDoNotDisturbResponse", rq.SetForwarding: "SetForwardingResponse",
                      rq.SetMessageWaitingIndicator: "SetMessageWaitingIndicatorResponse"}


def feature_answer(request, in_effect, ns: str) -> bytes:
    """The CSTA response for what the line answered a Set service: its empty response
    when the change is in effect (saved); when it could not be saved, the line is as it
    was and the request fails with systemResourceAvailibility/resourceOutOfService (the
    resource the service needs, the state store, is out of service: the application may
    retry later; nothing about the request or the device is wrong)."""
    if in_effect is True:
        return empty_response(_FEATURE_RESPONSES[type(request)], ns)
    if in_effect is False:
        return error_xml("systemResourceAvailibility", "resourceOutOfService", ns)
    return error_xml("unspecified", "unspecified", ns)  # the line failed on it


def _forwardable(target, own: str) -> bool:
    """A forward number `call-forward all` would take (digits, * and #), not the DN itself."""
    if target is None:
        return False
    try:
        number = DIGITS(target.digits)
    except ArgError:
        return False
    return number != own


# -- call control: asked of the line, answered when it has acted ----------------------------
# request type -> (line service, the field naming the connection, empty response's name)
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
    rq.ConsultationCall: ("consult", "existing_call", None),
    rq.TransferCall: ("transfer", "active_call", None),
    rq.GenerateDigits: ("digits", "connection_to_send_digits", "GenerateDigitsResponse"),
    rq.SnapshotDevice: ("snapshot", None, None),  # the line owns its connections: it is asked
}
_NUMBER = {  # the request field holding the number (or digits) the service needs
    rq.DeflectCall: lambda r: r.new_destination.digits,
    rq.SingleStepTransferCall: lambda r: r.transferred_to.digits,
    rq.ConsultationCall: lambda r: r.consulted_device.digits,
    rq.GenerateDigits: lambda r: r.characters_to_send,
}
_TWO_CALLS = (rq.AlternateCall, rq.ReconnectCall, rq.TransferCall)  # also name a held call


def call_control_target(host, request, ns: str, session_line: str = "", scope=None):
    """(line ref, CTICall) for a call-control request, or the error XML to answer with.
    ``scope`` (actors.cti_scope.SessionScope) says which devices the session may control:
    the calling device, or the device of the connection acted on; never the destination."""
    service, field, _ = CALL_CONTROL[type(request)]
    if isinstance(request, rq.SnapshotDevice):
        digits, message = request.snapshot_object.digits, CTICall(service)
    elif isinstance(request, rq.MakeCall):
        digits = request.calling_device.digits
        prompt = request.auto_originate == "prompt"
        message = CTICall(service, called=request.called_directory_number.digits, prompt=prompt)
        if host.config.dn_by_number(digits) is None:  # not a DN: dial-via-office, or refused
            return _dial_via_office(host, message, digits, session_line, ns)
    else:
        conn = getattr(request, field)
        called = _NUMBER[type(request)](request) if type(request) in _NUMBER else ""
        held = request.held_call.call_id if isinstance(request, _TWO_CALLS) else 0
        if held and request.held_call.device.digits != conn.device.digits:
            return error_xml("operation", "requestIncompatibleWithObject", ns)  # one line at a time here
        digits, message = conn.device.digits, CTICall(service, call_id=conn.call_id, called=called, other_call=held)
    dn = host.config.dn_by_number(digits)
    directory = host.directory
    line = directory.get(digits)
    if dn is None or line is None:
        return error_xml("operation", "invalidCallingDeviceID" if service == "make_call" else "invalidDeviceID", ns)
    if not dn.cti_watch or (scope is not None and not scope.allows(digits)):
        return error_xml("operation", "privilegeViolationSpecifiedDevice", ns)
    if service not in ("make_call", "snapshot") and not all(directory.line_of_call(call_id) is not None
                                          for call_id in (message.call_id, message.other_call) if call_id):
        # No such call anywhere (the directory routes every live call id to its line); a
        # call that exists but not at this device is the line's invalidConnectionID.
        return error_xml("operation", "invalidCallID", ns)
    if message.prompt and host.config.voip.csta_mode_basic:
        # cme.md: no prompted MakeCall on a phone associated with a MOC client; the line
        # knows which phones show it and what else they show.
        message = replace(message, moc_lines=host.session_lines())
    return line, message


def published_snapshot(host, request, ns: str) -> bytes | None:
    """SnapshotDevice answered from the calls the line publishes (its LineStatus.calls, a
    live actors.status.CallViews over its own connections, read between two of its
    messages on the reactor thread) instead of an ask and a reply through two mailboxes;
    None when the host shows no such view (no status board, or no line actor behind it):
    then the line is asked. The same items the line's CTIServices.serve gives: each
    connection's ConnectionID on the DN and its CSTA state, in the line's order. Call it
    only after call_control_target accepted the request (the device and scope checks)."""
    board = getattr(host, "board", None)
    dn = host.config.dn_by_number(request.snapshot_object.digits)
    status = board.lines.get(dn.tag) if board is not None and dn is not None else None
    if status is None or not isinstance(status.calls, CallViews):
        return None
    number = dn.number or ""
    return snapshot_device_response([SnapshotItem(ConnectionID(view.call_id, number), CSTA_STATE[view.state])
                                     for view in status.calls.values()], ns)


def _dial_via_office(host, message, remote: str, session_line: str, ns: str):
    """CME 8.8 dial-via-office: MakeCall on the session's line whose callingDevice is the
    user's remote phone. Only the number the line's `snr` names may be rung this way (an
    application must not make the server call two arbitrary outside numbers); any other
    outside number is `privilegeViolationSpecifiedDevice`."""
    dn = host.config.dn_by_number(session_line) if session_line else None
    line = host.directory.get(session_line) if dn is not None else None
    snr = getattr(dn, "snr", None)
    if dn is None or line is None or snr is None or snr.number != remote or not dn.cti_watch:
        outside = bool(outbound_peers(host.config.dial_peers.values(), remote))  # one we could call
        return error_xml("operation", "privilegeViolationSpecifiedDevice" if outside else "invalidCallingDeviceID", ns)
    return line, replace(message, remote=remote, prompt=True, remote_timeout=snr.timeout)


_RESPONSES = {  # the call-control responses that name a connection
    rq.MakeCall: make_call_response, rq.SingleStepTransferCall: single_step_transfer_call_response,
    rq.ConsultationCall: consultation_call_response, rq.TransferCall: transfer_call_response,
}


def call_control_answer(request, result, ns: str) -> bytes:
    """The CSTA response for what the line answered."""
    if result[0] == "snapshot":
        return snapshot_device_response([SnapshotItem(cid, state) for cid, state in result[1]], ns)
    if result[0] != "ok":
        return error_xml(result[1], result[2], ns)
    respond = _RESPONSES.get(type(request))
    if respond is not None:
        return respond(result[1], ns)
    return empty_response(CALL_CONTROL[type(request)][2], ns)
