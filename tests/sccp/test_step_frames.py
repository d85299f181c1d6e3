"""Frames packed from field values (sccp.framing.fields_frame, used by sccp/step_frames.py)
against the message they stand in for, encoded (issue 15, round 3)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sccp.framing import _frame_of, encode, fields_frame
from sccp.message import MESSAGES
from tests.sccp.strategies import messages_of

COMPILED = [cls for cls in MESSAGES.values() if _frame_of(cls) is not None]


def test_every_message_with_a_compiled_frame_has_a_fields_frame():
    assert len(COMPILED) == len(MESSAGES) - 4  # the four with arrays take the general path
    for cls in MESSAGES.values():
        if cls not in COMPILED:
            with pytest.raises(TypeError):
                fields_frame(cls)


@settings(max_examples=500)
@given(st.data())
def test_fields_frame_equals_the_message_encoded(data):
    cls = data.draw(st.sampled_from(COMPILED))
    sample = data.draw(messages_of(cls))
    names = [name for name, _ in cls._layout.fields]
    given_names = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    fields = {name: getattr(sample, name) for name in given_names}
    fields["header_version"] = sample.header_version
    assert fields_frame(cls)(**fields) == encode(cls(**fields))


def test_a_value_out_of_range_is_the_messages_clear_error():
    set_lamp = MESSAGES[0x0086]
    with pytest.raises(ValueError, match="cannot encode"):
        fields_frame(set_lamp)(stimulus_instance=2 ** 32)
    with pytest.raises(TypeError):
        fields_frame(set_lamp)(bogus=1)
    with pytest.raises(TypeError):
        fields_frame(set_lamp)(1)  # keyword-only
