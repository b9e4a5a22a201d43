"""Rebuilds after an edit: only the edited language is rebuilt, and only when that is safe."""

from __future__ import annotations

from pathlib import Path

from conftest import SMALL_SITE, write_site
from newsreel.build import build_site
from newsreel.build.watch import ChangeClassifier

LANGS = ["en", "fr"]


def test_body_edit_rebuilds_only_its_language(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    english_page = project.output / "en/news/meeting/index.html"
    english_before = english_page.stat().st_ino

    source = project.root / "content/news/meeting.fr.md"
    classifier = ChangeClassifier(project.root / "content")
    source.write_text(source.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", "utf-8")
    languages = classifier.languages_to_rebuild([source], LANGS)
    assert languages == ["fr"]

    index = project.output / "pagefind/fr/pagefind-entry.json"
    old_index = index.stat().st_mtime_ns
    result = build_site(project, languages=languages, search_index="background")
    assert result.languages == ["fr"]
    assert index.exists(), "the old search index serves while the new one is made"
    result.search_thread.join()
    assert index.stat().st_mtime_ns != old_index, "the search index caught up"
    assert "Un paragraphe ajouté." in (project.output / "fr/news/meeting/index.html").read_text(
        encoding="utf-8"
    )
    assert english_page.stat().st_ino == english_before, "English pages were not rewritten"
    assert (project.output / "index.html").exists() and (project.output / "theme").is_dir()


def test_changes_that_touch_other_pages_rebuild_everything(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    content = project.root / "content"
    classifier = ChangeClassifier(content)
    source = content / "news/meeting.fr.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("Réunions", "Sommets"), encoding="utf-8"
    )
    assert classifier.languages_to_rebuild([source], LANGS) == LANGS

    classifier.refresh()
    new = content / "news/new.en.md"
    new.write_text("Title: New\nDate: 2025-10-16\nLang: en\n\nNew.\n", encoding="utf-8")
    assert classifier.languages_to_rebuild([new], LANGS) == LANGS
    assert classifier.languages_to_rebuild([project.root / "theme/x.css"], LANGS) == LANGS


def test_body_only_edit_rewrites_only_the_page_and_feeds(tmp_path: Path):
    files = {
        **SMALL_SITE,
        "news/other.fr.md": "Title: Autre\nDate: 2025-10-14\nLang: fr\nCategory: Réunions\n"
        "Summary: Un résumé.\n\nTexte.\n",
    }
    files["news/meeting.fr.md"] = files["news/meeting.fr.md"].replace(
        "Category:", "Summary: Le résumé.\nCategory:"
    )
    project = write_site(tmp_path / "site", files)
    build_site(project)
    out = project.output
    before = {p: p.stat().st_ino for p in (out / "fr").rglob("*.html")}
    source = project.root / "content/news/meeting.fr.md"
    classifier = ChangeClassifier(project.root / "content")
    source.write_text(source.read_text(encoding="utf-8") + "\nNouveau paragraphe.\n", "utf-8")
    only = classifier.body_only_outputs([source], out)
    assert only == [
        "fr/feeds/atom.xml",
        "fr/feeds/category/reunions.atom.xml",
        "fr/news/meeting/index.html",
    ]
    build_site(project, languages=["fr"], only=only)
    page = out / "fr/news/meeting/index.html"
    assert "Nouveau paragraphe." in page.read_text(encoding="utf-8")
    assert "Nouveau paragraphe." in (out / "fr/feeds/atom.xml").read_text(encoding="utf-8")
    after = {p: p.stat().st_ino for p in (out / "fr").rglob("*.html")}
    assert set(after) == set(before), "every page is still there"
    changed = [p.relative_to(out).as_posix() for p in after if after[p] != before[p]]
    assert changed == ["fr/news/meeting/index.html"]

    source.write_text(source.read_text(encoding="utf-8").replace("Le résumé.", "Autre."), "utf-8")
    assert classifier.body_only_outputs([source], out) is None, "the summary shows in listings"
