"""What a media file really is, read with PyAV (the bundled ffmpeg ships no ffprobe).

Sources are probed before planning (duration, frame rate, audio) and checked end to end, so a
corrupt or truncated upload is refused with a clear message instead of failing mid-encode.
Outputs are measured after encoding: the figures in `manifest.json` (duration, size, bit rates)
come from the files themselves, not from the settings that made them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
import msgspec


@dataclass(frozen=True)
class MediaInfo:
    """The measured facts of one media file."""

    duration_ms: int
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    frames: int | None = None
    has_audio: bool = False
    sample_rate: int | None = None
    channels: int | None = None
    video_bitrate: int | None = None
    audio_bitrate: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    #: the shape of its pixels (sample aspect ratio): 1 but for anamorphic video (16:9 SD)
    sar: Fraction = Fraction(1)
    #: its frames are two fields each (50i broadcast material), as its codec says
    interlaced: bool = False
    #: what its picture needs to be standard BT.709 video (None: nothing, it is BT.709 or HD
    #: untagged, which players take as BT.709): `hlg` (HDR as phones film it) or `pq` (HDR10)
    #: made SDR, `bt2020` (wide-gamut SDR) or `bt601` (SD's colours: the matrix PAL and NTSC
    #: are coded with, and an untagged SD picture's, as players take it) converted
    colour: str | None = None
    #: where its sound ends (sources only, `probe_source`): it may stop before the picture,
    #: or run on past it (a source's `duration_ms` is its picture's)
    sound_ms: int | None = None
    #: how far its frames are turned to be shown, in degrees (sources only, `probe_source`):
    #: a phone held upright stores a landscape frame and says 90 or 270
    rotation: int = 0
    #: it carries tags of its own (sources only): a phone's recording place, a camera's
    #: title, a broadcast file's start time code; outputs leave them behind (`encode.UNTAGGED`)
    tagged: bool = False
    #: its sound is a stereo pair of mono tracks (sources only): left on its first audio track,
    #: right on its second, as broadcast files (MXF, MOV) carry a programme's stereo mix
    paired_sound: bool = False
    #: its container has no index (sources only: MPEG-TS, MPEG-PS): it is read from its
    #: Matroska copy (`rewrap`)
    indexless: bool = False

    @property
    def hdr(self) -> str | None:
        """Its HDR transfer (`hlg`, `pq`), None for SDR."""
        return self.colour if self.colour in _HDR_TRANSFERS.values() else None

    @property
    def square_pixels(self) -> bool:
        return self.sar == 1

    @property
    def shown_size(self) -> tuple[int, int] | None:
        """Its picture's size as a player shows it (what a reader of `manifest.json` wants):
        anamorphic pixels made square, an upright phone's frame turned upright."""
        if not self.width or not self.height:
            return None
        width, height = round(self.width * self.sar), self.height
        return (height, width) if self.rotation % 180 == 90 else (width, height)


#: libavcodec's field orders from here on (top or bottom first, coded either way) are
#: interlaced; below, unknown (0) and progressive (1).
_FIELDS = 2


#: libavutil's numbers of the HDR transfer characteristics: SMPTE ST 2084 (PQ, HDR10) and
#: ARIB STD-B67 (HLG, what phones film).
_HDR_TRANSFERS = {16: "pq", 18: "hlg"}
#: libavutil's numbers of the colour matrices that are not BT.709's: BT.601's, which PAL
#: (BT.470BG) and NTSC (SMPTE 170M) SD video is coded with, and BT.2020's (non-constant and
#: constant luminance); and of BT.2020's primaries, and of "unspecified".
_MATRICES = {5: "bt601", 6: "bt601", 9: "bt2020", 10: "bt2020"}
_BT2020_PRIMARIES, _UNSPECIFIED = 9, 2
#: SD's picture heights (NTSC, NTSC's D1, PAL): an untagged picture of these is SD video,
#: BT.601, as players and editing systems take it. A small web picture (360 lines) untagged is
#: left as it is: most were scaled from HD and kept its BT.709 numbers.
_SD_LINES = frozenset({480, 486, 576})


