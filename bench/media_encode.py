"""Media benchmark: one ffmpeg process per source vs one per rendition; cut cost vs length.

On the 60 s 1080p demo source (drawn by `newsreel demo-media` if missing), re-encoded once as a
camera would deliver it, with the repository's presets, it measures in the same run:

- web + mobile + audio from ONE process (split/asplit, the source decoded once), against the
  same three renditions from three processes (baseline: reference.md, about 19 % less CPU);
- frame-accurate cuts of 5 s and 20 s (input seek + re-encode of the range only): their cost
  must grow with their own length, not the source's.

Prints a table and, last, one JSON line of the figures. CPU is user + system time of ffmpeg.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newsreel.media import encode
from newsreel.media.demo import ensure_demo_sources
from newsreel.media.presets import load_presets
from newsreel.project import Project

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "clips/sources/2025-10-15-defence-ministers.mp4"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(commands: list[list[str]]) -> tuple[float, float]:
    """Wall and CPU seconds of running the commands one after the other."""
    cpu, wall = _cpu(), time.perf_counter()
    for command in commands:
        encode.run(command, None)
    return time.perf_counter() - wall, _cpu() - cpu


def camera_like_source(exe: str) -> Path:
    """The demo source re-encoded as a camera would (CABAC, B-frames, high bit rate).

    The demo source itself is drawn with x264's ultrafast preset, whose stream is far cheaper to
    decode than a real one; decoding is exactly what one process per source saves.
    """
    target = REPO / ".cache/bench/camera-like-1080p.mp4"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part.mp4")
        encode.run(
            [exe, "-hide_banner", "-nostats", "-y", "-i", str(SOURCE), "-c:v", "libx264",
             "-preset", "medium", "-crf", "14", "-bf", "3", "-c:a", "copy", str(partial)],
            None,
        )  # fmt: skip
        partial.replace(target)
    return target


def main() -> None:
    project = Project.at(REPO)
    ensure_demo_sources(project.clips, project.languages)
    presets = load_presets(project.clips / "presets.toml", project.languages)
    exe = encode.ffmpeg_exe()
    source = camera_like_source(exe)
    chosen = [presets[name] for name in ("web", "mobile", "audio")]
    rows: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)

        def outputs(tag: str) -> list[encode.Output]:
            return [encode.Output(p, out / f"{tag}-{p.name}.{p.extension}") for p in chosen]

        rows["one process, 3 renditions (split)"] = timed(
            [encode.rendition_command(exe, source, outputs("split"))]
        )
        rows["3 processes, 1 rendition each"] = timed(
            [encode.rendition_command(exe, source, [o]) for o in outputs("each")]
        )
        for seconds in (5, 20):
            cut = [encode.Output(presets["web"], out / f"cut{seconds}.mp4")]
            rows[f"frame-accurate cut, {seconds} s (web)"] = timed(
                [encode.rendition_command(exe, source, cut, 30_000, seconds * 1000)]
            )
    split_cpu = rows["one process, 3 renditions (split)"][1]
    each_cpu = rows["3 processes, 1 rendition each"][1]
    cut5, cut20 = (
        rows["frame-accurate cut, 5 s (web)"][1],
        rows["frame-accurate cut, 20 s (web)"][1],
    )
    figures = {
        "source_s": 60,
        "split_wall_s": round(rows["one process, 3 renditions (split)"][0], 2),
        "split_cpu_s": round(split_cpu, 2),
        "per_rendition_wall_s": round(rows["3 processes, 1 rendition each"][0], 2),
        "per_rendition_cpu_s": round(each_cpu, 2),
        "cpu_saved_pct": round(100 * (1 - split_cpu / each_cpu), 1),
        "cut5_cpu_s": round(cut5, 2),
        "cut20_cpu_s": round(cut20, 2),
        "cut20_over_cut5": round(cut20 / cut5, 2),
    }
    table = Table(title="Media encoding, 60 s 1080p25 source, this machine")
    for column in ("encode", "wall s", "CPU s"):
        table.add_column(column, justify="right" if column != "encode" else "left")
    for name, (wall, cpu) in rows.items():
        table.add_row(name, f"{wall:.2f}", f"{cpu:.2f}")
    console = Console()
    console.print(table)
    verdict = "PASS" if figures["cpu_saved_pct"] > 0 else "FAIL"
    console.print(
        f"one process saves {figures['cpu_saved_pct']} % CPU (baseline: about 19 %) — {verdict}"
    )
    console.print(
        f"a 20 s cut costs {figures['cut20_over_cut5']}x a 5 s cut (proportional: about 4x; "
        "a cost tied to the source's length would be about 1x)"
    )
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
