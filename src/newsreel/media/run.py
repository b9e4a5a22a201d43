"""Plan and run the media build: only missing outputs are encoded, in parallel, with progress.

`build_media` writes every video's files under `output/media/<id>/<key16>/` (public presets)
or `output/_private/media/...` (account presets, handed out by the function), linked from the
cache, and `output/media/<id>/manifest.json`, which the pages, the feeds and the function read.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

from newsreel.media import captions, encode, timecode
from newsreel.media.cache import (
    MediaCache,
    SourceHashes,
    ToolVersions,
    link_or_copy,
    sha256_file,
    write_atomic,
)
from newsreel.media.errors import MediaError, problem
from newsreel.media.manifests import (
    FULL,
    VideoManifest,
    check_against_source,
    load_manifest,
    manifest_paths,
)
from newsreel.media.plan import Job, MediaPlan, PlannedOutput, cache_key, output_filename
from newsreel.media.presets import Preset, load_presets
from newsreel.media.presskit import build_press_kit
from newsreel.media.probe import MediaInfo, ProbeError, image_size, measure, probe_source
from newsreel.media.remote import S3MediaCache, fetch_source

PRIVATE_DIR = "_private"
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
MIME = {"mp4": "video/mp4", "m4a": "audio/mp4", "jpg": "image/jpeg"}

Runner = encode.Runner


def load_all(clips_dir: Path) -> tuple[dict[str, Preset], list[VideoManifest]]:
    """Presets and every manifest; all problems of all files in one MediaError."""
    presets = load_presets(clips_dir / "presets.toml")
    manifests: list[VideoManifest] = []
    problems: list[str] = []
    for path in manifest_paths(clips_dir):
        try:
            manifests.append(load_manifest(path, presets))
        except MediaError as error:
            problems += error.problems
    if problems:
        raise MediaError(problems)
    return presets, manifests


def _poster_preset(presets: dict[str, Preset]) -> Preset:
    return presets.get("still", DEFAULT_STILL)


def _poster_at(manifest: VideoManifest, in_ms: int, out_ms: int, full: bool) -> int:
    if full and manifest.poster_ms is not None:
        return manifest.poster_ms
    return in_ms + (out_ms - in_ms) // (3 if full else 2)


def plan_media(
    clips_dir: Path,
    output_dir: Path,
    cache_dir: Path,
    ffmpeg: str | None = None,
    remote: S3MediaCache | None = None,
) -> MediaPlan:
    """What would be encoded and why; encodes nothing. Raises MediaError on any problem.

    With a `remote` (shared) cache, outputs it already holds are fetched instead of planned.
    """
    clips_dir = Path(clips_dir)
    presets, manifests = load_all(clips_dir)
    exe = encode.ffmpeg_exe(ffmpeg)
    version = _ffmpeg_version(exe, Path(cache_dir))
    cache = MediaCache(Path(cache_dir))
    hashes = SourceHashes(Path(cache_dir))
    index = _read_index(Path(cache_dir))
    plan = MediaPlan(manifests=manifests)
    problems: list[str] = []
    for manifest in manifests:
        relative = _display(manifest.path)
        try:
            source = _local_source(manifest, Path(cache_dir))
        except Exception as error:  # noqa: BLE001 - any S3 failure is the editor's to fix
            problems.append(
                problem(
                    relative,
                    "source",
                    f"{manifest.source} could not be fetched ({error})",
                    "check the s3:// URL and the credentials",
                )
            )
            continue
        if not source.is_file():
            problems.append(
                problem(
                    relative,
                    "source",
                    f"{manifest.source} not found",
                    "put the file there (or run `newsreel demo-media` for the demo)",
                )
            )
            continue
        digest = hashes.sha256(source)
        if manifest.sha256 and manifest.sha256 != digest:
            problems.append(
                problem(
                    relative,
                    "sha256",
                    f"does not match {manifest.source} ({digest})",
                    "check that the right file is in place, or update sha256",
                )
            )
            continue
        try:
            info = probe_source(source)
        except ProbeError as error:
            problems.append(
                problem(
                    relative,
                    "source",
                    f"{manifest.source}: {error}",
                    "replace it with a complete, readable video file",
                )
            )
            continue
        source_problems = check_against_source(manifest, info.duration_ms, info.has_audio, presets)
        cues: dict[str, list] = {}
        for lang, caption_path in manifest.captions.items():
            field_name = f"captions.{lang}"
            try:
                cues[lang] = captions.load_cues(
                    (manifest.path.parent / caption_path).resolve(), relative, field_name, lang
                )
            except MediaError as error:
                source_problems += error.problems
                continue
            source_problems += captions.check_cues(
                cues[lang], info.duration_ms, relative, field_name
            )
        if source_problems:
            problems += [line.replace(str(manifest.path), relative) for line in source_problems]
            continue
        plan.sources[manifest.id] = {
            "sha256": digest,
            "info": info,
            "path": source,
            "captions": cues,
        }
        _plan_video(plan, manifest, presets, info, digest, version, cache, index, remote)
    if problems:
        raise MediaError(problems)
    return plan


def _plan_video(
    plan: MediaPlan,
    manifest: VideoManifest,
    presets: dict[str, Preset],
    info: MediaInfo,
    digest: str,
    version: str,
    cache: MediaCache,
    index: dict[str, Any],
    remote: S3MediaCache | None = None,
) -> None:
    outputs: list[PlannedOutput] = []
    source = plan.sources[manifest.id]["path"]
    poster_preset = _poster_preset(presets)
    for cut in manifest.all_cuts():
        in_ms, out_ms = cut.in_ms, cut.out_ms if cut.out_ms is not None else info.duration_ms
        at = _poster_at(manifest, in_ms, out_ms, cut.id == FULL)

        def planned(preset: Preset, poster: bool, listed: bool, cut=cut, span=(in_ms, out_ms, at)):
            output = _planned(manifest, cut, preset, span, digest, version, cache, poster, listed)
            if not output.cached and remote is not None and remote.fetch(output.key, cache):
                output = dataclasses.replace(output, cached=True)
            return output

        renditions = [
            planned(presets[name], presets[name] == poster_preset, True) for name in cut.presets
        ]
        if not any(o.poster for o in renditions):
            renditions.append(planned(poster_preset, True, False))
        outputs += renditions
        streams = [o for o in renditions if o.preset.kind != "still" and not o.cached]
        if streams:
            plan.jobs.append(
                Job(
                    manifest,
                    source,
                    cut,
                    streams,
                    _reason(streams, index, digest, version),
                    fps=info.fps,
                )
            )
        for still in (o for o in renditions if o.preset.kind == "still" and not o.cached):
            plan.jobs.append(
                Job(
                    manifest,
                    source,
                    cut,
                    [still],
                    _reason([still], index, digest, version),
                    kind="still",
                    fps=info.fps,
                )
            )
    plan.outputs[manifest.id] = outputs


def _planned(
    manifest: VideoManifest,
    cut,
    preset: Preset,
    span: tuple[int, int, int],
    digest: str,
    version: str,
    cache: MediaCache,
    poster: bool,
    listed: bool,
) -> PlannedOutput:
    """One output of a cut; `span` is (in, out, poster frame) in milliseconds."""
    in_ms, out_ms, at = span
    still_at = at if preset.kind == "still" else None
    key = cache_key(digest, preset, in_ms, out_ms, version, still_at)
    return PlannedOutput(
        manifest.id,
        cut,
        preset,
        key,
        output_filename(manifest, cut, preset, poster and not listed),
        in_ms,
        out_ms,
        still_at,
        cached=cache.get(key) is not None,
        poster=poster,
        listed=listed,
    )


def _local_source(manifest: VideoManifest, cache_dir: Path) -> Path:
    if manifest.source_is_remote:
        return fetch_source(manifest.source, cache_dir)
    return manifest.source_path


def _index_id(output: PlannedOutput) -> str:
    kind = output.preset.name if output.listed else "poster"
    return f"{output.video_id}/{output.cut.id}/{kind}"


def _reason(outputs: list[PlannedOutput], index: dict[str, Any], digest: str, version: str) -> str:
    """Why these outputs must be encoded, from what the last build recorded for them."""
    reasons = []
    for output in outputs:
        before = index.get(_index_id(output))
        if before is None:
            reasons.append(f"{output.preset.name}: new")
        elif before.get("source") != digest:
            reasons.append(f"{output.preset.name}: source changed")
        elif before.get("preset") != output.preset.normalised():
            reasons.append(f"{output.preset.name}: preset changed")
        elif before.get("range") != [output.in_ms, output.out_ms]:
            reasons.append(f"{output.preset.name}: cut range changed")
        elif before.get("ffmpeg") != version:
            reasons.append(f"{output.preset.name}: ffmpeg changed")
        else:
            reasons.append(f"{output.preset.name}: missing from the cache")
    return "; ".join(reasons)


def _read_index(cache_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((cache_dir / "index.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_index(cache_dir: Path, plan: MediaPlan, version: str) -> None:
    index = _read_index(cache_dir)
    for video_id, outputs in plan.outputs.items():
        digest = plan.sources[video_id]["sha256"]
        for output in outputs:
            index[_index_id(output)] = {
                "key": output.key,
                "source": digest,
                "preset": output.preset.normalised(),
                "range": [output.in_ms, output.out_ms],
                "ffmpeg": version,
            }
    write_atomic(cache_dir / "index.json", json.dumps(index, indent=1, sort_keys=True).encode())


def _ffmpeg_version(exe: str, cache_dir: Path) -> str:
    """ffmpeg's version (part of every key), remembered so a fully cached build runs no ffmpeg."""
    return ToolVersions(cache_dir).version(exe, encode.ffmpeg_version)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_job(
    job: Job,
    cache: MediaCache,
    exe: str,
    runner: Runner,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Encode one job's outputs into the cache (through a scratch folder, atomically)."""
    first = job.outputs[0]
    produced: list[tuple[PlannedOutput, Path]] = []
    try:
        if job.kind == "still":
            path = cache.scratch_file(first.key, first.preset.extension)
            produced.append((first, path))
            runner(
                encode.still_command(exe, job.source, first.still_at_ms or 0, first.preset, path),
                None,
                on_progress,
            )
        else:
            duration = None if job.cut.id == FULL else first.out_ms - first.in_ms
            outputs = []
            for output in job.outputs:
                measured = None
                if output.preset.loudness:
                    measured = encode.measure_loudness(
                        encode.loudness_command(
                            exe, job.source, output.preset, output.in_ms, duration
                        ),
                        runner,
                    )
                path = cache.scratch_file(output.key, output.preset.extension)
                outputs.append(encode.Output(output.preset, path, measured))
                produced.append((output, path))
            args = encode.rendition_command(
                exe, job.source, outputs, first.in_ms, duration, job.fps
            )
            runner(args, first.out_ms - first.in_ms, on_progress)
        for output, path in produced:
            cache.put(output.key, path, _figures(output, path))
    finally:
        for _, path in produced:
            path.unlink(missing_ok=True)


def _figures(output: PlannedOutput, path: Path) -> dict[str, Any]:
    """What manifest.json says of a file: measured from the file itself."""
    figures: dict[str, Any] = {
        "filename": output.filename,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "mime": MIME[output.preset.extension],
    }
    if output.preset.kind == "still":
        width, height = image_size(path)
        figures.update(width=width, height=height, duration_ms=None)
        return figures
    info = measure(path)
    figures.update(
        duration_ms=info.duration_ms,
        width=info.width,
        height=info.height,
        frames=info.frames,
        fps=float(info.fps) if info.fps else None,
        video_bitrate=info.video_bitrate,
        audio_bitrate=info.audio_bitrate,
        sample_rate=info.sample_rate,
        channels=info.channels,
    )
    return figures


def build_media(
    clips_dir: Path,
    output_dir: Path,
    cache_dir: Path,
    jobs: int | None = None,
    progress: bool = True,
    ffmpeg: str | None = None,
    runner: Runner | None = None,
    shared_cache: str | None = None,
) -> dict[str, dict]:
    """Encode what is missing, then lay every video's files and manifest.json in output_dir.

    `shared_cache` (`s3://bucket/prefix`) is a cache shared by every build machine: outputs
    found there are fetched, not encoded, and what this build encodes is uploaded to it.
    """
    clips_dir, output_dir, cache_dir = Path(clips_dir), Path(output_dir), Path(cache_dir)
    remote = S3MediaCache(shared_cache) if shared_cache else None
    plan = plan_media(clips_dir, output_dir, cache_dir, ffmpeg, remote)
    exe = encode.ffmpeg_exe(ffmpeg)
    cache = MediaCache(cache_dir)
    _run_jobs(plan.jobs, cache, exe, runner or encode.run, jobs or os.cpu_count() or 1, progress)
    if remote is not None:
        for job in plan.jobs:
            for output in job.outputs:
                remote.push(output.key, cache)
    _write_index(cache_dir, plan, _ffmpeg_version(exe, cache_dir))
    videos = {
        manifest.id: _publish_video(manifest, plan, cache, output_dir)
        for manifest in plan.manifests
    }
    index = _read_index(cache_dir)
    for video_id, data in videos.items():
        index[f"{video_id}/press-kit"] = {"key": data["press_kit"]["key"]}
    write_atomic(cache_dir / "index.json", json.dumps(index, indent=1, sort_keys=True).encode())
    return videos


def _run_jobs(
    job_list: list[Job], cache: MediaCache, exe: str, runner: Runner, workers: int, show: bool
) -> None:
    if not job_list:
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=not show, transient=False) as bars:
        total_ms = sum(job.duration_ms for job in job_list)
        overall = bars.add_task(f"[bold]Encoding {len(job_list)} jobs", total=total_ms)
        done: dict[int, float] = {}

        def one(number: int, job: Job) -> None:
            task = bars.add_task(job.describe(), total=1.0, visible=job.kind != "still")

            def report(fraction: float) -> None:
                bars.update(task, completed=fraction)
                done[number] = fraction * job.duration_ms
                bars.update(overall, completed=sum(done.values()))

            run_job(job, cache, exe, runner, report)
            bars.update(task, completed=1.0, visible=False)

        errors: list[str] = []
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [(job, pool.submit(one, n, job)) for n, job in enumerate(job_list)]
            for job, future in futures:
                try:
                    future.result()
                except encode.EncodeError as error:
                    errors.append(
                        problem(
                            _display(job.manifest.path),
                            f"cut {job.cut.id}",
                            f"ffmpeg failed: {error}",
                            "check the source and the presets",
                        )
                    )
        if errors:
            raise MediaError(errors)