def _colour(context) -> str | None:
    """What a video stream's picture needs to be BT.709 SDR (`MediaInfo.colour`), from the
    transfer, primaries and matrix its codec says; untagged, by its size, as players do."""
    if hdr := _HDR_TRANSFERS.get(context.color_trc):
        return hdr
    if context.color_primaries == _BT2020_PRIMARIES:
        return "bt2020"
    if context.colorspace == _UNSPECIFIED and context.height in _SD_LINES:
        return "bt601"
    return _MATRICES.get(context.colorspace)


#: Bumped whenever `probe_source` learns to find something new in a file: what an older one
#: found and `sources.SourceProbes` remembered is then probed again.
PROBE_VERSION = 6


def _encode_hook(value: object) -> object:
    if isinstance(value, Fraction):
        return str(value)
    raise NotImplementedError(type(value))


def _decode_hook(kind: type, value: object) -> object:
    if kind is Fraction and isinstance(value, str):
        return Fraction(value)
    raise NotImplementedError(kind)


def encode_info(info: MediaInfo) -> bytes:
    """`info` as JSON (fractions as `30000/1001`), for `decode_info`."""
    return msgspec.json.encode(info, enc_hook=_encode_hook)


def decode_info(data: bytes | str) -> MediaInfo:
    """A `MediaInfo` from `encode_info`'s JSON; msgspec.ValidationError if it is not one."""
    return msgspec.json.decode(data, type=MediaInfo, dec_hook=_decode_hook)


class ProbeError(Exception):
    """The file cannot be read as media (missing, corrupt, truncated); `fix`, when the usual
    one (a complete, readable file) is not the right one."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.fix = fix


def _reason(error: Exception) -> str:
    """ffmpeg's words for an error (`Invalid data found when processing input`), without the
    `[Errno 1094995529]` (its error code, meaningless to a person) nor the path (in the line)."""
    return getattr(error, "strerror", None) or str(error)


#: How much sooner than its sound a source's picture may end and the file's length still be
#: the source's: a frame or two (sound comes in whole AAC frames). More, and the source is its
#: picture (a cut or a poster past it has no frame to show, its renditions' sound is cut
#: where the picture ends); a sound that stops that much sooner is padded with silence.
PICTURE_SLACK_MS = 100

#: How far short of the length its file declares a source's picture may stop: a stream's
#: declared length and its last frame's may differ by a frame or two; an upload cut short
#: loses far more.
END_SLACK_S = 0.5


#: What every MP4 says of itself, ours included: not a source's own tags.
_TECHNICAL_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder"}


def probe_source(path: Path) -> MediaInfo:
    """Probe a source and decode its last frames, to catch truncated files early.

    A file cut short by an interrupted upload or copy can keep its index (an MP4 written
    with `faststart`), which still declares the whole length: the demuxer reads the packets
    that arrived and stops. So the end of the last frame that decodes is compared with the
    end the file declares for its picture, not only checked to exist.
    """
    info = measure(path, count_packets=False)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0] if container.streams.video else None
            if stream is None:
                raise ProbeError("it has no video stream")
            declared = _declared_end(container, stream)
            sounds = container.streams.audio
            sound_ms = round(_declared_end(container, sounds[0]) * 1000) if sounds else None
            paired = len(sounds) >= 2 and sounds[0].channels == 1 and sounds[1].channels == 1
            tagged = bool(set(container.metadata) - _TECHNICAL_TAGS)
            decoded, rotation = _decoded_end(container, stream, max(0.0, declared - 1))
            if decoded is None and _decoded_end(container, stream, 0.0)[0] is not None:
                raise ProbeError(
                    "no frame of its last second can be reached by seeking (keyframes too "
                    "far apart, in a container without an index): cuts and posters "
                    "could not be made from it",
                    "rewrap it as MP4 (`ffmpeg -i <file> -c copy <name>.mp4`) and name that",
                )
    except av.error.FFmpegError as error:
        raise ProbeError(f"it cannot be decoded to the end ({_reason(error)})") from None
    if decoded is None:
        raise ProbeError("its last second cannot be decoded (truncated?)")
    if decoded < declared - END_SLACK_S:
        raise ProbeError(
            f"its picture stops at {_clock(decoded)} where the file says {_clock(declared)}"
            " (truncated: the upload or copy did not finish?)"
        )
    picture_ms = round(decoded * 1000)
    if picture_ms < info.duration_ms - PICTURE_SLACK_MS:  # the sound runs on: not the video
        info = replace(info, duration_ms=picture_ms)
    return replace(
        info,
        sound_ms=sound_ms,
        rotation=rotation % 360,
        tagged=tagged,
        paired_sound=paired,
        channels=2 if paired else info.channels,
    )


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{seconds % 60:06.3f}"


def _origin(container) -> float:
    """Where the file's timeline starts, in seconds (MPEG-TS: anywhere, often hours in)."""
    return (container.start_time or 0) / av.time_base


