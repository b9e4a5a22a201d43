"""Time codes of the manifests: `HH:MM:SS` or `HH:MM:SS.mmm`, kept exact in milliseconds.

Milliseconds as integers keep cut points exact (no float drift), so the same manifest always
gives the same cache key and the same frame count.
"""

from __future__ import annotations

import re

_TIMECODE = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d)(?:\.(\d{1,3}))?$")


def parse(text: str) -> int:
    """Milliseconds from `HH:MM:SS(.mmm)`; raises ValueError on anything else."""
    match = _TIMECODE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a time code")
    hours, minutes, seconds, fraction = match.groups()
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def format_ms(millis: int) -> str:
    """`HH:MM:SS.mmm` from milliseconds."""
    seconds, millis = divmod(int(millis), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def short(millis: int) -> str:
    """`MM:SS` (or `H:MM:SS`) for people: shot lists and durations on pages."""
    seconds = round(millis / 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


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
