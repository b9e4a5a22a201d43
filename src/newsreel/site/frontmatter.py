"""The front matter of a Markdown news item or page, read fast, without Markdown.

Both the build's content checks (before Pelican runs) and the plugin's reader (which reads the
other language's items for their front matter only) need it, so it is read here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from newsreel.textfile import read_text

#: Python-Markdown's `meta` extension, which Pelican reads the front matter with: a field is a
#: key (up to three spaces in) and a colon; a line four or more spaces in (a tab counts four)
#: continues the field above; a blank line, `---` or `...` ends the front matter, and so does
#: any other line, which is then read as the text. `---` may open it.
_META_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_MORE_LINE = re.compile(r"^[ ]{4,}(?P<value>.*)")
_BEGIN = re.compile(r"^-{3}(\s.*)?")
_END = re.compile(r"^(-{3}|\.{3})(\s.*)?")
#: Python-Markdown's `tab_length`: a tab is expanded to this many columns before the front
#: matter is read.
_TAB_LENGTH = 4
#: Fields Pelican formats as Markdown (its `FORMATTED_FIELDS`): their lines are one text.
FORMATTED_FIELDS = ("summary",)

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


@dataclass(frozen=True)
class EndLine:
    """The line that ended a front matter without being blank or a marker: its number (from
    1), its text, and the fields written below it before the first blank line (read as text)."""

    number: int
    text: str
    fields_below: tuple[str, ...]


@dataclass(frozen=True)
class FrontMatter:
    """A file's front matter as Python-Markdown reads it: each field's values, one per line
    (a field given twice, or continued on an indented line, has several), and the line that
    ended it when that was neither blank nor a marker (Pelican reads that line, and any field
    below it, as the text)."""

    values: dict[str, list[str]]
    ended_by: EndLine | None = None

    @property
    def meta(self) -> dict[str, str]:
        """One value a field, as Pelican keeps it: a formatted field's lines joined, else the
        first (Pelican keeps only the first of a date, category, status...; of a title it
        would keep a list, which the content checks refuse)."""
        return {
            key: "\n".join(lines) if key in FORMATTED_FIELDS else lines[0]
            for key, lines in self.values.items()
        }

    @property
    def repeated(self) -> list[str]:
        """The fields with more than one value where the site reads one."""
        return [
            key
            for key, lines in self.values.items()
            if len(lines) > 1 and key not in FORMATTED_FIELDS
        ]


@dataclass
class SourceItem:
    """The front matter of one Markdown file, as far as validation needs it."""

    path: Path
    kind: str  # "article" or "page"
    meta: dict[str, str]
    front_matter: FrontMatter | None = None

    @property
    def slug(self) -> str:
        return self.meta.get("slug") or self.file_slug

    @property
    def file_slug(self) -> str:
        """The slug the file's name gives (the one a file is renamed by)."""
        match = file_name(self.path)
        return match.group("slug") if match else self.path.stem

    @property
    def file_lang(self) -> str | None:
        match = file_name(self.path)
        return match.group("lang") if match else None

    @property
    def is_translation(self) -> bool:
        """`Translation: true` (any case); the content checks refuse anything but true or false."""
        return self.meta.get("translation", "false").strip().lower() == "true"


def read_front_matter_lines(path: Path) -> FrontMatter:
    """The header lines of a Markdown file, read exactly as Python-Markdown's `meta` extension
    reads them for Pelican (lower-cased keys), without rendering any Markdown.

    Read through `newsreel.textfile`, as Pelican reads the file (`utf-8-sig`): a byte-order
    mark is dropped, and a file that is not UTF-8 raises a NewsreelError naming it.
    """
    values: dict[str, list[str]] = {}
    key = None
    lines = read_text(path).expandtabs(_TAB_LENGTH).split("\n")
    start = 1 if lines and _BEGIN.match(lines[0]) else 0
    for number, line in enumerate(lines[start:], start + 1):
        field = _META_LINE.match(line)
        if not line.strip() and not values:
            # a blank line before any field: Markdown ends the front matter there, and the
            # fields below it (the editor sees them, at the top) are read as the text
            below = _field_names(lines[number:], skip_blanks=True, stop_at_text=True)
            return FrontMatter(values, EndLine(number, line, below) if below else None)
        if not line.strip() or _END.match(line):
            return FrontMatter(values)
        if field:
            key = field.group("key").lower().strip()
            values.setdefault(key, []).append(field.group("value").strip())
        elif (more := _MORE_LINE.match(line)) and key:
            values[key].append(more.group("value").strip())
        else:
            below = _field_names(lines[number:], skip_blanks=False, stop_at_text=False)
            return FrontMatter(values, EndLine(number, line, below))
    return FrontMatter(values)


def _field_names(lines: list[str], *, skip_blanks: bool, stop_at_text: bool) -> tuple[str, ...]:
    """The names of the fields in the first block of `lines` (up to a blank line): the fields
    Markdown will read as text, which the editor meant as front matter.

    After blank lines at the top (`skip_blanks`), the block is the front matter only if it
    starts with fields, and ends at the first line of text (`stop_at_text`); after a line that
    ended the front matter mid-way, every field left in its block counts.
    """
    found: list[str] = []
    for line in lines:
        if not line.strip():
            if found or not skip_blanks:
                break
            continue
        field = _META_LINE.match(line)
        if field:
            found.append(field.group("key").lower())
        elif stop_at_text:
            break
    return tuple(found)


def read_front_matter(path: Path) -> dict[str, str]:
    """One value a field (`FrontMatter.meta`), as Pelican keeps them."""
    return read_front_matter_lines(path).meta
