"""The output folder: what marks it as a build's, and what it was built for.

A build replaces its output folder whole and `newsreel clean` removes it, so both must be sure
the folder is one a build made: `newsreel build -o .` once replaced a whole project, `.git`
included. Every build leaves `MARKER` (a dot-file: never published, never deleted from a
bucket) in its output; a folder that holds anything else is replaced or removed only when it
carries the marker, is empty, or holds nothing but what a build makes (an output built before
the marker existed, which the next build then marks).

Publishing reads the same folder: it must be a whole build (`check_built`), made for the
address it is published at (`built_for`, read from the robots.txt every build writes).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from newsreel.errors import NewsreelError, Problem

#: The file every build leaves at the top of its output folder.
MARKER = ".newsreel-output"
MARKER_TEXT = (
    "This folder is a site built by newsreel: `newsreel build` replaces it whole and\n"
    "`newsreel clean` removes it. Keep nothing of your own here.\n"
)
#: What a build writes at the top of its output, besides one folder per language and the
#: content's static folders (`images/`).
BUILT_NAMES = frozenset(
    {
        "index.html",
        "404.html",
        "robots.txt",
        "sitemap.xml",
        "sitemap-video.xml",
        "theme",
        "media",
        "_private",
        "pagefind",
    }
)
#: What a rebuild of one language leaves inside output/ when it is killed (`staging._swap`).
_OWN_LEFTOVER = re.compile(r"^\.[^./]+\.old-\d+$")


def built_names(settings: Mapping[str, Any], languages: Collection[str]) -> frozenset[str]:
    """What else a build of these settings writes at the top of its output: a folder per
    language, the theme's static folder and the content's static folders."""
    static = {Path(str(path)).parts[0] for path in settings.get("STATIC_PATHS", []) if path}
    return frozenset({*languages, settings.get("THEME_STATIC_DIR", "theme"), *static})


def mark(folder: Path) -> None:
    """Say that `folder` is a build's output."""
    (folder / MARKER).write_text(MARKER_TEXT, "utf-8")


def is_marked(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def foreign_entries(folder: Path, built_names: Collection[str]) -> list[str]:
    """The entries of an existing `folder` no build makes, sorted ([] when a build may
    replace it: missing, empty, marked, or holding only what a build makes, `index.html`
    among them)."""
    if not folder.exists():
        return []
    if not folder.is_dir():
        return [folder.name]
    if is_marked(folder):
        return []
    names = sorted(entry.name for entry in folder.iterdir())
    if not names:
        return []
    allowed = BUILT_NAMES | set(built_names)
    foreign = [n for n in names if n not in allowed and not _OWN_LEFTOVER.match(n)]
    if not foreign and "index.html" not in names:
        # a folder of only `media/` or `theme/` may be anyone's: a build's has its front page
        return ["(no index.html)"]
    return foreign


def check_replaceable(folder: Path, built_names: Collection[str]) -> None:
    """A NewsreelError unless a build may replace (or `clean` remove) `folder`."""
    foreign = foreign_entries(folder, built_names)
    if not foreign:
        return
    if not folder.is_dir():
        raise NewsreelError(
            Problem(folder, "", "is a file, not a site's output folder",
                    "give --output a folder of its own, e.g. output (the default)")
        )  # fmt: skip
    listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    raise NewsreelError(
        Problem(folder, "", f"holds files no newsreel build made ({listed}), and a build "
                "replaces its output folder whole (clean removes it)",
                f"give --output a new or empty folder, or move those files away (a folder a "
                f"build made carries {MARKER})")
    )  # fmt: skip


def check_built(folder: Path, fix: str) -> None:
    """A NewsreelError unless `folder` is a whole build's output (it carries the marker);
    `fix` says how to get one."""
    if not folder.is_dir():
        message = "not built yet"
    elif not any(folder.iterdir()):
        message = "is empty"
    elif not is_marked(folder):
        message = f"was not made by newsreel build (it has no {MARKER})"
    else:
        return
    raise NewsreelError(Problem(folder, "", message, fix))


def built_for(output: Path) -> str | None:
    """The site address the pages in `output` were built for, as their robots.txt names it
    (None: no robots.txt, or one without an absolute sitemap address)."""
    try:
        text = (output / "robots.txt").read_text("utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Sitemap: http") and line.endswith("/sitemap.xml"):
            return line.removeprefix("Sitemap: ").removesuffix("/sitemap.xml")
    return None
