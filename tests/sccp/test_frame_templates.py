"""sccp/frame_templates.py: a step's frames from a template with the call reference
spliced in are the frames rendered directly, for every reference; a function the template
cannot stand for is rendered directly."""
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from sccp import step_frames as frames
from sccp.frame_templates import MAX_TEMPLATES, by_ref

_u32 = st.integers(0, 2 ** 32 - 1)
_line = st.one_of(st.integers(-3, 300), _u32)

TEMPLATED = {
    "off_hook": (lambda line, ref, speaker: frames.off_hook(line, ref, speaker=speaker), st.booleans()),
    "ring_out": (lambda line, ref, tone: frames.ring_out(line, ref, tone=tone), st.booleans()),
    "on_hook": (lambda line, ref, media, speaker_off: frames.on_hook(line, ref, media=media, speaker_off=speaker_off),
                st.tuples(st.booleans(), st.booleans())),
    "ring_in_before_info": (frames.ring_in_before_info, st.just(())),
    "ring_in_after_info": (frames.ring_in_after_info, st.booleans()),
    "connected_after_info": (frames.connected_after_info, st.booleans()),
}


def _flags(x):
    return x if isinstance(x, tuple) else (x,)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(TEMPLATED)), st.data())
def test_the_template_renders_what_the_function_renders(name, data):
    function, flags = TEMPLATED[name]
    templated = by_ref(function)
    for _ in range(3):  # the first call makes the template, the others use it
        line, ref, flag = data.draw(_line), data.draw(st.one_of(_u32, st.integers(-5, -1), st.just(2 ** 32))), \
            _flags(data.draw(flags))
        try:
            expected = function(line, ref, *flag)
        except Exception as e:  # out of a field's range: the same error either way
            try:
                templated(line, ref, *flag)
            except type(e):
                continue
            raise AssertionError(f"{name}({line}, {ref}, {flag}) rendered where the function raised {e!r}")
        assert templated(line, ref, *flag) == expected


def test_the_steps_are_templated_for_a_usual_line():
    off_hook = by_ref(lambda line, ref, speaker: frames.off_hook(line, ref, speaker=speaker))
    assert off_hook(1, 7, True) == frames.off_hook(1, 7, speaker=True)
    (chunks,) = off_hook.templates.values()
    assert chunks is not None and len(chunks) > 2  # the reference goes in several places


def _u16_ref(line, ref):
    return struct.pack("<HH", line, ref & 0xFFFF)


def _clamped(line, ref):
    return struct.pack("<II", line, min(ref, 1000))


def _ref_plus_one(line, ref):
    return struct.pack("<II", ref, (ref + 1) & 0xFFFF_FFFF)


def test_a_function_that_does_not_put_the_reference_as_a_u32_is_rendered_directly():
    for function in (_u16_ref, _clamped, _ref_plus_one):
        templated = by_ref(function)
        for ref in (0, 5, 999, 1001, 0x1234_5678, 2 ** 32 - 1):
            assert templated(3, ref) == function(3, ref), (function.__name__, ref)
        assert list(templated.templates.values()) == [None], function.__name__


def test_past_the_cap_it_renders_directly_and_keeps_no_more_templates():
    templated = by_ref(frames.ring_in_before_info)
    for line in range(MAX_TEMPLATES + 20):
        assert templated(line, 9) == frames.ring_in_before_info(line, 9)
    assert len(templated.templates) == MAX_TEMPLATES


_text = st.text(st.characters(min_codepoint=1, blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 300), st.lists(_u32, min_size=1, max_size=3), _text, _text, _text, _text, st.booleans())
def test_a_call_info_template_is_the_call_info_for_any_reference(line, refs, calling, calling_name, called,
                                                                 called_name, outbound):
    templated = by_ref(frames.call_info.__wrapped__)
    for ref in refs:
        assert templated(line, ref, calling, calling_name, called, called_name, outbound) == \
            frames.call_info(line, ref, calling, calling_name, called, called_name, outbound)


def test_past_the_cap_a_new_key_goes_to_the_direct_function_without_a_template_made():
    made, direct = [], []

    def function(line, ref):
        made.append(line)
        return struct.pack("<II", line, ref)

    templated = by_ref(function, limit=1, direct=lambda line, ref: direct.append(line) or function(line, ref))
    assert templated(1, 5) == struct.pack("<II", 1, 5) and direct == []
    made.clear()
    assert templated(2, 5) == struct.pack("<II", 2, 5)
    assert direct == [2] and made == [2]  # rendered once, directly: no probes
