"""LineCalls.free_instance: the lowest call instance no connection holds, for every way a
single, dual or octo line can be held (exhaustive against the plain rule)."""
import itertools

import pytest

from actors.connection import Connection
from tests.actors.test_line_digits import line


@pytest.mark.parametrize("dual, octo, size", [(False, False, 1), (True, False, 2), (False, True, 8)])
def test_free_instance_is_the_lowest_not_held(dual, octo, size):
    calls, _, _ = line({})
    calls.dn.dual_line, calls.dn.octo_line = dual, octo
    for n in range(size + 1):
        for held in itertools.combinations(range(1, size + 1), n):
            calls.connections = {i: Connection(i, instance, "g") for i, instance in enumerate(held, 1)}
            expected = next((i for i in range(1, size + 1) if i not in held), None)
            assert calls.free_instance() == expected, held
