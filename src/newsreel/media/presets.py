"""Encoding presets, read from `clips/presets.toml` and checked once, here.

A preset is data: its container, its video and audio settings, who may download it
(`access = "public"` from the CDN, `"account"` through the function, `"stream"`: nobody, it is
only a rung of the adaptive stream) and its label in each language. The normalised form of a
preset is part of every cache key built from it, so changing one preset re-encodes exactly the
outputs made with it.

The `[streaming]` table is the HLS ladder: which video presets every video's adaptive stream
is made of (`load_ladder`).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsreel.errors import did_you_mean
from newsreel.media.errors import MediaError, Problem, problem, unknown_keys
from newsreel.textfile import read_text

KINDS = ("video", "audio", "still")
ACCESS = ("public", "account", "stream")
EXTENSIONS = {"video": ("mp4",), "audio": ("m4a",), "still": ("jpg", "webp")}
#: A still's `quality` per format: (lowest, highest, default). JPEG's quantiser
#: runs from 2 (best) to 31, WebP's quality from 0 to 100 (best).
STILL_QUALITY = {"jpg": (2, 31, 3), "webp": (0, 100, 75)}
#: ffmpeg muxers each kind may use; the first is the default.
CONTAINERS = {"video": ("mp4", "mov"), "audio": ("mp4", "ipod"), "still": ("image2",)}
#: How a picture preset's box meets an upright source (a phone's vertical video): `source`
#: turns it upright (1280x720 becomes 720x1280), so the picture fills it; `fixed` keeps it as
#: written, the picture between bars (what a grid of cards, or a 16:9 playout server, needs).
ORIENTATIONS = ("source", "fixed")

# Every key a preset may have: anything else is a typo that would be silently ignored.
_KEYS = {
    "": {"kind", "access", "container", "extension", "suffix", "faststart", "label", "video",
         "audio", "orientation"},
    "video": {"codec", "width", "height", "fps", "profile", "level", "crf", "bitrate", "minrate",
              "maxrate", "bufsize", "x264_params", "x264_preset", "pix_fmt", "quality"},
    "audio": {"codec", "bitrate", "sample_rate", "channels", "loudness"},
    "audio.loudness": {"integrated", "true_peak", "lra"},
}  # fmt: skip


@dataclass(frozen=True)
class Preset:
    """How to make one rendition."""

    name: str
    kind: str
    access: str
    extension: str
    container: str
    suffix: str
    label: dict[str, str]
    video: dict[str, Any] = field(default_factory=dict)
    audio: dict[str, Any] = field(default_factory=dict)
    faststart: bool = False
    orientation: str = "source"

    def shaped_for(self, shown: tuple[int, int] | None) -> Preset:
        """This preset for a source shown `shown` (width, height, as a player shows it): for
        an upright source, a picture preset that follows the source's orientation turns its
        box upright; anything else is this very preset. The turned box is in the preset's
        normalised form, so an upright source's outputs have keys of their own."""
        if (
            shown is None
            or shown[1] <= shown[0]
            or self.kind not in ("video", "still")
            or self.orientation != "source"
            or self.video["height"] >= self.video["width"]
        ):
            return self
        upright = {**self.video, "width": self.video["height"], "height": self.video["width"]}
        return replace(self, video=upright)

    @property
    def needs_audio(self) -> bool:
        return self.kind in ("video", "audio") and bool(self.audio)

    @property
    def loudness(self) -> dict[str, float] | None:
        return self.audio.get("loudness")

    def normalised(self) -> str:
        """A canonical text of everything that changes the output's bytes (for cache keys)."""
        data = {
            "kind": self.kind,
            "container": self.container,
            "extension": self.extension,
            "video": self.video,
            "audio": self.audio,
            "faststart": self.faststart,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


_VIDEO_INTS = ("width", "height", "fps", "crf", "quality")
_AUDIO_INTS = ("sample_rate", "channels")
#: Rates, as ffmpeg reads them (`-b:v 20M`): a number with an optional SI prefix.
_RATES = ("bitrate", "minrate", "maxrate", "bufsize")
RATE = re.compile(r"[0-9]+(?:\.[0-9]+)?[kKM]?")


def load_presets(path: Path, languages: Sequence[str]) -> dict[str, Preset]:
    """All presets of `path`, labelled in every one of `languages`; raises MediaError listing
    every problem found."""
    try:
        data = tomllib.loads(read_text(path, MediaError))
    except FileNotFoundError:
        raise MediaError(
            problem(path, "file", "not found", "create it (see clips/presets.toml in the repo)")
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise MediaError(problem(path, "toml", str(error), "fix the TOML syntax")) from None
    presets_table = data.get("presets")
    if not isinstance(presets_table, dict) or not presets_table:
        raise MediaError(problem(path, "presets", "no [presets.<name>] table", "add presets"))
    problems: list[Problem] = []
    presets: dict[str, Preset] = {}
    for name, table in presets_table.items():
        preset = _preset(path, name, table, languages, problems)
        if preset:
            presets[name] = preset
    if problems:
        raise MediaError(problems)
    return presets


def _preset(
    path: Path, name: str, table: Any, languages: Sequence[str], problems: list[Problem]
) -> Preset | None:
    where = f"presets.{name}"
    if not isinstance(table, dict):
        problems.append(problem(path, where, "is not a table", f"write it as [presets.{name}]"))
        return None
    before = len(problems)
    kind = table.get("kind")
    if kind not in KINDS:
        problems.append(
            problem(
                path, f"{where}.kind", f"{kind!r} is not a kind", did_you_mean(str(kind), KINDS)
            )  # fmt: skip
        )
        return None
    access = table.get("access", "public")
    if access not in ACCESS:
        problems.append(
            problem(
                path,
                f"{where}.access",
                f"{access!r} is unknown",
                'use "public", "account" or "stream"',
            )
        )
    extension = table.get("extension", EXTENSIONS[kind][0])
    if extension not in EXTENSIONS[kind]:
        problems.append(
            problem(
                path,
                f"{where}.extension",
                f"{extension!r} does not suit a {kind} preset",
                f"use {EXTENSIONS[kind][0]!r}",
            )
        )
    container = table.get("container", CONTAINERS[kind][0])
    if container not in CONTAINERS[kind]:
        problems.append(
            problem(
                path,
                f"{where}.container",
                f"{container!r} does not suit a {kind} preset",
                f"use one of {', '.join(CONTAINERS[kind])}",
            )
        )
    _unknown_keys(path, where, table, problems)
    label = table.get("label", {})
    for lang in languages:
        if not isinstance(label, dict) or not isinstance(label.get(lang), str):
            problems.append(
                problem(path, f"{where}.label.{lang}", "missing", f"add {where}.label.{lang}")
            )
    video = table.get("video", {})
    audio = table.get("audio", {})
    if kind in ("video", "still"):
        for key in ("width", "height"):
            if not isinstance(video.get(key), int) or video[key] <= 0 or video[key] % 2:
                problems.append(
                    problem(
                        path, f"{where}.video.{key}", "missing or odd", "give an even whole number"
                    )
                )
    quality = video.get("quality")
    low, high, usual = STILL_QUALITY.get(extension, (0, 100, 75))
    if (
        kind == "still"
        and quality is not None
        and not (isinstance(quality, int) and low <= quality <= high)
    ):
        problems.append(
            problem(path, f"{where}.video.quality", f"not a whole number from {low} to {high}",
                    f"{extension}: {low} to {high}, e.g. {usual}")
        )  # fmt: skip
    if kind == "video":
        if not isinstance(video.get("fps"), int):
            problems.append(problem(path, f"{where}.video.fps", "missing", "give e.g. 25"))
        if "crf" not in video and "bitrate" not in video:
            problems.append(
                problem(path, f"{where}.video", "neither crf nor bitrate", "set one of them")
            )
    if kind in ("video", "audio"):
        if not audio:
            problems.append(problem(path, f"{where}.audio", "missing", "add [presets.x.audio]"))
        for key in _AUDIO_INTS:
            if key in audio and not isinstance(audio[key], int):
                problems.append(
                    problem(path, f"{where}.audio.{key}", "not a whole number", "e.g. 48000")
                )
        loudness = audio.get("loudness")
        if loudness is not None and not (
            isinstance(loudness, dict)
            and all(isinstance(loudness.get(k), int | float) for k in ("integrated", "true_peak"))
        ):
            problems.append(
                problem(
                    path,
                    f"{where}.audio.loudness",
                    "needs integrated and true_peak",
                    "e.g. { integrated = -23.0, true_peak = -1.0, lra = 11.0 }",
                )
            )
    for key in _VIDEO_INTS:
        if key in video and not isinstance(video[key], int):
            shown = video[key]
            fix = (
                f"write {key} = {shown.strip()}, without quotes"
                if isinstance(shown, str) and shown.strip().isdigit()
                else f"write a whole number, e.g. {key} = 23"
            )
            problems.append(problem(path, f"{where}.video.{key}", "not a whole number", fix))
    for part, values in (("video", video), ("audio", audio)):
        for key in _RATES:
            value = values.get(key)
            readable = isinstance(value, str) and RATE.fullmatch(value)
            if value is not None and not (readable or type(value) is int and value > 0):
                problems.append(
                    problem(path, f"{where}.{part}.{key}", f"{value!r} is not a rate ffmpeg reads",
                            'bits per second with an optional k or M, e.g. "20M" or "128k"')
                )  # fmt: skip
    orientation = table.get("orientation", "source")
    if orientation not in ORIENTATIONS:
        problems.append(
            problem(path, f"{where}.orientation", f"{orientation!r} is not an orientation",
                    did_you_mean(str(orientation), ORIENTATIONS))
        )  # fmt: skip
    suffix = table.get("suffix", name)
    if len(problems) > before:
        return None
    return Preset(
        name=name,
        kind=kind,
        access=access,
        extension=extension,
        container=container,
        suffix=str(suffix),
        label=dict(label),
        video=dict(video),
        audio=dict(audio),
        faststart=bool(table.get("faststart", False)),
        orientation=orientation,
    )


@dataclass(frozen=True)
class Ladder:
    """The HLS ladder: the rungs (video presets) of every video's adaptive stream.

    The first rung is the one players start with (Apple: about 2 Mb/s); all rungs share one
    frame rate, so they share the keyframe grid and players can switch between them at every
    segment.
    """

    rungs: tuple[str, ...]
    segment_seconds: int = 6
    #: The rung whose audio every rung shares: one audio rendition, apart from the video
    #: (Apple's recommendation; storing it once keeps the ladder small).
    audio: str = ""


def load_ladder(path: Path, presets: dict[str, Preset], keyframe_seconds: int) -> Ladder | None:
    """The `[streaming]` table of presets.toml (None when there is none); MediaError listing
    every problem."""
    data = tomllib.loads(read_text(path, MediaError)).get("streaming")
    if data is None:
        return None
    where = "streaming"
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise MediaError(problem(path, where, "is not a table", "write it as [streaming]"))
    problems += unknown_keys(path, where, data, {"ladder", "segment_seconds", "audio"})
    rungs = data.get("ladder")
    if not isinstance(rungs, list) or not rungs or not all(isinstance(r, str) for r in rungs):
        problems.append(problem(path, f"{where}.ladder", "missing or not a list of preset names",
                                'e.g. ladder = ["web", "mobile"]'))  # fmt: skip
        rungs = []
    rates = set()
    for name in rungs:
        preset = presets.get(name)
        if preset is None or preset.kind != "video" or preset.access == "account":
            message = f"{name!r} is not a public or stream video preset"
            problems.append(problem(path, f"{where}.ladder", message, "name one of this file"))
        else:
            rates.add(preset.video.get("fps"))
    if len(rates) > 1:
        problems.append(problem(path, f"{where}.ladder", f"its rungs have different frame rates "
                                f"({sorted(rates)})", "give every rung the same fps"))  # fmt: skip
    segment = data.get("segment_seconds", 6)
    if not isinstance(segment, int) or segment <= 0 or segment % keyframe_seconds:
        problems.append(problem(path, f"{where}.segment_seconds", f"{segment!r} is not a "
                                f"multiple of {keyframe_seconds}", "e.g. 6"))  # fmt: skip
    audio = data.get("audio", rungs[0] if rungs else "")
    if rungs and audio not in rungs:
        problems.append(problem(path, f"{where}.audio", f"{audio!r} is not a rung of the ladder",
                                "name the rung whose audio the stream uses"))  # fmt: skip
    if problems:
        raise MediaError(problems)
    return Ladder(tuple(rungs), segment, audio)


def _unknown_keys(path: Path, where: str, table: dict[str, Any], problems: list[Problem]) -> None:
    for section, allowed in _KEYS.items():
        data: Any = table
        for part in filter(None, section.split(".")):
            data = data.get(part) if isinstance(data, dict) else None
        if isinstance(data, dict):
            problems += unknown_keys(path, ".".join(filter(None, (where, section))), data, allowed)
