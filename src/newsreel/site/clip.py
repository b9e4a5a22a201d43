"""What the visitor's clip maker needs to know of one video, in one language.

The article page carries it as JSON (`theme/templates/_clip.html`), rendered at build time from
the manifest the media pipeline wrote, so the browser never fetches `manifest.json`: the file
sizes, frame counts and frame rates of the renditions a clip can be cut from, the keyframe grid
of the encodes, and the words of the short text that goes with every clip.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from markupsafe import Markup

from newsreel.media import record
from newsreel.media.encode import KEYFRAME_EVERY_S
from newsreel.typography import format_long_date, typeset

#: The longest clip a visitor may make, unless `NEWSREEL_CLIP_MAX_SECONDS` says otherwise: a
#: long soundbite. The clip is made in memory and at about the speed of playback on a modest
#: laptop, so a minute (150 MB read at broadcast quality) is a sensible ceiling.
DEFAULT_MAX_SECONDS = 60


@dataclass(frozen=True)
class FilePart:
    """One file of the adaptive stream, read by byte ranges."""

    url: str
    bytes: int


@dataclass(frozen=True)
class Fragmented:
    """A rendition's own encode, as the adaptive stream repackaged it (fragmented MP4, video
    and audio in two files). A clip is read from these when they exist: their index is one small
    box per 2 s fragment, where the progressive file's index covers the whole video and is read
    whole before the first frame (0.46 MB for ten minutes at 720p, about 2 MB for a 45-minute
    press conference). The audio is the stream's, one rung's encode shared by every rung (the
    ladder's `audio`): the same source and codec, at that rung's bit rate."""

    video: FilePart
    audio: FilePart


@dataclass(frozen=True)
class ClipRendition:
    """One full-length rendition a clip can be cut from."""

    preset: str
    label: str
    #: "public": `url` is the file on the CDN. "account": `url` is the function's download
    #: route, which answers a signed-in visitor with a short-lived link to the file.
    access: str
    url: str
    bytes: int
    width: int
    height: int
    fps: float
    frames: int
    duration_ms: int
    video_bitrate: int
    #: The clip's file name, `{in}` and `{out}` to be filled with its time codes:
    #: `20251015-defence-ministers-press-conference-{in}-{out}-720p.mp4`.
    filename: str
    fragmented: Fragmented | None = None


@dataclass(frozen=True)
class ClipSource:
    """A video as the clip maker sees it (serialised for `clip.js` by `json()`)."""

    video: str
    title: str
    date: str
    date_text: str  # as the page writes it ("1er octobre 2025"): the clip's text says the same
    location: str
    rights: str
    duration_ms: int
    fps: float
    frames: int
    #: Every rendition has a keyframe this often: a clip the browser cannot re-encode is cut
    #: at these points.
    keyframe_interval_s: int
    renditions: tuple[ClipRendition, ...]

    @property
    def default_max_seconds(self) -> int:
        """The longest clip when the settings do not say (`NEWSREEL_CLIP_MAX_SECONDS`)."""
        return DEFAULT_MAX_SECONDS

    def json(self) -> Markup:
        """The JSON for a `<script type="application/json">` block (`<` escaped, so no text
        can close the element)."""
        text = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        return Markup(text.replace("<", "\\u003c"))


def _clip_filename(video_id: str, day: dt.date, full_filename: str) -> str:
    """The full version's name with the clip's range after the stem both share."""
    stem = record.download_stem(video_id, day)
    if not full_filename.startswith(stem + "-"):
        raise ValueError(f"{full_filename!r} does not start with {stem!r}")
    return f"{stem}-{{in}}-{{out}}-{full_filename[len(stem) + 1 :]}"


def _in_lang(texts: dict[str, str], lang: str) -> str:
    """A per-language field of the record, typeset for `lang`."""
    return typeset(texts.get(lang) or texts.get("en", ""), lang)


def clip_source(video: record.Video, lang: str) -> ClipSource | None:
    """The clip maker's view of a video, or None when it has no full-length MP4 video to cut."""
    stream = video.stream
    rungs = {rung.preset: rung for rung in stream.rungs} if stream and stream.audio else {}

    def fragmented(entry: record.MediaFile) -> Fragmented | None:
        rung = rungs.get(entry.preset)
        if rung is None or stream is None or stream.audio is None or entry.account_only:
            return None
        audio = stream.audio.file
        return Fragmented(FilePart(rung.file.url, rung.file.size), FilePart(audio.url, audio.size))

    renditions = tuple(
        ClipRendition(
            preset=entry.preset,
            label=_in_lang(entry.label, lang),
            access=entry.access,
            url=entry.url,
            bytes=entry.size,
            width=entry.width or 0,
            height=entry.height or 0,
            fps=entry.fps or video.fps,
            frames=entry.frames or 0,
            duration_ms=entry.duration_ms or 0,
            video_bitrate=entry.video_bitrate or 0,
            filename=_clip_filename(video.id, video.date, entry.filename),
            fragmented=fragmented(entry),
        )
        for entry in video.full.files
        if entry.kind == "video" and entry.mime == "video/mp4" and entry.frames
    )
    if not renditions:
        return None
    first = renditions[0]
    return ClipSource(
        video=video.id,
        title=_in_lang(video.title, lang),
        date=video.date.isoformat(),
        date_text=format_long_date(video.date, lang),
        location=_in_lang(video.location, lang),
        rights=_in_lang(video.rights, lang),
        duration_ms=video.duration_ms,
        fps=first.fps,
        frames=first.frames,
        keyframe_interval_s=KEYFRAME_EVERY_S,
        renditions=tuple(sorted(renditions, key=lambda r: (r.access != "public", -r.height))),
    )
