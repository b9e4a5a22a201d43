"""Sources, inspected before anything is planned: found, hashed, probed, captions checked.

Everything that can be wrong with a source (missing, another file than the manifest's
`sha256`, corrupt or truncated, time codes past its end, captions that do not fit it) is found
here, for every video at once, and reported as one line per problem: an editor fixes them all
in one go, and nothing is encoded from a source that would fail half-way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import av
import msgspec

from newsreel.media import captions, rewrap, timecode
from newsreel.media.cache import SourceHashes, read_memo, write_atomic
from newsreel.media.errors import MediaError, Problem, problem
from newsreel.media.manifests import FULL, VideoManifest
from newsreel.media.presets import Preset
from newsreel.media.probe import (
    PICTURE_SLACK_MS,
    PROBE_VERSION,
    MediaInfo,
    ProbeError,
    decode_info,
    encode_info,
    probe_source,
)
from newsreel.media.remote import fetch_source
from newsreel.media.runner import EncodeError


@dataclass(frozen=True)
class Source:
    """A source video as it really is: where it lies, its bytes' SHA-256, what it holds."""

    path: Path
    sha256: str
    info: MediaInfo
    cues: dict[str, list[captions.Cue]] = field(default_factory=dict)  # lang -> captions


class SourceProbes:
    """What `probe_source` found in each source, remembered by the source's SHA-256.

    A probe decodes the end of the file to be sure it is whole (a tenth of a second or more a
    source): a newsroom's hundreds of videos would cost every build, and the check before a
    build (`plan.problems_before_encoding`) as much again, for files that have not changed. The
    same bytes hold the same pictures, so what was found stays true while the probe and the
    PyAV that made it are the same (`PROBE_VERSION`, PyAV's version). A file that fails its
    probe is not remembered: it is probed again, and refused again, until it is replaced.
    """

    def __init__(self, cache_root: Path):
        self.path = cache_root / "probes.json"
        self.stamp = f"probe {PROBE_VERSION}, PyAV {av.__version__}"
        self.known: dict[str, dict[str, Any]] = read_memo(self.path)

    def probe(self, source: Path, sha256: str) -> MediaInfo:
        """`probe_source(source)`, whose bytes have this SHA-256; ProbeError as it raises."""
        remembered = self.known.get(sha256)
        if isinstance(remembered, dict) and remembered.get("stamp") == self.stamp:
            try:
                return decode_info(json.dumps(remembered.get("info")))
            except msgspec.ValidationError:
                pass  # written by hand, or half a version: probed again below
        info = probe_source(source)
        self.known[sha256] = {"stamp": self.stamp, "info": json.loads(encode_info(info))}
        write_atomic(self.path, json.dumps(self.known, indent=2).encode())
        return info


