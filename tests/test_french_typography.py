"""Every French output a reader meets, held to one typography and one language.

The rules are those of French typesetting, written here independently of
`newsreel.typography` so that they check it: an unbreakable space (U+00A0 or U+202F) before
`: ; ! ?`, inside `« »` and between a number and its unit (`20 Mbit/s`, `48 kHz`, `151,3 Mo`,
`{seconds} s`); a typographic apostrophe. The outputs: every page of the French build (text,
human-read attributes, the JSON the scripts and search engines read), the feeds and the video
sitemap, the search index's titles and what the search page shows in Chromium, the press kits'
French texts, the French captions (also within two lines of 42 characters), and the API's French
messages and e-mails, both parts. Words in another language (`lang="en"`, a soundbite's words
as spoken) are not French and are left out.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsreel.project import Project

SPACE = "\u00a0\u202f"
UNITS = ("Mbit/s", "kbit/s", "Mb/s", "kb/s", "LUFS", "dBTP", "kHz", "Hz", "Go", "Mo", "ko",
         "min", "h", "s", "%")  # fmt: skip
RULES = [
    (re.compile(r"[^\s!?;:][;!?]"), "no space before ; ! ?"),
    (re.compile(r" [:;!?]"), "an ordinary space before : ; ! ?"),
    (re.compile(r"[^\W\d_][)»]?:(?=\s)"), "no space before :"),
    (re.compile(rf"«(?![{SPACE}])"), "« without an unbreakable space after it"),
    (re.compile(rf"(?<![{SPACE}])»"), "» without an unbreakable space before it"),
    (
        re.compile(r"[\d}] (?:" + "|".join(map(re.escape, UNITS)) + r")(?![\w/])"),
        "an ordinary space between a number and its unit",
    ),
    (re.compile(r"[^\W\d_]'[^\W\d_]"), "a straight apostrophe"),
    (
        re.compile(
            r"(?<![\d,.])1[\s\u00a0\u202f]+(?:janvier|février|mars|avril|mai|juin|juillet"
            r"|août|septembre|octobre|novembre|décembre)\b"
        ),
        "the first of a month without its ordinal (1er)",
    ),  # fmt: skip
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|\[\w+\]|<[^>]+>")
URL = re.compile(r"\b(?:https?|mailto)://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\[[A-Z_]+\]")


def problems_in(text: str, where: str) -> list[str]:
    """Breaches of the rules in one French text (addresses and placeholders aside)."""
    text = URL.sub("", text)
    found = []
    for pattern, rule in RULES:
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 25) : match.end() + 25].replace("\n", " ")
            found.append(f"{where}: {rule}: …{context}…")
    return found


class FrenchText(HTMLParser):
    """The French texts of an HTML document: text nodes, human-read attributes and the strings
    of JSON scripts, outside code and outside elements in another language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}  # fmt: skip
    VERBATIM = {"style", "code", "pre", "kbd", "samp"}
    ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "label", "data-label"}

    def __init__(self, lang: str = "fr"):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, bool]] = [("", lang, False)]
        self.texts: list[str] = []
        self.json = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        _, lang, skip = self.stack[-1]
        lang = attrs.get("lang") or lang
        skip = skip or tag in self.VERBATIM
        if tag == "script":
            kind = attrs.get("type", "")
            skip = not kind.startswith("application/") or attrs.get("id") == "typography-rules"
            self.json = "" if not skip else None
        if lang == "fr" and not skip:
            self.texts += [
                value for key, value in attrs.items() if key in self.ATTRIBUTES and value
            ]
            if (
                tag == "meta"
                and attrs.get("content")
                and (
                    attrs.get("name") in ("description", "twitter:title", "twitter:description")
                    or attrs.get("property") in ("og:title", "og:description", "og:site_name")
                )
            ):
                self.texts.append(attrs["content"])
        if tag not in self.VOID:
            self.stack.append((tag, lang, skip))

    def handle_endtag(self, tag):
        if tag == "script" and self.json:
            self.texts += strings(json.loads(self.json))
        if tag == "script":
            self.json = None
        while len(self.stack) > 1:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        _, lang, skip = self.stack[-1]
        if self.stack[-1][0] == "script":
            if self.json is not None:
                self.json += data
        elif lang == "fr" and not skip:
            self.texts.append(data)


def strings(value) -> list[str]:
    """Every string inside a JSON value (URLs are dropped later)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def html_texts(html: str, lang: str | None = None) -> list[str]:
    page_lang = lang or (re.search(r'<html lang="([a-z]+)"', html) or [None, "fr"])[1]
    parser = FrenchText(page_lang)
    parser.feed(html)
    return parser.texts


def spoken_words(project: Project) -> list[str]:
    """Soundbites' words as spoken in another language than French: quoted, not typeset."""
    words = []
    for manifest in (project.output / "media").glob("*/manifest.json"):
        for shot in json.loads(manifest.read_text("utf-8"))["shots"]:
            if "quote" in shot and shot["language"] != "fr":
                words.append(shot["quote"])
    return words


def test_every_french_page_of_the_build(demo_site: Project):
    pages = sorted((demo_site.output / "fr").rglob("*.html"))
    pages += [demo_site.output / "index.html", demo_site.output / "404.html"]  # their French part
    assert len(pages) > 40
    found = []
    for page in pages:
        where = page.relative_to(demo_site.output).as_posix()
        for text in html_texts(page.read_text("utf-8")):
            found += problems_in(text, where)
    assert found == [], "\n".join(found)


