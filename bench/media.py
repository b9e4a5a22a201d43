"""Media benchmark (issue 12): our whole media build against the naive way; what a cut costs.

In one run, on the demo (its two sources, the repository's presets and HLS ladder) and on a
generated 10-minute 1080p25 source (drawn with `newsreel.media.demo`, kept in
`.cache/bench/`; a manifest of its own with a shot a minute and four cuts), it times:

- **ours**: `pipeline.build_media` from an empty cache, as `newsreel build` runs it (every
  full-length version of a source in one ffmpeg process, cuts assembled from them, HLS rungs
  repackaged), with as many parallel jobs as cores;
- **the naive way**, the same output files from the same presets, one ffmpeg process per
  output file, spelled out below (`naive_tasks`): each full-length version (and each HLS-only
  rung) decoded from the start of the source on its own; each cut of each preset encoded whole
  with the seek on the output side (`-i source -ss in -t length`: decoded from the start of the
  source); each still its own process; each HLS rung (and the audio) repackaged in its own
  process; the same two loudness passes for broadcast; as many parallel processes as cores;
- **a rebuild with nothing changed**: the processes it starts and its time;
- **a 4 s cut against a 40 s cut**, both off the GOP grid (in at 100.52 s on the long source,
  10.52 s on the demo's), each added alone to a built video, timed from planning to the end of
  its jobs (its poster included): in the smart presets (web + mobile), and in broadcast
  (constant bit rate: encoded whole) for comparison.

Targets: ours <= 0.5 x naive wall time; the 40 s cut costs <= 1.5 x the 4 s cut; a rebuild
with nothing changed starts no ffmpeg process and spends <= 2 s on media. Prints a table and,
last, one JSON line of the figures. `--minutes 0` skips the long source.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newsreel.media import encode, pipeline
from newsreel.media.cache import MediaCache
from newsreel.media.demo import ensure_demo_sources, generate
from newsreel.media.execute import Executor, run_jobs
from newsreel.media.manifests import FULL, load_manifest
from newsreel.media.plan import MediaSettings, PlannedOutput, plan_media
from newsreel.media.presets import load_presets
from newsreel.project import Project

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "fr")
WALL_TARGET, CUT_TARGET, REBUILD_TARGET_S = 0.5, 1.5, 2.0

LONG_MANIFEST = """
id = "2025-10-15-long-press-conference"
source = "sources/long.mp4"
date = 2025-10-15
presets = ["broadcast", "web", "mobile", "audio", "still"]
[location]
en = "NATO Headquarters, Brussels"
fr = "Siège de l’OTAN, Bruxelles"
[credit]
en = "NATO"
fr = "OTAN"
[title]
en = "A long press conference"
fr = "Une longue conférence de presse"
[rights]
en = "Credit: NATO."
fr = "Mention : OTAN."
{shots}
[[cuts]]
id = "opening"
in = "00:00:30.000"
out = "00:00:44.000"
presets = ["broadcast", "web", "mobile", "audio"]
title = {{ en = "Opening", fr = "Ouverture" }}
[[cuts]]
id = "question-1"
in = "00:03:10.000"
out = "00:03:18.000"
presets = ["broadcast", "web"]
title = {{ en = "Question 1", fr = "Question 1" }}
[[cuts]]
id = "question-2"
in = "00:06:20.000"
out = "00:06:28.000"
presets = ["web", "mobile", "still"]
title = {{ en = "Question 2", fr = "Question 2" }}
[[cuts]]
id = "closing"
in = "00:09:10.000"
out = "00:09:18.000"
presets = ["broadcast", "web"]
title = {{ en = "Closing", fr = "Clôture" }}
"""

BENCH_CUT = """
[[cuts]]
id = "bench-cut"
in = "{start}"
out = "{end}"
presets = {presets}
title = {{ en = "Bench", fr = "Banc" }}
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (of the ffmpeg processes it waited for) of `work()`."""
    cpu, wall = _cpu(), time.perf_counter()
    work()
    return time.perf_counter() - wall, _cpu() - cpu


class Counting:
    """The pipeline's runner, counting the processes it starts."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, args, duration_ms=None, on_progress=None):
        self.count += 1
        return encode.run(args, duration_ms, on_progress)