def inspect(
    manifest: VideoManifest,
    presets: dict[str, Preset],
    cache_dir: Path,
    hashes: SourceHashes,
    probes: SourceProbes | None = None,
    ffmpeg: str | None = None,
) -> Source:
    """The source of `manifest`, checked against it; MediaError with every problem found.
    `probes`: what earlier probes found (every source is probed otherwise). A source without
    an index (MPEG-TS, MPEG-PS) is read from its Matroska copy (`rewrap`), made with `ffmpeg`
    the first time."""
    where = manifest.path
    try:
        path = fetch_source(manifest.source, cache_dir) if manifest.source_is_remote else None
    except Exception as error:  # noqa: BLE001 - any S3 failure is the operator's to fix
        raise MediaError(
            problem(where, "source", f"{manifest.source} could not be fetched ({error})",
                    "check the s3:// URL and the credentials")
        ) from None  # fmt: skip
    path = path or manifest.source_path
    if path.is_dir():
        raise MediaError(
            problem(where, "source", f"{manifest.source} is a folder",
                    "name the video file in it, e.g. sources/<name>.mp4")
        )  # fmt: skip
    if not path.is_file():
        raise MediaError(
            problem(where, "source", f"{manifest.source} not found",
                    "put the file there (or run `newsreel demo-media` for the demo)")
        )  # fmt: skip
    if path.stat().st_size == 0:  # ffmpeg would only say "Invalid data found", with an errno
        raise MediaError(
            problem(where, "source", f"{manifest.source}: the file is empty (0 bytes)",
                    "the upload or copy did not finish: put the complete file there")
        )  # fmt: skip
    digest = hashes.sha256(path)
    if manifest.sha256 and manifest.sha256 != digest:
        raise MediaError(
            problem(where, "sha256", f"does not match {manifest.source} ({digest})",
                    "check that the right file is in place, or update sha256")
        )  # fmt: skip
    original = path
    try:
        path = rewrap.indexed(path, digest, cache_dir, ffmpeg)
    except EncodeError as error:
        raise MediaError(
            problem(where, "source",
                    f"{manifest.source}: its packets could not be copied into an indexed file "
                    f"({error})",
                    "check the free space of the media cache's disk, or replace it with a "
                    "complete, readable video file")
        ) from None  # fmt: skip
    try:
        info = probes.probe(path, digest) if probes else probe_source(path)
    except ProbeError as error:
        raise MediaError(
            problem(where, "source", f"{manifest.source}: {error}",
                    error.fix or "replace it with a complete, readable video file")
        ) from None  # fmt: skip
    if path != original:
        info = replace(info, indexless=True)
    problems: list[Problem] = check_against_source(
        manifest, info.duration_ms, info.has_audio, presets, info.sound_ms
    )
    cues: dict[str, list[captions.Cue]] = {}
    for lang, caption_path in manifest.captions.items():
        field_name = f"captions.{lang}"
        try:
            cues[lang] = captions.load_cues(
                (manifest.path.parent / caption_path).resolve(), where, field_name, lang
            )
        except MediaError as error:
            problems += error.problems
            continue
        problems += captions.check_cues(cues[lang], info.duration_ms, where, field_name)
    if problems:
        raise MediaError(problems)
    return Source(path, digest, info, cues)


def check_against_source(
    manifest: VideoManifest,
    duration_ms: int,
    has_audio: bool,
    presets: dict[str, Preset],
    sound_ms: int | None = None,
) -> list[Problem]:
    """Problems only the probed source reveals: time codes past its end (its picture's: the
    message says so when its sound runs on), an audio-only preset of a source without audio
    (video presets get a silent track: silent B-roll is common)."""
    path = manifest.path
    end = f"the source ({timecode.format_ms(duration_ms)})"
    if sound_ms is not None and sound_ms > duration_ms + PICTURE_SLACK_MS:
        end = (
            f"the source's picture ({timecode.format_ms(duration_ms)}; "
            f"its sound runs to {timecode.format_ms(sound_ms)})"
        )
    problems: list[Problem] = []

    def past_end(where: str, millis: int, strict: bool) -> None:
        if millis > duration_ms or (strict and millis == duration_ms):
            problems.append(
                problem(
                    path,
                    where,
                    f"{timecode.format_ms(millis)} is past the end of {end}",
                    "use a time code before the end",
                )
            )

    for index, shot in enumerate(manifest.shots):
        past_end(f"shots[{index}].at", shot.at_ms, strict=True)
    for cut in manifest.cuts:
        past_end(f"cuts['{cut.id}'].in", cut.in_ms, strict=True)
        past_end(f"cuts['{cut.id}'].out", cut.out_ms or 0, strict=False)
    if manifest.poster_ms is not None:
        past_end("poster", manifest.poster_ms, strict=True)
    if not has_audio:
        for cut in manifest.all_cuts():
            for name in cut.presets:
                if presets[name].kind == "audio":
                    where = "presets" if cut.id == FULL else f"cuts['{cut.id}'].presets"
                    problems.append(
                        problem(
                            path,
                            where,
                            f"preset {name!r} is audio only but the source has none",
                            "drop that preset (video presets get a silent track)",
                        )
                    )
    return problems
