"""Smart cuts: which frames of a cut are copied from the full-length rendition, which encoded.

Every full-length video rendition is encoded on one fixed grid of closed GOPs: an IDR frame
every `KEYFRAME_EVERY_S` seconds, nothing else (no scene-cut keyframes). A cut of that preset
is then assembled from three parts: the whole GOPs inside the cut, copied bit for bit from the
full rendition; and the partial GOPs at its in and out points, encoded again from the source
with the same encoder settings, so that the joined stream keeps one set of parameter sets and
one frame grid. A cut on GOP boundaries costs a copy; any cut costs at most two GOPs of
encoding, whatever its length.

This module is the arithmetic and the rules only (no files, no processes): `plan` uses it to
say what each cut will cost and why a preset cannot be assembled, `assemble` to do it.

Frames are counted on the preset's own frame grid, from the start of the source: frame `n`
of a rendition at `fps` is the source at `n / fps` seconds. A cut from `in` to `out` holds
frames `[round(in x fps), round(out x fps))`, the same frames in every method, so a smart cut,
a cut encoded whole and the full rendition agree frame for frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsreel.media.presets import Preset

#: The GOP grid of every video rendition: an IDR frame every 2 s (Apple's HLS authoring
#: specification; the same grid in every rendition, so HLS segments and cuts align).
KEYFRAME_EVERY_S = 2


def frame_at(ms: int, fps: int) -> int:
    """The frame of a `fps` rendition shown at `ms` milliseconds (rounded half up)."""
    return (2 * ms * fps + 1000) // 2000


@dataclass(frozen=True)
class Span:
    """Frames `[first, end)` of a rendition."""

    first: int
    end: int

    @property
    def count(self) -> int:
        return self.end - self.first


@dataclass(frozen=True)
class Assembly:
    """How one cut of one preset is made: frames, and which of them are copied or encoded."""

    frames: Span
    head: Span | None  # encoded from the source: the partial GOP at the in point
    middle: Span | None  # copied: the whole GOPs inside the cut
    tail: Span | None  # encoded from the source: the partial GOP at the out point
    gop: int

    @property
    def encoded(self) -> int:
        return sum(part.count for part in (self.head, self.tail) if part)

    @property
    def copied(self) -> int:
        return self.middle.count if self.middle else 0

    def describe(self, fps: int) -> str:
        """`1.48 s + 0.52 s encoded, 6 s copied`: what the plan says of a smart cut."""
        edges = [f"{part.count / fps:g} s" for part in (self.head, self.tail) if part]
        encoded = " + ".join(edges) + " encoded" if edges else "nothing encoded"
        return f"{encoded}, {self.copied / fps:g} s copied"


def assembly(in_ms: int, out_ms: int, fps: int) -> Assembly:
    """Split the cut `[in_ms, out_ms)` of a `fps` rendition on the GOP grid."""
    gop = KEYFRAME_EVERY_S * fps
    first, end = frame_at(in_ms, fps), frame_at(out_ms, fps)
    frames = Span(first, end)
    inner_first = -(-first // gop) * gop  # the first keyframe at or after the in point
    inner_end = end // gop * gop  # the last keyframe at or before the out point
    if inner_first >= inner_end:  # no whole GOP inside: the cut is its own edge
        return Assembly(frames, frames, None, None, gop)
    head = Span(first, inner_first) if inner_first > first else None
    tail = Span(inner_end, end) if end > inner_end else None
    return Assembly(frames, head, Span(inner_first, inner_end), tail, gop)


def refusal(preset: Preset, full_presets: tuple[str, ...]) -> str | None:
    """Why cuts of `preset` must be encoded whole instead of assembled (None: they can be).

    The joined stream must be shown valid: one encoder whose parameter sets depend only on its
    settings (x264), no hypothetical-reference-decoder timing that the joints would break
    (x264's `nal-hrd`, i.e. constant bit rate as broadcasters' ingest expects), and a
    full-length rendition of the same preset to copy from.
    """
    video = preset.video
    if preset.kind != "video":
        return "not a video preset: encoded from the cut's range"
    if preset.name not in full_presets:
        return "no full-length rendition of this preset to copy from"
    if video.get("codec", "libx264") != "libx264":
        return f"codec {video['codec']}: only x264's parameter sets are known to match"
    params = str(video.get("x264_params", ""))
    if "nal-hrd" in params or "minrate" in video:
        return "constant bit rate (HRD signalled): the joints would break its buffer model"
    return None
