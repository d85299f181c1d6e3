"""ECMA-323 CSTA XML for uaCSTA (ECMA TR/87): sans-I/O, bytes in, typed objects out, and back.

Requests are parsed safely (no DTDs, no entities, no network, size capped) by local name
in any ECMA-323 edition 2-6 namespace; responses, errors and events are rendered in the
request's namespace (default ed3). Nothing here knows about SIP, Twisted or actors.
"""
from sip.csta.devices import DeviceID, dial_digits, parse_device_id
from sip.csta.errors import CSTAParseError, error_xml
from sip.csta.events import DeviceForms, render_event
from sip.csta.features import get_csta_features_response
from sip.csta.requests import Connection, Parsed, parse_request
from sip.csta.xml import CSTA_NAMESPACES, ED3, MAX_CSTA_BODY, namespace_for

__all__ = [
    "CSTA_NAMESPACES", "CSTAParseError", "Connection", "DeviceForms", "DeviceID", "ED3",
    "MAX_CSTA_BODY", "Parsed", "dial_digits", "error_xml", "get_csta_features_response",
    "namespace_for", "parse_device_id", "parse_request", "render_event",
]
