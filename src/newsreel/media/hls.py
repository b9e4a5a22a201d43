"""HLS playlists, written from what was measured (Apple's HLS authoring specification).

ffmpeg's own `hls` muxer writes fMP4 segments and a media playlist, but it cannot give what
the specification asks beyond that: its I-frame playlist lists whole segments, and the
`BANDWIDTH` it would write is the encoder's maxrate, not what the files carry. So ffmpeg's
mp4 muxer writes each rung as CMAF (`stream`), and the playlists are written here, as plain
text, from the file's measured `CmafIndex`:

- a media playlist per rung (video) and for the shared audio: 6 s segments (whole 2 s GOPs),
  byte ranges of one file, its init section as `EXT-X-MAP`;
- an I-frame playlist per rung: each GOP's IDR frame (with its moof) as a byte range;
- subtitle renditions: the captions of each language as WebVTT, with `X-TIMESTAMP-MAP`;
- the multivariant playlist: `BANDWIDTH` (peak segment bit rate, as RFC 8216 defines it) and
  `AVERAGE-BANDWIDTH` measured from the files (video and audio together), `CODECS`,
  `RESOLUTION`, `FRAME-RATE`, the audio group, the I-frame streams, the subtitle group with
  its `CHARACTERISTICS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from newsreel.media import captions, record

VERSION = 7  # fMP4 with EXT-X-MAP in a media playlist needs 6; I-frame playlists with it, 7
#: Captions (kind="captions" on the page): they transcribe dialogue and describe sounds.
CAPTION_CHARACTERISTICS = (
    "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"
)


@dataclass(frozen=True)
class Segment:
    offset: int
    size: int
    duration: float


def segments(index: record.CmafIndex, segment_seconds: int) -> list[Segment]:
    """Whole fragments grouped into segments that start every `segment_seconds`."""
    grouped: list[list[record.Fragment]] = []
    for fragment in index.fragments:
        boundary = len(grouped) * segment_seconds
        if not grouped or fragment.start >= boundary - 1e-6:
            grouped.append([fragment])
        else:
            grouped[-1].append(fragment)
    return [
        Segment(
            group[0].offset,
            group[-1].offset + group[-1].size - group[0].offset,
            sum(f.duration for f in group),
        )
        for group in grouped
    ]


def _peak(spans: Sequence[tuple[int, float]], target: float) -> int:
    """RFC 8216 §4.3.4.2: the largest bit rate of any run of consecutive segments lasting
    between 0.5 and 1.5 times the target duration (the whole, when none does)."""
    best = 0.0
    for first in range(len(spans)):
        size = duration = 0.0
        for count, seconds in spans[first:]:
            size, duration = size + count, duration + seconds
            if duration > 1.5 * target:
                break
            if duration >= 0.5 * target:
                best = max(best, size * 8 / duration)
    if not best:
        total = sum(seconds for _, seconds in spans) or 1.0
        best = sum(count for count, _ in spans) * 8 / total
    return math.ceil(best)


def target_duration(parts: Sequence[Segment]) -> int:
    return max(1, max(round(part.duration) for part in parts))


def bandwidths(index: record.CmafIndex, segment_seconds: int) -> tuple[int, int, int]:
    """(peak, average, I-frame peak) bit rates, measured from the file's bytes."""
    parts = segments(index, segment_seconds)
    target = target_duration(parts)
    peak = _peak([(part.size, part.duration) for part in parts], target)
    seconds = sum(part.duration for part in parts) or 1.0
    average = math.ceil(sum(part.size for part in parts) * 8 / seconds)
    frames = [(f.iframe_size, f.duration) for f in index.fragments]
    iframe_peak = math.ceil(max(size * 8 / duration for size, duration in frames))
    return peak, average, iframe_peak


def _header(target: int, *extra: str) -> list[str]:
    return [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        *extra,
    ]


def media_playlist(file_name: str, index: record.CmafIndex, segment_seconds: int) -> str:
    """A rung's segments, as byte ranges of its one fMP4 file."""
    parts = segments(index, segment_seconds)
    lines = _header(target_duration(parts), "#EXT-X-INDEPENDENT-SEGMENTS")
    lines.append(f'#EXT-X-MAP:URI="{file_name}",BYTERANGE="{index.init_size}@0"')
    for part in parts:
        lines += [f"#EXTINF:{part.duration:.3f},", f"#EXT-X-BYTERANGE:{part.size}@{part.offset}"]
        lines.append(file_name)
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def iframe_playlist(file_name: str, index: record.CmafIndex) -> str:
    """A rung's IDR frames, each with the moof that describes it, for trick play."""
    target = max(1, max(math.ceil(f.duration) for f in index.fragments))
    lines = _header(target, "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-I-FRAMES-ONLY")
    lines.append(f'#EXT-X-MAP:URI="{file_name}",BYTERANGE="{index.init_size}@0"')
    for fragment in index.fragments:
        lines.append(f"#EXTINF:{fragment.duration:.3f},")
        lines.append(f"#EXT-X-BYTERANGE:{fragment.iframe_size}@{fragment.offset}")
        lines.append(file_name)
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def subtitle_vtt(cues: list[captions.Cue]) -> str:
    """The captions as a WebVTT segment: cue times are media times (the stream starts at 0)."""
    text = captions.to_webvtt(cues)
    head, _, rest = text.partition("\n")
    return f"{head}\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n{rest}"


def subtitle_playlist(file_name: str, duration_s: float) -> str:
    """One WebVTT segment for the whole video."""
    lines = _header(max(1, math.ceil(duration_s)))
    lines += [f"#EXTINF:{duration_s:.3f},", file_name, "#EXT-X-ENDLIST", ""]
    return "\n".join(lines)


def _name(relative_url: str) -> str:
    return relative_url.rsplit("/", 1)[-1]


def master_playlist(stream: record.Presentation, names: dict[str, str]) -> str:
    """The multivariant playlist; `names` gives each language's name in that language.

    Each variant is a rung's video with the shared audio: its `BANDWIDTH` is the sum of both
    peaks, its `AVERAGE-BANDWIDTH` of both averages, its `CODECS` both codecs.
    """
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio = stream.audio
    groups = ',AUDIO="audio"' if audio else ""
    groups += ',SUBTITLES="subs"' if stream.subtitles else ""
    if audio:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,'
            f'CHANNELS="{audio.channels}",URI="{_name(audio.playlist)}"'
        )
    for subtitles in stream.subtitles:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="{subtitles.lang}",'
            f'NAME="{names.get(subtitles.lang, subtitles.lang)}",DEFAULT=NO,AUTOSELECT=YES,'
            f'FORCED=NO,CHARACTERISTICS="{CAPTION_CHARACTERISTICS}",'
            f'URI="{_name(subtitles.playlist)}"'
        )
    for rung in stream.rungs:
        peak, average = rung.bandwidth, rung.average_bandwidth
        codecs = rung.codecs
        if audio:
            peak, average = peak + audio.bandwidth, average + audio.average_bandwidth
            codecs = f"{codecs},{audio.codecs}"
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f'CODECS="{codecs}",RESOLUTION={rung.width}x{rung.height},'
            f"FRAME-RATE={rung.fps:.3f}{groups}"
        )
        lines.append(_name(rung.playlist))
    for rung in stream.rungs:
        video_codec = rung.codecs.split(",")[0]
        lines.append(
            f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={rung.iframe_bandwidth},"
            f'CODECS="{video_codec}",RESOLUTION={rung.width}x{rung.height},'
            f'URI="{_name(rung.iframes)}"'
        )
    return "\n".join([*lines, ""])