def test_no_english_interface_words_on_french_pages(demo_site: Project):
    from babel.messages.pofile import read_po

    theme = Path(__file__).resolve().parents[1] / "theme"
    with (theme / "translations/fr/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    english = set()
    for message in catalogue:
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        if source and target and source != target:
            english |= {part.strip() for part in PLACEHOLDER.split(source) if len(part.strip()) > 4}
    english |= {"Date:", "Soundbite", "Download", "Shot list", "Credit"}
    found = []
    for page in sorted((demo_site.output / "fr").rglob("*.html")):
        # placeholders such as {frames} are filled by the page's script, not read
        text = PLACEHOLDER.sub(" ", "\n".join(html_texts(page.read_text("utf-8"))))
        found += [
            f"{page.relative_to(demo_site.output)}: {word!r}"
            for word in english
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
        ]
    assert found == [], "\n".join(found)


def test_french_feeds_and_video_sitemap(demo_site: Project):
    found = []
    files = sorted((demo_site.output / "fr" / "feeds").rglob("*.*"))
    assert {path.name for path in files} >= {"atom.xml", "videos.rss"}
    for path in files:
        for element in ElementTree.parse(path).iter():
            text = (element.text or "").strip()
            if not text or element.tag.endswith(("}id", "id", "link", "guid", "pubDate")):
                continue
            texts = html_texts(f"<p>{text}</p>", "fr") if "<" in text else [text]
            for item in texts:
                found += problems_in(item, path.name)
    sitemap = ElementTree.parse(demo_site.output / "sitemap-video.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
                 "v": "http://www.google.com/schemas/sitemap-video/1.1"}  # fmt: skip
    french = [url for url in sitemap.iterfind("s:url", namespace) if "/fr/" in url[0].text]
    assert french
    for url in french:
        for tag in ("v:video/v:title", "v:video/v:description"):
            found += problems_in(url.find(tag, namespace).text, "sitemap-video.xml")
    assert found == [], "\n".join(found)


def test_french_press_kits_and_captions(demo_site: Project):
    quotes = spoken_words(demo_site)
    found = []
    kits = sorted((demo_site.output / "media").rglob("*-press-kit.zip"))
    assert len(kits) == 2
    for kit in kits:
        with zipfile.ZipFile(kit) as archive:
            for name in archive.namelist():
                if name.endswith(".fr.txt"):
                    text = archive.read(name).decode("utf-8")
                    for quote in quotes:
                        text = text.replace(quote, "")
                    found += problems_in(text, f"{kit.name}/{name}")
    captions = sorted((demo_site.output / "media").rglob("*.vtt"))
    assert any(path.name.endswith(".fr.vtt") for path in captions)
    for path in captions:
        cues = path.read_text("utf-8").split("\n\n")[1:]
        for cue in cues:
            lines = cue.strip().splitlines()[1:]
            if len(lines) > 2 or any(len(line) > 42 for line in lines):
                found.append(f"{path.name}: more than two lines of 42 characters: {lines}")
            if path.name.endswith(".fr.vtt"):
                found += problems_in("\n".join(lines), path.name)
    assert found == [], "\n".join(found)


def test_french_search_filters(demo_site: Project):
    """The filter panel shows the index's filters as they are (titles and excerpts are typeset
    again by the search page, checked below)."""
    found = []
    fragments = sorted((demo_site.output / "pagefind" / "fr" / "fragment").glob("*.pf_fragment"))
    assert fragments
    for path in fragments:
        data = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        for text in [*data["filters"], *strings(data["filters"])]:
            found += problems_in(text, f"search filters {data['url']}")
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("query", ["OTAN", "ministres", "Ukraine"])
def test_french_search_results_as_shown(browser, demo_server: str, query: str):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{demo_server}/fr/search/?q={query}")
    page.locator(".pagefind-ui__result-excerpt").first.wait_for()
    page.wait_for_timeout(300)  # the other results' excerpts
    shown = page.locator("#search").inner_text()
    assert (
        "Date:" not in shown
        and "Avec vidéo" not in page.locator(".pagefind-ui__results").inner_text()
    )
    found = problems_in(shown, f"search for {query}")
    context.close()
    assert found == [], "\n".join(found)


def test_french_api_messages_and_e_mails():
    from newsreel.api.errors import messages
    from newsreel.api.mail import TEMPLATES, render

    found = []
    for code, texts in messages().items():
        found += problems_in(texts["fr"], f"messages.toml [{code}]")
    context = {
        "site": "https://multimedia.example.org",
        "code": "123456",
        "confirm_url": "https://multimedia.example.org/fr/newsletter/confirm/?token=abc",
        "unsubscribe_url": "https://multimedia.example.org/api/newsletter/unsubscribe?token=abc",
        "title": "Actualités d’octobre",
        "text": "Les ministres se sont réunis : lisez « la déclaration ».",
    }
    templates = sorted(path.stem for path in TEMPLATES.glob("*.txt"))
    assert len(templates) >= 7
    for name in templates:
        message = render(name, "fr", "a@example.org", "OTAN <m@example.org>", **context).parsed()
        found += problems_in(message["Subject"], f"{name} subject")
        found += problems_in(message.get_body(("plain",)).get_content(), f"{name}.txt")
        html = message.get_body(("html",)).get_content()
        for text in html_texts(html):
            found += problems_in(text, f"{name}.html")
    assert found == [], "\n".join(found)
