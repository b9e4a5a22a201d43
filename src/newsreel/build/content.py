"""Catch editors' mistakes in news items and pages before anything is built.

Pelican logs a bad file and carries on, writing a site without it; a newsroom would rather be
told. Every problem found becomes one line that names the file, the field and the fix, and the
build stops before it touches `output/`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pelican.utils import get_date

from newsreel.build.settings import RESERVED_SLUGS
from newsreel.errors import Problem
from newsreel.project import Project
from newsreel.site.frontmatter import SourceItem, read_front_matter


def check_content(project: Project) -> list[Problem]:
    """Every editor's mistake in the content, one each (empty when all is well)."""
    settings = project.settings
    items = collect(project.content, settings["ARTICLE_PATHS"], settings["PAGE_PATHS"])
    videos = {path.stem for path in project.clips.glob("*.toml") if path.name != "presets.toml"}
    return check(items, project.languages, RESERVED_SLUGS, videos)


def relative(line: str, root: Path) -> str:
    """A line Pelican logged, with the project's folder taken off its paths."""
    return line.replace(str(root) + os.sep, "")


def _parse_date(text: str) -> None:
    """Raise ValueError unless Pelican can read `text` as a date (ISO dates, checked fast)."""
    try:
        datetime.fromisoformat(text.strip())
    except ValueError:
        get_date(text)


def collect(content_dir: Path, article_paths: list[str], page_paths: list[str]) -> list[SourceItem]:
    """Every Markdown news item and page under the content folder."""
    items: list[SourceItem] = []
    for kind, folders in (("article", article_paths), ("page", page_paths)):
        for folder in folders:
            for path in sorted((content_dir / folder).rglob("*.md")):
                items.append(SourceItem(path, kind, read_front_matter(path)))
    return items


def check(
    items: list[SourceItem],
    languages: Sequence[str],
    reserved_slugs: frozenset[str] = frozenset(),
    videos: set[str] | None = None,
) -> list[Problem]:
    """All problems of all items; an empty list means the content is ready to build."""
    problems: list[Problem] = []
    known = ", ".join(languages)
    for item in items:
        problems.extend(_check_item(item, languages, known, reserved_slugs))
        video = item.meta.get("video")
        if video and videos is not None and video not in videos:
            problems.append(
                Problem(
                    item.path,
                    "video",
                    f"no manifest clips/{video}.toml",
                    "add the manifest, or use the id of one in clips/",
                )
            )
    problems.extend(_check_translations(items, languages))
    return problems


def _check_item(
    item: SourceItem, languages: Sequence[str], known: str, reserved_slugs: frozenset[str]
) -> list[Problem]:
    meta, path = item.meta, item.path
    found: list[Problem] = []
    if not meta.get("title"):
        found.append(Problem(path, "title", "missing", "add a line 'Title: ...' at the top"))
    if item.kind == "article":
        if not meta.get("date"):
            found.append(
                Problem(path, "date", "missing", "add a line 'Date: YYYY-MM-DD HH:MM' at the top")
            )
        else:
            try:
                _parse_date(meta["date"])
            except (ValueError, OverflowError):
                found.append(
                    Problem(
                        path,
                        "date",
                        f"'{meta['date']}' is not a date",
                        "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. 2025-10-15 18:00",
                    )
                )
    lang = meta.get("lang")
    if not lang:
        found.append(Problem(path, "lang", "missing", f"add a line 'Lang: xx' with one of {known}"))
    elif lang not in languages:
        found.append(
            Problem(path, "lang", f"'{lang}' is not a language of this site", f"use one of {known}")
        )
    elif item.file_lang and item.file_lang != lang:
        found.append(
            Problem(
                path,
                "lang",
                f"'{lang}' does not match the file name's '.{item.file_lang}.md'",
                f"set 'Lang: {item.file_lang}' or rename the file to '{item.slug}.{lang}.md'",
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


def _check_translations(items: list[SourceItem], languages: Sequence[str]) -> list[Problem]:
    """Each translation needs an original; one slug has at most one item per language."""
    problems: list[Problem] = []
    groups: dict[tuple[str, str], list[SourceItem]] = defaultdict(list)
    for item in items:
        if item.meta.get("lang") in languages:
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
                        f"'{slug}' in '{lang}' is already used by {same[0].path}",
                        "give one of them another file name or 'Slug:'",
                    )
                )
        originals = [item for item in group if not item.is_translation]
        if originals:
            continue
        for item in group:
            others = [lang for lang in languages if lang != item.meta["lang"]]
            expected = " or ".join(f"{item.path.parent / f'{slug}.{lang}.md'}" for lang in others)
            problems.append(
                Problem(
                    item.path,
                    "translation",
                    f"marked as a translation, but no original with slug '{slug}' exists",
                    f"add the original ({expected}) or remove the 'Translation: true' line",
                )
            )
    return problems
