"""The front matter of a Markdown news item or page, read fast, without Markdown.

Both the build's content checks (before Pelican runs) and the plugin's reader (which reads the
other language's items for their front matter only) need it, so it is read here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from newsreel.textfile import read_text

_META_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:\s?(.*)$")

#: A source file's name without its extension, `<slug>.<lang>` (or `<slug>`): Pelican's
#: `FILENAME_METADATA` (which `re.match`es it, as `file_name` below does) and the content
#: checks both read file names with this one expression, so they cannot disagree on a slug.
#: A name it does not match whole (`a.v1.en`) is refused by the checks: Pelican would take
#: `a` for its slug and two such files would overwrite one page.
FILE_NAME = r"(?P<slug>[^.]+)(?:\.(?P<lang>[a-z]{2}))?$"
_FILE_NAME = re.compile(FILE_NAME)


def file_name(path: Path) -> re.Match[str] | None:
    """The slug and language of a source file's name, as Pelican reads them; None when Pelican
    would read another slug than the whole name says (a dot in it)."""
    return _FILE_NAME.match(path.stem)


@dataclass
class SourceItem:
    """The front matter of one Markdown file, as far as validation needs it."""

    path: Path
    kind: str  # "article" or "page"
    meta: dict[str, str]

    @property
    def slug(self) -> str:
        if self.meta.get("slug"):
            return self.meta["slug"]
        match = file_name(self.path)
        return match.group("slug") if match else self.path.stem

    @property
    def file_lang(self) -> str | None:
        match = file_name(self.path)
        return match.group("lang") if match else None

    @property
    def is_translation(self) -> bool:
        return self.meta.get("translation", "false").strip().lower() not in ("", "false", "no")


def read_front_matter(path: Path) -> dict[str, str]:
    """Header lines of a Python-Markdown `meta` file, lower-cased keys (as Pelican reads them).

    Read through `newsreel.textfile`, as Pelican reads the file (`utf-8-sig`): a byte-order
    mark is dropped, and a file that is not UTF-8 raises a NewsreelError naming it.
    """
    meta: dict[str, str] = {}
    key = None
    for line in read_text(path).split("\n"):
        if not line.strip():
            break
        match = _META_LINE.match(line)
        if match:
            key = match.group(1).lower()
            meta[key] = match.group(2).strip()
        elif key and line.startswith((" ", "\t")):
            meta[key] = (meta[key] + " " + line.strip()).strip()
        else:
            break
    return meta
