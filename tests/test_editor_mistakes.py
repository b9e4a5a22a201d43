"""Editors' mistakes stop the build with one line per problem, and output/ survives."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SMALL_SITE, item, write_site
from newsreel.build import BuildError, build_site
from newsreel.cli import app


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


MISTAKES = {
    "no title": (
        {"news/oops.en.md": item("", "en")},
        "news/oops.en.md: title: missing; add a line 'Title: ...'",
    ),
    "no date": (
        {"news/oops.en.md": item("Oops", "en", date=None)},
        "news/oops.en.md: date: missing; add a line 'Date: YYYY-MM-DD HH:MM'",
    ),
    "no lang": (
        {"news/oops.en.md": item("Oops", "")},
        "news/oops.en.md: lang: missing; add a line 'Lang: xx' with one of en, fr",
    ),
    "bad date": (
        {"news/oops.en.md": item("Oops", "en", date="15/13/2025 pm")},
        "news/oops.en.md: date: '15/13/2025 pm' is not a date; write it as YYYY-MM-DD",
    ),
    "unknown lang": (
        {"news/oops.de.md": item("Hoppla", "de")},
        "news/oops.de.md: lang: 'de' is not a language of this site; use one of en, fr",
    ),
    "orphan translation": (
        {"news/orphan.en.md": item("Orphan", "en", translation=True)},
        "news/orphan.en.md: translation: marked as a translation, but no original with slug "
        "'orphan' exists; add the original",
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_mistake_fails_the_build_and_keeps_output(tmp_path: Path, mistake: str):
    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    before = snapshot(project.output)
    assert "fr/news/meeting/index.html" in before

    files, expected = MISTAKES[mistake]
    for name, text in files.items():
        (project.root / "content" / name).write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build_site(project)

    assert len(raised.value.lines()) == 1
    assert raised.value.lines()[0].startswith("content/" + expected)
    assert snapshot(project.output) == before
    assert not list(tmp_path.glob("site/.output*")), "no staging folder may be left behind"


def test_all_problems_are_listed_at_once(tmp_path: Path):
    project = write_site(
        tmp_path / "site",
        {"news/a.en.md": item("", "en", date=None), "news/b.fr.md": item("B", "xx")},
    )
    with pytest.raises(BuildError) as raised:
        build_site(project)
    fields = sorted(line.split(": ")[1] for line in raised.value.lines())
    assert fields == ["date", "lang", "title"]
    assert not project.output.exists()


def test_cli_prints_one_line_per_problem_and_exits_2(tmp_path: Path):
    project = write_site(tmp_path / "site", {"news/oops.en.md": item("Oops", "en", date="soon")})
    result = CliRunner().invoke(app, ["build", "--root", str(project.root)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "content/news/oops.en.md: date: 'soon' is not a date" in result.output
    verbose = CliRunner().invoke(app, ["build", "--root", str(project.root), "--verbose"])
    assert verbose.exit_code == 2 and "Traceback" in verbose.output


def test_file_name_and_lang_must_agree(tmp_path: Path):
    project = write_site(tmp_path / "site", {"news/x.fr.md": item("X", "en")})
    with pytest.raises(BuildError, match=r"x\.fr\.md: lang: 'en' does not match"):
        build_site(project)


def test_two_items_cannot_share_a_slug_and_language(tmp_path: Path):
    files = {"news/x.en.md": item("X", "en"), "news/sub/x.en.md": item("Y", "en")}
    project = write_site(tmp_path / "site", files)
    with pytest.raises(BuildError, match="slug: 'x' in 'en' is already used"):
        build_site(project)


def test_a_page_cannot_take_a_listing_slug(tmp_path: Path):
    project = write_site(tmp_path / "site", {"pages/videos.en.md": "Title: V\nLang: en\n\nV\n"})
    with pytest.raises(BuildError, match="slug: 'videos' is taken"):
        build_site(project)