def _publish_video(
    manifest: VideoManifest, plan: MediaPlan, cache: MediaCache, output_dir: Path
) -> dict[str, Any]:
    """Link a video's files from the cache into the output and write its manifest.json."""
    info: MediaInfo = plan.sources[manifest.id]["info"]
    cuts: dict[str, dict[str, Any]] = {}
    for output in plan.outputs[manifest.id]:
        found = cache.get(output.key)
        if found is None:  # pragma: no cover - run_jobs filled it or raised
            raise MediaError(f"{manifest.id}: {output.filename} missing from the cache")
        file, meta = found
        private = output.preset.access == "account"
        folder = Path(PRIVATE_DIR) / "media" if private else Path("media")
        relative = folder / manifest.id / output.key[:16] / output.filename
        link_or_copy(file, output_dir / relative)
        cut = cuts.setdefault(output.cut.id, _cut_entry(manifest, output))
        entry = {
            "preset": output.preset.name,
            "label": output.preset.label,
            "access": output.preset.access,
            "kind": output.preset.kind,
            "url": (
                f"/api/download/{manifest.id}/{output.cut.id}/{output.preset.name}"
                if private
                else "/" + relative.as_posix()
            ),
            "key": output.key,
            **meta,
            "filename": output.filename,
        }
        if private:
            entry["private_path"] = relative.as_posix()
        if output.poster:
            cut["poster"] = entry
        if output.listed:
            cut["files"].append(entry)
    data = {
        "id": manifest.id,
        "title": manifest.title,
        "date": manifest.date.isoformat(),
        "location": manifest.location,
        "credit": manifest.credit,
        "rights": manifest.rights,
        "duration_ms": info.duration_ms,
        "duration": timecode.iso_duration(info.duration_ms),
        "fps": float(info.fps or Fraction(25)),
        "source": {
            "sha256": plan.sources[manifest.id]["sha256"],
            "width": info.width,
            "height": info.height,
        },
        "shots": [
            {
                "at_ms": shot.at_ms,
                "at": timecode.format_ms(shot.at_ms),
                "text": shot.text,
                **(
                    {
                        "speaker": shot.speaker,
                        "role": shot.role,
                        "language": shot.language,
                        "quote": shot.quote,
                    }
                    if shot.is_soundbite
                    else {}
                ),
            }
            for shot in manifest.shots
        ],
        "cuts": list(cuts.values()),
    }
    data["poster"] = data["cuts"][0].get("poster")
    _write_captions(manifest, data, plan.sources[manifest.id]["captions"], output_dir)
    data["press_kit"] = build_press_kit(data, output_dir, cache)
    write_atomic(
        output_dir / "media" / manifest.id / "manifest.json",
        json.dumps(data, indent=2, ensure_ascii=False).encode(),
    )
    return data


