"""ffmpeg commands: every command the pipeline runs is built here.

The only module that imports `ffmpeg` (ffmpeg-python): it is unmaintained since 2019, so it
stays confined here, where swapping it for another builder touches one file. Known traps:
ffmpeg-python drops audio unless the audio stream is passed to the output explicitly, and
global options must come before the outputs (`_with_global_args`). Running a command is
`newsreel.media.runner`'s job (re-exported here).

Every video rendition is encoded on the same grid: `KEYFRAME_EVERY_S` seconds between IDR
frames, forced, with scene-cut keyframes off, so renditions of one source share their GOP
boundaries (HLS switches between them there) and cuts can copy whole GOPs (`smartcut`).
A range of a source (a cut, or a cut's edge) is encoded frame-exactly on the same frame grid
as the full-length rendition: the source is read with its own timestamps (`-copyts
-start_at_zero`, as the full-length encode sees them), converted to the preset's rate, and
only then trimmed to frames `[first, end)`; so frame `n` of a cut is frame `n` of the full
rendition, whatever the source's own frame rate. Smaller sizes are scaled from a larger
rendition's frames where `plan.scaling_base` says so, in every command alike (`_scaled`).

A source without sound (silent B-roll) still gives video presets their audio track: silence in
the preset's own format (`anullsrc`), as long as the video, so players and broadcasters' ingest
find the layout they expect. Silence is never loudness-normalised (there is nothing to raise).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg

from newsreel.media.presets import STILL_QUALITY, Preset
from newsreel.media.runner import (  # re-exported: the pipeline's one way to run ffmpeg
    EncodeError,
    Progress,
    Runner,
    ffmpeg_exe,
    ffmpeg_version,
    measure_loudness,
    parse_loudness,
    run,
    stop_running,
)
from newsreel.media.smartcut import KEYFRAME_EVERY_S, Span, frame_at

__all__ = [
    "KEYFRAME_EVERY_S", "EncodeError", "Output", "Progress", "Runner", "ffmpeg_exe",
    "ffmpeg_version", "measure_loudness", "parse_loudness", "run", "stop_running",
]  # fmt: skip

#: How far before a range the source is read, so the frame-rate conversion sees the same
#: source frames there as the full-length encode does (at least one source frame).
_LEAD_MS = 500


@dataclass(frozen=True)
class Output:
    """One file an encode writes: which preset, where, and (broadcast) the measured loudness."""

    preset: Preset
    path: Path
    measured_loudness: dict[str, str] | None = None
    scaled_from: tuple[int, int] | None = None  # `plan.scaling_base`: frames of that size


def _seconds(millis: int | float) -> str:
    return f"{millis / 1000:.6f}"


def _with_global_args(args: list[str], *extra: str) -> list[str]:
    return [args[0], "-hide_banner", "-nostats", "-y", "-progress", "pipe:1", *extra, *args[1:]]


def fps_of(preset: Preset, source_fps: Fraction | None = None) -> int:
    """The frame rate of a video preset's renditions (presets name one; validated)."""
    return int(preset.video.get("fps") or round(source_fps or 25))


#: To SDR BT.709, on frames already at their output size, per `MediaInfo.colour` (BT.601's
#: matrix is converted by the scaling itself: `_fitted`).
#: HLG is scene-referred and made to be shown on SDR screens as it is: converted straight to
#: BT.709's curve, primaries and matrix (measured on a converted test pattern: the SDR
#: original's brightness, where tone-mapping it as if it were PQ darkened it by a third).
#: PQ (HDR10) is display-referred, up to 10,000 nits: through linear light, tone-mapped
#: (Mobius: linear up to SDR's white, highlights rolled off), back to BT.709.
_TO_BT709 = {
    "hlg": (
        ("zscale", {"t": "bt709", "p": "bt709", "m": "bt709", "r": "tv", "npl": 100}),
        ("format", {"pix_fmts": "yuv420p"}),
    ),
    "pq": (
        ("zscale", {"t": "linear", "npl": 100}),
        ("format", {"pix_fmts": "gbrpf32le"}),
        ("zscale", {"p": "bt709"}),
        ("tonemap", {"tonemap": "mobius", "desat": 0}),
        ("zscale", {"t": "bt709", "m": "bt709", "r": "tv"}),
        ("format", {"pix_fmts": "yuv420p"}),
    ),
    # wide-gamut SDR: its colours mapped into BT.709's (those outside it clipped)
    "bt2020": (
        ("zscale", {"t": "bt709", "p": "bt709", "m": "bt709", "r": "tv"}),
        ("format", {"pix_fmts": "yuv420p"}),
    ),
    # SD: the matrix is converted by the scale (`_fitted`); the frames are then said BT.709
    "bt601": (
        ("setparams", {"colorspace": "bt709", "color_primaries": "bt709", "color_trc": "bt709"}),
    ),
}


