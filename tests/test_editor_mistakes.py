"""Editors' mistakes stop the build with one line per problem, and output/ survives."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SMALL_SITE, item, write_site
from newsreel.build import BuildError, build_site, content, workers
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
        "news/oops.en.md: lang: missing; add a line 'Lang: en' (the file name says .en)",
    ),
    "bad date": (
        {"news/oops.en.md": item("Oops", "en", date="15/13/2025 pm")},
        "news/oops.en.md: date: '15/13/2025 pm' is not a date; write it as YYYY-MM-DD",
    ),
    "unknown lang": (
        {"news/oops.de.md": item("Hoppla", "de")},
        "news/oops.de.md: lang: 'de' is not a language of this site; use one of en, fr",
    ),
    "misspelt field": (
        {"news/oops.en.md": item("Oops", "en", vidoe="2025-10-15-x")},
        "news/oops.en.md: vidoe: unknown field; did you mean 'video'?",
    ),
    "misspelt field in any case": (
        {"news/oops.en.md": item("Oops", "en", categroy="Meetings")},
        "news/oops.en.md: categroy: unknown field; did you mean 'category'?",
    ),
    "a field that would leave the layout": (
        {"news/oops.en.md": item("Oops", "en", save_as="elsewhere.html")},
        "news/oops.en.md: save_as: not used here; remove it: the site decides each page's URL",
    ),
    "day/month date": (
        {"news/oops.en.md": item("Oops", "en", date="10/11/2025")},
        "news/oops.en.md: date: '10/11/2025' is not a date; write it as YYYY-MM-DD",
    ),
    "date without a year": (
        {"news/oops.en.md": item("Oops", "en", date="October 15")},
        "news/oops.en.md: date: 'October 15' is not a date; write it as YYYY-MM-DD",
    ),
    "impossible date": (
        {"news/oops.en.md": item("Oops", "en", date="2025-02-30")},
        "news/oops.en.md: date: '2025-02-30' is not a date",
    ),
    "bad modified": (
        {"news/oops.en.md": item("Oops", "en", modified="yesterday")},
        "news/oops.en.md: modified: 'yesterday' is not a date; write it as YYYY-MM-DD",
    ),
    "unknown status": (
        {"news/oops.en.md": item("Oops", "en", status="published-ish")},
        "news/oops.en.md: status: 'published-ish' is not a status; did you mean 'published'?",
    ),
    "published translation of a draft": (
        {"news/meeting.fr.md": item("Réunion", "fr", status="draft")},
        "news/meeting.en.md: status: 'published', but its original meeting.fr.md "
        "is 'draft'; give both files the same 'Status:'",
    ),
    "draft translation of a published original": (
        {"news/meeting.en.md": item("Meeting", "en", translation=True, status="draft")},
        "news/meeting.en.md: status: 'draft', but its original meeting.fr.md is 'published'",
    ),
    "orphan translation": (
        {"news/orphan.en.md": item("Orphan", "en", translation=True)},
        "news/orphan.en.md: translation: marked as a translation, but no original with slug "
        "'orphan' exists; add the original (content/news/orphan.fr.md) or remove",
    ),
    "an ISO date and time": (
        {"news/oops.en.md": item("Oops", "en", date="2025-10-15T13:00")},
        "news/oops.en.md: date: '2025-10-15T13:00' is not a date; "
        "did you mean 'Date: 2025-10-15 13:00'?",
    ),
    "a language in capitals": (
        {"news/oops.en.md": item("Oops", "EN")},
        "news/oops.en.md: lang: 'EN' is not a language of this site; did you mean 'Lang: en'?",
    ),
    "no language, which the file name gives": (
        {"news/oops.fr.md": item("Oups", "")},
        "news/oops.fr.md: lang: missing; add a line 'Lang: fr' (the file name says .fr)",
    ),
    "no language, in a file whose name has none": (
        {"news/oops.md": item("Oops", "")},
        "news/oops.md: lang: missing; add a line 'Lang: xx' with one of en, fr",
    ),
    "a language that names the other file": (
        {"news/meeting.en.md": item("Meeting", "fr", translation=True)},
        "news/meeting.en.md: lang: 'fr' does not match the file name's '.en.md'; set 'Lang: en'",
    ),
    "both languages marked as translations": (
        {"news/meeting.fr.md": item("Réunion", "fr", translation=True)},
        "news/meeting.en.md: translation: meeting.en.md and meeting.fr.md are both marked as "
        "translations; remove the 'Translation: true' line from the original",
    ),
    "a slug given in one language only": (
        {"news/meeting.en.md": item("Meeting", "en", translation=True, slug="ministers")},
        "news/meeting.en.md: translation: marked as a translation, but no original with slug "
        "'ministers' exists; add 'Slug: ministers' to meeting.fr.md too, or remove the 'Slug:'",
    ),
    "an empty original": (
        {"news/meeting.fr.md": ""},
        "news/meeting.fr.md: the file is empty; write its fields and text, or delete it",
    ),
    "a capital in a translation's file name": (
        {"news/Meeting.en.md": item("Meeting", "en", translation=True)},
        "news/Meeting.en.md: slug: 'Meeting' cannot be part of a URL",
    ),
    "a blank line at the top": (
        {"news/oops.en.md": "\n" + item("Oops", "en")},
        "news/oops.en.md: line 1: a blank line before the fields ends the front matter: "
        "'Title:', 'Date:', 'Lang:' below it would be read as the text; remove the blank line",
    ),
    "a heading above the fields, which are not missing": (
        {"news/oops.en.md": "# Oops\n" + item("Oops", "en")},
        "news/oops.en.md: line 1: '# Oops' ends the front matter",
    ),
    "a translation flag misspelt": (
        {"news/meeting.en.md": item("Meeting", "en", translation_="flase")},
        "news/meeting.en.md: translation: 'flase' is not true or false (the site would read it "
        "as true); did you mean 'false'?",
    ),
    "a translation flag in words": (
        {"news/meeting.en.md": item("Meeting", "en", translation_="oui")},
        "news/meeting.en.md: translation: 'oui' is not true or false (the site would read it "
        "as true); did you mean 'Translation: true'?",
    ),
    "a link to an item that does not exist": (
        {"news/oops.en.md": item("Oops", "en", "See [the meeting]({filename}/news/meetng.fr.md).")},
        "news/oops.en.md: line 5: {filename}/news/meetng.fr.md: no such file; "
        "did you mean '{filename}/news/meeting.fr.md'?",
    ),
    "a relative link to an item that does not exist": (
        {"news/oops.en.md": item("Oops", "en", "See [it](|filename|meeting.fr.mdd#top).")},
        "news/oops.en.md: line 5: |filename|meeting.fr.mdd#top: no such file; "
        "did you mean '|filename|/news/meeting.fr.md'?",
    ),
    "an image that is not there": (
        {"news/oops.en.md": item("Oops", "en", "Text.\n\n![A drone]({static}/images/drone.jpg)")},
        "news/oops.en.md: line 7: {static}/images/drone.jpg: no such file; "
        "put the file at content/images/drone.jpg, or correct the link",
    ),
    "an item saved as .MD": (
        {"news/oops.en.MD": item("Oops", "en")},
        "news/oops.en.MD: never read: only '.md' files are; rename it to 'oops.en.md'",
    ),
    "an item saved as .md.txt": (
        {"news/oops.en.md.txt": item("Oops", "en")},
        "news/oops.en.md.txt: never read: only '.md' files are; rename it to 'oops.en.md'",
    ),
    "an item in a misspelt folder": (
        {"new/oops.en.md": item("Oops", "en")},
        "new/oops.en.md: not in content/news/ or content/pages/, so never published; "
        "did you mean content/news/? move it there",
    ),
    "an item at the top of content": (
        {"oops.en.md": item("Oops", "en")},
        "oops.en.md: not in content/news/ or content/pages/, so never published; "
        "move it into one of content/news/ or content/pages/",
    ),
    "a .markdown file, which Pelican would publish unchecked": (
        {"news/x.en.markdown": item("X", "en", date="10/11/2025", vidoe="t-a")},
        "news/x.en.markdown: a '.markdown' file would be published without the content checks; "
        "rename it to 'x.en.md'",
    ),
    "a file Pelican would read as HTML": (
        {"news/x.en.html": "<html><head><title>X</title></head><body>X</body></html>\n"},
        "news/x.en.html: a '.html' file would be published without the content checks; "
        "write it in Markdown as 'x.en.md'",
    ),
    "spaces, an accent and capitals in a file name": (
        {"news/Counter Drône trials.en.md": item("Counter-drone trials", "en")},
        "news/Counter Drône trials.en.md: slug: 'Counter Drône trials' cannot be part of a URL "
        "(lower-case letters a-z, digits and single hyphens only); "
        "rename the file to 'counter-drone-trials.en.md'",
    ),
    "a title continued on an indented line": (
        {
            "news/oops.en.md": item("Defence ministers", "en", body="Text.").replace(
                "Title: Defence ministers\n", "Title: Defence ministers\n    meet in Brussels\n"
            )
        },
        "news/oops.en.md: title: written on 2 lines (a second 'Title:' line, or a line indented "
        "under it), where the site takes one value; keep one line 'Title: ...'",
    ),
    "a category given twice": (
        {
            "news/oops.en.md": item("Oops", "en", category="Meetings").replace(
                "Category: Meetings\n", "Category: Meetings\nCategory: Defence\n"
            )
        },
        "news/oops.en.md: category: written on 2 lines",
    ),
    "a space before a field's colon": (
        {"news/oops.en.md": "Title: Oops\nLang: en\nDate: 2025-10-14\nCategory : Meetings\n\nX.\n"},
        "news/oops.en.md: line 4: 'Category : Meetings' ends the front matter: it would be read "
        "as the text; write 'Category:' with no space before the colon",
    ),
    "a summary continued with too little indent": (
        {
            "news/oops.en.md": item("Oops", "en", body="Text.").replace(
                "Lang: en\n", "Lang: en\nSummary: Ministers met\n  in Brussels.\n"
            )
        },
        "news/oops.en.md: line 5: 'in Brussels.' ends the front matter: it would be read as the "
        "text; indent a continued line by 4 spaces, or start a field at the margin",
    ),
    "a YAML list under a field": (
        {
            "news/oops.en.md": item("Oops", "en", tags="").replace(
                "Tags: \n", "Tags:\n  - Ukraine\n"
            )
        },
        "news/oops.en.md: line 5: '- Ukraine' ends the front matter: it would be read as the "
        "text; write a list on its field's line, separated by commas: 'Tags: a, b'",
    ),
    "spaces and capitals in a Slug": (
        {"news/trials.en.md": item("Trials", "en", slug="Counter Drone Trials")},
        "news/trials.en.md: slug: 'Counter Drone Trials' cannot be part of a URL "
        "(lower-case letters a-z, digits and single hyphens only); "
        "did you mean 'Slug: counter-drone-trials'?",
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
        (project.root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (project.root / "content" / name).write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build_site(project)

    assert len(raised.value.lines()) == 1
    assert raised.value.lines()[0].startswith("content/" + expected)
    assert snapshot(project.output) == before
    assert not list(tmp_path.glob("site/.output*")), "no staging folder may be left behind"


@pytest.fixture
def in_site(small_site, monkeypatch):
    """Run from the site's folder, as an editor does: problems name `content/...`."""
    monkeypatch.chdir(small_site.root)
    return small_site


