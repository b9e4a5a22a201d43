"""ffmpeg commands, and running them with progress.

The only module that imports `ffmpeg` (ffmpeg-python): it is unmaintained since 2019, so it
stays confined here, where swapping it for another builder touches one file. Known traps:
ffmpeg-python drops audio unless the audio stream is passed to the output explicitly, and
global options must come before the outputs (`_with_global_args`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import ffmpeg

from newsreel.media.presets import Preset

KEYFRAME_EVERY_S = 2


class EncodeError(Exception):
    """ffmpeg failed; the message carries the end of its error output."""


def ffmpeg_exe(override: str | None = None) -> str:
    """The ffmpeg binary: an explicit one, else `NEWSREEL_FFMPEG`, else imageio-ffmpeg's."""
    if override:
        return override
    if os.environ.get("NEWSREEL_FFMPEG"):
        return os.environ["NEWSREEL_FFMPEG"]
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffmpeg_version(exe: str) -> str:
    """The first line of `ffmpeg -version`: part of every cache key."""
    result = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True)
    if result.returncode != 0:
        raise EncodeError(f"{exe} -version failed: {result.stderr.strip()[-300:]}")
    return result.stdout.splitlines()[0].strip()


@dataclass(frozen=True)
class Output:
    """One file an encode writes: which preset, where, and (broadcast) the measured loudness."""

    preset: Preset
    path: Path
    measured_loudness: dict[str, str] | None = None


def _seconds(millis: int) -> str:
    return f"{millis / 1000:.3f}"


def _with_global_args(args: list[str]) -> list[str]:
    return [args[0], "-hide_banner", "-nostats", "-y", "-progress", "pipe:1", *args[1:]]


def _video_chain(stream, preset: Preset):
    video = preset.video
    width, height = video["width"], video["height"]
    stream = stream.filter(
        "scale", width, height, force_original_aspect_ratio="decrease", flags="lanczos"
    )
    stream = stream.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
    stream = stream.filter("setsar", 1)
    if "fps" in video:
        stream = stream.filter("fps", video["fps"])
    return stream


def _audio_chain(stream, preset: Preset, measured: dict[str, str] | None):
    audio = preset.audio
    loudness = preset.loudness
    if loudness:
        options = {
            "I": loudness["integrated"],
            "TP": loudness["true_peak"],
            "LRA": loudness.get("lra", 11.0),
        }
        if measured:
            options.update(
                measured_I=measured["input_i"],
                measured_TP=measured["input_tp"],
                measured_LRA=measured["input_lra"],
                measured_thresh=measured["input_thresh"],
                offset=measured["target_offset"],
                linear="true",
            )
        stream = stream.filter("loudnorm", **options)
    return stream.filter("aresample", audio.get("sample_rate", 48000))


def _video_options(preset: Preset, frames: int | None) -> dict[str, object]:
    video = preset.video
    options: dict[str, object] = {
        "c:v": video.get("codec", "libx264"),
        "preset": video.get("x264_preset", "veryfast"),
        "pix_fmt": video.get("pix_fmt", "yuv420p"),
        "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_EVERY_S})",
    }
    for key, flag in (
        ("profile", "profile:v"),
        ("level", "level"),
        ("crf", "crf"),
        ("bitrate", "b:v"),
        ("minrate", "minrate"),
        ("maxrate", "maxrate"),
        ("bufsize", "bufsize"),
        ("x264_params", "x264-params"),
    ):
        if key in video:
            options[flag] = video[key]
    if frames is not None:
        options["frames:v"] = frames
    return options


def _audio_options(preset: Preset) -> dict[str, object]:
    audio = preset.audio
    return {
        "c:a": audio.get("codec", "aac"),
        "b:a": audio.get("bitrate", "128k"),
        "ar": audio.get("sample_rate", 48000),
        "ac": audio.get("channels", 2),
    }


