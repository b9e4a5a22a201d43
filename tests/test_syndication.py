"""What other systems read: Atom with posters, Media RSS, JSON-LD, Open Graph, sitemaps."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

import feedparser
import pytest

from newsreel.project import Project

MEETING = "defence-ministers-meet-in-brussels"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "video": "http://www.google.com/schemas/sitemap-video/1.1",
}


def manifest(project: Project) -> dict:
    path = project.output / "media/2025-10-15-defence-ministers-press-conference/manifest.json"
    return json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_media_rss_lists_every_public_rendition(demo_site: Project, lang: str):
    raw = (demo_site.output / lang / "feeds/videos.rss").read_text("utf-8")
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == lang
    assert (
        feed.feed.title
        == {"en": "NATO Multimedia – Videos", "fr": "OTAN Multimédia – Vidéos"}[lang]
    )
    assert feed.feed.description.startswith(
        {"en": "Official NATO media resources", "fr": "Les ressources médiatiques officielles"}[
            lang
        ]
    ), "the channel says what it is, not its title again"
    cuts = [
        cut
        for path in sorted((demo_site.output / "media").glob("*/manifest.json"))
        for cut in json.loads(path.read_text("utf-8"))["cuts"][1:]
        if any(f["access"] == "public" for f in cut["files"])
    ]
    assert len(feed.entries) == 2 + len(cuts) and len(cuts) >= 3  # each video, then its cuts
    entry = next(e for e in feed.entries if e.link.endswith(f"/{MEETING}/"))
    public = [f for f in manifest(demo_site)["cuts"][0]["files"] if f["access"] == "public"]
    contents = {c["url"].rsplit("/", 1)[1]: c for c in entry.media_content}
    assert set(contents) == {f["filename"] for f in public}
    web = next(f for f in public if f["preset"] == "web")
    item = contents[web["filename"]]
    assert item["filesize"] == str(web["bytes"]) and item["type"] == "video/mp4"
    assert item["width"] == "1280" and item["height"] == "720" and item["duration"] == "60"
    assert entry.media_thumbnail[0]["url"].endswith("-still.jpg")
    assert entry.media_credit[0]["content"] == {"en": "NATO", "fr": "OTAN"}[lang]
    assert {"en": "Credit: NATO", "fr": "Mention obligatoire\u00a0: OTAN"}[lang] in (
        entry.media_copyright
    )
    assert raw.count("<media:title ") == len(feed.entries) == raw.count("<media:description ")
    assert not [c for c in entry.media_content if "_private" in c["url"] or "1080p" in c["url"]]
    # a soundbite is an item of its own: its public files, its own poster, a link that seeks
    rutte = next(c for c in manifest(demo_site)["cuts"] if c["id"] == "rutte-soundbite")
    bite = next(e for e in feed.entries if e.id.endswith("#rutte-soundbite"))
    assert bite.link.endswith(f"/{MEETING}/#t=32")
    # plain RSS 2.0 readers get one file: the web version
    [enclosure] = [link for link in entry.links if link.rel == "enclosure"]
    assert enclosure.href.endswith(web["filename"]) and enclosure.length == str(web["bytes"])
    assert enclosure.type == "video/mp4"
    assert {c["url"].rsplit("/", 1)[1] for c in bite.media_content} == {
        f["filename"] for f in rutte["files"] if f["access"] == "public"
    }
    assert bite.media_thumbnail[0]["url"].endswith(rutte["poster"]["filename"])
    said = re.sub("[\u00a0\u202f]", " ", bite.title)  # typeset: « une alliance »
    assert said == rutte["title"][lang]


def test_atom_entries_carry_the_poster(demo_site: Project):
    feed = feedparser.parse((demo_site.output / "en/feeds/atom.xml").read_bytes())
    entry = next(e for e in feed.entries if MEETING in e.link)
    [poster] = [link for link in entry.links if link.rel == "enclosure"]
    assert poster.type == "image/jpeg" and poster.href.startswith("http")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_json_ld_news_article_with_video_and_clips(demo_site: Project, lang: str):
    html = (demo_site.output / lang / "news" / MEETING / "index.html").read_text("utf-8")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "NewsArticle" and data["inLanguage"] == lang
    video = data["video"]
    assert video["@type"] == "VideoObject" and video["duration"] == "PT1M"
    # a date and time with its zone (Google's VideoObject), the page's, as the video sitemap's
    assert re.fullmatch(r"2025-10-15T\d\d:\d\d:\d\d[+-]\d\d:\d\d", video["uploadDate"])
    assert video["uploadDate"] == data["datePublished"]
    assert video["description"] == data["description"] != video["name"]
    assert video["contentUrl"].endswith("-720p.mp4") and video["thumbnailUrl"].endswith(".jpg")
    clips = video["hasPart"]  # in the order they come in the video
    assert [(c["startOffset"], c["endOffset"]) for c in clips] == [
        (8, 16),
        (16, 24),
        (32, 46),
        (46, 54),
    ]
    assert all(c["@type"] == "Clip" for c in clips)
    assert data["image"] == video["thumbnailUrl"], "the poster stands for the article"
    publisher = data["publisher"]
    assert publisher["name"] == {"en": "NATO", "fr": "OTAN"}[lang]
    assert publisher["url"] == f"http://127.0.0.1:8000/{lang}/"
    logo = publisher["logo"]["url"].removeprefix("http://127.0.0.1:8000/")
    assert (demo_site.output / logo).read_bytes().startswith(b"\x89PNG"), "the logo is served"
    assert '<meta property="og:type" content="article">' in html
    assert re.search(r'<meta property="og:image" content="http[^"]+\.jpg">', html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_sitemaps(demo_site: Project):
    tree = ElementTree.parse(demo_site.output / "sitemap.xml")
    urls = tree.getroot().findall("s:url", NS)
    locations = [u.find("s:loc", NS).text for u in urls]
    assert any(loc.endswith(f"/fr/news/{MEETING}/") for loc in locations)
    assert len(locations) >= 2 * (6 + 5 + 1)
    meeting = next(u for u in urls if u.find("s:loc", NS).text.endswith(f"/en/news/{MEETING}/"))
    links = {link.get("hreflang"): link.get("href") for link in meeting.findall("xhtml:link", NS)}
    assert set(links) == {"en", "fr"} and links["fr"].endswith(f"/fr/news/{MEETING}/")
    # the listings a reader lands on: every video, the categories, and each category's page,
    # whose other language is its counterpart (as the language switcher says)
    served = {loc.removeprefix("http://127.0.0.1:8000/") for loc in locations}
    assert {"en/videos/", "fr/videos/", "en/categories/", "fr/categories/"} <= served
    for loc in served:
        assert (demo_site.output / loc / "index.html").is_file(), loc
    for url in urls:
        loc = url.find("s:loc", NS).text
        if "/en/category/" in loc:
            links = {x.get("hreflang"): x.get("href") for x in url.findall("xhtml:link", NS)}
            french = links["fr"].removeprefix("http://127.0.0.1:8000/")
            page = demo_site.output / loc.removeprefix("http://127.0.0.1:8000/") / "index.html"
            assert f'hreflang="fr" href="http://127.0.0.1:8000/{french}"' in page.read_text("utf-8")
            assert url.find("s:lastmod", NS) is not None
    assert sum("/category/" in loc for loc in served) >= 4
    videos = ElementTree.parse(demo_site.output / "sitemap-video.xml").getroot()
    entries = videos.findall("s:url/video:video", NS)
    assert len(entries) == 4  # two videos, each in two languages
    assert all(int(v.find("video:duration", NS).text) > 0 for v in entries)
    robots = (demo_site.output / "robots.txt").read_text("utf-8")
    assert "Sitemap: " in robots and "Disallow: /_private/" in robots


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_feed_has_its_own_id_and_a_category_feed_links_its_category(
    demo_site: Project, lang: str
):
    """RFC 4287 §4.2.6: a feed's id is its own (readers tell subscriptions apart by it); a
    category's feed links to the category's page, which names the feed in its head."""
    folder = demo_site.output / lang / "feeds"
    feeds = [folder / "atom.xml", *sorted((folder / "category").glob("*.atom.xml"))]
    assert len(feeds) >= 3
    ids = {}
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.bozo_exception)
        ids[feed.feed.id] = path
        assert " - " not in feed.feed.title and feed.feed.title.startswith(
            {"en": "NATO Multimedia", "fr": "OTAN Multimédia"}[lang]
        )
        if path.parent.name != "category":
            assert feed.feed.link.endswith(f"/{lang}/")
            continue
        page = feed.feed.link.split("/", 3)[3]  # the category's page, on this site
        assert f"/{lang}/" in feed.feed.link and feed.feed.link.endswith("/"), feed.feed.link
        html = (demo_site.output / page / "index.html").read_text("utf-8")
        assert re.search(
            rf'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
            rf'href="[^"]*/{lang}/feeds/category/{path.name}">',
            html,
        ), page
    assert len(ids) == len(feeds), ids