def _declared_end(container, stream) -> float:
    """Where the file says a stream (its picture, its sound) ends, in seconds from its start:
    the stream's own length where the container keeps one (MP4, MOV; Matroska's DURATION
    tag), else the file's."""
    if stream.duration:
        start = stream.start_time or 0
        return float((start + stream.duration) * stream.time_base) - _origin(container)
    tag = stream.metadata.get("DURATION", "")  # Matroska, as mkvmerge and ffmpeg write it
    try:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return (container.duration or 0) / av.time_base


def _decoded_end(container, stream, at: float) -> tuple[float | None, int]:
    """The end of the last frame that decodes after seeking to `at` seconds (from the file's
    start), in the same seconds (None: not one frame decodes from there), and how far that
    frame is to be turned to be shown (degrees, as phones record). Seeking goes to the
    keyframe before `at` where the file has an index (MP4, MOV, Matroska); in MPEG-TS it lands
    by time, and a decoder shows nothing until the next keyframe."""
    base = stream.time_base
    rate = stream.average_rate or 25
    container.seek(int((_origin(container) + at) / base), stream=stream)
    end, rotation = None, 0
    for frame in container.decode(stream):
        if frame.pts is not None:
            length = frame.duration or 1 / (rate * base)
            end = float((frame.pts + length) * base) - _origin(container)
            rotation = round(getattr(frame, "rotation", 0) or 0)
    return end, rotation


