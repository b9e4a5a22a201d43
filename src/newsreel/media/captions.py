"""Captions: WebVTT files per language, checked at build time and cut to match each cut.

People who cannot hear the sound need the captions of every version they download, so each
cut gets its own copy, with its cues shifted to the cut's start and clipped to its range. The
files are small and derived from text: they are written (content-addressed) at every build.

A cue is read in the time it shows, so it keeps within two lines of 42 characters (the EBU
and broadcasters' limit): a longer line is wrapped here, and a cue that still needs a third
line stops the build, naming the cue, since only the editor can split it in time. Cue text is
typeset for its language like every other text (`newsreel.typography`).
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import webvtt

from newsreel.errors import NewsreelError
from newsreel.media import timecode
from newsreel.media.errors import MediaError, Problem, problem
from newsreel.textfile import read_text
from newsreel.typography import typeset

MAX_LINE = 42
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def load_cues(path: Path, where: Path | str, field: str, lang: str = "") -> list[Cue]:
    """The cues of a WebVTT file in `lang`, typeset and within two lines of 42 characters;
    a MediaError naming the manifest and field if it is bad."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise MediaError(
            problem(where, field, f"{path.name} not found", "add the file or fix the path")
        ) from None
    except NewsreelError as error:  # not UTF-8: said of the manifest's field, like the rest
        [unreadable] = error.problems
        raise MediaError(
            problem(where, field, f"{path.name} {unreadable.message}", unreadable.fix)
        ) from None
    timing = _bad_timings(text, path.name, where, field)
    if timing:
        raise MediaError(timing)
    try:
        captions = webvtt.from_string(text)
    except (
        webvtt.errors.MalformedFileError,
        webvtt.errors.MalformedCaptionError,
        ValueError,
    ) as error:
        raise MediaError(
            problem(where, field, f"{path.name} is not valid WebVTT ({error})",
                    "fix the file (WEBVTT header, then cues 'HH:MM:SS.mmm --> HH:MM:SS.mmm')")
        ) from None  # fmt: skip
    cues, problems = [], []
    for number, caption in enumerate(captions, start=1):
        start, end = _millis(caption.start), _millis(caption.end)
        if end <= start:
            problems.append(
                problem(where, field, f"{path.name}: cue {number} ends before it starts",
                        "make each cue's end later than its start")
            )  # fmt: skip
        text = fit_lines(typeset(caption.text, lang))
        if text is None:
            problems.append(
                problem(where, field,
                        f"{path.name}: cue {number} needs more than {MAX_LINES} lines of "
                        f"{MAX_LINE} characters ({len(caption.text)} characters)",
                        "split it into shorter cues")
            )  # fmt: skip
        cues.append(Cue(start, end, text or ""))
    if problems:
        raise MediaError(problems)
    return cues


_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$")
_SRT_TIME = re.compile(r"\b(\d{2}:\d{2}:\d{2}),(\d{3})\b")


def _bad_timings(text: str, name: str, where: Path | str, field: str) -> list[Problem]:
    """Timing lines WebVTT cannot read, one problem each.

    webvtt-py skips a block it cannot parse without a word, so a cue typed the SubRip way
    (`00:00:08,000 --> ...`, a comma before the milliseconds) would vanish from the captions.
    A cue's text cannot hold `-->`, so every line holding it must be a timing line.
    """
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" not in line or _TIMING.match(line.strip()):
            continue
        srt = _SRT_TIME.search(line)
        fix = (
            f"use a full stop before the milliseconds: {srt.group(1)}.{srt.group(2)}"
            if srt
            else "write it as HH:MM:SS.mmm --> HH:MM:SS.mmm"
        )
        problems.append(
            problem(where, field, f"{name}: line {number}: '{line.strip()}' is not a cue timing",
                    fix)
        )  # fmt: skip
    return problems


def fit_lines(text: str) -> str | None:
    """The cue's lines as typed when they fit, else wrapped to fit; None if it cannot fit."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines):
        return "\n".join(lines)
    wrapped = textwrap.wrap(
        " ".join(lines), MAX_LINE, break_long_words=False, break_on_hyphens=False
    )
    if len(wrapped) <= MAX_LINES and all(len(line) <= MAX_LINE for line in wrapped):
        return "\n".join(wrapped)
    return None


def _millis(text: str) -> int:
    """WebVTT times are `HH:MM:SS.mmm` or `MM:SS.mmm`."""
    return timecode.parse(text if text.count(":") == 2 else f"00:{text}")


def check_cues(cues: list[Cue], duration_ms: int, where: Path | str, field: str) -> list[Problem]:
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
