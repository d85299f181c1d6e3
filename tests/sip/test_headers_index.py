"""Headers keeps a name index in step with its ordered fields (issue 15): every look-up
must answer what a scan of the header lines would, after any sequence of changes."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sip.headers import canonical
from sip.message import Headers

NAMES = ["Via", "v", "VIA", "Contact", "m", "Content-Length", "l", "X-Odd", "x-odd", "CSeq"]


class Scan:
    """The reference: a plain list of fields, every look-up a scan."""

    def __init__(self):
        self.fields: list[tuple[str, str]] = []

    def add(self, name, value):
        self.fields.append((canonical(name), value))

    def set(self, name, value):
        name = canonical(name)
        keys = [n.lower() for n, _ in self.fields]
        if name.lower() not in keys:
            self.fields.append((name, value))
            return
        first = keys.index(name.lower())
        self.fields = [(name, value) if j == first else f for j, f in enumerate(self.fields)
                       if j <= first or keys[j] != name.lower()]

    def remove(self, name):
        key = canonical(name).lower()
        self.fields = [f for f in self.fields if f[0].lower() != key]

    def get_all(self, name):
        key = canonical(name).lower()
        return [v for n, v in self.fields if n.lower() == key]


operations = st.lists(st.tuples(st.sampled_from(["add", "set", "remove"]),
                                st.sampled_from(NAMES), st.text("abc", max_size=3)),
                      max_size=25)


def _agree(headers: Headers, scan: Scan) -> None:
    assert list(headers) == scan.fields
    assert len(headers) == len(scan.fields)
    for name in NAMES + ["Absent"]:
        every = scan.get_all(name)
        assert headers.get_all(name) == every
        assert headers.get(name) == (every[0] if every else None)
        assert headers.get(name, "-") == (every[0] if every else "-")
        assert headers.count(name) == len(every)
        assert (name in headers) == bool(every)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_every_look_up_answers_what_a_scan_would(ops):
    headers, scan = Headers(), Scan()
    for op, name, value in ops:
        if op == "remove":
            headers.remove(name)
            scan.remove(name)
        else:
            getattr(headers, op)(name, value)
            getattr(scan, op)(name, value)
        _agree(headers, scan)


@settings(max_examples=100, deadline=None)
@given(operations, operations)
def test_a_copy_has_its_own_index(before, after):
    headers, scan = Headers(), Scan()
    for op, name, value in before:
        getattr(headers, op)(name, *(() if op == "remove" else (value,)))
        getattr(scan, op)(name, *(() if op == "remove" else (value,)))
    copy, original = headers.copy(), list(headers)
    for op, name, value in after:
        getattr(copy, op)(name, *(() if op == "remove" else (value,)))
        getattr(scan, op)(name, *(() if op == "remove" else (value,)))
    _agree(copy, scan)
    assert list(headers) == original
    assert headers == Headers(original)


def test_set_keeps_the_first_position_and_drops_the_rest():
    headers = Headers([("Via", "a"), ("To", "t"), ("v", "b"), ("From", "f"), ("VIA", "c")])
    headers.set("v", "z")
    assert list(headers) == [("Via", "z"), ("To", "t"), ("From", "f")]
    assert headers.get_all("Via") == ["z"]
    assert headers.get("From") == "f"
    headers.add("Via", "y")
    assert headers.get_all("via") == ["z", "y"]
    headers.remove("v")
    assert list(headers) == [("To", "t"), ("From", "f")]
    assert headers.get("To") == "t" and "Via" not in headers


@settings(max_examples=200, deadline=None)
@given(operations, st.lists(st.tuples(st.booleans(), st.sampled_from(["add", "set", "remove"]),
                                      st.sampled_from(NAMES), st.text("abc", max_size=3)),
                            max_size=25))
def test_a_copy_and_its_original_change_apart(before, after):
    """A copy shares the original's index until one of them changes a name's positions
    (copy-on-write): changes to either, in any order, leave the other's look-ups as a
    scan of its own lines answers them."""
    headers, scan = Headers(), Scan()
    for op, name, value in before:
        getattr(headers, op)(name, *(() if op == "remove" else (value,)))
        getattr(scan, op)(name, *(() if op == "remove" else (value,)))
    copy, copy_scan = headers.copy(), Scan()
    copy_scan.fields = list(scan.fields)
    for on_copy, op, name, value in after:
        target, reference = (copy, copy_scan) if on_copy else (headers, scan)
        getattr(target, op)(name, *(() if op == "remove" else (value,)))
        getattr(reference, op)(name, *(() if op == "remove" else (value,)))
        _agree(headers, scan)
        _agree(copy, copy_scan)
    second = copy.copy()  # a copy of a copy: three share one index
    second.add("Via", "new")
    _agree(copy, copy_scan)
    _agree(headers, scan)