def _write_captions(
    manifest: VideoManifest, data: dict[str, Any], cues: dict[str, list], output_dir: Path
) -> None:
    """Each cut's captions per language (content-addressed), and the full transcript."""
    data["transcript"] = {
        lang: [{"at": timecode.format_ms(c.start_ms), "text": c.text} for c in lang_cues]
        for lang, lang_cues in cues.items()
    }
    slug = output_filename(manifest, manifest.full, DEFAULT_STILL, False).rsplit("-", 1)[0]
    for cut in data["cuts"]:
        cut["captions"] = {}
        for lang, lang_cues in cues.items():
            text = captions.to_webvtt(captions.cut_cues(lang_cues, cut["in_ms"], cut["out_ms"]))
            key = captions.digest(text)
            name = f"{slug}{'' if cut['id'] == FULL else '-' + cut['id']}.{lang}.vtt"
            relative = Path("media") / manifest.id / key[:16] / name
            write_atomic(output_dir / relative, text.encode("utf-8"))
            cut["captions"][lang] = {
                "url": "/" + relative.as_posix(),
                "filename": name,
                "bytes": len(text.encode("utf-8")),
                "sha256": key,
                "mime": "text/vtt",
                "access": "public",
            }


def _cut_entry(manifest: VideoManifest, output: PlannedOutput) -> dict[str, Any]:
    return {
        "id": output.cut.id,
        "title": output.cut.title,
        "in_ms": output.in_ms,
        "out_ms": output.out_ms,
        "in": timecode.format_ms(output.in_ms),
        "out": timecode.format_ms(output.out_ms),
        "duration_ms": output.out_ms - output.in_ms,
        "files": [],
    }


def gc_cache(clips_dir: Path, cache_dir: Path, ffmpeg: str | None = None) -> list[Path]:
    """Remove cache entries that no manifest uses any more."""
    plan = plan_media(Path(clips_dir), Path("."), Path(cache_dir), ffmpeg)
    kits = {
        entry["key"]
        for name, entry in _read_index(Path(cache_dir)).items()
        if name.endswith("/press-kit") and name.split("/")[0] in plan.outputs
    }
    return MediaCache(Path(cache_dir)).gc(plan.keys | kits)
