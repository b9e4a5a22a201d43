"""Paginated indexes, category and tag pages per language."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import item, write_site
from newsreel.build import build_site


def test_indexes_are_paginated_per_language(tmp_path: Path):
    files = {}
    for number in range(1, 24):
        date = f"2025-10-{number:02d} 10:00"
        files[f"news/item-{number:02d}.fr.md"] = item(
            f"Article {number}", "fr", date=date, category="Réunions", tags="Ukraine"
        )
        files[f"news/item-{number:02d}.en.md"] = item(
            f"Item {number}",
            "en",
            date=date,
            translation=True,
            category="Meetings",
            tags="Ukraine, defence ministers",
        )
    project = write_site(tmp_path / "site", files)
    build_site(project)
    out = project.output
    for lang, word in (("en", "Item"), ("fr", "Article")):
        first = (out / lang / "index.html").read_text(encoding="utf-8")
        assert f">{word} 23<" in first and f">{word} 13<" not in first
        assert f'rel="next" href="/{lang}/page/2/"' in first
        third = (out / lang / "page/3/index.html").read_text(encoding="utf-8")
        assert f">{word} 1<" in third and f'rel="prev" href="/{lang}/page/2/"' in third
    category = out / "fr/category/reunions"
    assert (category / "page/3/index.html").exists()
    assert "Page 1 sur 3" in (category / "index.html").read_text(encoding="utf-8")
    assert "Page 1 of 3" in (out / "en/tag/ukraine/index.html").read_text(encoding="utf-8")
    # a tag written in lower case heads its page with a capital, the rest as written
    tag_page = (out / "en/tag/defence-ministers/index.html").read_text(encoding="utf-8")
    assert "<h1>Defence ministers</h1>" in tag_page and "Tag: defence ministers" in tag_page
    archives = (out / "fr/archives/index.html").read_text(encoding="utf-8")
    assert "1er octobre 2025" in archives and archives.count("/fr/news/item-") == 23
    assert not re.search(r"(?<!\d)1\s+octobre", archives)  # an ordinal in French: 1er
    english = (out / "en/archives/index.html").read_text(encoding="utf-8")
    assert "1 October 2025" in english


def test_an_item_without_a_category_is_filed_in_its_languages_own(tmp_path: Path):
    """Not under its folder's name (Pelican's default: `news`, in English, on the French
    site), but under the language's default category."""
    files = {
        "news/x.fr.md": item("Sans catégorie", "fr"),
        "news/x.en.md": item("No category", "en", translation=True),
    }
    project = write_site(tmp_path / "site", files)
    build_site(project)
    out = project.output
    assert not (out / "fr/category/news").exists()
    page = (out / "fr/news/x/index.html").read_text(encoding="utf-8")
    assert '<a href="/fr/category/actualites/">Actualités</a>' in page
    assert (out / "en/category/news/index.html").is_file()
