"""GetCSTAFeaturesResponse for the product's service set (cme.md Table 1), exactly as csta.md
lists it. Lists appear in the schema's order (capExchange, systemStat, monitoring, ...);
capability names are the schema's, which differ from request names (singleStepTransfer,
transferred)."""
from __future__ import annotations

from functools import cache

from sip.csta.xml import Builder, namespace_for

SUPPORTED_SERVICES = (
    ("systemStatServList", ("systemRegister", "requestSystemStatus", "systemStatus")),
    ("monitoringServList", ("monitorStart", "monitorStop")),
    ("snapshotServList", ("snapshotDevice",)),
    ("callControlServList", ("alternateCall", "answerCall", "clearConnection", "consultationCall",
                             "deflectCall", "holdCall", "makeCall", "reconnectCall", "retrieveCall",
                             "singleStepTransfer", "transferCall")),
    ("callAssociatedServList", ("generateDigits",)),
    ("physDevServList", ("setMessageWaitingIndicator",)),
    ("logicalServList", ("getDoNotDisturb", "getForwarding", "setDoNotDisturb", "setForwarding")),
)
SUPPORTED_EVENTS = (
    ("callControlEvtsList", ("connectionCleared", "delivered", "diverted", "established", "failed",
                             "held", "originated", "retrieved", "serviceInitiated", "transferred")),
    ("physDevEvtsList", ("messageWaiting",)),
    ("logicalEvtsList", ("doNotDisturb", "forwarding")),
)


def get_csta_features_response(namespace: str | None = None) -> bytes:
    return _features(namespace_for(namespace))


@cache  # the same document for each of the five CSTA editions
def _features(namespace: str) -> bytes:
    b = Builder("GetCSTAFeaturesResponse", namespace)
    for section, lists in (("supportedServices", SUPPORTED_SERVICES),
                           ("supportedEvents", SUPPORTED_EVENTS)):
        parent = b.add(b.root, section)
        for name, capabilities in lists:
            el = b.add(parent, name)
            for capability in capabilities:
                b.add(el, capability)
    return b.bytes()
