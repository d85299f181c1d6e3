"""How an SCCP phone shows the steps of its lines' calls: the one caller of the presenter.

A line tells every endpoint that shows it the same protocol-neutral steps
(actors/events.py CallStep, FeatureEvent); this is the SCCP phone's rendering of them,
as sccp/presenter.py's real CallManager sequences. What the phone itself knows goes in:
which button the line is on (`line`) and whether the phone is busy on another call, in
which case a new call beeps instead of ringing (call waiting).
"""
from __future__ import annotations

from actors.events import CallStep, FeatureEvent
from sccp import presenter as show
from sccp import step_frames as frames
from sccp.frame_templates import by_ref
from sccp.framing import encode

# cme.md: prompted MakeCall is not supported on 792x, 793x, ATAs, VG224 and FXS ports.
UNPROMPTABLE_MODELS = frozenset("7920 7921 7925 7926 7931 7935 7936 7937 ata ata-187 anl vgc-phone".split())


def can_prompt(model: str) -> bool:
    return model.lower() not in UNPROMPTABLE_MODELS


def _info(s: CallStep, line: int):
    return show.call_info(line, s.call_id, calling=s.calling, calling_name=s.calling_name,
                          called=s.called, called_name=s.called_name, outbound=s.outbound)


def _answered(s, line, waiting):
    return show.answering(line, s.call_id) + show.connected(line, s.call_id, _info(s, line))


_RENDER = {
    "dialtone": lambda s, line, waiting: show.off_hook(line, s.call_id, speaker=s.speaker),
    "digits": lambda s, line, waiting: show.first_digit(line, s.call_id),
    "proceeding": lambda s, line, waiting: show.proceeding(line, s.call_id, s.called, _info(s, line)),
    "ringback": lambda s, line, waiting: show.ring_out(line, s.call_id, tone=s.media is None),
    "ringing": lambda s, line, waiting: show.ring_in(line, s.call_id, _info(s, line), waiting=waiting),
    "answered": _answered,
    "picked_up": lambda s, line, waiting: show.answering(line, s.call_id),
    "connected": lambda s, line, waiting: show.connected(line, s.call_id, _info(s, line), receiving=s.receiving),
    "held": lambda s, line, waiting: show.hold(line, s.call_id),
    "resumed": lambda s, line, waiting: show.resume(line, s.call_id, _info(s, line)),
    "failed": lambda s, line, waiting: show.failed(line, s.call_id, busy=s.busy),
    "cleared": lambda s, line, waiting: show.on_hook(line, s.call_id),
    "ring_stopped": lambda s, line, waiting: show.on_hook(line, s.call_id, media=False, speaker_off=False),
    "forgotten": lambda s, line, waiting: [],
    "refused": lambda s, line, waiting: [],
    "peer_held": lambda s, line, waiting: show.stop_media(s.call_id),
    "peer_retrieved": lambda s, line, waiting: [show.open_receive(s.call_id)],
    "peer_replaced": lambda s, line, waiting: show.stop_media(s.call_id) + [show.open_receive(s.call_id)],
    "media": lambda s, line, waiting: ([show.stop_tone(line, s.call_id)] if s.state == "originated" else [])
    + show.start_media(s.call_id, *s.media, codec=s.codec, dtmf_payload=s.dtmf_payload),  # early media replaces the ringback tone
    "open_media": lambda s, line, waiting: [show.open_receive(s.call_id)],
    "dtmf": lambda s, line, waiting: show.dtmf(line, s.call_id, s.digits),
}


def render(step: CallStep, line: int, *, waiting: bool = False) -> list:
    """The SCCP messages for one step, on button `line`."""
    return _RENDER[step.step](step, line, waiting)


