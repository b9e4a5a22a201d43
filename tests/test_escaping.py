"""Every metadata value lands in every output as the text the editor typed, escaped.

A title holding `&`, quotes, `<`, `>` and a `<script>` is read back from the built files by
parsers that follow the formats' own rules (html5lib is the WHATWG algorithm browsers use;
the feeds are XML): the same characters come back as text, and no element is made of them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest

from conftest import item, write_site
from newsreel.build import build_site

TITLE = """R&D "spending" < 2% of GDP > 'target' <script>alert(1)</script>"""
SUMMARY_MD = 'R&D "spending" < 2% of GDP'
CATEGORY = 'R&D "Policy"'
PAGE_TITLE = """Terms & "conditions" <b>not bold</b>"""
NS = {"h": "http://www.w3.org/1999/xhtml", "atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    files = {
        "news/rd.en.md": item(TITLE, "en", summary=SUMMARY_MD, category=CATEGORY),
        "news/rd.fr.md": item(TITLE, "fr", translation=True, summary=SUMMARY_MD),
        "pages/terms.en.md": f"Title: {PAGE_TITLE}\nLang: en\n\nText.\n",
    }
    project = write_site(tmp_path_factory.mktemp("escaping") / "site", files)
    build_site(project, media=False, search_index="off")
    return project.output


def parse(path: Path):
    return html5lib.parse(path.read_bytes(), transport_encoding="utf-8")


def text(element) -> str:
    return "".join(element.itertext())


def no_injected_elements(document) -> None:
    data = ("application/ld+json", "application/json")  # JSON, checked as such
    scripts = [s for s in document.iter(f"{{{NS['h']}}}script") if s.get("type") not in data]
    assert not [s for s in scripts if "alert(1)" in text(s)], "a <script> in a title ran"
    assert not list(document.iter(f"{{{NS['h']}}}b")), "a <b> in a title became an element"


def meta(document, attribute: str, name: str) -> str:
    [found] = [m for m in document.iter(f"{{{NS['h']}}}meta") if m.get(attribute) == name]
    return found.get("content")


def test_the_article_page_shows_the_title_as_text_everywhere(site: Path):
    document = parse(site / "en/news/rd/index.html")
    no_injected_elements(document)
    assert text(document.find(".//h:title", NS)) == f"{TITLE} – NATO Multimedia"
    assert text(document.find(".//h:h1", NS)) == TITLE
    assert meta(document, "property", "og:title") == TITLE
    assert meta(document, "name", "twitter:title") == TITLE
    assert meta(document, "property", "og:description") == SUMMARY_MD
    assert meta(document, "name", "description") == SUMMARY_MD
    standfirst = document.find(".//h:div[@class='standfirst']", NS)
    assert text(standfirst).strip() == SUMMARY_MD
    [ld] = [
        s for s in document.iter(f"{{{NS['h']}}}script") if s.get("type") == "application/ld+json"
    ]
    data = json.loads(text(ld))
    assert data["headline"] == TITLE
    assert data["description"] == SUMMARY_MD
    assert data["articleSection"] == CATEGORY
    kicker = document.find(".//h:p[@class='kicker']/h:a", NS)
    assert text(kicker) == CATEGORY


def test_the_other_language_links_to_it_by_its_title_as_text(site: Path):
    document = parse(site / "fr/news/rd/index.html")
    no_injected_elements(document)
    assert text(document.find(".//h:h1", NS)) == TITLE.replace(" :", "\u00a0:")


@pytest.mark.parametrize(
    "listing", ["en/index.html", "en/archives/index.html", "en/category/rd-policy/index.html"]
)
def test_lists_show_the_title_as_text(site: Path, listing: str):
    document = parse(site / listing)
    no_injected_elements(document)
    links = [text(a) for a in document.iter(f"{{{NS['h']}}}a")]
    assert TITLE in links


def test_the_card_summary_is_the_summary_as_text(site: Path):
    document = parse(site / "en/index.html")
    [card] = document.findall(".//h:div[@class='card-summary']", NS)
    assert text(card).strip() == SUMMARY_MD


def test_a_page_title_with_markup_shows_as_text(site: Path):
    document = parse(site / "en/terms/index.html")
    no_injected_elements(document)
    assert text(document.find(".//h:h1", NS)) == PAGE_TITLE
    assert text(document.find(".//h:title", NS)) == f"{PAGE_TITLE} – NATO Multimedia"


def test_the_atom_feeds_carry_the_title_as_text(site: Path):
    for feed in ("en/feeds/atom.xml", "en/feeds/category/rd-policy.atom.xml"):
        root = ET.parse(site / feed).getroot()
        [entry] = root.findall("atom:entry", NS)
        assert entry.find("atom:title", NS).text == TITLE, feed