def test_documented_dates_and_fields_build(small_site):
    """What the README and Pelican document still builds: both date forms, Modified, Status,
    Slug, in any case."""
    text = item(
        "Ministers meet", "en", date="2025-10-15", translation=True, modified="2025-10-16 09:30",
        status="Published", slug="meeting", category="Meetings", author="NATO",
    )  # fmt: skip
    (small_site.content / "news" / "meeting.en.md").write_text(
        text.replace("Modified:", "MODIFIED:"), encoding="utf-8"
    )
    build_site(small_site, media=False, search_index="off")
    assert "Ministers meet" in (small_site.output / "en/news/meeting/index.html").read_text("utf-8")


def test_a_draft_item_and_its_draft_translation_build(small_site):
    """Both languages drafts: neither is published, and Pelican has nothing to warn about."""
    for name in ("meeting.fr.md", "meeting.en.md"):
        path = small_site.content / "news" / name
        path.write_text(path.read_text("utf-8").replace("Lang:", "Status: draft\nLang:"), "utf-8")
    result = build_site(small_site, media=False, search_index="off")
    assert result.warnings == []
    assert not (small_site.output / "en/news/meeting/index.html").exists()
    assert not (small_site.output / "fr/news/meeting/index.html").exists()


def test_the_languages_of_an_item_show_the_same_video(tmp_path: Path):
    files = {
        "news/x.en.md": item("X", "en", translation=True, video="2025-10-15-b"),
        "news/x.fr.md": item("X", "fr", video="2025-10-15-a"),
    }
    project = write_site(tmp_path / "site", files)
    items, _ = content.collect(project.content, ["news"], ["pages"])
    [line] = [str(p) for p in content.check(items, ["en", "fr"])]
    assert line.endswith(
        "x.en.md: video: '2025-10-15-b' differs from '2025-10-15-a' in x.fr.md; "
        "name the same video in every language of the item"
    )