def _fitted(stream, width: int, height: int, fps: int | None, colour: str | None = None):
    """Frames of `width` x `height` (bars where the shape differs), at `fps` if given.

    The picture is fitted by its display shape, not its storage: anamorphic sources (16:9 PAL
    or NTSC SD stored 720 wide, HDV's 1440x1080) have non-square pixels (`sar`), and scale's
    `force_original_aspect_ratio` would keep the stored shape, squeezing a 16:9 picture
    between bars. The sizes are those of `force_original_aspect_ratio=decrease` (the nearest
    integer, never past the box) for square pixels, so their renditions are unchanged.

    Interlaced frames (50i broadcast material: two fields 20 ms apart, woven) are
    deinterlaced first, at the source's size, one frame per frame (`bwdif`, which keeps the
    rate): scaled as they are, they show combs on every moving edge. Only frames flagged
    interlaced are touched, so progressive sources keep their pixels.

    `colour`: what the frames need to be SDR BT.709 (`MediaInfo.colour`), done once scaled
    (`_TO_BT709`). HDR (`hlg`, as phones film, or HDR10's `pq`) was written in 8 bits still
    labelled HDR. SD's BT.601 colours (`bt601`) went into files players take as BT.709 (HD):
    reds and greens shifted, as in every SD-to-HD conversion that forgets the matrix; the
    scale converts it (its input's said explicitly: an untagged SD frame is BT.601 too).

    The rate conversion passes the source's last frame on (`eof_action=pass`): by default the
    fps filter rounds where the last input frame starts, not where it ends, so a source at
    another rate (179 frames at 29.97 fps last 5.973 s) lost the last frame of its 25 fps
    renditions (frame 149, at 5.96 s), and every cut to its end one frame. A source at the
    preset's own rate ends on the grid: the same frames either way.
    """
    stream = stream.filter("bwdif", mode="send_frame", deint="interlaced")
    matrices = (
        {"in_color_matrix": "bt601", "out_color_matrix": "bt709"} if colour == "bt601" else {}
    )
    stream = stream.filter(
        "scale",
        f"min({width},round({height}*iw*sar/ih))",
        f"min({height},round({width}*ih/(iw*sar)))",
        flags="lanczos",
        **matrices,
    )
    for name, options in _TO_BT709.get(colour or "", ()):
        stream = stream.filter(name, **options)
    stream = stream.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
    stream = stream.filter("setsar", 1)
    if fps is not None:
        stream = stream.filter("fps", fps, eof_action="pass")
    return stream


def _size(preset: Preset) -> tuple[int, int, int | None]:
    return preset.video["width"], preset.video["height"], preset.video.get("fps")


def _scaled(
    source_video, wanted: list[tuple[Preset, tuple[int, int] | None]], colour: str | None = None
) -> list:
    """A stream of frames for each (video preset, size it is scaled from), in order.

    Presets scaled from the same size share one scaling of the source to it (and a preset of
    exactly that size takes those frames as they are): the filter graph is a tree, not one
    branch per preset (see `plan.scaling_base`). `colour`: see `_fitted`.
    """
    bases: dict[tuple[int, int, int | None], list[int]] = {}
    for number, (preset, scaled_from) in enumerate(wanted):
        if scaled_from:
            bases.setdefault((*scaled_from, _size(preset)[2]), []).append(number)
    direct = []
    for number, (preset, scaled_from) in enumerate(wanted):
        if scaled_from:
            continue
        if _size(preset) in bases:  # this preset's frames are a base: share them
            bases[_size(preset)].append(number)
        else:
            direct.append(number)
    sources = _fan_out(source_video, "split", len(direct) + len(bases))
    streams: list = [None] * len(wanted)
    for number, stream in zip(direct, sources[: len(direct)], strict=True):
        streams[number] = _fitted(stream, *_size(wanted[number][0]), colour)
    for (size, users), stream in zip(bases.items(), sources[len(direct) :], strict=True):
        base = _fitted(stream, *size, colour)
        for number, frames in zip(users, _fan_out(base, "split", len(users)), strict=True):
            preset, scaled_from = wanted[number]
            streams[number] = _fitted(frames, *_size(preset)) if scaled_from else frames
    return streams


