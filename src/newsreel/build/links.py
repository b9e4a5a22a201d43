"""Links between the site's own files (`{filename}`, `{static}`, `{attach}`), checked before a
build.

Pelican replaces such a link by the URL of the file it names; when there is no such file it
logs "Unable to find '...', skipping url replacement" (or, for an image, "Cannot get
modification stamp"), without the item's name, and publishes the page with the link as
written (`href="{filename}/news/x.en.md"`) or pointing at nothing. A broken link here stops the
build with one line naming the item, the line and the closest file that exists.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from newsreel.errors import Problem
from newsreel.site.frontmatter import SourceItem
from newsreel.textfile import read_text

#: Pelican's intrasite link syntax (`{what}path`, or the older `|what|path`), for the kinds
#: that name a file; `{tag}`, `{category}`, `{author}` and `{index}` name no file.
_LINK = re.compile(r"(?P<open>[{|])(?P<what>filename|static|attach)[}|](?P<path>[^\s)\"'<>\]]*)")


def files_under(content_dir: Path) -> list[str]:
    """Every file under the content folder, as a link writes it from the top (`/news/x.en.md`),
    hidden ones left out."""
    found = []
    for path in content_dir.rglob("*"):
        relative = path.relative_to(content_dir)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            found.append("/" + relative.as_posix())
    return sorted(found)


def target(item_path: Path, content_dir: Path, written: str) -> str:
    """The file a link names, from the content folder's top (`/images/a.jpg`), as Pelican
    resolves it: from the top when it starts with `/`, else from the item's own folder; a
    `?query` or `#fragment` is not part of the file."""
    path = unquote(re.split(r"[?#]", written, maxsplit=1)[0])
    if path.startswith("/"):
        joined = PurePosixPath(path)
    else:
        folder = item_path.parent.relative_to(content_dir).as_posix()
        joined = PurePosixPath("/", folder, path)
    parts: list[str] = []
    for part in joined.parts[1:]:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/" + "/".join(parts)


def check_links(
    items: Iterable[SourceItem], content_dir: Path, existing: list[str]
) -> list[Problem]:
    """One problem for every link of an item to a file of the site that does not exist
    (`existing`: `files_under(content_dir)`, walked once for every check of the content)."""
    known = set(existing)
    problems = []
    for item in items:
        text = read_text(item.path)
        for match in _LINK.finditer(text):
            written = match.group("path")
            wanted = target(item.path, content_dir, written)
            if wanted in known:
                continue
            line = text.count("\n", 0, match.start()) + 1
            fix = _fix(match, wanted, existing)
            broken = f"{match.group(0)}: no such file"
            problems.append(Problem(item.path, f"line {line}", broken, fix))
    return problems


def _fix(match: re.Match[str], wanted: str, existing: list[str]) -> str:
    """`did you mean '{filename}/news/x.en.md'?` for the closest file of the same kind, else
    where to put it."""
    what = match.group("what")
    close = difflib.get_close_matches(wanted, existing, n=1, cutoff=0.6)
    if close:
        opening, closing = ("{", "}") if match.group("open") == "{" else ("|", "|")
        return f"did you mean '{opening}{what}{closing}{close[0]}'?"
    if what == "filename":
        return "link to an item's file, e.g. {filename}/news/<slug>.<lang>.md"
    return f"put the file at content{wanted}, or correct the link"
