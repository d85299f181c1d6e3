"""The SCCP phone's rendering of call steps: every step has one, for its own call and button."""
import pytest

from actors.events import STEPS, CallStep, FeatureEvent
from actors.phone_view import can_prompt, render, render_feature
from sccp import messages as m
from sccp.enums import CallState, LampMode, RingMode, Tone


def step(name, **kw):
    base = dict(step=name, line=1, call_id=42, state="connected", device="SEP1", calling="202", called="201")
    base.update(kw)
    return CallStep(**base)


@pytest.mark.parametrize("name", sorted(STEPS - {"media"}))
def test_every_step_renders_for_the_call_it_is_about(name):
    out = render(step(name, digits="5"), 3)
    assert bool(out) == (name not in ("forgotten", "refused")), (name, out)  # only those show nothing
    for message in out:
        for field, value in (("call_reference", 42), ("line_instance", 3)):
            if hasattr(message, field) and getattr(message, field) not in (0, value):
                pytest.fail(f"{name}: {type(message).__name__}.{field} = {getattr(message, field)}")


def test_ringing_rings_unless_the_phone_is_busy_then_it_beeps():
    ringing = render(step("ringing", outbound=False), 1)
    assert any(isinstance(x, m.SetRingerMessage) and x.ring_mode == RingMode.INSIDE for x in ringing)
    info = next(x for x in ringing if isinstance(x, m.CallInfoMessage))
    assert (info.calling_party, info.called_party) == ("202", "201")
    waiting = render(step("ringing"), 1, waiting=True)
    assert not any(isinstance(x, m.SetRingerMessage) for x in waiting)
    assert any(isinstance(x, m.CallStateMessage) and x.call_state == CallState.CALL_WAITING for x in waiting)


def test_failed_plays_busy_or_reorder_and_media_starts_to_the_far_end():
    assert render(step("failed", busy=True), 1)[-1].tone == Tone.BUSY
    assert render(step("failed", busy=False), 1)[-1].tone == Tone.REORDER
    (start,) = render(step("media", media=("10.0.0.9", 24580)), 1)
    assert (str(start.remote_ip), start.remote_port) == ("10.0.0.9", 24580)


def test_features_render_on_the_button_of_their_line():
    (fwd,) = render_feature(FeatureEvent("forwarding", "201", True, "2424", line=1), 2)
    assert fwd.forward_all_number == "2424" and fwd.line_number == 2
    (lamp,) = render_feature(FeatureEvent("message_waiting", "201", True), 1)
    assert lamp.lamp_mode == LampMode.ON


def test_prompting_is_refused_on_the_models_cme_excludes():
    assert can_prompt("7961") and not can_prompt("7921") and not can_prompt("ATA")


# -- render_frames: the steps of an ordinary call straight to frames (issue 15, round 3) ---
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from actors.phone_view import _FRAMES, render_frames  # noqa: E402
from sccp.framing import encode  # noqa: E402

_text = st.text(st.characters(min_codepoint=1, blacklist_categories=("Cs",)), max_size=50)
_u32 = st.integers(0, 2 ** 32 - 1)


def _steps():
    return st.builds(
        CallStep, st.sampled_from(sorted(STEPS)), st.integers(-5, 300), _u32,
        st.sampled_from(["initiated", "dialing", "originated", "alerting", "connected", "hold", "fail", "null"]),
        st.just("SEP1"), st.integers(0, 8), _text, _text, _text, _text, st.booleans(), st.booleans(),
        st.booleans(), st.one_of(st.none(), st.tuples(st.ip_addresses(v=4).map(str), st.integers(0, 65535))),
        st.text("0123456789*#ABCD", max_size=4), st.sampled_from(["", "g711ulaw", "g711alaw", "other"]),
        st.integers(0, 127), st.booleans())


@settings(max_examples=600)
@given(_steps(), st.one_of(st.integers(0, 300), st.just(100_000), _u32), st.booleans())
def test_render_frames_are_the_rendered_messages_encoded(s, line, waiting):
    if s.step == "media" and s.media is None:
        s = s._replace(media=("10.0.0.1", 16384))  # a media step always says where
    assert render_frames(s, line, waiting=waiting) == b"".join(map(encode, render(s, line, waiting=waiting)))


def test_the_ordinary_call_steps_take_the_frames_path():
    assert {"dialtone", "digits", "proceeding", "ringback", "ringing", "answered", "connected",
            "cleared", "media", "open_media"} <= set(_FRAMES) <= STEPS
