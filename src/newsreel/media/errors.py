"""The one exception of the media pipeline, whose message an editor can act on."""

from __future__ import annotations

from pathlib import Path


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
