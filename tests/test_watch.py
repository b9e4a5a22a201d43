"""Rebuilds after an edit: only the edited language is rebuilt, and only when that is safe."""

from __future__ import annotations

from pathlib import Path

from conftest import SMALL_SITE, write_site
from newsreel.site.build import build_site
from newsreel.site.watch import ChangeClassifier

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
    result = build_site(project, languages=languages, search="background")
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
