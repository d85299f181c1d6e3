"""The actors' call messages (actors/calls.py ``@message``) against the frozen dataclass
they stand in for: the same fields, defaults, errors and immutability (issue 15)."""
import dataclasses

import pytest

from actors import calls as c
from actors.phone import LinkLost, Received

MESSAGES = [obj for obj in vars(c).values()
            if isinstance(obj, type) and hasattr(obj.__init__, "dataclass_init")] + [Received, LinkLost]


def _by_dataclass_init(cls, *args, **kwargs):
    obj = object.__new__(cls)
    cls.__init__.dataclass_init(obj, *args, **kwargs)
    return obj


def test_every_call_message_takes_the_slot_constructor():
    assert len(MESSAGES) > 25
    assert c.UserAction in MESSAGES and c.Offer in MESSAGES


@pytest.mark.parametrize("cls", MESSAGES, ids=lambda cls: cls.__name__)
def test_the_constructor_equals_the_dataclass_one(cls):
    fields = dataclasses.fields(cls)
    values = [object() for _ in fields]
    for cut in range(len(fields) + 1):  # positional, then keyword, defaults for the rest
        required = [f for f in fields[cut:] if f.default is dataclasses.MISSING]
        kwargs = {f.name: v for f, v in zip(fields[cut:], values[cut:]) if f in required or cut % 2}
        try:
            reference = _by_dataclass_init(cls, *values[:cut], **kwargs)
        except TypeError:
            with pytest.raises(TypeError):
                cls(*values[:cut], **kwargs)
            continue
        fast = cls(*values[:cut], **kwargs)
        assert all(getattr(fast, f.name) is getattr(reference, f.name) for f in fields)
        assert fast == reference and repr(fast) == repr(reference)
    with pytest.raises(TypeError):
        cls(*values, object())  # one positional too many
    with pytest.raises(TypeError):
        cls(*values[:1], bogus=1)
    if fields:  # (a fieldless slotted frozen dataclass trips over its own __setattr__)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(cls(*values), fields[0].name, 1)
