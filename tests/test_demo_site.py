"""The demo site as built from the repository's content: languages, feeds, dates, typography."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import httpx
import pytest

from conftest import vnu_errors
from newsreel.project import Project

MEETING = "defence-ministers-meet-in-brussels"


def read(project: Project, path: str) -> str:
    return (project.output / path).read_text(encoding="utf-8")


def test_same_slugs_in_both_languages(demo_site: Project):
    slugs = {
        lang: {p.parent.name for p in (demo_site.output / lang / "news").glob("*/index.html")}
        for lang in ("en", "fr")
    }
    assert len(slugs["en"]) >= 6
    assert slugs["en"] == slugs["fr"]
    for page in (
        "about",
        "conditions-of-use",
        "privacy",
        "newsletter",
        "account",
        "legal-notice",
        "press-office",
        "accessibility",
    ):
        for lang in ("en", "fr"):
            assert (demo_site.output / lang / page / "index.html").exists(), (lang, page)


@pytest.mark.parametrize(
    ("lang", "other", "date"), [("en", "fr", "15 October 2025"), ("fr", "en", "15 octobre 2025")]
)
def test_article_links_its_translation_and_reads_its_language(demo_site, lang, other, date):
    html = read(demo_site, f"{lang}/news/{MEETING}/index.html")
    assert f'<html lang="{lang}">' in html
    assert (
        f'<link rel="alternate" hreflang="{other}" href="http://127.0.0.1:8000/{other}/news/{MEETING}/">'
        in html
    )
    assert f'href="/{other}/news/{MEETING}/" hreflang="{other}" lang="{other}"' in html
    assert date in html


def test_every_page_has_alternates_for_both_languages(demo_site: Project):
    for lang in ("en", "fr"):
        for page in (demo_site.output / lang).rglob("index.html"):
            html = page.read_text(encoding="utf-8")
            for code in ("en", "fr"):
                assert f'hreflang="{code}"' in html, page


def test_category_switcher_finds_the_matching_category(demo_site: Project):
    html = read(demo_site, "fr/category/reunions/index.html")
    match = re.search(
        r'<link rel="alternate" hreflang="en" href="http://127.0.0.1:8000/en/category/([^/]+)/">',
        html,
    )
    assert match, "the French category page links no English category"
    english = read(demo_site, f"en/category/{match.group(1)}/index.html")
    assert f"/en/news/{MEETING}/" in english


def test_french_pages_are_typeset_and_have_no_english_interface(demo_site: Project):
    html = read(demo_site, f"fr/news/{MEETING}/index.html")
    text = re.sub(r"<[^>]+>", " ", html)
    assert "«\u00a0" in text and "\u00a0»" in text
    assert not re.search(r"\w [:;!?](\s|$)", text), "ordinary space before : ; ! ?"
    assert "« " not in text and " »" not in text
    for english in ("Skip to", "News", "Videos", "Newsletter", "Also available", "Archives of"):
        assert not re.search(rf"\b{english}\b", text), english


def test_interface_catalogue_translates_every_template_string():
    from babel.messages.extract import extract_from_dir

    from newsreel.site.i18n import load_translations

    theme = Path(__file__).resolve().parents[1] / "theme"
    french = load_translations(theme / "translations", "fr")
    method_map = [("**.html", "jinja2")]
    missing = []
    for _file, _line, message, _comments, context in extract_from_dir(
        str(theme / "templates"), method_map=method_map
    ):
        singular = message[0] if isinstance(message, tuple) else message
        translated = french.pgettext(context, singular) if context else french.gettext(singular)
        if translated == singular and singular not in (
            "Archives",
            "Pages",
            "Code",
            "type",
            "Format",
            "Menu",
        ):
            missing.append(singular)
    assert not missing, f"untranslated: {missing}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_atom_feed_parses_and_carries_its_language(demo_site: Project, lang: str):
    feed = feedparser.parse(read(demo_site, f"{lang}/feeds/atom.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == lang
    assert feed.feed.link.endswith(f"/{lang}/")
    links = [entry.link for entry in feed.entries]
    assert len(links) >= 6
    assert all(f"/{lang}/news/" in link and link.startswith("http") for link in links)


def test_each_language_has_its_listings(demo_site: Project):
    for lang in ("en", "fr"):
        for listing in ("", "archives/", "categories/", "tags/", "videos/"):
            assert (demo_site.output / lang / listing / "index.html").exists(), (lang, listing)
        assert list((demo_site.output / lang / "category").glob("*/index.html"))
        assert list((demo_site.output / lang / "tag").glob("*/index.html"))


def test_root_offers_plain_links_to_both_languages(demo_site: Project):
    html = read(demo_site, "index.html")
    assert 'href="/en/"' in html and 'href="/fr/"' in html
    assert re.search(r"theme/js/choose-language\.[0-9a-f]{10}\.js", html)


def test_html_is_valid(demo_site: Project):
    pages = []
    for lang in ("en", "fr"):
        pages += [
            demo_site.output / lang / "index.html",
            demo_site.output / lang / "news" / MEETING / "index.html",
            demo_site.output / lang / "archives" / "index.html",
            demo_site.output / lang / "about" / "index.html",
        ]
        pages += list((demo_site.output / lang / "category").glob("*/index.html"))[:1]
        for form in ("register", "verify", "login", "forgot", "reset"):
            pages.append(demo_site.output / lang / "account" / form / "index.html")
        pages += [
            demo_site.output / lang / "account" / "index.html",
            demo_site.output / lang / "newsletter" / "index.html",
            demo_site.output / lang / "newsletter" / "confirm" / "index.html",
        ]
    pages += [demo_site.output / "index.html", demo_site.output / "404.html"]
    pages += [demo_site.output / lang / "404.html" for lang in ("en", "fr")]
    pages += [
        demo_site.output / lang / page / "index.html"
        for lang in ("en", "fr")
        for page in ("legal-notice", "press-office", "accessibility", "search")
    ]
    assert vnu_errors(pages) == ""


def test_server_answers_ranges_and_404(demo_server: str):
    with httpx.Client(base_url=demo_server) as client:
        whole = client.get("/theme/css/site.css")
        assert whole.status_code == 200
        part = client.get("/theme/css/site.css", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206
        assert part.headers["accept-ranges"] == "bytes"
        assert part.content == whole.content[:100]
        # A missing page answers in the language of its folder, and in both elsewhere.
        for lang, words in (("en", "Page not found"), ("fr", "Page introuvable")):
            missing = client.get(f"/{lang}/no-such-page/")
            assert missing.status_code == 404
            assert f'<html lang="{lang}">' in missing.text and words in missing.text
            assert 'name="robots" content="noindex"' in missing.text
        elsewhere = client.get("/no-such-folder/x")
        assert elsewhere.status_code == 404
        assert "Page not found" in elsewhere.text and "Page introuvable" in elsewhere.text
        assert client.get("/fr", follow_redirects=True).url.path == "/fr/"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_utility_pages_are_not_indexed_and_the_404_declares_no_translations(
    demo_site: Project, lang: str
):
    """Search engines index the news, not the sign-in forms, the search page or a 404; a 404
    is no translation of the home pages."""
    forms = ["search", "account/login", "account/register", "account/verify", "account/forgot",
             "account/reset", "newsletter/confirm", "newsletter/unsubscribe"]  # fmt: skip
    for page in forms:
        html = read(demo_site, f"{lang}/{page}/index.html")
        assert '<meta name="robots" content="noindex">' in html, page
    missing = read(demo_site, f"{lang}/404.html")
    assert '<meta name="robots" content="noindex">' in missing
    assert "hreflang=" not in missing.split("</head>")[0]
    news = read(demo_site, f"{lang}/news/defence-ministers-meet-in-brussels/index.html")
    assert '<meta name="robots"' not in news


def test_a_still_says_its_size_once(demo_site: Project):
    html = read(demo_site, "en/news/defence-ministers-meet-in-brussels/index.html")
    details = re.findall(r'<p class="get-details">([^<]*)</p>', html)
    assert details and all(d.count("1280×720") <= 1 for d in details), details
    assert any("JPEG" in d for d in details)
