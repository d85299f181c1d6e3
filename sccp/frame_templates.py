"""A call step's frames as a template with the call reference spliced in.

Most steps of a call are the same bytes on every call but for the call reference, packed
as a little-endian u32 wherever a message carries it (callReference, conferenceId,
passThruPartyId). :func:`by_ref` turns ``frames(line, ref, *flags) -> bytes`` into the same
function that renders once per (line, flags), finds where the reference goes, and then
copies the template and packs each call's reference there (about 1 us against 2.5-4 us
for a step's six to nine messages packed field by field).

It is for functions that put the reference as it is into u32 fields (sccp/step_frames.py's
steps), and only trusted after it has been checked: rendered with two probe references, the
two renderings may differ only in whole u32 fields holding those references, and the
template must reproduce four more renderings exactly (a third probe, 0, 1 and the largest
u32); otherwise (or for a reference that is not a u32, or past :data:`MAX_TEMPLATES` keys)
the function renders directly, as before.
tests/actors/test_phone_view.py compares every step rendered this way with the presenter's
messages encoded; tests/sccp/test_frame_templates.py checks the splice itself.
"""
from __future__ import annotations

import struct
from typing import Callable

MAX_TEMPLATES = 512  # (line, flags) keys kept per function; beyond, render directly
_U32 = struct.Struct("<I")
_PROBES = (0x5A3C_9E17, 0x1B2D_4F68)  # two references no other field holds: where they differ
_CHECKS = (0x7E6F_0A95, 1, 0, 0xFFFF_FFFF)  # what the template must then reproduce exactly


def _fill(chunks: tuple[bytes, ...], ref: int) -> bytes:
    """The template (its bytes between the reference's places) with `ref` in each place."""
    return _U32.pack(ref).join(chunks)


def _template(frames: Callable[..., bytes], line, flags: tuple) -> tuple[bytes, ...] | None:
    """The checked template of frames(line, ref, *flags): the bytes between the places of
    the reference, in order; None when it cannot be one."""
    try:
        a, b = (frames(line, probe, *flags) for probe in _PROBES)
        checks = [(ref, frames(line, ref, *flags)) for ref in _CHECKS]
    except Exception:  # what the direct rendering raises, it raises again there
        return None
    if len(a) != len(b):
        return None
    pa, pb = _U32.pack(_PROBES[0]), _U32.pack(_PROBES[1])
    offsets, i = [], 0
    while i < len(a):
        if a[i] == b[i]:
            i += 1
            continue
        if a[i:i + 4] != pa or b[i:i + 4] != pb:
            return None  # the reference is not a whole u32 here
        offsets.append(i)
        i += 4
    ends = [0, *[at + 4 for at in offsets]]
    chunks = tuple(a[start:at] for start, at in zip(ends, [*offsets, len(a)]))
    return chunks if all(_fill(chunks, ref) == out for ref, out in checks) else None


def by_ref(frames: Callable[..., bytes], limit: int = MAX_TEMPLATES,
           direct: Callable[..., bytes] | None = None) -> Callable[..., bytes]:
    """``frames(line, ref, *flags)``, rendered from a checked template per (line, flags);
    `flags` are hashable (booleans, or the numbers and names of a call info). At most
    `limit` keys are kept: past them, a new key is rendered directly, by `direct` (the
    same function, e.g. with a cache; default `frames`), as is what has no template."""
    templates: dict[tuple, tuple[bytes, ...] | None] = {}
    missing = object()
    direct = direct or frames

    def render(line, ref, *flags) -> bytes:
        key = (line, *flags)
        chunks = templates.get(key, missing)
        if chunks is missing:
            if len(templates) >= limit:
                return direct(line, ref, *flags)
            chunks = templates[key] = _template(frames, line, flags)
        if chunks is None or type(ref) is not int or not 0 <= ref <= 0xFFFF_FFFF:
            return direct(line, ref, *flags)
        return _U32.pack(ref).join(chunks)

    render.__wrapped__ = frames
    render.templates = templates
    return render