def test_a_file_not_in_utf8_is_named_with_its_byte(in_site):
    path = in_site.content / "news" / "meeting.fr.md"
    path.write_bytes(path.read_text("utf-8").encode("latin-1", errors="replace"))
    result = CliRunner().invoke(app, ["build", "--root", str(in_site.root)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("content/")]
    assert lines == [
        "content/news/meeting.fr.md: is not UTF-8 (byte 0xe9 at position 8, line 1); "
        "save it as UTF-8 (in most editors: Save as, Encoding: UTF-8)"
    ]


def test_a_byte_order_mark_is_read_past(small_site):
    """Windows Notepad's BOM: the checks and Pelican both read the fields behind it."""
    path = small_site.content / "news" / "meeting.en.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    build_site(small_site, media=False, search_index="off")
    page = (small_site.output / "en/news/meeting/index.html").read_text("utf-8")
    assert "<title>Ministers meet" in page
    assert 'hreflang="fr"' in page


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


def test_a_file_renamed_for_its_language_keeps_its_file_name_slug(tmp_path: Path):
    """The fix for a Lang that the file name contradicts renames the file by its own slug,
    not by a `Slug:` (which may hold spaces a file name should not)."""
    text = item("X", "en", slug="Denmark Support")
    project = write_site(tmp_path / "site", {"news/x.fr.md": text})
    with pytest.raises(BuildError, match=r"or rename the file to 'x\.en\.md'"):
        build_site(project)


def test_a_stray_line_in_the_front_matter_names_the_fields_it_hides(tmp_path: Path):
    """A line that is not a field ends the front matter (as Markdown reads it): the fields
    written below it become the article's text, which the editor is told, with the line."""
    text = "Title: Oops\nLang: en\nnotes from the meeting\nDate: 2025-10-14\n\nX.\n"
    project = write_site(tmp_path / "site", {"news/oops.en.md": text})
    with pytest.raises(BuildError) as raised:
        build_site(project)
    assert raised.value.lines() == [  # the cause alone: 'Date:' is there, not missing
        "content/news/oops.en.md: line 3: 'notes from the meeting' ends the front matter: it, "
        "and 'Date:' below it, would be read as the text; make it a 'Field: value' line, or "
        "move it after the blank line",
    ]


def test_an_indented_line_under_a_summary_continues_it(small_site):
    """Summary is formatted text: its lines join (a tab counts as four spaces, as in
    Markdown), and the site shows them as one summary."""
    source = small_site.root / "content/news/meeting.en.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("Title:", "Summary: Allies met\n\tin Brussels.\nTitle:", 1), "utf-8"
    )
    build_site(small_site)
    page = (small_site.output / "en/news/meeting/index.html").read_text(encoding="utf-8")
    assert "Allies met\nin Brussels." in page or "Allies met in Brussels." in page


