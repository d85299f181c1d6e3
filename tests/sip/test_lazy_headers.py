"""Headers the parser does not check (issue 15: "a lazily parsed header that turns out
bad when first read is still answered with the right 400 and never raises past the
transaction"): the list headers read after parsing, Accept by the inspection and
Supported by the session timer, are checked by inspect_request, which answers a bad one
400 naming it, before the TU or anything else reads them."""
from __future__ import annotations

import pytest
from twisted.internet import task

from sip.core import UASCore
from sip.inspection import inspect_request

from tests.sip.test_core import FakeFlow, request

BAD = [("Accept", '"application/csta+xml', "unterminated quoted string"),
       ("Accept", "application/<csta+xml", "unterminated <"),
       ("Supported", '"timer', "unterminated quoted string"),
       ("Supported", "<timer", "unterminated <")]


@pytest.mark.parametrize("name, value, why", BAD)
def test_inspection_answers_a_bad_list_header_400(name, value, why):
    req = request("INVITE", extra=f"{name}: {value}\r\n")
    rejection = inspect_request(req)
    assert rejection is not None and rejection.status == 400
    assert rejection.reason == f"Bad {name}: {why}"
    assert rejection.to_tag  # a final response to an INVITE: a To tag of ours


@pytest.mark.parametrize("name, value, why", BAD)
@pytest.mark.parametrize("method", ["INVITE", "OPTIONS", "INFO", "BYE"])
def test_a_bad_list_header_never_raises_past_the_core(name, value, why, method):
    clock, flow = task.Clock(), FakeFlow(reliable=True)
    delivered = []
    core = UASCore(clock, on_request=lambda *args: delivered.append(args))
    core.receive(request(method, transport="TCP", extra=f"{name}: {value}\r\n"), flow)
    [answer] = flow.sent
    assert answer.status == 400 and answer.reason == f"Bad {name}: {why}"
    assert delivered == []  # the TU never saw it
    if method == "INVITE":  # a 400 to an INVITE waits for its ACK (Timer H)
        core.receive(request("ACK", transport="TCP"), flow)
    assert core.stats()["transactions"] == 0 and clock.getDelayedCalls() == []


def test_good_list_headers_still_pass():
    req = request("INVITE", extra='Accept: application/csta+xml, "quoted,type"\r\n'
                                  "Supported: timer, <odd>\r\n")
    assert inspect_request(req) is None
