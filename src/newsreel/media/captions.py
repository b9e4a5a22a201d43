"""Captions: WebVTT files per language, checked at build time and cut to match each cut.

People who cannot hear the sound need the captions of every version they download, so each
cut gets its own copy, with its cues shifted to the cut's start and clipped to its range. The
files are small and derived from text: they are written (content-addressed) at every build.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import webvtt

from newsreel.media import timecode
from newsreel.media.errors import MediaError, problem


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def load_cues(path: Path, where: Path | str, field: str) -> list[Cue]:
    """The cues of a WebVTT file; a MediaError naming the manifest and field if it is bad."""
    try:
        captions = webvtt.read(str(path))
    except FileNotFoundError:
        raise MediaError(
            problem(where, field, f"{path.name} not found", "add the file or fix the path")
        ) from None
    except (
        webvtt.errors.MalformedFileError,
        webvtt.errors.MalformedCaptionError,
        ValueError,
    ) as error:
        raise MediaError(
            problem(where, field, f"{path.name} is not valid WebVTT ({error})",
                    "fix the file (WEBVTT header, then cues 'HH:MM:SS.mmm --> HH:MM:SS.mmm')")
        ) from None  # fmt: skip
    cues = []
    for number, caption in enumerate(captions, start=1):
        start, end = _millis(caption.start), _millis(caption.end)
        if end <= start:
            raise MediaError(
                problem(where, field, f"{path.name}: cue {number} ends before it starts",
                        "make each cue's end later than its start")
            )  # fmt: skip
        cues.append(Cue(start, end, caption.text))
    return cues


def _millis(text: str) -> int:
    """WebVTT times are `HH:MM:SS.mmm` or `MM:SS.mmm`."""
    return timecode.parse(text if text.count(":") == 2 else f"00:{text}")


def check_cues(cues: list[Cue], duration_ms: int, where: Path | str, field: str) -> list[str]:
    """Cues past the end of the source."""
    return [
        problem(
            where, field,
            f"cue {number} ends at {timecode.format_ms(cue.end_ms)}, past the end of the source "
            f"({timecode.format_ms(duration_ms)})",
            "end every cue before the end of the video",
        )
        for number, cue in enumerate(cues, start=1)
        if cue.end_ms > duration_ms
    ]  # fmt: skip


def cut_cues(cues: list[Cue], in_ms: int, out_ms: int) -> list[Cue]:
    """The cues of [in, out), shifted to start at zero and clipped to the range."""
    return [
        Cue(max(cue.start_ms, in_ms) - in_ms, min(cue.end_ms, out_ms) - in_ms, cue.text)
        for cue in cues
        if cue.end_ms > in_ms and cue.start_ms < out_ms
    ]


def to_webvtt(cues: list[Cue]) -> str:
    out = io.StringIO()
    out.write("WEBVTT\n")
    for cue in cues:
        out.write(f"\n{timecode.format_ms(cue.start_ms)} --> {timecode.format_ms(cue.end_ms)}\n")
        out.write(cue.text.strip() + "\n")
    return out.getvalue()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
