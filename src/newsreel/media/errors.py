"""The one exception of the media pipeline, whose message an editor can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class MediaError(Exception):
    """A problem with a manifest, a preset or a source: one line per problem.

    Each line names the file, the field and the fix, e.g.
    `clips/x.toml: cuts[1].out: 00:02:00 is past the end of the source (00:01:05.000); ...`.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def problem(path: Path | str, field: str, message: str, fix: str) -> str:
    """One line naming the file, the field and the fix."""
    return f"{path}: {field}: {message}; {fix}"


def unknown_keys(
    path: Path | str, where: str, data: Mapping[str, Any], allowed: Iterable[str]
) -> list[str]:
    """Problems for keys nobody reads (`cfr` for `crf`): a typo must not be silently ignored."""
    allowed = sorted(allowed)
    lines = []
    for key in data:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        fix = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(allowed)}"
        lines.append(problem(path, f"{where}.{key}" if where else key, "unknown field", fix))
    return lines
