"""Pages a journalist uses at a glance, in a real Chromium: on a phone (360 and 320 px wide),
with the keyboard, and with the trust pages one click away from everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsreel.project import Project

MEETING = "defence-ministers-meet-in-brussels"
TRUST = {
    "en": ("legal-notice", "press-office", "accessibility", "conditions-of-use", "privacy"),
    "fr": ("legal-notice", "press-office", "accessibility", "conditions-of-use", "privacy"),
}


def site_pages(project: Project) -> list[str]:
    """Every page of both languages, as a path on the server."""
    pages = []
    for lang in ("en", "fr"):
        for index in sorted((project.output / lang).rglob("index.html")):
            pages.append("/" + index.parent.relative_to(project.output).as_posix() + "/")
    return pages


def test_every_page_links_the_trust_pages_in_its_language(demo_site: Project):
    pages = site_pages(demo_site)
    assert len(pages) > 60
    for path in pages:
        lang = path.split("/")[1]
        html = (demo_site.output / path.strip("/") / "index.html").read_text("utf-8")
        footer = html[html.index('<footer class="site-footer">') :]
        for slug in TRUST[lang]:
            assert f'href="/{lang}/{slug}/"' in footer, (path, slug)
            assert (demo_site.output / lang / slug / "index.html").exists(), slug


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_registration_links_the_privacy_notice_and_the_conditions(demo_site: Project, lang):
    html = (demo_site.output / lang / "account/register/index.html").read_text("utf-8")
    start = html.index('data-api="/api/account/register"')
    form = html[start : html.index("</form>", start)]
    assert f'href="/{lang}/conditions-of-use/"' in form and f'href="/{lang}/privacy/"' in form


def test_the_phone_header_is_short_and_its_menu_opens(browser, demo_server: str):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo_server}/fr/news/{MEETING}/")
    assert page.locator(".site-header").bounding_box()["height"] <= 120
    sections = page.get_by_role("navigation", name="Menu principal")
    assert not sections.is_visible()
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    sections.get_by_role("link", name="Vidéos").click()
    page.wait_for_url(f"{demo_server}/fr/videos/")
    # Without scripts, the menu still opens (it is a link to the sections).
    context.close()
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{demo_server}/en/")
    page.get_by_role("link", name="Menu").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Videos").click()
    page.wait_for_url(f"{demo_server}/en/videos/")
    context.close()


def test_no_page_scrolls_sideways_at_320_px(browser, demo_server: str, demo_site: Project):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    wide = []
    for path in [*site_pages(demo_site), "/en/no-such-page/", "/fr/no-such-page/", "/"]:
        page.goto(demo_server + path, wait_until="domcontentloaded")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide.append((path, overflow))
    context.close()
    assert wide == []


#: One page of every kind, in both languages: every Tab stop must show where it is.
KINDS = [
    "/", f"/news/{MEETING}/", "/videos/", "/search/?q=Ukraine", "/archives/", "/categories/",
    "/tags/", "/about/", "/account/", "/account/register/", "/account/login/",
    "/account/verify/", "/account/forgot/", "/account/reset/", "/newsletter/",
    "/newsletter/confirm/", "/no-such-page/",
]  # fmt: skip

FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || (style.boxShadow && style.boxShadow !== 'none');
  return {
    name: (el.tagName + ' ' + (el.id || el.className || '') + ' ' +
           (el.textContent || el.value || '').trim().slice(0, 30)),
    visible: el.checkVisibility({visibilityProperty: true, opacityProperty: true})
             && box.width >= 4 && box.height >= 4
             && box.bottom > 0 && box.right > 0
             && box.top < innerHeight && box.left < innerWidth,
    ring: ring,
  };
}"""


# each language at one width: the two layouts and the two languages' words, in half the time
@pytest.mark.parametrize(("lang", "width"), [("en", 360), ("fr", 1280)])
def test_every_tab_stop_is_visible_and_shows_focus(browser, demo_server, lang, width):
    # reduced motion: the page jumps to each focused element at once (no smooth scrolling)
    context = browser.new_context(viewport={"width": width, "height": 800}, reduced_motion="reduce")
    page = context.new_page()
    problems = []
    for kind in KINDS:
        path = kind if kind == "/" else f"/{lang}{kind}"
        page.goto(demo_server + path)
        if "search" in path:
            page.locator(".pagefind-ui__result").first.wait_for()
        seen = set()
        for _ in range(120):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS_PROBE)
            if focus is None or focus["name"] in seen:
                break  # back at the start of the page
            seen.add(focus["name"])
            if not (focus["visible"] and focus["ring"]):
                problems.append((path, focus))
        assert len(seen) >= 2, (path, seen)
    context.close()
    assert problems == [], "\n".join(map(str, problems))


def test_download_panel_fits_two_phone_screens(browser, demo_server: str, artifacts: Path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for lang in ("en", "fr"):
        page.goto(f"{demo_server}/{lang}/news/{MEETING}/")
        panel = page.locator(".downloads")
        panel.screenshot(path=str(artifacts / f"downloads-{lang}-360.png"))
        assert panel.bounding_box()["height"] <= 2 * 740, lang
        versions = panel.locator(".version")
        assert versions.count() == 5
        for row in versions.all():
            # Poster, time codes and duration, and one visible download button.
            assert row.locator("img").count() == 1
            assert re.search(r"\d\d:\d\d:\d\d–\d\d:\d\d:\d\d · \d", row.inner_text())
            assert row.locator(".get-item .button:visible").count() == 1
        checksums = panel.locator(".checksums")
        assert not checksums.locator("code").first.is_visible()
    context.close()


def test_the_format_chooser_works_without_scripts(browser, demo_server: str):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{demo_server}/fr/news/{MEETING}/")
    row = page.locator("#dl-rutte-soundbite")
    button = row.locator(".get-item .button:visible")
    assert button.inner_text().startswith("Télécharger")
    assert row.get_by_label("Format").input_value() == "web"
    row.get_by_label("Format").select_option("broadcast")
    assert button.inner_text() == "Connectez-vous pour télécharger"
    assert "%23dl-rutte-soundbite-broadcast" in button.get_attribute("href")
    row.get_by_label("Format").select_option("audio")
    assert button.get_attribute("href").endswith(".m4a")
    assert "Mo" in row.get_by_label("Format").inner_text() or "ko" in row.inner_text()
    context.close()
