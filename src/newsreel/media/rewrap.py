"""Sources whose container has no index (MPEG-TS, MPEG-PS) are read from a Matroska copy.

Broadcast material often comes as an MPEG transport stream (a playout's or a recorder's
capture, a camcorder's `.mts`) or a program stream (`.mpg`, `.vob`). Neither has an index:
a seek lands by time, anywhere between two keyframes, and a decoder shows nothing until the
next one. With a long GOP the last second of such a file holds no frame a seek can reach
(its posters and cuts near the end would come out empty), and a cut could start frames late.

The same packets rewrapped into Matroska (`-c copy`: nothing is encoded again) have an index,
and every seek then lands on the keyframe before, as in an MP4. The copy is made once per
source, kept by the source's SHA-256 under `<cache>/rewrapped/` (the source's own bytes are
what cache keys and `sha256` speak of), and removed by `clips gc` once no manifest uses its
source. Its timeline starts at zero, as the time codes an editor reads in a player do (a
transport stream's clock can start anywhere, often hours in). Sound Matroska cannot carry as it
is (SMPTE 302M, broadcast PCM in a transport stream) is converted to PCM, which loses nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import av

from newsreel.media.cache import FILE_MODE, owner_of
from newsreel.media.runner import EncodeError, ffmpeg_exe, run
from newsreel.processes import running

#: PyAV's names of the containers without an index: MPEG-TS (`.ts`, `.m2ts`, `.mts`) and
#: MPEG-PS (`.mpg`, `.vob`, `.mod`).
INDEXLESS = frozenset({"mpegts", "mpeg"})

FOLDER = "rewrapped"

logger = logging.getLogger(__name__)


#: The sizes of a transport stream's packets: 188 bytes, 192 with a time stamp ahead of each
#: (Blu-ray and AVCHD's `.m2ts`, `.mts`), 204 with error correction after each.
_TS_PACKETS = (188, 192, 204)
_TS_SYNC = 0x47
_PS_START = b"\x00\x00\x01\xba"  # an MPEG-PS pack header


def _might_be_indexless(head: bytes) -> bool:
    """Whether a file's first bytes look like MPEG-TS (a sync byte every packet) or MPEG-PS:
    a few bytes read, where opening the file with PyAV (which reads its streams) costs 10 ms,
    for each of a newsroom's hundreds of sources at each build."""
    if head.startswith(_PS_START):
        return True
    for size in _TS_PACKETS:
        for offset in range(min(size, len(head) - 3 * size)):
            if all(head[offset + n * size] == _TS_SYNC for n in range(4)):
                return True
    return False


def has_no_index(path: Path) -> bool:
    """Whether `path`'s container has no index (False for a file ffmpeg cannot open: the probe
    says what is wrong with it)."""
    with path.open("rb") as handle:
        if not _might_be_indexless(handle.read(4 * max(_TS_PACKETS))):
            return False
    try:
        with av.open(str(path)) as container:
            return container.format.name in INDEXLESS
    except (av.error.FFmpegError, UnicodeDecodeError):
        return False


def indexed(path: Path, sha256: str, cache_dir: Path, ffmpeg: str | None = None) -> Path:
    """`path` itself, or, for a source without an index, its Matroska copy (made now if the
    cache does not hold it yet). EncodeError when ffmpeg cannot copy it."""
    target = cache_dir / FOLDER / f"{sha256}.mkv"
    if target.is_file():  # these bytes were found to have no index before
        return target
    if not has_no_index(path):
        return path
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info(
        "%s: a file without an index (MPEG-TS or MPEG-PS): its packets are copied, once, "
        "into an indexed file in %s",
        path.name,
        target.parent,
    )
    # named after this process, so that `gc` tells a killed build's leftover from a copy
    # another build is making; renamed into place whole
    partial = target.with_name(f"{os.getpid()}-{sha256}.part")
    try:
        try:
            run(_command(ffmpeg_exe(ffmpeg), path, partial, copy_sound=True))
        except EncodeError:
            run(_command(ffmpeg_exe(ffmpeg), path, partial, copy_sound=False))
        os.chmod(partial, FILE_MODE)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _command(exe: str, source: Path, target: Path, copy_sound: bool) -> list[str]:
    """ffmpeg's arguments for the copy: the first picture and every sound track (subtitles,
    teletext and data streams, which Matroska may not carry, are left behind: nothing reads
    them), the source's own tags, timestamps from zero, no encoder's name (`bitexact`: the
    probe would take it for a tag of the source's)."""
    sound = ["-c:a", "copy"] if copy_sound else ["-c:a", "pcm_s24le"]
    return [
        exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a?", "-c:v", "copy", *sound, "-fflags", "+bitexact",
        "-avoid_negative_ts", "make_zero", "-f", "matroska", str(target),
    ]  # fmt: skip


def gc(cache_dir: Path, keep: Iterable[str]) -> list[Path]:
    """Remove the copies of sources whose SHA-256 is not in `keep`, and the partial copies of
    builds no longer running; returns what was removed."""
    folder = cache_dir / FOLDER
    if not folder.is_dir():
        return []
    kept = {f"{sha256}.mkv" for sha256 in keep}
    removed = []
    for path in sorted(folder.iterdir()):
        owner = owner_of(path.name)
        if path.name in kept or (path.suffix == ".part" and owner is not None and running(owner)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