def _trimmed(stream, span: Span):
    """Frames `[first, end)` of a stream already at the preset's rate (time base 1/fps)."""
    return stream.filter("trim", start_pts=span.first, end_pts=span.end).filter(
        "setpts", "PTS-STARTPTS"
    )


def _silences(seconds: float, count: int) -> list:
    """`count` streams of digital silence, at least `seconds` long, from one generator (each
    output trims its own, `_trim_silence`; `_audio_chain` resamples it, `_audio_options` sets
    the preset's channels: one generator, as ffmpeg-python merges identical inputs)."""
    silence = ffmpeg.input("anullsrc=r=48000:cl=stereo", f="lavfi", t=f"{seconds:.6f}").audio
    return _fan_out(silence, "asplit", count)


def _trim_silence(stream, seconds: float):
    return stream.filter("atrim", end=f"{seconds:.6f}").filter("asetpts", "PTS-STARTPTS")


def is_silence(measured: dict[str, str] | None) -> bool:
    """Whether loudnorm's measurement is of silence (below EBU R128's -70 LUFS gate, or -inf):
    it cannot be raised to a target, and loudnorm refuses -inf as a measured value."""
    if not measured:
        return False
    try:
        return not float(measured["input_i"]) > -70.0
    except (KeyError, ValueError):
        return False


def _audio_chain(
    stream,
    preset: Preset,
    measured: dict[str, str] | None,
    seconds=None,
    silent: bool = False,
    length: float | None = None,
):
    """The preset's audio from `stream` (`silent`: generated silence, never normalised).

    A source's sound may stop before its picture (a camera's sound cut off): it is padded
    with silence (`apad`) to the length of the range (`seconds`) or, at full length, to the
    source's (`length`), so every output's sound lasts as long as its picture, and a range
    after the sound's end has a silent track (without, ffmpeg fails on a stream with no
    packet). A sound that runs on past the picture is cut where it ends (`atrim`). A sound as
    long as the picture passes through both untouched (within a few milliseconds of it, as
    AAC frames fall, it gains or loses those).
    """
    audio = preset.audio
    if seconds is not None:  # a range of the source: the same span as its video
        start, end = seconds
        stream = stream.filter("apad").filter("atrim", start=f"{start:.6f}", end=f"{end:.6f}")
        stream = stream.filter("asetpts", "PTS-STARTPTS")
    elif length is not None:
        stream = stream.filter("apad", whole_dur=f"{length:.6f}")
        stream = stream.filter("atrim", end=f"{length:.6f}")
    loudness = preset.loudness
    if loudness and not silent and not is_silence(measured):
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


#: Every output made from a source leaves its tags behind (ffmpeg copies them by default): a
#: phone's recording place (`location`, to the metre), a camera's title and owner, and a
#: broadcast file's start time code, which the MP4 muxer turned into a `tmcd` track that
#: players and our own measuring did not expect. What a file says of itself is ours to say.
UNTAGGED = {"map_metadata": -1}


def _video_options(preset: Preset, frames: int | None) -> dict[str, object]:
    video = preset.video
    codec = video.get("codec", "libx264")
    options: dict[str, object] = {
        "c:v": codec,
        "preset": video.get("x264_preset", "veryfast"),
        "pix_fmt": video.get("pix_fmt", "yuv420p"),
        "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_EVERY_S})",
    }
    if codec == "libx264":
        options["sc_threshold"] = 0  # keyframes on the grid only
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