def _clock(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


# -- the naive way -------------------------------------------------------------------------------


def _output_seek(command: list[str], target: Path, in_ms: int, length_ms: int) -> list[str]:
    """A whole-source command made to cut on the output side: `-ss`/`-t` before the output."""
    at = command.index(str(target))
    return [*command[:at], "-ss", f"{in_ms / 1000:.3f}", "-t", f"{length_ms / 1000:.3f}",
            *command[at:]]  # fmt: skip


def naive_tasks(settings: MediaSettings, work: Path) -> tuple[list, list]:
    """The naive way's processes: one per output file (then one per HLS rung repackaged)."""
    exe = encode.ffmpeg_exe()
    plan = plan_media(settings, pipeline.ffmpeg_version(settings))
    first, then = [], []
    for video_id, outputs in plan.outputs.items():
        source = plan.sources[video_id].path
        renditions: dict[str, Path] = {}
        for number, output in enumerate(outputs):
            target = work / f"{video_id}-{number}.{output.preset.extension}"
            if output.stream:
                packaged = work / f"{video_id}-{number}-hls.mp4"
                kind = "audio" if output.method == "cmaf-audio" else "video"
                then.append(
                    lambda t=packaged, o=output, r=renditions, k=kind: [
                        encode.cmaf_command(exe, [(r[o.preset.name], t, k)])
                    ]
                )
                continue
            if output.cut.id == FULL and output.preset.kind == "video":
                renditions[output.preset.name] = target
            first.append(_naive(exe, source, output, target))
    return first, then


def _naive(exe: str, source: Path, output: PlannedOutput, target: Path):
    """One output, one process (after a loudness measure pass for broadcast)."""
    preset = output.preset
    if preset.kind == "still":
        at = output.still_at_ms or 0
        return lambda: [encode.still_command(exe, source, at, [(preset, target)])]
    is_cut = output.cut.id != FULL
    length = output.out_ms - output.in_ms

    def commands(measured=None):
        command = encode.rendition_command(exe, source, [encode.Output(preset, target, measured)])
        return [_output_seek(command, target, output.in_ms, length) if is_cut else command]

    if not preset.loudness:
        return commands

    def with_loudness():
        measure = encode.loudness_command(
            exe, source, preset, output.in_ms, length if is_cut else None
        )
        return commands(encode.measure_loudness(measure))

    return with_loudness


def run_naive(settings: MediaSettings, workers: int) -> None:
    with tempfile.TemporaryDirectory(dir=REPO / ".cache") as folder:
        first, then = naive_tasks(settings, Path(folder))
        for phase in (first, then):
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for future in [pool.submit(_run_task, task) for task in phase]:
                    future.result()


def _run_task(task) -> None:
    for command in task():
        encode.run(command)


# -- the scenarios --------------------------------------------------------------------------------


def _settings(clips: Path, cache: Path) -> MediaSettings:
    return MediaSettings(clips, cache, LANGUAGES)


def measure_source(name: str, clips: Path, cut_in_ms: int, workers: int, rows: dict) -> None:
    """Ours, naive, rebuild and cut costs for the videos of one clips folder."""
    with tempfile.TemporaryDirectory(dir=REPO / ".cache") as folder:
        root = Path(folder)
        settings = _settings(clips, root / "cache")
        rows[f"{name}: ours, empty cache"] = timed(
            lambda: pipeline.build_media(settings, root / "out", jobs=workers)
        )
        rows[f"{name}: naive, one process per output"] = timed(lambda: run_naive(settings, workers))
        floor = _settings(clips, root / "floor-cache")
        full_jobs, whole_cut_jobs = floor_jobs(floor)
        floor_cache, executor = MediaCache(floor.cache), Executor(encode.ffmpeg_exe())
        for part, jobs in (("full-length versions alone", full_jobs),
                           ("cuts encoded whole (CBR)", whole_cut_jobs)):  # fmt: skip
            rows[f"{name}: floor: {part}"] = timed(
                lambda jobs=jobs: run_jobs(jobs, floor_cache, executor, workers)
            )
        shutil.rmtree(floor.cache, ignore_errors=True)
        counting = Counting()
        rows[f"{name}: rebuild, nothing changed"] = timed(
            lambda: pipeline.build_media(settings, root / "out2", jobs=workers, runner=counting)
        )
        rows[f"{name}: rebuild processes"] = (counting.count, 0.0)
        copy = root / "clips"
        shutil.copytree(clips, copy, ignore=shutil.ignore_patterns("sources"))
        (copy / "sources").symlink_to(clips / "sources")
        manifest = next(p for p in copy.glob("*.toml") if p.name != "presets.toml")
        original = manifest.read_text("utf-8")
        for presets, label in (('["web", "mobile"]', "web+mobile"), ('["broadcast"]', "broadcast")):
            for seconds in (4, 40):
                cut = BENCH_CUT.format(
                    start=_clock(cut_in_ms), end=_clock(cut_in_ms + seconds * 1000), presets=presets
                )
                manifest.write_text(original + cut, "utf-8")
                cut_settings = _settings(copy, root / "cache")
                rows[f"{name}: {seconds} s cut, {label}"] = timed(
                    lambda s=cut_settings: cut_jobs(s, workers)
                )


def floor_jobs(settings: MediaSettings) -> tuple[list, list]:
    """What any build of these outputs must encode, split in two: every job of the full-length
    versions (encoded with the same settings both ways; ours is the cheapest way known: one
    decode, smaller sizes scaled from 720p), and the cuts the issue lets fall back to a whole
    encode (constant bit rate: no joint can be shown valid)."""
    plan = plan_media(settings, pipeline.ffmpeg_version(settings))
    full = [job for job in plan.jobs if job.cut.id == FULL]
    whole = [job for job in plan.jobs if job.cut.id != FULL and job.kind == "renditions"]
    return full, whole


def cut_jobs(settings: MediaSettings, workers: int) -> None:
    """Plan, then run only what the plan lacks: the new cut (and its poster)."""
    plan = plan_media(settings, pipeline.ffmpeg_version(settings))
    assert {job.cut.id for job in plan.jobs} == {"bench-cut"}, plan.describe()
    executor = Executor(encode.ffmpeg_exe())
    run_jobs(plan.jobs, MediaCache(settings.cache), executor, workers)


def long_clips(minutes: int) -> Path:
    """A clips folder with the repository's presets and a generated long source."""
    clips = REPO / ".cache" / "bench" / f"long-{minutes}min"
    (clips / "sources").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "clips" / "presets.toml", clips / "presets.toml")
    shots = "\n".join(
        f'[[shots]]\nat = "{_clock(m * 60_000)[:8]}"\nen = "Minute {m}"\nfr = "Minute {m}"'
        for m in range(minutes)
    )
    path = clips / "2025-10-15-long-press-conference.toml"
    path.write_text(LONG_MANIFEST.format(shots=shots), encoding="utf-8")
    source = clips / "sources" / "long.mp4"
    if not source.exists():
        presets = load_presets(clips / "presets.toml", LANGUAGES)
        generate(load_manifest(path, presets, LANGUAGES), minutes * 60, source)
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10, help="long source (0: skip it)")
    options = parser.parse_args()
    project = Project.at(REPO)
    ensure_demo_sources(project.clips, project.languages)
    (REPO / ".cache").mkdir(exist_ok=True)
    workers = os.cpu_count() or 1
    rows: dict[str, tuple[float, float]] = {}
    measure_source("demo", project.clips, 10_520, workers, rows)
    if options.minutes:
        clips = long_clips(options.minutes)
        measure_source(f"{options.minutes} min", clips, 100_520, workers, rows)
    report(rows, options.minutes)


