"""CSTAErrorCode: the negative outcome of any CSTA request, and the parse error carrying it."""
from __future__ import annotations

#: The CSTAErrorCode choice elements (ECMA-323), spelled as the schema spells them.
CATEGORIES = frozenset({
    "operation", "security", "stateIncompatibility", "systemResourceAvailibility",
    "subscribedResourceAvailability", "performanceManagement", "privateData", "unspecified",
})


class CSTAParseError(ValueError):
    """A request that cannot be served as sent, with the CSTA error to answer it with.

    `reason` tells the transport what kind of failure it was, so it can choose a SIP status:
    "size" (413), "xml"/"dtd" (400: not usable XML), "request" (a CSTA request, malformed or
    unknown: answer with the CSTAErrorCode in a 200 OK).
    """

    def __init__(self, message: str, category: str, value: str, namespace: str | None = None,
                 reason: str = "request"):
        super().__init__(message)
        self.category = category
        self.value = value
        self.namespace = namespace
        self.reason = reason

    def error_xml(self, namespace: str | None = None) -> bytes:
        return error_xml(self.category, self.value, namespace or self.namespace)


def error_xml(category: str, value: str, namespace: str | None = None) -> bytes:
    """`<CSTAErrorCode><category>value</category></CSTAErrorCode>` in the request's namespace."""
    from sip.csta.xml import render  # errors is imported by xml: avoid the cycle at import

    if category not in CATEGORIES:
        raise ValueError(f"not a CSTAErrorCode choice: {category!r}")
    return render("CSTAErrorCode", namespace, lambda b: b.add(b.root, category, value))
