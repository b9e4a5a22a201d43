"""Search: a Pagefind index per language, the header box, results with dates and posters."""

from __future__ import annotations

import json

from newsreel.site.build import Project


def test_one_index_per_language(demo_site: Project):
    for lang in ("en", "fr"):
        entry = json.loads(
            (demo_site.output / "pagefind" / lang / "pagefind-entry.json").read_text("utf-8")
        )
        assert list(entry["languages"]) == [lang]
        assert entry["languages"][lang]["page_count"] == 6 + 8  # news items and pages


def test_header_search_finds_french_items_with_dates_and_posters(browser, demo_server, artifacts):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{demo_server}/fr/")
    page.get_by_role("searchbox", name="Rechercher sur le portail").fill("Shmyhal")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_server}/fr/search/?q=Shmyhal")
    results = page.locator(".pagefind-ui__result")
    results.first.wait_for(timeout=15000)
    titles = page.locator(".pagefind-ui__result-link").all_inner_texts()
    assert any("Conseil OTAN-Ukraine" in title for title in titles)
    assert not any("Ukraine Council" in title for title in titles), "English stays in its index"
    first = results.first.inner_text()
    assert "15 octobre 2025" in first
    page.locator(".pagefind-ui__result-image").first.wait_for()
    page.screenshot(path=str(artifacts / "search-fr-1280.png"))
    filters = page.locator(".pagefind-ui__filter-name").all_inner_texts()
    assert [name.strip().lower() for name in filters] == ["catégorie", "type"]
    page.locator(".pagefind-ui__filter-name", has_text="Type").click()
    page.locator(".pagefind-ui__filter-label", has_text="Avec vidéo").wait_for()
    context.close()
