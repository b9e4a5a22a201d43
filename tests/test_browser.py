"""A real Chromium on the served demo site: language choice, switching, phone layout."""

from __future__ import annotations

from pathlib import Path

import pytest

MEETING = "defence-ministers-meet-in-brussels"


def test_french_browser_lands_on_french_and_switches_to_the_translation(
    browser, demo_server: str, artifacts: Path
):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(demo_server + "/")
    page.wait_for_url(demo_server + "/fr/")
    assert page.locator("html").get_attribute("lang") == "fr"

    page.get_by_role("link", name="Réunion des ministres de la Défense des pays de l’OTAN").click()
    page.wait_for_url(f"{demo_server}/fr/news/{MEETING}/")
    assert "15 octobre 2025" in page.inner_text("main")

    page.get_by_role("navigation", name="Langues").get_by_role("link", name="English").click()
    page.wait_for_url(f"{demo_server}/en/news/{MEETING}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "15 October 2025" in page.inner_text("main")

    # The choice is remembered: `/` now goes to English despite the French browser.
    page.goto(demo_server + "/")
    page.wait_for_url(demo_server + "/en/")
    context.close()


def test_english_browser_lands_on_english(browser, demo_server: str):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(demo_server + "/")
    page.wait_for_url(demo_server + "/en/")
    context.close()


def test_without_javascript_the_root_offers_both_languages(browser, demo_server: str):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(demo_server + "/")
    page.get_by_role("link", name="Français").click()
    page.wait_for_url(demo_server + "/fr/")
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_article_page_fits_the_screen(browser, demo_server: str, artifacts: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for lang in ("en", "fr"):
        page.goto(f"{demo_server}/{lang}/news/{MEETING}/")
        page.screenshot(path=str(artifacts / f"article-{lang}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"horizontal scrolling at {width} px"
    context.close()


def test_keyboard_reaches_the_skip_link_and_main_content(browser, demo_server: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo_server}/en/news/{MEETING}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-64px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()


AUDITED = [
    "/", f"/news/{MEETING}/", "/videos/", "/search/?q=Ukraine", "/account/register/",
    "/account/reset/", "/account/login/", "/account/", "/newsletter/", "/newsletter/confirm/",
    "/about/", "/account/verify/", "/no-such-page/",
]  # fmt: skip
CATEGORIES = ["/en/category/meetings/", "/fr/category/reunions/"]


@pytest.mark.parametrize(
    "path", [f"/{lang}{path}" for lang in ("en", "fr") for path in AUDITED] + CATEGORIES
)
def test_pages_have_no_accessibility_violations(browser, demo_server: str, path: str):
    axe = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
    context = browser.new_context()
    page = context.new_page()
    page.goto(demo_server + path)
    if "/search/" in path:
        page.locator(".pagefind-ui__result").first.wait_for()
    page.add_script_tag(path=str(axe))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert violations == []
    context.close()
