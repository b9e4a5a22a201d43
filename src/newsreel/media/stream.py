"""Running an HLS packaging job: the ladder's renditions as fragmented MP4 (CMAF) files.

The renditions are not encoded again: the full-length ones, already on the shared keyframe
grid, are repackaged by stream copy (`cmaf_command`, all rungs in one process), one fragment
per GOP; each rung keeps its video only, and one rung's audio becomes the audio rendition all
rungs share (stored once). Each file is then measured once into its `CmafIndex` (where its
init section and every fragment lie, how long each lasts, where its IDR frame ends), kept with
it in the cache, from which `hls` writes the playlists at every build without reading the
file again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from newsreel.media import encode, record
from newsreel.media.cache import MediaCache
from newsreel.media.measure import measure_file
from newsreel.media.plan import Job, PlannedOutput
from newsreel.media.runner import Progress

if TYPE_CHECKING:
    from newsreel.media.execute import Executor
from newsreel.media.probe import ProbeError, fragment_starts, top_level_boxes


def cmaf_index(path: Path) -> record.CmafIndex:
    """Where the init section and each fragment of a CMAF file lie, measured from it."""
    boxes = top_level_boxes(path)
    moofs = [(offset, size) for offset, size, kind in boxes if kind == "moof"]
    if not moofs:
        raise ProbeError("it is not a fragmented MP4 file (no moof box)")
    ends = {offset: offset + size for offset, size, _ in boxes}
    starts_at, end = fragment_starts(path)
    fragments = []
    for number, (offset, _) in enumerate(moofs):
        limit = moofs[number + 1][0] if number + 1 < len(moofs) else path.stat().st_size
        mdat_end = max(ends[o] for o, _, _ in boxes if offset <= o < limit)
        inside = [k for k in starts_at if offset < k[0] < limit]
        if not inside:
            raise ProbeError(f"fragment {number} holds no keyframe")
        position, size, start = inside[0]  # its first sample: a keyframe (video) or any (audio)
        fragments.append((offset, mdat_end - offset, start, position + size - offset))
    starts = [fragment[2] for fragment in fragments] + [end]
    return record.CmafIndex(
        init_size=moofs[0][0],
        fragments=[
            record.Fragment(offset, size, float(start), float(starts[n + 1] - start), iframe)
            for n, (offset, size, start, iframe) in enumerate(fragments)
        ],
    )


def run_stream_job(
    job: Job, cache: MediaCache, executor: Executor, on_progress: Progress | None = None
) -> None:
    """Repackage the job's rungs into the cache (scratch files, then atomic renames)."""
    produced: list[tuple[PlannedOutput, Path]] = []
    try:
        pairs = []
        for output in job.outputs:
            rendition = cache.get(job.inputs[output.key])
            assert rendition is not None, "the scheduler runs this job after its renditions"
            path = cache.scratch_file(output.key, "mp4")
            pairs.append(
                (rendition[0], path, "audio" if output.method == "cmaf-audio" else "video")
            )
            produced.append((output, path))
        executor(encode.cmaf_command(executor.exe, pairs), None, on_progress)
        for output, path in produced:
            measured = msgspec.structs.replace(measure_file(output, path), cmaf=cmaf_index(path))
            cache.put(output.key, path, measured)
    finally:
        for _, path in produced:
            path.unlink(missing_ok=True)
