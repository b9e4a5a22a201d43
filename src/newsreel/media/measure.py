"""What the media cache and `manifest.json` say of a finished file: measured from its bytes.

Never from the settings that made it: size, SHA-256, duration, frames, bit rates and codecs
are read from the file itself (PyAV), so the record is true even if an encoder surprised us.
"""

from __future__ import annotations

from pathlib import Path

from newsreel.media import record
from newsreel.media.cache import sha256_file
from newsreel.media.plan import PlannedOutput
from newsreel.media.probe import codecs_of, image_size, measure

MIME = {"mp4": "video/mp4", "m4a": "audio/mp4", "jpg": "image/jpeg", "webp": "image/webp"}


def measure_file(output: PlannedOutput, path: Path) -> record.Measured:
    """What manifest.json will say of a file: measured from the file itself."""
    common = {
        "filename": output.filename,
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
        "mime": MIME[output.preset.extension],
    }
    if output.preset.kind == "still":
        width, height = image_size(path)
        return record.Measured(**common, width=width, height=height)
    info = measure(path)
    return record.Measured(
        **common,
        duration_ms=info.duration_ms,
        width=info.width,
        height=info.height,
        frames=info.frames,
        fps=float(info.fps) if info.fps else None,
        video_bitrate=info.video_bitrate,
        audio_bitrate=info.audio_bitrate,
        sample_rate=info.sample_rate,
        channels=info.channels,
        codecs=codecs_of(path),
    )