def _sound(source_input, paired: bool):
    """A source's sound: its first audio track; or, when its stereo mix is a pair of mono
    tracks (`MediaInfo.paired_sound`: broadcast MXF and MOV files carry left and right on
    tracks 1 and 2), those two merged, left and right (the first track alone was the left
    channel twice)."""
    if not paired:
        return source_input.audio
    return ffmpeg.filter([source_input["a:0"], source_input["a:1"]], "amerge", inputs=2)


def _range_input(source: Path, first_ms: float, end_ms: float):
    """The source read from a little before `first_ms`, keeping its own timestamps."""
    start = max(0.0, first_ms - _LEAD_MS)
    return ffmpeg.input(str(source), ss=_seconds(start), t=_seconds(end_ms - start + 2 * _LEAD_MS))


def rendition_command(
    exe: str,
    source: Path,
    outputs: list[Output],
    in_ms: int = 0,
    duration_ms: int | None = None,
    fps: Fraction | None = None,
    silent_ms: int | None = None,
    length_ms: int | None = None,
    colour: str | None = None,
    paired: bool = False,
) -> list[str]:
    """One ffmpeg process that decodes the source (or a cut's range) once, for all outputs.

    A cut (`duration_ms` given) is frame-exact on each preset's frame grid (see above), its
    audio trimmed to the same span. `silent_ms`: the source has no audio and lasts this long;
    the outputs' audio is silence (as long as the full source, or as each cut's span).
    `length_ms`: the source's length, to which full-length outputs' sound is padded.
    `colour`: what the source's frames need to be SDR BT.709 (`_fitted`). `paired`: see
    `_sound`.
    """
    cut = duration_ms is not None
    out_ms = in_ms + (duration_ms or 0)
    source_stream = _range_input(source, in_ms, out_ms) if cut else ffmpeg.input(str(source))
    video_users = [o for o in outputs if o.preset.kind == "video"]
    audio_users = [o for o in outputs if o.preset.needs_audio]
    videos = _scaled(source_stream.video, [(o.preset, o.scaled_from) for o in video_users], colour)
    silent = silent_ms is not None
    audios = (
        _silences(((duration_ms if cut else silent_ms) or 0) / 1000 + 1, len(audio_users))
        if silent
        else _fan_out(_sound(source_stream, paired), "asplit", len(audio_users))
    )
    rendered = []
    for output in outputs:
        preset = output.preset
        streams = []
        options: dict[str, object] = {}
        seconds = (in_ms / 1000, out_ms / 1000) if cut else None
        if preset.kind == "video":
            stream = videos.pop(0)
            frames = None
            if cut:
                rate = fps_of(preset, fps)
                span = Span(frame_at(in_ms, rate), frame_at(out_ms, rate))
                stream, frames = _trimmed(stream, span), span.count
                seconds = (span.first / rate, span.end / rate)
            streams.append(stream)
            options.update(_video_options(preset, frames))
        if preset.needs_audio:
            if silent:
                length = seconds[1] - seconds[0] if seconds else (silent_ms or 0) / 1000
                silence = _trim_silence(audios.pop(0), length)
                audio = _audio_chain(silence, preset, None, silent=True)
            else:
                length = None if cut or length_ms is None else length_ms / 1000
                audio = _audio_chain(
                    audios.pop(0), preset, output.measured_loudness, seconds, length=length
                )
            streams.append(audio)
            options.update(_audio_options(preset))
        if preset.faststart:
            options["movflags"] = "+faststart"
        options["f"] = preset.container
        rendered.append(ffmpeg.output(*streams, str(output.path), **options, **UNTAGGED))
    args = ffmpeg.merge_outputs(*rendered).compile(cmd=exe)
    return _with_global_args(args, *(("-copyts", "-start_at_zero") if cut else ()))


def _fan_out(stream, split_filter: str, count: int) -> list:
    if count == 0:
        return []
    if count == 1:
        return [stream]
    node = stream.filter_multi_output(split_filter, count)
    return [node.stream(index) for index in range(count)]


@dataclass(frozen=True)
class Edge:
    """Frames `span` of a video preset, encoded alone (video only) into `path`."""

    preset: Preset
    span: Span
    path: Path
    scaled_from: tuple[int, int] | None = None  # as its full-length rendition's frames


