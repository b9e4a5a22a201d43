"""What went wrong in the theme's templates, said as the template, its line and the fix.

A template error raised in a Pelican run reached the person as `en: TemplateSyntaxError:
unexpected '}'`, twice (once a language), without the file or the line. Jinja knows both: a
syntax error carries them, and an error while rendering has the template's frame in its
traceback (Jinja writes template lines into the traceback it raises). A template missing from
the theme is refused by the plugin rather than taken silently from Pelican's own plain theme.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

from jinja2 import TemplateSyntaxError

from newsreel.errors import Problem

#: Pelican's message when a template is in no loader: `[templates] unable to load tag[.html]
#: from /path/theme/templates`.
_NOT_FOUND = re.compile(
    r"unable to load (?P<name>[^\[\s]+)\[(?P<ext>[^\],]+)[^\]]*\] from (?P<path>.+)$"
)


def template_problem(error: BaseException) -> Problem | None:
    """`error` as a problem in a template, or None when no template is to blame."""
    if isinstance(error, TemplateSyntaxError) and error.filename:
        return Problem(
            Path(error.filename),
            f"line {error.lineno}",
            error.message or str(error),
            "fix the template's syntax ({% ... %}, {{ ... }})",
        )
    missing = _NOT_FOUND.search(str(error)) if type(error).__name__.endswith("NotFound") else None
    if missing:
        folder = missing.group("path").strip("[]'\"")  # a list of one path, as Pelican prints it
        path = Path(folder) / f"{missing.group('name')}{missing.group('ext')}"
        return Problem(
            path,
            "",
            "missing from the theme (Pelican would make these pages with its own plain theme)",
            "restore it (git checkout), or add it to the theme",
        )
    frame = _template_frame(error)
    if frame is None:
        return None
    where, line = frame
    return Problem(where, f"line {line}", f"{type(error).__name__}: {error}", "fix the template")


def _template_frame(error: BaseException) -> tuple[Path, int] | None:
    """The innermost frame of `error`'s traceback that is a template's line."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".j2", ".jinja")) and frame.lineno:
            found = (Path(frame.filename), frame.lineno)
    return found
