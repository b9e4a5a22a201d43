"""Search: a Pagefind index per language, the header box, results with dates and posters."""

from __future__ import annotations

import json

from newsreel.project import Project


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
    results.first.locator(".pagefind-ui__result-excerpt").wait_for()
    first = results.first.inner_text()
    assert "15 octobre 2025" in first
    page.locator(".pagefind-ui__result-image").first.wait_for()
    page.screenshot(path=str(artifacts / "search-fr-1280.png"))
    filters = page.locator(".pagefind-ui__filter-name").all_inner_texts()
    assert [name.strip().lower() for name in filters] == ["catégorie", "type"]
    page.locator(".pagefind-ui__filter-name", has_text="Type").click()
    page.locator(".pagefind-ui__filter-label", has_text="Avec vidéo").wait_for()
    context.close()


SEARCH = """async (query) => {
  const pagefind = await import('/pagefind/fr/pagefind.js');
  const found = await pagefind.search(query);
  return Promise.all(found.results.map(async (result) => (await result.data()).url));
}"""


def test_french_index_finds_the_words_a_french_reader_types(browser, demo_server):
    """Pagefind stems the French index: other forms of a word, and words typed without accents."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo_server}/fr/search/")
    # "renforcement" only, in this item: found by "renforcer" (and the reverse elsewhere)
    assert "/fr/news/airspace-violations-eastern-sentry/" in page.evaluate(SEARCH, "renforcer")
    # "la réunion des ministres" only: found by the plural and without the accent
    for query in ("réunions", "reunion"):
        assert "/fr/news/denmark-counter-drone-support/" in page.evaluate(SEARCH, query), query
    # "l’OTAN": the typographic apostrophe does not hide the word
    assert "/fr/news/counter-drone-trials/" in page.evaluate(SEARCH, "OTAN")
    assert page.evaluate(SEARCH, "meeting") == [], "English stays in its own index"
    context.close()


def test_results_without_a_poster_take_the_whole_width(browser, demo_server, artifacts):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{demo_server}/fr/search/?q=OTAN")
    page.wait_for_function(  # every result drawn, both videos' posters among them
        "() => { const r = document.querySelectorAll('.pagefind-ui__result');"
        " return r.length >= 3"
        " && [...r].every(e => e.querySelector('.pagefind-ui__result-excerpt'))"
        " && document.querySelectorAll('.pagefind-ui__result-image').length === 2; }"
    )
    results = page.locator(".pagefind-ui__result")
    with_poster = results.filter(has=page.locator("img")).first
    without = results.filter(has_not=page.locator("img")).first
    text_width = without.locator(".pagefind-ui__result-inner").bounding_box()["width"]
    assert text_width >= 0.95 * without.bounding_box()["width"]
    beside = with_poster.locator(".pagefind-ui__result-inner").bounding_box()["width"]
    assert beside < 0.9 * with_poster.bounding_box()["width"], "a poster keeps its column"
    page.screenshot(path=str(artifacts / "search-fr-posters-1280.png"))
    context.close()
