"""Planning: which outputs the videos need, which of them are missing, and why.

A cache key is the SHA-256 of everything that decides an output's bytes: the source's SHA-256,
the normalised preset, the cut range (or the still's frame), the ffmpeg version and the
pipeline version. Every output's folder is named after its key, so the same key is the same
file, on any machine that shares the cache, and it is never encoded twice.

Planning encodes nothing and starts no process: it reads the manifests and presets, inspects
the sources (`media.sources`), and turns what the cache lacks into jobs, each with the reason
it must run (a new cut, a changed preset...), which `newsreel clips plan` shows.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreel.media import record
from newsreel.media.cache import MediaCache, SourceHashes, write_atomic
from newsreel.media.errors import MediaError, Problem
from newsreel.media.manifests import FULL, Cut, VideoManifest, load_manifest, manifest_paths
from newsreel.media.presets import Preset, load_presets
from newsreel.media.sources import Source, inspect

#: Bump when the pipeline changes what it writes for the same inputs.
PIPELINE_VERSION = "2"

#: The poster of a cut whose presets hold no still.
DEFAULT_STILL = Preset(
    name="still",
    kind="still",
    access="public",
    extension="jpg",
    container="image2",
    suffix="still",
    label={"en": "Still (JPEG)", "fr": "Image fixe (JPEG)"},
    video={"width": 1280, "height": 720, "quality": 3},
)


@dataclass(frozen=True)
class MediaSettings:
    """Where the media of a project come from and go: the one input of the pipeline."""

    clips: Path
    cache: Path
    languages: tuple[str, ...]
    shared_cache: str | None = None  # s3://bucket/prefix, shared by every build machine
    ffmpeg: str | None = None  # the binary; default: NEWSREEL_FFMPEG, else imageio-ffmpeg's


def cache_key(
    source_sha256: str,
    preset: Preset,
    in_ms: int,
    out_ms: int,
    ffmpeg_version: str,
    still_at_ms: int | None = None,
) -> str:
    parts = [
        f"source={source_sha256}",
        f"preset={preset.normalised()}",
        f"range={in_ms}-{out_ms}",
        f"still={still_at_ms}",
        f"ffmpeg={ffmpeg_version}",
        f"pipeline={PIPELINE_VERSION}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def output_filename(manifest: VideoManifest, cut: Cut, preset: Preset, poster: bool) -> str:
    """A name a downloader recognises: `20251015-defence-ministers-rutte-soundbite-1080p.mp4`."""
    suffix = "poster" if poster else preset.suffix
    return record.download_name(manifest.id, manifest.date, cut.id, suffix, preset.extension)


@dataclass(frozen=True)
class PlannedOutput:
    """One output file: a cut of a video in a preset."""

    video_id: str
    cut: Cut
    preset: Preset
    key: str
    filename: str
    in_ms: int
    out_ms: int
    still_at_ms: int | None = None
    cached: bool = False
    poster: bool = False  # the cut's poster image (also a download when its preset is listed)
    listed: bool = True  # offered in the download panel

    @property
    def index_id(self) -> str:
        """Its name in the cache's index, which remembers what made it (for the reasons)."""
        return f"{self.video_id}/{self.cut.id}/{self.preset.name if self.listed else 'poster'}"


@dataclass
class Job:
    """One ffmpeg process (after a loudness pass, for broadcast) making one or more outputs."""

    manifest: VideoManifest
    source: Path
    cut: Cut
    outputs: list[PlannedOutput]
    reason: str
    kind: str = "renditions"  # or "still"
    fps: object = None

    @property
    def duration_ms(self) -> int:
        first = self.outputs[0]
        return 1000 if self.kind == "still" else first.out_ms - first.in_ms

    def describe(self) -> str:
        names = ", ".join(o.preset.name for o in self.outputs)
        return f"{self.manifest.id} / {self.cut.id}: {names}"


@dataclass
class MediaPlan:
    """Everything a build needs: per video, its source and outputs; and the jobs still to run."""

    manifests: list[VideoManifest]
    ffmpeg_version: str
    outputs: dict[str, list[PlannedOutput]] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def keys(self) -> set[str]:
        return {o.key for outputs in self.outputs.values() for o in outputs}

    @property
    def encodes(self) -> int:
        """How many output files the jobs will write."""
        return sum(len(job.outputs) for job in self.jobs)

    def describe(self) -> str:
        """The plan in plain text, one line per job and why it must run."""
        total = sum(len(outputs) for outputs in self.outputs.values())
        if not self.jobs:
            return f"All {total} outputs are in the cache: nothing to encode."
        lines = [f"{self.encodes} of {total} outputs to encode, in {len(self.jobs)} jobs:"]
        lines += [f"- {job.describe()} ({job.reason})" for job in self.jobs]
        return "\n".join(lines)


def load_all(settings: MediaSettings) -> tuple[dict[str, Preset], list[VideoManifest]]:
    """Presets and every manifest; all problems of all files in one MediaError."""
    presets = load_presets(settings.clips / "presets.toml", settings.languages)
    manifests: list[VideoManifest] = []
    problems: list[Problem] = []
    for path in manifest_paths(settings.clips):
        try:
            manifests.append(load_manifest(path, presets, settings.languages))
        except MediaError as error:
            problems += error.problems
    if problems:
        raise MediaError(problems)
    return presets, manifests