def edges_command(
    exe: str, source: Path, edges: list[Edge], colour: str | None = None
) -> list[str]:
    """The partial GOPs of a smart cut, every preset's, in one process.

    Each distinct range of the source is decoded once (and split between the presets that
    need it), then encoded with exactly the settings of the full-length rendition (`colour`
    too: see `_fitted`).
    """
    groups: dict[tuple[int, int], list[Edge]] = {}
    for edge in edges:
        rate = fps_of(edge.preset)
        first_ms, end_ms = edge.span.first * 1000 // rate, -(-edge.span.end * 1000 // rate)
        groups.setdefault((first_ms, end_ms), []).append(edge)
    rendered = []
    for (first_ms, end_ms), group in groups.items():
        source_video = _range_input(source, first_ms, end_ms).video
        videos = _scaled(source_video, [(edge.preset, edge.scaled_from) for edge in group], colour)
        for edge, stream in zip(group, videos, strict=True):
            stream = _trimmed(stream, edge.span)
            options = _video_options(edge.preset, edge.span.count)
            rendered.append(ffmpeg.output(stream, str(edge.path), f="mp4", **options, **UNTAGGED))
    args = ffmpeg.merge_outputs(*rendered).compile(cmd=exe)
    return _with_global_args(args, "-copyts", "-start_at_zero")


@dataclass(frozen=True)
class Joined:
    """A smart cut: its video from a concat list (edges and copied GOPs), its audio encoded
    from the source for the same span; `delay` is the full rendition's frame reordering
    delay, in frames, which the joined stream's decoding timestamps keep."""

    output: Output
    parts: Path  # an ffconcat list
    span: Span
    delay: int


def assemble_command(
    exe: str, source: Path, joined: list[Joined], silent: bool = False, paired: bool = False
) -> list[str]:
    """Join each smart cut's parts (stream copy) and encode its audio, all in one process
    (`silent`: the source has none; each cut's audio is silence as long as its video).

    Decoding timestamps are rewritten as one continuous sequence (`setts`): each part starts
    its own, and an edge of one or two frames has no reordering delay of its own.
    """
    first_ms = min(j.span.first * 1000 / fps_of(j.output.preset) for j in joined)
    end_ms = max(j.span.end * 1000 / fps_of(j.output.preset) for j in joined)
    audio_users = [j for j in joined if j.output.preset.needs_audio]
    audios = (
        _silences((end_ms - first_ms) / 1000 + 1, len(audio_users))
        if silent
        else _fan_out(
            _sound(_range_input(source, first_ms, end_ms), paired), "asplit", len(audio_users)
        )
    )
    rendered = []
    for item in joined:
        preset, rate = item.output.preset, fps_of(item.output.preset)
        video = ffmpeg.input(str(item.parts), f="concat", safe=0, auto_convert=0).video
        streams = [video]
        options: dict[str, object] = {
            "c:v": "copy",
            "bsf:v": f"setts=pts=PTS:dts=(N-{item.delay})/({rate}*TB)",
            "frames:v": item.span.count,
        }
        if preset.needs_audio:
            seconds = (item.span.first / rate, item.span.end / rate)
            measured = item.output.measured_loudness
            if silent:
                silence = _trim_silence(audios.pop(0), seconds[1] - seconds[0])
                streams.append(_audio_chain(silence, preset, None, silent=True))
            else:
                streams.append(_audio_chain(audios.pop(0), preset, measured, seconds))
            options.update(_audio_options(preset))
        if preset.faststart:
            options["movflags"] = "+faststart"
        options["f"] = preset.container
        rendered.append(ffmpeg.output(*streams, str(item.output.path), **options, **UNTAGGED))
    args = ffmpeg.merge_outputs(*rendered).compile(cmd=exe)
    return _with_global_args(args, "-copyts", "-start_at_zero")


