"""What a media file really is, read with PyAV (the bundled ffmpeg ships no ffprobe).

Sources are probed before planning (duration, frame rate, audio) and checked end to end, so a
corrupt or truncated upload is refused with a clear message instead of failing mid-encode.
Outputs are measured after encoding: the figures in `manifest.json` (duration, size, bit rates)
come from the files themselves, not from the settings that made them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av


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


class ProbeError(Exception):
    """The file cannot be read as media (missing, corrupt, truncated)."""


def probe_source(path: Path) -> MediaInfo:
    """Probe a source and decode its last second, to catch truncated files early."""
    info = measure(path, count_packets=False)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0] if container.streams.video else None
            if stream is None:
                raise ProbeError("it has no video stream")
            target = max(0, info.duration_ms - 1000) / 1000
            container.seek(int(target / stream.time_base), stream=stream)
            decoded = 0
            for _ in container.decode(stream):
                decoded += 1
            if decoded == 0:
                raise ProbeError("its last second cannot be decoded (truncated?)")
    except av.error.FFmpegError as error:
        raise ProbeError(f"it cannot be decoded to the end ({error})") from None
    return info


def measure(path: Path, count_packets: bool = True) -> MediaInfo:
    """Duration, size, frame count and bit rates of a file, from its packets."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as error:
        raise ProbeError(f"it is not a readable media file ({error})") from None
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
                raise ProbeError(f"it cannot be read to the end ({error})") from None
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
