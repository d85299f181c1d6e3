"""twistd plugin: `twistd -n cme --config FILE [--strict] [--trace NS …] [--json-log PATH]`.

Kept tiny on purpose: twistd imports every plugin module on the path to list them, so the
real work is imported inside makeService.
"""
from twisted.application.service import ServiceMaker

cme = ServiceMaker(
    "cme-cti",
    "cme.plugin",
    "Cisco CME-compatible CTI CSTA server (uaCSTA over SIP, SCCP phones)",
    "cme",
)
