"""Running a smart-cut job: cuts assembled from their full-length renditions.

For every output of the job (one cut, several presets): the partial GOPs at the in and out
points are encoded from the source, every preset's in one ffmpeg process (`edges_command`),
then each cut is joined from its parts, the whole GOPs between them read straight from the
cached full-length rendition by an ffconcat list (stream copy), its audio encoded from the
source for the same span, all cuts in one more process (`assemble_command`).

Before joining, it checks what `smartcut.refusal` assumes: the full rendition has keyframes
exactly where the grid says, and each encoded edge carries the very parameter sets of the full
rendition (its avcC). Where either fails, that output is encoded whole instead, with a warning
in the log: a cut is always right, at worst at the old cost.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from newsreel.media import encode, smartcut
from newsreel.media.cache import MediaCache
from newsreel.media.encode import Edge, Joined, Output, fps_of
from newsreel.media.measure import measure_file
from newsreel.media.plan import Job, PlannedOutput
from newsreel.media.runner import Progress

if TYPE_CHECKING:
    from newsreel.media.execute import Executor
from newsreel.media.probe import GopFacts, extradata_of, gop_facts

logger = logging.getLogger(__name__)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def concat_list(full: Path, facts: GopFacts, plan: smartcut.Assembly, head, tail) -> str:
    """The ffconcat list of one smart cut: encoded head, copied GOPs, encoded tail."""
    lines = ["ffconcat version 1.0", "stream", f"exact_stream_id {facts.stream_id}"]
    if head:
        lines.append(f"file {_quote(head)}")
    if plan.middle:
        seconds = float(facts.time_base * facts.frame_ticks)  # one frame
        first, end = plan.middle.first, plan.middle.end
        lines += [f"file {_quote(full)}", f"inpoint {first * seconds:.6f}"]
        if end * facts.frame_ticks in facts.keyframes:  # else: copied to the end of the file
            # the demuxer stops at a decoding time: the next GOP's IDR is decoded `delay`
            # frames before it is shown
            lines.append(f"outpoint {(end - facts.delay) * seconds:.6f}")
        lines.append(f"duration {(end - first) * seconds:.6f}")
    if tail:
        lines.append(f"file {_quote(tail)}")
    return "\n".join(lines) + "\n"


def _off_grid(plan: smartcut.Assembly, facts: GopFacts) -> str | None:
    """Why the copied GOPs cannot be taken from this rendition (None: they can)."""
    assert plan.middle is not None
    if facts.stream_id != 1 or not facts.frame_ticks:
        return "its video is not the first track"
    if plan.middle.first * facts.frame_ticks not in facts.keyframes:
        return "it has no keyframe at the cut's first whole GOP"
    return None


def run_smart_job(
    job: Job, cache: MediaCache, executor: Executor, on_progress: Progress | None = None
) -> None:
    """Assemble the job's cuts into the cache (scratch files, then atomic renames)."""
    exe = executor.exe
    work = cache.scratch_name("smart")
    work.mkdir()
    produced: list[tuple[PlannedOutput, Path]] = []
    try:
        joined: list[tuple[PlannedOutput, Path, GopFacts, smartcut.Assembly, Path, Path]] = []
        whole: list[PlannedOutput] = []
        edges: list[Edge] = []
        for number, output in enumerate(job.outputs):
            full = cache.get(job.inputs[output.key])
            rate = fps_of(output.preset)
            plan = smartcut.assembly(output.in_ms, output.out_ms, rate)
            if full is None or plan.middle is None:  # no whole GOP inside: it is all edge
                whole.append(output)
                continue
            facts = gop_facts(full[0])
            why = _off_grid(plan, facts)
            if why:
                logger.warning("%s: %s: %s; the cut is encoded whole",
                               job.describe(), output.preset.name, why)  # fmt: skip
                whole.append(output)
                continue
            head, tail = work / f"{number}-head.mp4", work / f"{number}-tail.mp4"
            edges += [Edge(output.preset, span, path, output.scaled_from)
                      for span, path in ((plan.head, head), (plan.tail, tail)) if span]  # fmt: skip
            joined.append((output, full[0], facts, plan, head, tail))
        if edges:
            executor(encode.edges_command(exe, job.source, edges, job.colour), None, None)
        items = []
        for output, full, facts, plan, head, tail in joined:
            parts = [p for p in (head if plan.head else None, tail if plan.tail else None) if p]
            if any(extradata_of(part) != facts.extradata for part in parts):
                logger.warning("%s: %s edges carry other parameter sets; encoding the cut whole",
                               job.describe(), output.preset.name)  # fmt: skip
                whole.append(output)
                continue
            listing = work / f"{output.key[:16]}.ffconcat"
            listing.write_text(
                concat_list(full, facts, plan, plan.head and head, plan.tail and tail), "utf-8"
            )
            path = cache.scratch_file(output.key, output.preset.extension)
            produced.append((output, path))
            measured = _loudness(exe, job, output, executor)
            items.append(Joined(Output(output.preset, path, measured), listing, plan.frames,
                                facts.delay))  # fmt: skip
        if items:
            command = encode.assemble_command(exe, job.source, items, job.silent, job.paired)
            executor(command, job.duration_ms, on_progress)
        if whole:
            outputs = []
            for output in whole:
                path = cache.scratch_file(output.key, output.preset.extension)
                produced.append((output, path))
                measured = _loudness(exe, job, output, executor)
                outputs.append(Output(output.preset, path, measured, output.scaled_from))
            first = whole[0]
            duration = first.out_ms - first.in_ms
            command = encode.rendition_command(
                exe, job.source, outputs, first.in_ms, duration, job.fps,
                duration if job.silent else None, colour=job.colour, paired=job.paired,
            )  # fmt: skip
            executor(command, job.duration_ms, on_progress)
        for output, path in produced:
            cache.put(output.key, path, measure_file(output, path))
    finally:
        for _, path in produced:
            path.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _loudness(
    exe: str, job: Job, output: PlannedOutput, executor: Executor
) -> dict[str, str] | None:
    """The first loudnorm pass over the cut's range, for presets that normalise loudness."""
    if not output.preset.loudness or job.silent:
        return None
    command = encode.loudness_command(
        exe, job.source, output.preset, output.in_ms, output.out_ms - output.in_ms, job.paired
    )
    return encode.measure_loudness(command, executor)
