"""The snapshot of a device with no call is made once per CSTA edition: the same bytes the
general builder writes, in every namespace a caller may pass."""
import pytest

from sip.csta import responses as r
from sip.csta.xml import NAMESPACES


@pytest.mark.parametrize("namespace", [None, "", "urn:not-csta", *NAMESPACES.values()])
def test_no_calls_snapshot_is_the_built_one(namespace):
    assert r.snapshot_device_response([], namespace) == r._snapshot([], namespace)
    assert r.snapshot_device_response(iter(()), namespace) == r._snapshot([], namespace)
