"""The media build: plan, execute, record, in that order (see `plan`, `execute`, `output`).

`build_media` writes every video's files under `output/media/<id>/<key16>/` (public presets)
or `output/_private/media/...` (account presets, handed out by the function), linked from the
cache, and `output/media/<id>/manifest.json` (`media.record`), which the pages, the feeds and
the function read. A fully cached build starts no process at all: not even `ffmpeg -version`,
which the cache remembers (`ToolVersions`).

A build holds the cache's lock shared, and `gc_cache` holds it alone (`media.lock`): gc never
removes a file a running build is writing, or an entry it is about to link. A build starts by
removing the scratch files of killed builds (`MediaCache.sweep_scratch`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from newsreel.media import encode, lock, record, rewrap
from newsreel.media.cache import MediaCache, ToolVersions
from newsreel.media.execute import Executor, run_jobs
from newsreel.media.output import record_video, write_schema
from newsreel.media.plan import MediaPlan, MediaSettings, plan_media
from newsreel.media.reasons import read_index, write_index
from newsreel.media.remote import S3MediaCache
from newsreel.progress import SILENT, Reporter

logger = logging.getLogger(__name__)


def ffmpeg_version(settings: MediaSettings) -> str:
    """ffmpeg's version (part of every key), asked once per binary and remembered."""
    exe = encode.ffmpeg_exe(settings.ffmpeg)
    return ToolVersions(settings.cache).version(exe, encode.ffmpeg_version)


def _shared(settings: MediaSettings) -> S3MediaCache | None:
    return S3MediaCache(settings.shared_cache) if settings.shared_cache else None


def plan(settings: MediaSettings) -> MediaPlan:
    """What a build would encode, and why (`newsreel clips plan`)."""
    return plan_media(settings, ffmpeg_version(settings))


def build_media(
    settings: MediaSettings,
    output_dir: Path,
    *,
    jobs: int | None = None,
    reporter: Reporter = SILENT,
    runner: encode.Runner | None = None,
) -> dict[str, record.Video]:
    """Encode what is missing, then lay every video's files and manifest in `output_dir`.

    With a shared cache (`settings.shared_cache`, s3://...), outputs found there are fetched,
    not encoded, and every output of the plan that it lacks is uploaded to it.
    """
    output_dir = Path(output_dir)
    waiting = "the media cache is being cleaned (newsreel clips gc): waiting for it to finish"
    with lock.shared(settings.cache, on_wait=lambda: reporter.note(waiting)):
        return _build_media(settings, output_dir, jobs, reporter, runner)


def _build_media(
    settings: MediaSettings,
    output_dir: Path,
    jobs: int | None,
    reporter: Reporter,
    runner: encode.Runner | None,
) -> dict[str, record.Video]:
    remote = _shared(settings)
    local = MediaCache(settings.cache)
    for path in local.sweep_scratch():
        logger.info("removed %s, left by a build that was stopped", path.name)
    fetch = (lambda key: remote.fetch(key, local)) if remote else None
    media_plan = plan_media(settings, ffmpeg_version(settings), fetch)
    logger.debug("media plan: %s", media_plan.describe())
    for line in media_plan.warnings:
        reporter.warn(line)
    executor = Executor(encode.ffmpeg_exe(settings.ffmpeg), runner)
    run_jobs(media_plan.jobs, local, executor, jobs or os.cpu_count() or 1, reporter)
    if remote is not None:  # what it encoded, and what the local cache held before
        remote.fill(media_plan.keys, local, reporter)
    videos = {
        manifest.id: record_video(
            manifest,
            media_plan.sources[manifest.id],
            media_plan.outputs[manifest.id],
            local,
            output_dir,
            settings.languages,
            media_plan.ladder,
        )
        for manifest in media_plan.manifests
    }
    write_schema(output_dir)
    kits = {video.id: video.press_kit.key for video in videos.values() if video.press_kit}
    write_index(settings.cache, media_plan, {k: v for k, v in kits.items() if v})
    return videos


def gc_cache(settings: MediaSettings, on_wait: Callable[[], None] | None = None) -> list[Path]:
    """Remove cache entries that no manifest uses any more (the current press kits stay).

    Waits for running builds to finish first (calling `on_wait` if there are any): they may be
    writing scratch files, or about to link entries a changed manifest no longer names.
    """
    with lock.exclusive(settings.cache, on_wait):
        return _gc_cache(settings)


def _gc_cache(settings: MediaSettings) -> list[Path]:
    media_plan = plan(settings)
    kits = {
        entry["key"]
        for name, entry in read_index(settings.cache).items()
        if name.endswith("/press-kit") and name.split("/")[0] in media_plan.outputs
    }
    removed = MediaCache(settings.cache).gc(media_plan.keys | kits)
    sources = {source.sha256 for source in media_plan.sources.values()}
    return removed + rewrap.gc(settings.cache, sources)
