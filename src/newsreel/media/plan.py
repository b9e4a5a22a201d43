"""Jobs and cache keys: what must be encoded, and why.

A cache key is the SHA-256 of everything that decides an output's bytes: the source's SHA-256,
the normalised preset, the cut range (or the still's frame), the ffmpeg version and the
pipeline version. Every output's folder is named after its key, so the same key is the same
file, on any machine that shares the cache, and it is never encoded twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from newsreel.media.manifests import FULL, Cut, VideoManifest
from newsreel.media.presets import Preset

#: Bump when the pipeline changes what it writes for the same inputs.
PIPELINE_VERSION = "2"

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


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


def download_stem(video_id: str, day: date) -> str:
    """How every download of a video starts: `20251015-defence-ministers-press-conference`.

    The visitor's own clips (made in the browser) start the same way as the files built here.
    """
    return f"{day:%Y%m%d}-{_DATE_PREFIX.sub('', video_id)}"


def output_filename(manifest: VideoManifest, cut: Cut, preset: Preset, poster: bool) -> str:
    """A name a downloader recognises: `20251015-defence-ministers-rutte-soundbite-1080p.mp4`."""
    parts = [download_stem(manifest.id, manifest.date)]
    if cut.id != FULL:
        parts.append(cut.id)
    parts.append("poster" if poster else preset.suffix)
    return "-".join(parts) + "." + preset.extension


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


@dataclass
class Job:
    """One ffmpeg process (or a loudness pass and one process) making one or more outputs."""

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
    """Everything a build needs: per video, its outputs; and the jobs still to run."""

    manifests: list[VideoManifest]
    outputs: dict[str, list[PlannedOutput]] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    sources: dict[str, dict] = field(default_factory=dict)

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

    def jobs_table(self):
        """A rich table of the jobs still to run and why, for `newsreel clips plan`."""
        from rich.table import Table

        table = Table(title="Jobs to run")
        for column in ("video", "cut", "outputs", "seconds", "why"):
            table.add_column(column, justify="right" if column == "seconds" else "left")
        for job in self.jobs:
            names = ", ".join(o.filename for o in job.outputs)
            seconds = f"{job.duration_ms / 1000:g}" if job.kind != "still" else "frame"
            table.add_row(job.manifest.id, job.cut.id, names, seconds, job.reason)
        return table

    def table(self):
        """Rich tables of the plan, one per video, for `newsreel clips plan`."""
        from rich.console import Group
        from rich.table import Table

        tables = []
        for video_id, outputs in self.outputs.items():
            table = Table(title=video_id, title_justify="left")
            for column in ("cut", "preset", "access", "file", "status"):
                table.add_column(column, overflow="fold")
            for output in outputs:
                status = "[green]cached[/green]" if output.cached else "[yellow]to encode[/yellow]"
                preset = output.preset.name if output.listed else "(poster)"
                table.add_row(output.cut.id, preset, output.preset.access, output.filename, status)
            tables.append(table)
        return Group(*tables)
