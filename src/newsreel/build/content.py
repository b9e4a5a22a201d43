"""Catch editors' mistakes in news items and pages before anything is built.

Pelican logs a bad file and carries on, writing a site without it; a newsroom would rather be
told. Every problem found becomes one line that names the file, the field and the fix, and the
build stops before it touches `output/`.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican.readers import Readers
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from newsreel.build.links import check_links, files_under
from newsreel.build.settings import RESERVED_SLUGS, ignored_files
from newsreel.errors import NewsreelError, Problem, did_you_mean, shown
from newsreel.media.manifests import manifest_paths
from newsreel.project import Project
from newsreel.site.frontmatter import SourceItem, file_name, read_front_matter_lines
from newsreel.textfile import read_text

#: The dates the README documents (and the error message shows); nothing else is guessed.
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")
DATE_FIX = "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2025-10-15 18:00"

#: The statuses Pelican publishes an article or page with (`skip` is Pelican's own, internal).
STATUSES = ("published", "draft", "hidden")

#: The front-matter fields something reads: the README's (title, date, lang, category, tags,
#: summary, translation, video), the checks' own (slug) and Pelican's other standard ones
#: (https://docs.getpelican.com/en/latest/content.html#file-metadata) but `template`,
#: `save_as` and `url`, which would take a page out of the site's per-language layout (and
#: its sitemaps and search). Any other field is read by nobody, so it is a typo (`Vidoe:`
#: would publish the item without its video).
FIELDS = frozenset(
    {
        "title", "date", "lang", "category", "tags", "summary", "translation", "video",
        "slug", "modified", "status", "author", "authors", "keywords",
    }
)  # fmt: skip
LAYOUT_FIELDS = frozenset({"template", "save_as", "url"})

#: The one extension of news items and pages. Pelican reads others too (`.markdown`, `.mkd`,
#: `.mdown`, `.rst`, `.html`...), but the checks, the watcher and the plugin's reader know
#: `.md`; a file Pelican would read under another name is refused rather than published
#: unchecked.
EXTENSION = ".md"

#: What a slug may be: it is a URL's path segment in both languages (`/en/news/<slug>/`), so
#: lower-case ASCII letters and digits in words joined by single hyphens, nothing to escape.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_content(project: Project) -> list[Problem]:
    """Every editor's mistake in the content, one each (empty when all is well)."""
    settings = project.settings
    items, unreadable = collect(
        project.content,
        settings["ARTICLE_PATHS"],
        settings["PAGE_PATHS"],
        read_extensions(settings),
        ignored_files(settings),
    )
    videos = {path.stem for path in manifest_paths(project.clips)}
    # the other language of an unreadable file is no orphan: its original is there, unread
    unread = {SourceItem(Path(p.where), "", {}).slug for p in unreadable}
    files = files_under(project.content)
    strays = stray_files(
        project.content,
        files,
        [*settings["ARTICLE_PATHS"], *settings["PAGE_PATHS"]],
        settings.get("STATIC_PATHS", []),
        ignored_files(settings),
    )
    return (
        strays
        + unreadable
        + check(items, project.languages, RESERVED_SLUGS, videos, unread, root=project.root)
        + check_links(items, project.content, files)
    )