def test_two_items_cannot_share_a_slug_and_language(tmp_path: Path):
    files = {"news/x.en.md": item("X", "en"), "news/sub/x.en.md": item("Y", "en")}
    project = write_site(tmp_path / "site", files)
    with pytest.raises(BuildError, match="slug: 'x' in 'en' is already used"):
        build_site(project)


def test_a_page_cannot_take_a_listing_slug(tmp_path: Path):
    project = write_site(tmp_path / "site", {"pages/videos.en.md": "Title: V\nLang: en\n\nV\n"})
    with pytest.raises(BuildError, match="slug: 'videos' is taken"):
        build_site(project)


def test_a_pelican_warning_is_shown_once(tmp_path: Path):
    """Both languages' runs log it (each reads every item); the editor reads it once."""
    project = write_site(tmp_path / "site", SMALL_SITE, "ARTICLE_ORDER_BY = 42\n")
    result = CliRunner().invoke(app, ["build", "--root", str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.output.count("Invalid *_ORDER_BY setting (42).") == 1


def test_a_pelican_warning_over_several_lines_is_kept_whole():
    """Pelican names the files after the text, one per line: they are the part that matters."""
    collector = workers._Collector()
    logger = logging.getLogger("pelican.test-warning")
    logger.addHandler(collector)
    try:
        logger.warning(
            "%s: %s", 'All items ("2") "with slug "a"" are translations', "\n/s/a.en.md\n/s/b.en.md"
        )
    finally:
        logger.removeHandler(collector)
    assert collector.warnings == [
        'All items ("2") "with slug "a"" are translations: /s/a.en.md, /s/b.en.md'
    ]


def test_two_dotted_names_are_refused_before_pelican_overwrites_one(tmp_path: Path):
    """Pelican reads `dotted.v1.en.md` as the slug `dotted`: both files would be written to
    one page (FileOverwriteFailedError, naming neither); the checks read names as Pelican does."""
    files = {
        "news/dotted.v1.en.md": item("V1", "en"),
        "news/dotted.v2.en.md": item("V2", "en"),
    }
    project = write_site(tmp_path / "site", files)
    with pytest.raises(BuildError) as raised:
        build_site(project, media=False, search_index="off")
    assert raised.value.lines() == [
        f"content/news/dotted.{v}.en.md: a dot in the name: the site would read its slug as "
        f"'dotted' (a file name is <slug>.<lang>.md); rename it to 'dotted-{v}.en.md'"
        for v in ("v1", "v2")
    ]


def test_the_checks_and_pelican_read_file_names_with_one_rule():
    from newsreel.build.settings import language_overrides
    from newsreel.site import frontmatter

    overrides = language_overrides("en", first=True)
    assert overrides["FILENAME_METADATA"] is frontmatter.FILE_NAME


def test_a_good_slug_builds_at_its_plain_url(small_site):
    (small_site.content / "news" / "counter-drone-trials-2.en.md").write_text(
        item("Trials", "en"), "utf-8"
    )
    build_site(small_site, media=False, search_index="off")
    assert (small_site.output / "en/news/counter-drone-trials-2/index.html").is_file()


def _with_manifest(tmp_path: Path, files: dict[str, str]):
    project = write_site(tmp_path / "site", files)
    project.clips.mkdir(exist_ok=True)
    (project.clips / "t-a.toml").write_text('id = "t-a"\n', "utf-8")
    return project


def test_a_video_in_one_language_only_is_refused_naming_the_file_without_it(tmp_path: Path):
    files = {
        "news/x.en.md": item("X", "en", translation=True, video="t-a"),
        "news/x.fr.md": item("X", "fr"),
    }
    project = _with_manifest(tmp_path, files)
    with pytest.raises(BuildError) as raised:
        build_site(project, media=False, search_index="off")
    assert raised.value.lines() == [
        "content/news/x.fr.md: video: missing, but x.en.md names 't-a'; add a line "
        "'Video: t-a' (every language of an item shows the same video)"
    ]


@pytest.mark.parametrize("written", ["T-A", "t-a.toml", "T-A.TOML", "t_a"])
def test_a_video_id_near_a_manifest_gets_a_did_you_mean(tmp_path: Path, written: str):
    files = {
        "news/x.en.md": item("X", "en", translation=True, video=written),
        "news/x.fr.md": item("X", "fr", video="t-a"),
    }
    project = _with_manifest(tmp_path, files)
    with pytest.raises(BuildError) as raised:
        build_site(project, media=False, search_index="off")
    assert raised.value.lines() == [
        f"content/news/x.en.md: video: no manifest clips/{written}.toml; did you mean 'Video: t-a'?"
    ]


def test_paths_in_fixes_are_relative_to_the_project(tmp_path: Path):
    """The build may run from anywhere: a fix names `content/...`, never the absolute path."""
    files = {
        "news/x.en.md": item("X", "en"),
        "news/sub/x.en.md": item("Y", "en"),
        "news/lone.en.md": item("Lone", "en", translation=True),
        "news/sub/y.fr.md": item("Y", "fr", status="draft"),
        "news/y.en.md": item("Y", "en", translation=True),
    }
    project = write_site(tmp_path / "site", files)
    with pytest.raises(BuildError) as raised:
        build_site(project, media=False, search_index="off")
    lines = raised.value.lines()
    assert not [line for line in lines if str(tmp_path) in line], lines
    assert (
        "content/news/x.en.md: slug: 'x' in 'en' is already used by content/news/sub/x.en.md; "
        "give one of them another file name or 'Slug:'" in lines
    )
    assert any("add the original (content/news/lone.fr.md)" in line for line in lines)
    assert any("its original content/news/sub/y.fr.md is 'draft'" in line for line in lines)


def test_an_editors_hidden_files_are_not_content(tmp_path: Path):
    """Emacs keeps a dangling `.#file` link beside a file with unsaved changes, vim a `.swp`:
    neither is content nor a video manifest, and neither fails the build."""
    import os

    project = write_site(tmp_path / "site", SMALL_SITE)
    lock = "editor@host.1234:1700000000"
    os.symlink(lock, project.root / "content/news/.#meeting.en.md")
    (project.root / "content/news/.meeting.fr.md.swp").write_bytes(b"\x00b0VIM 9.0")
    (project.root / "clips").mkdir(exist_ok=True)
    os.symlink(lock, project.root / "clips/.#2025-10-15-video.toml")
    result = build_site(project)
    assert sorted(result.languages) == ["en", "fr"]
    assert (project.output / "en/news/meeting/index.html").is_file()
    assert not list(project.output.rglob(".#*")) and not list(project.output.rglob("*.swp"))
