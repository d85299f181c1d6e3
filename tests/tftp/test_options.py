"""RFC 2347/2348/2349 negotiation for a read: what is accepted, capped, ignored."""
import pytest

from tftp.options import DEFAULT_TIMEOUT, MAX_BLKSIZE, Negotiated, negotiate


def test_no_options_no_oack_and_the_rfc_1350_defaults():
    assert negotiate({}, 100) == Negotiated(512, DEFAULT_TIMEOUT, {})


@pytest.mark.parametrize("asked, used", [("8", 8), ("512", 512), ("1024", 1024), ("1468", 1468),
                                         ("1469", MAX_BLKSIZE), ("65464", MAX_BLKSIZE)])
def test_blksize_smaller_is_honoured_larger_is_capped_to_the_ethernet_mtu(asked, used):
    got = negotiate({"blksize": asked}, 0)
    assert got.blksize == used and got.accepted == {"blksize": str(used)}


def test_the_cap_can_be_set():
    assert negotiate({"blksize": "9000"}, 0, max_blksize=8192).accepted == {"blksize": "8192"}


@pytest.mark.parametrize("name, value", [("blksize", "7"), ("blksize", "65465"), ("blksize", "0"),
                                         ("blksize", "x"), ("blksize", "-1"), ("blksize", ""),
                                         ("timeout", "0"), ("timeout", "256"), ("timeout", "1.5"),
                                         ("tsize", "-1"), ("tsize", "big")])
def test_out_of_range_or_non_numeric_values_are_left_out_and_the_default_used(name, value):
    assert negotiate({name: value}, 10) == Negotiated(512, DEFAULT_TIMEOUT, {})


def test_tsize_is_answered_with_the_size_and_timeout_echoed():
    got = negotiate({"tsize": "0", "timeout": "3"}, 123456)
    assert got.accepted == {"tsize": "123456", "timeout": "3"} and got.timeout == 3.0


def test_unknown_options_are_ignored_and_the_clients_order_kept():
    got = negotiate({"windowsize": "8", "timeout": "255", "multicast": "", "blksize": "1428",
                     "tsize": "0"}, 5)
    assert list(got.accepted.items()) == [("timeout", "255"), ("blksize", "1428"), ("tsize", "5")]
    assert got.timeout == 255.0 and got.blksize == 1428