def cmaf_command(exe: str, parts: list[tuple[Path, Path, str]]) -> list[str]:
    """Renditions repackaged, without re-encoding, as fragmented MP4 (CMAF) for HLS.

    `parts`: (rendition, target, "video" or "audio"): each target takes that one stream of its
    rendition. Video: one fragment (moof + mdat) per GOP, so every keyframe starts a fragment
    (HLS segments are whole fragments, and each I-frame is addressable). Audio: a fragment
    every `KEYFRAME_EVERY_S` seconds, and its init segment written once the first fragment is
    known (`delay_moov`), so that it carries an edit list hiding the AAC encoder's priming
    (1,024 samples) as the progressive file does: without it, players (Chromium's MSE among
    them) play the audio 21 ms late, and readers of the file (the visitor's clip maker) see it
    shifted by one AAC frame.
    """
    rendered = []
    for rendition, target, kind in parts:
        stream = ffmpeg.input(str(rendition))
        options: dict[str, object] = {"c": "copy", "f": "mp4"}
        if kind == "video":
            options["movflags"] = "+cmaf+frag_keyframe+empty_moov+default_base_moof"
            chosen = stream.video
        else:
            options["movflags"] = "+cmaf+delay_moov+default_base_moof"
            options["frag_duration"] = KEYFRAME_EVERY_S * 1_000_000
            chosen = stream.audio
        rendered.append(ffmpeg.output(chosen, str(target), **options))
    return _with_global_args(ffmpeg.merge_outputs(*rendered).compile(cmd=exe))


#: The ffmpeg option a still's `quality` goes to, per format (its range and default:
#: `presets.STILL_QUALITY`): JPEG's quantiser, WebP's quality.
IMAGE_QUALITY_OPTION = {"jpg": "q:v", "webp": "quality"}


def _image_quality(preset: Preset) -> dict[str, object]:
    default = STILL_QUALITY[preset.extension][2]
    codec = {"c:v": "libwebp"} if preset.extension == "webp" else {}
    return {**codec, IMAGE_QUALITY_OPTION[preset.extension]: preset.video.get("quality", default)}


def _as_image(stream, preset: Preset):
    """BT.709 frames (what `_fitted` makes, and HD video untagged is) in BT.601's matrix, as
    every decoder reads a JPEG (JFIF: full range) or a WebP (VP8: video range). Written as
    they were, each poster's reds came out darker and its greens brighter than in its video."""
    full = preset.extension == "jpg"
    return stream.filter(
        "scale", in_color_matrix="bt709", out_color_matrix="bt601", out_range="pc" if full else "tv"
    )


def still_command(
    exe: str, source: Path, at_ms: int, stills: list[tuple[Preset, Path]], colour: str | None = None
) -> list[str]:
    """The frame at `at_ms` as JPEG, once per still preset (a poster and its thumbnail), from
    one decode of the source (`colour`: see `_fitted`), in the colours images are read in
    (`_as_image`)."""
    frame = ffmpeg.input(str(source), ss=_seconds(at_ms)).video
    copies = _fan_out(frame, "split", len(stills))
    rendered = [
        ffmpeg.output(
            _as_image(_fitted(copy, *_size(preset), colour), preset),
            str(path),
            **{"frames:v": 1, "update": 1, **_image_quality(preset)},
            f=preset.container,
        )
        for copy, (preset, path) in zip(copies, stills, strict=True)
    ]
    return _with_global_args(ffmpeg.merge_outputs(*rendered).compile(cmd=exe))


def loudness_command(
    exe: str,
    source: Path,
    preset: Preset,
    in_ms: int = 0,
    duration_ms: int | None = None,
    paired: bool = False,
) -> list[str]:
    """First loudnorm pass: measure the source (or the cut's range) and print JSON."""
    loudness = preset.loudness or {}
    input_options: dict[str, str] = {}
    if in_ms:
        input_options["ss"] = _seconds(in_ms)
    if duration_ms is not None:
        input_options["t"] = _seconds(duration_ms)
    audio = _sound(ffmpeg.input(str(source), **input_options), paired)
    if duration_ms is not None:  # a range after the sound's end: silence, not no measurement
        audio = audio.filter("apad", whole_dur=_seconds(duration_ms))
    audio = audio.filter(
        "loudnorm",
        I=loudness.get("integrated", -23.0),
        TP=loudness.get("true_peak", -1.0),
        LRA=loudness.get("lra", 11.0),
        print_format="json",
    )
    return _with_global_args(ffmpeg.output(audio, "-", f="null").compile(cmd=exe))