def rendition_command(
    exe: str,
    source: Path,
    outputs: list[Output],
    in_ms: int = 0,
    duration_ms: int | None = None,
    fps: Fraction | None = None,
) -> list[str]:
    """One ffmpeg process that decodes the source (or the cut's range) once, for all outputs.

    With an input seek and a re-encode, the cut is frame-accurate; `frames:v` pins the exact
    frame count, (out - in) x fps.
    """
    input_options: dict[str, str] = {}
    if in_ms:
        input_options["ss"] = _seconds(in_ms)
    if duration_ms is not None:
        input_options["t"] = _seconds(duration_ms)
    source_stream = ffmpeg.input(str(source), **input_options)
    video_users = [o for o in outputs if o.preset.kind == "video"]
    audio_users = [o for o in outputs if o.preset.needs_audio]
    videos = _fan_out(source_stream.video, "split", len(video_users))
    audios = _fan_out(source_stream.audio, "asplit", len(audio_users))
    rendered = []
    for output in outputs:
        preset = output.preset
        streams = []
        options: dict[str, object] = {}
        if preset.kind == "video":
            target_fps = Fraction(preset.video.get("fps", fps or 25))
            frames = None
            if duration_ms is not None:
                frames = round(Fraction(duration_ms, 1000) * target_fps)
            streams.append(_video_chain(videos.pop(0), preset))
            options.update(_video_options(preset, frames))
        if preset.needs_audio:
            streams.append(_audio_chain(audios.pop(0), preset, output.measured_loudness))
            options.update(_audio_options(preset))
        if preset.faststart:
            options["movflags"] = "+faststart"
        options["f"] = preset.container
        rendered.append(ffmpeg.output(*streams, str(output.path), **options))
    args = ffmpeg.merge_outputs(*rendered).compile(cmd=exe)
    return _with_global_args(args)


def _fan_out(stream, split_filter: str, count: int) -> list:
    if count == 0:
        return []
    if count == 1:
        return [stream]
    node = stream.filter_multi_output(split_filter, count)
    return [node.stream(index) for index in range(count)]


def still_command(exe: str, source: Path, at_ms: int, preset: Preset, path: Path) -> list[str]:
    """One JPEG frame at `at_ms`, scaled to the preset."""
    stream = _video_chain(ffmpeg.input(str(source), ss=_seconds(at_ms)).video, preset)
    output = ffmpeg.output(
        stream,
        str(path),
        **{"frames:v": 1, "q:v": preset.video.get("quality", 3), "update": 1},
        f=preset.container,
    )
    return _with_global_args(output.compile(cmd=exe))


def loudness_command(
    exe: str, source: Path, preset: Preset, in_ms: int = 0, duration_ms: int | None = None
) -> list[str]:
    """First loudnorm pass: measure the source (or the cut's range) and print JSON."""
    loudness = preset.loudness or {}
    input_options: dict[str, str] = {}
    if in_ms:
        input_options["ss"] = _seconds(in_ms)
    if duration_ms is not None:
        input_options["t"] = _seconds(duration_ms)
    audio = ffmpeg.input(str(source), **input_options).audio.filter(
        "loudnorm",
        I=loudness.get("integrated", -23.0),
        TP=loudness.get("true_peak", -1.0),
        LRA=loudness.get("lra", 11.0),
        print_format="json",
    )
    return _with_global_args(ffmpeg.output(audio, "-", f="null").compile(cmd=exe))


def parse_loudness(stderr: str) -> dict[str, str]:
    """loudnorm's measurement: the JSON object it prints last on stderr."""
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S)
    if not match:
        raise EncodeError("loudnorm printed no measurement")
    return json.loads(match.group(0))


Progress = Callable[[float], None]
#: Runs one ffmpeg command (reporting progress 0..1) and returns its stderr; injectable so
#: tests can count, or refuse, every process the pipeline starts.
Runner = Callable[[list[str], int | None, Progress | None], str]


def measure_loudness(
    args: list[str],
    runner: Runner | None = None,
    duration_ms: int | None = None,
    on_progress: Progress | None = None,
) -> dict[str, str]:
    """Run the first loudnorm pass (through `runner`) and return its measurements."""
    return parse_loudness((runner or run)(args, duration_ms, on_progress))


def run(
    args: list[str],
    duration_ms: int | None = None,
    on_progress: Progress | None = None,
) -> str:
    """Run ffmpeg, reporting progress (0..1) from `-progress pipe:1`; returns its stderr."""
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    stderr_lines: list[str] = []

    def drain_stderr() -> None:  # a full pipe would block ffmpeg: read it as it comes
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)
            del stderr_lines[:-200]

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    assert process.stdout is not None
    for line in process.stdout:
        if on_progress and duration_ms and line.startswith("out_time_us="):
            value = line.split("=", 1)[1].strip()
            if value.isdigit():
                on_progress(min(1.0, int(value) / 1000 / duration_ms))
    code = process.wait()
    reader.join(timeout=5)
    stderr = "".join(stderr_lines)
    if code != 0:
        raise EncodeError(_tail(stderr))
    if on_progress:
        on_progress(1.0)
    return stderr


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return " | ".join(lines[-3:])[-500:] or "ffmpeg failed"
