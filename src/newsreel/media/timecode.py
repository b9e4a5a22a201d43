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