def read_extensions(settings: dict[str, Any]) -> frozenset[str]:
    """The file extensions Pelican reads content from with these settings (its readers' own,
    `READERS` included), without the dot."""
    quiet = {**settings, "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False}
    return frozenset(Readers(quiet).extensions)


def suggested_slug(text: str) -> str:
    """`text` made a slug by Pelican's own slugify (accents to ASCII, spaces to hyphens, the
    rest dropped), then held to `SLUG` (`_` and dots become hyphens too)."""
    slug = slugify(text.replace(".", " "), regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    return "-".join(re.findall(r"[a-z0-9]+", slug)) or "item"


def slug_fix(item: SourceItem) -> str:
    """How to give `item` a slug a URL takes: the slugified one, where it comes from."""
    wanted = suggested_slug(item.slug)
    if item.meta.get("slug"):
        return f"did you mean 'Slug: {wanted}'?"
    lang = f".{item.file_lang}" if item.file_lang else ""
    return f"rename the file to '{wanted}{lang}{EXTENSION}'"


def relative(line: str, root: Path) -> str:
    """A line Pelican logged, with the project's folder taken off its paths."""
    return line.replace(str(root) + os.sep, "")


def _date_fix(field: str, written: str) -> str:
    """`did you mean 'Date: 2025-10-15 13:00'?` for an ISO 8601 date and time whose meaning is
    not in doubt (`2025-10-15T13:00`, seconds that are zero); else the formats that are read.
    Nothing is guessed from `10/11/2025`, which could be either month."""
    try:
        when = datetime.fromisoformat(written.strip())
    except ValueError:
        return DATE_FIX
    if when.tzinfo is not None or when.second or when.microsecond:
        return DATE_FIX
    shown = when.strftime(
        "%Y-%m-%d" if "T" not in written and ":" not in written else "%Y-%m-%d %H:%M"
    )
    return f"did you mean '{field.title()}: {shown}'?"


def _parse_date(text: str) -> None:
    """Raise ValueError unless `text` is in one of the documented `DATE_FORMATS`.

    Pelican would guess anything else (`10/11/2025` as 11 October, `October 15` in the current
    year): an article would go out with a date nobody wrote, so only what the README shows is
    read.
    """
    for pattern in DATE_FORMATS:
        try:
            datetime.strptime(text.strip(), pattern)
            return
        except ValueError:
            continue
    raise ValueError(text)


def collect(
    content_dir: Path,
    article_paths: list[str],
    page_paths: list[str],
    extensions: Collection[str] = ("md",),
    ignore: Sequence[str] = (),
) -> tuple[list[SourceItem], list[Problem]]:
    """Every Markdown news item and page under the content folder, and the files that could
    not be read (not UTF-8) or would be read by Pelican unchecked, one problem each.

    `extensions` are those Pelican reads (`read_extensions`): any file it would publish is
    either read here or refused by name; `ignore` are Pelican's IGNORE_FILES patterns.
    """
    items: list[SourceItem] = []
    unreadable: list[Problem] = []
    for kind, folders in (("article", article_paths), ("page", page_paths)):
        for folder in folders:
            for path in sorted((content_dir / folder).rglob("*")):
                if not path.is_file() or path.suffix[1:] not in {*extensions, "md"}:
                    continue
                if any(fnmatch.fnmatch(path.name, pattern) for pattern in ignore):
                    continue
                if path.suffix != EXTENSION:
                    unreadable.append(_other_extension(path))
                    continue
                try:
                    front_matter = read_front_matter_lines(path)
                    items.append(SourceItem(path, kind, front_matter.meta, front_matter))
                except NewsreelError as error:
                    unreadable += error.problems
    return items, unreadable


#: The other names Pelican's Markdown reader reads (`collect` refuses them by name).
OTHER_MARKDOWN = (".markdown", ".mkd", ".mdown")
#: What a news item or a page looks like when saved under a name no build reads: `.MD` (any
#: case but `.md`), or Notepad's "Save as .txt" (`x.en.md.txt`).
_LOOKS_LIKE_ITEM = re.compile(
    rf"({'|'.join(re.escape(suffix) for suffix in (EXTENSION, *OTHER_MARKDOWN))})(\.txt)?$",
    re.IGNORECASE,
)


def stray_files(
    content_dir: Path,
    files: Sequence[str],
    item_folders: Sequence[str],
    static_folders: Sequence[str],
    ignore: Sequence[str] = (),
) -> list[Problem]:
    """The files that look like items but that no build would read, one problem each: Pelican
    passes over them without a word, and the item is simply missing from the site.

    - a name ending `.MD` or `.md.txt` in a folder of items (only `.md` is read);
    - an item outside the folders of items (`content/new/x.en.md` for `content/news/`, or at
      the top of `content/`), with the folder it was probably meant for.
    """
    problems = []
    for name in files:  # `links.files_under`: every file, hidden ones left out
        relative = Path(name.lstrip("/"))
        path = content_dir / relative
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in ignore):
            continue
        found = _LOOKS_LIKE_ITEM.search(path.name)
        if not found or _under(relative, static_folders):
            continue
        if _under(relative, item_folders):
            if path.suffix in (EXTENSION, *OTHER_MARKDOWN):
                continue  # read, or refused by name by `collect`
            wanted = path.name[: found.start()] + EXTENSION
            problems.append(
                Problem(path, "", "never read: only '.md' files are", f"rename it to '{wanted}'")
            )
            continue
        folders = " or ".join(f"content/{folder}/" for folder in item_folders)
        if len(relative.parts) > 1:
            close = difflib.get_close_matches(relative.parts[0], item_folders, n=1, cutoff=0.5)
            guess = close[0] if close else item_folders[0]
            fix = f"did you mean content/{guess}/? move it there"
        else:
            fix = f"move it into one of {folders}"
        problems.append(Problem(path, "", f"not in {folders}, so never published", fix))
    return problems


def _under(relative: Path, folders: Sequence[str]) -> bool:
    return any(
        relative.parts[: len(Path(folder).parts)] == Path(folder).parts for folder in folders
    )


def _other_extension(path: Path) -> Problem:
    """A file Pelican would publish without any of these checks (a guessed date, a misspelt
    field): refused by name, with the `.md` name it should have."""
    markdown = path.suffix in OTHER_MARKDOWN
    return Problem(
        path,
        "",
        f"a '{path.suffix}' file would be published without the content checks",
        f"rename it to '{path.stem}{EXTENSION}'"
        if markdown
        else f"write it in Markdown as '{path.stem}{EXTENSION}'",
    )


def check(
    items: list[SourceItem],
    languages: Sequence[str],
    reserved_slugs: frozenset[str] = frozenset(),
    videos: set[str] | None = None,
    unread: set[str] | None = None,
    root: Path | None = None,
) -> list[Problem]:
    """All problems of all items; an empty list means the content is ready to build.
    `unread` names the slugs of files that could not be read, whose translations wait;
    `root` is the project's folder, which the paths in fixes are written relative to."""
    problems: list[Problem] = []
    known = ", ".join(languages)
    troubled: set[Path] = set()  # a file whose language or name is wrong: fixing it comes first
    for item in items:
        found = _check_item(item, languages, known, reserved_slugs)
        if any(problem.field in ("lang", "slug", "") for problem in found):
            troubled.add(item.path)
        problems.extend(found)
        video = item.meta.get("video")
        if video and videos is not None and video not in videos:
            problems.append(
                Problem(
                    item.path, "video", f"no manifest clips/{video}.toml", video_fix(video, videos)
                )
            )
    # a troubled file's other language waits for it, as for a file that could not be read
    waiting = (unread or set()) | {item.slug for item in items if item.path in troubled}
    problems.extend(_check_translations(items, languages, waiting, videos, root, troubled))
    return problems


def video_fix(video: str, videos: Collection[str]) -> str:
    """`did you mean 't-a'?` for `T-A`, `t-a.toml` or `t_a`: the closest manifest's id, compared
    case-folded and without the extension; else what to do."""
    wanted = video.strip().casefold().removesuffix(".toml")
    by_folded = {name.casefold(): name for name in videos}
    close = by_folded.get(wanted) or next(
        (by_folded[n] for n in difflib.get_close_matches(wanted, list(by_folded), n=1)), None
    )
    if close:
        return f"did you mean 'Video: {close}'?"
    return "add the manifest, or use the id of one in clips/"


def _check_item(
    item: SourceItem, languages: Sequence[str], known: str, reserved_slugs: frozenset[str]
) -> list[Problem]:
    meta, path = item.meta, item.path
    if not meta and not read_text(path).strip():
        return [Problem(path, "", "the file is empty", "write its fields and text, or delete it")]
    found: list[Problem] = [
        Problem(path, key, "not used here", "remove it: the site decides each page's URL")
        if key in LAYOUT_FIELDS
        else Problem(path, key, "unknown field", did_you_mean(key, FIELDS))
        for key in meta
        if key not in FIELDS
    ]
    found += _front_matter_problems(item)
    # a field written below the line that ended the front matter is not missing: that line,
    # reported above, is the one to fix
    end = item.front_matter.ended_by if item.front_matter else None
    explained = set(end.fields_below) if end else set()
    if not meta.get("title") and "title" not in explained:
        found.append(Problem(path, "title", "missing", "add a line 'Title: ...' at the top"))
    if item.kind == "article" and not meta.get("date") and "date" not in explained:
        found.append(
            Problem(path, "date", "missing", "add a line 'Date: YYYY-MM-DD HH:MM' at the top")
        )
    for field in ("date", "modified"):
        if meta.get(field) or (field == "modified" and field in meta):
            try:
                _parse_date(meta[field])
            except ValueError:
                fix = _date_fix(field, meta[field])
                found.append(Problem(path, field, f"'{meta[field]}' is not a date", fix))
    status = meta.get("status")
    if status is not None and status.lower() not in STATUSES:
        found.append(
            Problem(path, "status", f"'{status}' is not a status", did_you_mean(status, STATUSES))
        )
    translation = meta.get("translation")
    if translation is not None and translation.strip().lower() not in ("true", "false"):
        found.append(
            Problem(
                path,
                "translation",
                f"'{translation}' is not true or false (the site would read it as true)",
                _translation_fix(translation),
            )
        )
    lang = meta.get("lang")
    if not lang:
        if "lang" not in explained:
            named = item.file_lang if item.file_lang in languages else None
            fix = (
                f"add a line 'Lang: {named}' (the file name says .{named})"
                if named
                else f"add a line 'Lang: xx' with one of {known}"
            )
            found.append(Problem(path, "lang", "missing", fix))
    elif lang not in languages:
        fix = (
            f"did you mean 'Lang: {lang.strip().lower()}'?"
            if lang.strip().lower() in languages
            else f"use one of {known}"
        )
        found.append(Problem(path, "lang", f"'{lang}' is not a language of this site", fix))
    elif item.file_lang and item.file_lang != lang:
        renamed = f"{item.file_slug}.{lang}{EXTENSION}"
        fix = f"set 'Lang: {item.file_lang}'"
        if not path.with_name(renamed).exists():  # never a rename onto the other language
            fix += f" or rename the file to '{renamed}'"
        found.append(
            Problem(
                path, "lang", f"'{lang}' does not match the file name's '.{item.file_lang}.md'", fix
            )
        )
    if file_name(path) is None:
        base, _, lang_part = path.stem.rpartition(".")
        lang_part = f".{lang_part}" if re.fullmatch("[a-z]{2}", lang_part) else ""
        wanted = suggested_slug(base if lang_part else path.stem)
        found.append(
            Problem(
                path,
                "",
                "a dot in the name: the site would read its slug as "
                f"'{path.stem.split('.', 1)[0]}' (a file name is <slug>.<lang>{EXTENSION})",
                f"rename it to '{wanted}{lang_part}{EXTENSION}'",
            )
        )
    elif not SLUG.fullmatch(item.slug):
        found.append(
            Problem(
                path,
                "slug",
                f"'{item.slug}' cannot be part of a URL (lower-case letters a-z, digits and "
                "single hyphens only)",
                slug_fix(item),
            )
        )
    if item.kind == "page" and item.slug in reserved_slugs:
        found.append(
            Problem(
                path,
                "slug",
                f"'{item.slug}' is taken by the site's own listings",
                "rename the file (or set 'Slug: ...') to another slug",
            )
        )
    return found


#: What an editor may write for yes or no, in either language, and what the site reads.
_YES_NO = {"yes": "true", "oui": "true", "y": "true", "1": "true", "on": "true",
           "no": "false", "non": "false", "n": "false", "0": "false", "off": "false"}  # fmt: skip


def _translation_fix(written: str) -> str:
    value = written.strip().lower()
    if not value:
        return "write 'Translation: true' on the translation, or remove the line"
    if value in _YES_NO:
        return f"did you mean 'Translation: {_YES_NO[value]}'?"
    return did_you_mean(value, ("true", "false"))


#: A field written with a space before its colon (`Title : ...`): not a field for Markdown.
_SPACED_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s+:")


def _front_matter_problems(item: SourceItem) -> list[Problem]:
    """Lines of the front matter the site would not read as the editor meant: a field on two
    lines (Pelican keeps the first date or category, and makes a title a list), and a line
    that ends the front matter early, so that it and the fields below it become the text."""
    front_matter, path = item.front_matter, item.path
    if front_matter is None:
        return []
    found = [
        Problem(
            path,
            key,
            f"written on {len(front_matter.values[key])} lines (a second '{key.title()}:' "
            "line, or a line indented under it), where the site takes one value",
            f"keep one line '{key.title()}: ...'",
        )
        for key in front_matter.repeated
    ]
    end = front_matter.ended_by
    spaced = _SPACED_FIELD.match(end.text) if end else None
    # an indented line meant to continue the field above, indented too little to
    indented = bool(end and end.text[:1] == " ")
    if end and not end.text.strip():  # blank lines at the top, the fields below them
        lost = ", ".join(f"'{key.title()}:'" for key in end.fields_below)
        found.append(
            Problem(
                path,
                f"line {end.number}",
                f"a blank line before the fields ends the front matter: {lost} below it "
                "would be read as the text",
                "remove the blank line(s) at the top of the file",
            )
        )
    elif end and (spaced or indented or end.fields_below):
        lost = ", ".join(f"'{key.title()}:'" for key in end.fields_below)
        below = f", and {lost} below it," if lost else ""
        if spaced:
            fix = f"write '{spaced.group(1)}:' with no space before the colon"
        elif end.text.lstrip().startswith("- "):  # a YAML list, which Markdown does not read
            fix = "write a list on its field's line, separated by commas: 'Tags: a, b'"
        elif indented:
            fix = "indent a continued line by 4 spaces, or start a field at the margin"
        else:
            fix = "make it a 'Field: value' line, or move it after the blank line"
        found.append(
            Problem(
                path,
                f"line {end.number}",
                f"'{end.text.strip()[:60]}' ends the front matter: it{below} would be "
                "read as the text",
                fix,
            )
        )
    return found


def _check_translations(
    items: list[SourceItem],
    languages: Sequence[str],
    unread: set[str],
    videos: set[str] | None = None,
    root: Path | None = None,
    troubled: set[Path] | None = None,
) -> list[Problem]:
    """Each translation needs an original; one slug has at most one item per language.
    `troubled` files (a wrong language or name, reported already) are left out: what follows
    from them would ask to fix the files that are right."""
    problems: list[Problem] = []
    groups: dict[tuple[str, str], list[SourceItem]] = defaultdict(list)
    for item in items:
        if item.meta.get("lang") in languages and item.path not in (troubled or set()):
            groups[(item.kind, item.slug)].append(item)
    for (_, slug), group in groups.items():
        by_lang: dict[str, list[SourceItem]] = defaultdict(list)
        for item in group:
            by_lang[item.meta["lang"]].append(item)
        for lang, same in by_lang.items():
            for extra in same[1:]:
                problems.append(
                    Problem(
                        extra.path,
                        "slug",
                        f"'{slug}' in '{lang}' is already used by {_local(same[0].path, root)}",
                        "give one of them another file name or 'Slug:'",
                    )
                )
        problems.extend(_check_same_video(group, videos, root))
        originals = [item for item in group if not item.is_translation]
        if originals:
            problems.extend(_check_same_status(group, originals, root))
        if originals or slug in unread:
            continue
        if len(group) > 1:  # every language marked: one of them is the original
            names = " and ".join(_beside(group[0], item, root) for item in group)
            every = "both" if len(group) == 2 else "all"
            problems.append(
                Problem(
                    group[0].path,
                    "translation",
                    f"{names} are {every} marked as translations",
                    "remove the 'Translation: true' line from the original",
                )
            )
            continue
        for item in group:
            problems.append(_orphan(item, slug, items, languages, root))
    return problems


def _orphan(
    item: SourceItem,
    slug: str,
    items: list[SourceItem],
    languages: Sequence[str],
    root: Path | None,
) -> Problem:
    """A translation with no original: where the original would be, or, when the original
    is there under the file's own slug (a `Slug:` written in one language only), that."""
    message = f"marked as a translation, but no original with slug '{slug}' exists"
    twins = [
        other
        for other in items
        if other is not item
        and other.path.parent == item.path.parent
        and other.file_slug == item.file_slug
        and other.meta.get("lang") != item.meta.get("lang")
    ]
    if twins and item.meta.get("slug"):
        twin = _beside(item, twins[0], root)
        fix = f"add 'Slug: {slug}' to {twin} too, or remove the 'Slug:' line here"
        return Problem(item.path, "translation", message, fix)
    others = [lang for lang in languages if lang != item.meta["lang"]]
    expected = " or ".join(
        _local(item.path.parent / f"{slug}.{lang}{EXTENSION}", root) for lang in others
    )
    fix = f"add the original ({expected}) or remove the 'Translation: true' line"
    return Problem(item.path, "translation", message, fix)


def _local(path: Path, root: Path | None) -> str:
    """A path as the editor names it, relative to the project's folder (`content/news/x.md`),
    wherever the project lives."""
    if root is not None and path.is_absolute() and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return shown(path)


def _beside(item: SourceItem, other: SourceItem, root: Path | None) -> str:
    """The other file as the editor sees it from `item`: its name when they share a folder."""
    return other.path.name if other.path.parent == item.path.parent else _local(other.path, root)


def _status(item: SourceItem) -> str:
    return (item.meta.get("status") or "published").lower()


def _check_same_status(
    group: list[SourceItem], originals: list[SourceItem], root: Path | None
) -> list[Problem]:
    """A translation needs an original with its own Status.

    Pelican pairs translations within one status at a time (the published items, the drafts,
    the hidden ones): a published translation of a draft original is published on its own, as
    an orphan with no language switch, and a draft translation of a published original is a
    draft with no original; both with a garbled warning. The editor decides which is meant.
    """
    problems: list[Problem] = []
    statuses = {_status(item) for item in originals}
    for item in group:
        status = _status(item)
        if not item.is_translation or status not in STATUSES or status in statuses:
            continue
        original = originals[0]
        problems.append(
            Problem(
                item.path,
                "status",
                f"'{status}', but its original {_beside(item, original, root)} "
                f"is '{_status(original)}'",
                "give both files the same 'Status:' (a translation is published with its original)",
            )
        )
    return problems


def _check_same_video(
    group: list[SourceItem], videos: set[str] | None, root: Path | None
) -> list[Problem]:
    """The languages of one item show the same video: each page offers the other language's
    as its translation, and a reader switching languages expects the same footage. A file
    that names none while another language does is refused too (its page would go out
    without the video). An id with no manifest is already a problem of its own, so it is not
    compared."""
    named = sorted(
        (
            item
            for item in group
            if item.meta.get("video") and (videos is None or item.meta["video"] in videos)
        ),
        key=lambda item: item.is_translation,
    )  # the original first: a translation follows it
    if not named:
        return []
    first = named[0]
    video = first.meta["video"]
    problems = [
        Problem(
            item.path,
            "video",
            f"'{item.meta['video']}' differs from '{video}' in {_beside(item, first, root)}",
            "name the same video in every language of the item",
        )
        for item in named[1:]
        if item.meta["video"] != video
    ]
    problems += [
        Problem(
            item.path,
            "video",
            f"missing, but {_beside(item, first, root)} names '{video}'",
            f"add a line 'Video: {video}' (every language of an item shows the same video)",
        )
        for item in group
        if not item.meta.get("video")
    ]
    return problems
