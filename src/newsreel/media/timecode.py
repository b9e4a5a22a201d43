"""Time codes of the manifests: `HH:MM:SS` or `HH:MM:SS.mmm`, kept exact in milliseconds.

Milliseconds as integers keep cut points exact (no float drift), so the same manifest always
gives the same cache key and the same frame count.
"""

from __future__ import annotations

import re

# ASCII digits only (`\d` would accept Arabic-Indic digits), no sign, no surrounding spaces.
# No PyPI time code library fits: `timecode` and friends count SMPTE frames (HH:MM:SS:FF) at a
# given rate, while editors here write wall-clock time with optional milliseconds.
_TIMECODE = re.compile(r"([0-9]{2,}):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,3}))?", re.ASCII)


def parse(text: str) -> int:
    """Milliseconds from `HH:MM:SS(.mmm)`; raises ValueError on anything else."""
    match = _TIMECODE.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a time code")
    hours, minutes, seconds, fraction = match.groups()
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


_LOOSE = re.compile(
    r"(?:(?P<h>[0-9]{1,2}):)?(?P<m>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:[.,](?P<f>[0-9]{1,3}))?",
    re.ASCII,
)
_SECONDS = re.compile(r"(?:(?P<m>[0-9]+)\s*m(?:in)?\s*)?(?:(?P<s>[0-9]+(?:[.,][0-9]{1,3})?)\s*s)?")
_FRAMES = re.compile(r"[0-9]{2}:[0-5][0-9]:[0-5][0-9]:[0-9]{1,2}", re.ASCII)


def suggestion(value: object) -> str | None:
    """The time code an editor most likely meant, when it can be told without guessing:
    `0:00:12.5`, `00:00:12,500`, `12.5` (a number), `12s`, `1m30s` or `90 s`; None otherwise.
    (Frames, `00:00:10:12`, depend on the rate: `frames_hint` says so instead.)"""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and 0 <= value < 360000:
        return format_ms(round(value * 1000))
    if not isinstance(value, str):
        return None
    text = value.strip()
    loose = _LOOSE.fullmatch(text)
    if loose and int(loose.group("m")) < 60 and int(loose.group("s")) < 60:
        millis = int((loose.group("f") or "0").ljust(3, "0"))
        hours, minutes = int(loose.group("h") or 0), int(loose.group("m"))
        return format_ms(((hours * 60 + minutes) * 60 + int(loose.group("s"))) * 1000 + millis)
    spoken = _SECONDS.fullmatch(text.lower()) if text else None
    if spoken and (spoken.group("m") or spoken.group("s")):
        seconds = float((spoken.group("s") or "0").replace(",", "."))
        return format_ms(round((int(spoken.group("m") or 0) * 60 + seconds) * 1000))
    return None


def is_frames(value: object) -> bool:
    """`HH:MM:SS:FF`, a broadcast time code counting frames, which manifests do not read."""
    return isinstance(value, str) and bool(_FRAMES.fullmatch(value.strip()))


def format_ms(millis: int) -> str:
    """`HH:MM:SS.mmm` from milliseconds."""
    seconds, millis = divmod(int(millis), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def iso_duration(millis: int) -> str:
    """ISO 8601 duration (`PT1M4S`), as schema.org and feeds want it."""
    seconds = millis / 1000
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if seconds or text == "PT":
        text += f"{seconds:g}S"
    return text