#: Says, for a key the local cache lacks, whether another cache (the shared one) had it and
#: copied it in.
Fetch = Callable[[str], bool]


def plan_media(
    settings: MediaSettings, ffmpeg_version: str, fetch: Fetch | None = None
) -> MediaPlan:
    """What would be encoded and why; encodes nothing. Raises MediaError with every problem.

    `fetch` (the shared cache) is asked for each missing output before it is planned.
    """
    presets, manifests = load_all(settings)
    cache = MediaCache(settings.cache)
    hashes = SourceHashes(settings.cache)
    index = read_index(settings.cache)
    plan = MediaPlan(manifests=manifests, ffmpeg_version=ffmpeg_version)
    problems: list[Problem] = []
    for manifest in manifests:
        try:
            source = inspect(manifest, presets, settings.cache, hashes)
        except MediaError as error:
            problems += error.problems
            continue
        plan.sources[manifest.id] = source
        _plan_video(plan, manifest, presets, source, cache, index, fetch)
    if problems:
        raise MediaError(problems)
    return plan


def _poster_at(manifest: VideoManifest, in_ms: int, out_ms: int, full: bool) -> int:
    if full and manifest.poster_ms is not None:
        return manifest.poster_ms
    return in_ms + (out_ms - in_ms) // (3 if full else 2)


def _plan_video(
    plan: MediaPlan,
    manifest: VideoManifest,
    presets: dict[str, Preset],
    source: Source,
    cache: MediaCache,
    index: dict[str, Any],
    fetch: Fetch | None,
) -> None:
    outputs: list[PlannedOutput] = []
    poster_preset = presets.get("still", DEFAULT_STILL)
    for cut in manifest.all_cuts():
        out_ms = cut.out_ms if cut.out_ms is not None else source.info.duration_ms
        still_at = _poster_at(manifest, cut.in_ms, out_ms, cut.id == FULL)
        planned = functools.partial(
            _planned, plan, manifest, cut, (cut.in_ms, out_ms, still_at), source, cache, fetch
        )
        renditions = [
            planned(presets[name], presets[name] == poster_preset, True) for name in cut.presets
        ]
        if not any(o.poster for o in renditions):
            renditions.append(planned(poster_preset, True, False))
        outputs += renditions
        streams = [o for o in renditions if o.preset.kind != "still" and not o.cached]
        stills = [o for o in renditions if o.preset.kind == "still" and not o.cached]
        fps = source.info.fps
        if streams:
            reason = _reason(streams, index, source.sha256, plan.ffmpeg_version)
            plan.jobs.append(Job(manifest, source.path, cut, streams, reason, fps=fps))
        for still in stills:
            reason = _reason([still], index, source.sha256, plan.ffmpeg_version)
            plan.jobs.append(Job(manifest, source.path, cut, [still], reason, "still", fps))
    plan.outputs[manifest.id] = outputs


def _planned(
    plan: MediaPlan,
    manifest: VideoManifest,
    cut: Cut,
    span: tuple[int, int, int],
    source: Source,
    cache: MediaCache,
    fetch: Fetch | None,
    preset: Preset,
    poster: bool,
    listed: bool,
) -> PlannedOutput:
    """One output of a cut; `span` is (in, out, poster frame) in milliseconds."""
    in_ms, out_ms, still_at = span
    at = still_at if preset.kind == "still" else None
    key = cache_key(source.sha256, preset, in_ms, out_ms, plan.ffmpeg_version, at)
    name = output_filename(manifest, cut, preset, poster and not listed)
    cached = cache.get(key) is not None or (fetch is not None and fetch(key))
    return PlannedOutput(
        manifest.id, cut, preset, key, name, in_ms, out_ms, at, cached, poster, listed
    )


def _reason(outputs: list[PlannedOutput], index: dict[str, Any], digest: str, version: str) -> str:
    """Why these outputs must be encoded, from what the last build recorded for them."""
    reasons = []
    for output in outputs:
        before = index.get(output.index_id)
        if before is None:
            why = "new"
        elif before.get("source") != digest:
            why = "source changed"
        elif before.get("preset") != output.preset.normalised():
            why = "preset changed"
        elif before.get("range") != [output.in_ms, output.out_ms]:
            why = "cut range changed"
        elif before.get("ffmpeg") != version:
            why = "ffmpeg changed"
        else:
            why = "missing from the cache"
        reasons.append(f"{output.preset.name}: {why}")
    return "; ".join(reasons)


def read_index(cache_dir: Path) -> dict[str, Any]:
    """What the last build recorded of each output (and each press kit), by name."""
    try:
        return json.loads((cache_dir / "index.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_index(cache_dir: Path, plan: MediaPlan, kits: dict[str, str]) -> None:
    """Remember what made each output, so the next plan can say why it re-encodes one."""
    index = read_index(cache_dir)
    for video_id, outputs in plan.outputs.items():
        digest = plan.sources[video_id].sha256
        for output in outputs:
            index[output.index_id] = {
                "key": output.key,
                "source": digest,
                "preset": output.preset.normalised(),
                "range": [output.in_ms, output.out_ms],
                "ffmpeg": plan.ffmpeg_version,
            }
    for video_id, key in kits.items():
        index[f"{video_id}/press-kit"] = {"key": key}
    write_atomic(cache_dir / "index.json", json.dumps(index, indent=1, sort_keys=True).encode())