def report(rows: dict[str, tuple[float, float]], minutes: int) -> None:
    console = Console()
    table = Table(title=f"Media build, this machine ({os.cpu_count()} cores)")
    for column in ("scenario", "wall s", "CPU s"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for name, (wall, cpu) in rows.items():
        if name.endswith("processes"):
            table.add_row(name, f"{wall:.0f}", "")
        else:
            table.add_row(name, f"{wall:.2f}", f"{cpu:.2f}")
    console.print(table)
    figures: dict[str, float] = {}
    for name in ["demo"] + ([f"{minutes} min"] if minutes else []):
        key = name.replace(" ", "")
        ours, naive = (
            rows[f"{name}: ours, empty cache"],
            rows[f"{name}: naive, one process per output"],
        )
        ratio = ours[0] / naive[0]
        short, long = rows[f"{name}: 4 s cut, web+mobile"], rows[f"{name}: 40 s cut, web+mobile"]
        cut_ratio = long[0] / short[0]
        b_short, b_long = rows[f"{name}: 4 s cut, broadcast"], rows[f"{name}: 40 s cut, broadcast"]
        parts = ("full-length versions alone", "cuts encoded whole (CBR)")
        floor = [rows[f"{name}: floor: {part}"] for part in parts]
        floor_wall, floor_cpu = sum(p[0] for p in floor), sum(p[1] for p in floor)
        cores = os.cpu_count() or 1
        best = floor_cpu / cores / naive[0]
        rebuild, processes = (
            rows[f"{name}: rebuild, nothing changed"][0],
            rows[f"{name}: rebuild processes"][0],
        )
        figures |= {
            f"{key}_ours_wall_s": round(ours[0], 2), f"{key}_ours_cpu_s": round(ours[1], 2),
            f"{key}_naive_wall_s": round(naive[0], 2), f"{key}_naive_cpu_s": round(naive[1], 2),
            f"{key}_ours_over_naive": round(ratio, 3),
            f"{key}_cut40_over_cut4": round(cut_ratio, 2),
            f"{key}_broadcast_cut40_over_cut4": round(b_long[0] / b_short[0], 2),
            f"{key}_floor_wall_s": round(floor_wall, 2), f"{key}_floor_cpu_s": round(floor_cpu, 2),
            f"{key}_floor_over_naive": round(floor_wall / naive[0], 3),
            f"{key}_best_possible_over_naive": round(best, 3),
            f"{key}_rebuild_s": round(rebuild, 2), f"{key}_rebuild_processes": int(processes),
        }  # fmt: skip
        verdict = "PASS" if ratio <= WALL_TARGET else "FAIL"
        console.print(
            f"{name}: ours / naive wall = {ratio:.2f} (target <= {WALL_TARGET}) {verdict}"
        )
        console.print(
            f"{name}: what must be encoded anyway (full-length versions, CBR cuts whole):"
            f" {floor_wall:.1f} s wall, {floor_cpu:.1f} CPU s = {floor_wall / naive[0]:.2f} x naive"
            f" wall; with every core busy all the time, no build of these outputs can go below"
            f" {floor_cpu:.1f} / {cores} cores = {best:.2f} x naive"
        )
        verdict = "PASS" if cut_ratio <= CUT_TARGET else "FAIL"
        console.print(f"{name}: 40 s cut / 4 s cut (web+mobile) = {cut_ratio:.2f} "
                      f"(target <= {CUT_TARGET}) {verdict}; broadcast, encoded whole: "
                      f"{b_long[0] / b_short[0]:.2f}")  # fmt: skip
        verdict = "PASS" if processes == 0 and rebuild <= REBUILD_TARGET_S else "FAIL"
        console.print(
            f"{name}: rebuild with nothing changed: {int(processes)} processes, {rebuild:.2f} s"
            f" (target 0 and <= {REBUILD_TARGET_S} s) {verdict}"
        )
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