# The call info differs from call to call between the same two lines by its reference
# only: a template per (button, numbers, names, direction), for the first
# CALL_INFO_TEMPLATES of them (calls between the same lines again, a CTI application's
# click-to-dial); any other is rendered by step_frames.call_info (cached for its second
# showing, at the answer).
CALL_INFO_TEMPLATES = 2048
_call_info = by_ref(frames.call_info.__wrapped__, CALL_INFO_TEMPLATES, direct=frames.call_info)


_proceeding = by_ref(lambda line, ref, number: frames.proceeding(line, ref, number, b""), CALL_INFO_TEMPLATES)


def _info_frame(s: CallStep, line: int) -> bytes:
    return _call_info(line, s.call_id, s.calling, s.calling_name, s.called, s.called_name, s.outbound)


# The steps of an ordinary call, straight to frames (sccp/step_frames.py): each entry is
# its _RENDER entry encoded, without the message objects (tests/actors/test_phone_view.py
# compares the two for every step).
# The steps that are the same bytes on every call but for the call reference come from a
# checked template with the reference spliced in (sccp/frame_templates.py).
_off_hook = by_ref(lambda line, ref, speaker: frames.off_hook(line, ref, speaker=speaker))
_ring_in_before = by_ref(frames.ring_in_before_info)
_ring_in_after = by_ref(frames.ring_in_after_info)
_answering = by_ref(lambda line, ref: frames.answering(line, ref) + frames.stop_tone(line, ref))
_connected_after = by_ref(frames.connected_after_info)
_ring_out = by_ref(lambda line, ref, tone: frames.ring_out(line, ref, tone=tone))
_cleared = by_ref(frames.on_hook)
_ring_stopped = by_ref(lambda line, ref: frames.on_hook(line, ref, media=False, speaker_off=False))

_FRAMES = {
    "dialtone": lambda s, line, waiting: _off_hook(line, s.call_id, s.speaker),
    "digits": lambda s, line, waiting: frames.first_digit(line, s.call_id),
    "proceeding": lambda s, line, waiting: _proceeding(line, s.call_id, s.called) + _info_frame(s, line),
    "ringback": lambda s, line, waiting: _ring_out(line, s.call_id, s.media is None),
    "ringing": lambda s, line, waiting: _ring_in_before(line, s.call_id) + _info_frame(s, line)
    + _ring_in_after(line, s.call_id, waiting),  # frames.ring_in
    "answered": lambda s, line, waiting: _answering(line, s.call_id) + _info_frame(s, line)
    + _connected_after(line, s.call_id, False),  # frames.answering + frames.connected
    "connected": lambda s, line, waiting: frames.stop_tone(line, s.call_id) + _info_frame(s, line)
    + _connected_after(line, s.call_id, s.receiving),  # frames.connected
    "cleared": lambda s, line, waiting: _cleared(line, s.call_id),
    "ring_stopped": lambda s, line, waiting: _ring_stopped(line, s.call_id),
    "forgotten": lambda s, line, waiting: b"",
    "refused": lambda s, line, waiting: b"",
    "media": lambda s, line, waiting: (frames.stop_tone(line, s.call_id) if s.state == "originated" else b"")
    + frames.start_media(s.call_id, *s.media, codec=s.codec, dtmf_payload=s.dtmf_payload),
    "open_media": lambda s, line, waiting: frames.open_receive(s.call_id),
}


def render_frames(step: CallStep, line: int, *, waiting: bool = False) -> bytes:
    """``render`` encoded: the frames of one step on button `line`, in order."""
    fast = _FRAMES.get(step.step)
    if fast is not None:
        return fast(step, line, waiting)
    return b"".join(map(encode, _RENDER[step.step](step, line, waiting)))


def render_feature(event: FeatureEvent, line: int) -> list:
    if event.kind == "forwarding":
        return show.forward_status(line, event.forward_to if event.on else None)
    if event.kind == "do_not_disturb":
        return show.dnd(event.on)
    if event.kind == "message_waiting":
        return show.message_lamp(event.on)
    if event.kind == "not_saved":
        return show.not_saved(line)
    return []