def measure(path: Path, count_packets: bool = True) -> MediaInfo:
    """Duration, size, frame count and bit rates of a file, from its packets."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise ProbeError(f"it is not a readable media file ({_reason(error)})") from None
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        duration_ms = int((container.duration or 0) * 1000 // av.time_base)
        frames = None
        video_bytes = audio_bytes = 0
        if count_packets:
            frames = 0
            try:
                for packet in container.demux():
                    if packet.size == 0:
                        continue
                    if video is not None and packet.stream.index == video.index:
                        frames += 1
                        video_bytes += packet.size
                    elif audio is not None and packet.stream.index == audio.index:
                        audio_bytes += packet.size
            except av.error.FFmpegError as error:
                raise ProbeError(f"it cannot be read to the end ({_reason(error)})") from None
        seconds = duration_ms / 1000 or 1
        return MediaInfo(
            duration_ms=duration_ms,
            width=video.codec_context.width if video else None,
            height=video.codec_context.height if video else None,
            fps=Fraction(video.average_rate) if video and video.average_rate else None,
            frames=frames if video else None,
            has_audio=audio is not None,
            sample_rate=audio.codec_context.sample_rate if audio else None,
            channels=audio.codec_context.channels if audio else None,
            video_bitrate=round(video_bytes * 8 / seconds) if video and count_packets else None,
            audio_bitrate=round(audio_bytes * 8 / seconds) if audio and count_packets else None,
            video_codec=video.codec_context.name if video else None,
            audio_codec=audio.codec_context.name if audio else None,
            sar=Fraction(video.sample_aspect_ratio or 1) if video else Fraction(1),
            interlaced=bool(video and int(video.codec_context.field_order or 0) >= _FIELDS),
            colour=_colour(video.codec_context) if video else None,
        )


def image_size(path: Path) -> tuple[int, int]:
    """Width and height of a still (JPEG), read with PyAV too."""
    with av.open(str(path)) as container:
        context = container.streams.video[0].codec_context
        return context.width, context.height


def keyframes(path: Path) -> list[float]:
    """Presentation times (seconds) of the video's keyframes, from packet flags alone.

    Players and HLS packagers can only start or switch at a keyframe, so renditions force one
    every 2 s; this is how tests (and curious editors) check it without decoding anything.
    """
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [
            float(packet.pts * stream.time_base)
            for packet in container.demux(stream)
            if packet.is_keyframe and packet.pts is not None
        ]
    return sorted(times)


def codecs_of(path: Path) -> str | None:
    """The RFC 6381 `codecs` of a file's streams (`avc1.64001f,mp4a.40.2`), from the
    decoder configuration each stream carries: what HLS playlists and `<source type>` say."""
    with av.open(str(path)) as container:
        found = []
        for stream in container.streams:
            if stream.codec_context is None:  # a data track (time code, captions): no codec
                continue
            extradata = stream.codec_context.extradata or b""
            name = stream.codec_context.name
            if name == "h264" and len(extradata) >= 4 and extradata[0] == 1:  # avcC
                found.append(f"avc1.{extradata[1]:02x}{extradata[2]:02x}{extradata[3]:02x}")
            elif name == "aac":
                object_type = extradata[0] >> 3 if extradata else 2
                found.append(f"mp4a.40.{object_type}")
        return ",".join(found) or None


@dataclass(frozen=True)
class GopFacts:
    """What joining GOPs of a rendition to newly encoded ones needs to know of it."""

    stream_id: int  # the video stream's id (its MP4 track), for the concat list
    extradata: bytes  # its parameter sets (avcC): the joined parts must carry the same
    delay: int  # frames between decoding and presentation of its first frame (B-frames)
    time_base: Fraction
    frame_ticks: int  # one frame, in time_base units
    keyframes: frozenset[int]  # pts (time_base units) of its keyframes


def gop_facts(path: Path) -> GopFacts:
    """The video stream of a rendition: its parameter sets, delay and keyframes (packets
    only, nothing decoded)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        first = None
        keys = set()
        ticks = 0
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            if first is None:
                first = packet
                ticks = packet.duration or 0
            if packet.is_keyframe:
                keys.add(int(packet.pts))
        if first is None:
            raise ProbeError("it has no video packets")
        delay = round((first.pts - first.dts) / ticks) if ticks else 0
        return GopFacts(
            stream_id=stream.id,
            extradata=bytes(stream.codec_context.extradata or b""),
            delay=delay,
            time_base=Fraction(stream.time_base),
            frame_ticks=ticks,
            keyframes=frozenset(keys),
        )


def extradata_of(path: Path) -> bytes:
    """The video stream's decoder configuration (H.264: its avcC parameter sets)."""
    with av.open(str(path)) as container:
        return bytes(container.streams.video[0].codec_context.extradata or b"")


def top_level_boxes(path: Path) -> list[tuple[int, int, str]]:
    """(offset, size, type) of each top-level box of an ISO BMFF (MP4) file."""
    boxes = []
    with path.open("rb") as handle:
        total = path.stat().st_size
        offset = 0
        while offset + 8 <= total:
            handle.seek(offset)
            head = handle.read(16)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(head[8:16], "big")
            elif size == 0:
                size = total - offset
            if size < 8:
                raise ProbeError(f"a damaged {kind!r} box at byte {offset}")
            boxes.append((offset, size, kind))
            offset += size
    return boxes


def fragment_starts(path: Path) -> tuple[list[tuple[int, int, Fraction]], Fraction]:
    """(byte position, size, time in seconds) of the packets that may start a fragment (video:
    keyframes; audio only: every packet), and where the stream ends (seconds), all measured
    from its first packet."""
    with av.open(str(path)) as container:
        video = bool(container.streams.video)
        stream = container.streams.video[0] if video else container.streams.audio[0]
        base = Fraction(stream.time_base)
        found = []
        first = end = None
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            first = packet.pts if first is None else min(first, packet.pts)
            stop = packet.pts + (packet.duration or 0)
            end = stop if end is None else max(end, stop)
            if packet.is_keyframe or not video:
                found.append((int(packet.pos), int(packet.size), packet.pts))
        if first is None or end is None:
            raise ProbeError("it has no packets")
        return [(pos, size, (pts - first) * base) for pos, size, pts in found], (end - first) * base
