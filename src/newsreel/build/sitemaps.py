"""`sitemap.xml` (with hreflang alternates), `sitemap-video.xml` and `robots.txt`.

Each language's Pelican run leaves its entries in `<lang>/.sitemap.json` (see
`site.syndication.sitemap_entries`); once every language is built they are merged here, into
one sitemap for the whole site, written with ElementTree so every value is escaped as XML
needs, whatever a title holds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from newsreel.media.cache import write_atomic
from newsreel.site.syndication import SITEMAP_ENTRIES, SitemapEntry, absolute, decode_entries

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
VIDEO = "http://www.google.com/schemas/sitemap-video/1.1"
ET.register_namespace("", SITEMAP)
ET.register_namespace("xhtml", XHTML)
ET.register_namespace("video", VIDEO)


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_sitemaps(output: Path, languages: Sequence[str], base: str) -> None:
    """Merge every language's entries into the sitemaps, and write robots.txt."""
    entries: list[SitemapEntry] = []
    for lang in languages:
        path = output / lang / SITEMAP_ENTRIES
        if path.exists():
            entries += decode_entries(path.read_bytes())
    pages = ET.Element(f"{{{SITEMAP}}}urlset")
    videos = ET.Element(f"{{{SITEMAP}}}urlset")
    for entry in entries:
        url = ET.SubElement(pages, f"{{{SITEMAP}}}url")
        _text(url, f"{{{SITEMAP}}}loc", entry.loc)
        if entry.lastmod:
            _text(url, f"{{{SITEMAP}}}lastmod", entry.lastmod)
        for code, href in sorted(entry.alternates.items()):
            ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=code, href=href)
        if entry.video:
            url = ET.SubElement(videos, f"{{{SITEMAP}}}url")
            _text(url, f"{{{SITEMAP}}}loc", entry.loc)
            element = ET.SubElement(url, f"{{{VIDEO}}}video")
            for name in entry.video.__struct_fields__:
                _text(element, f"{{{VIDEO}}}{name}", getattr(entry.video, name))
    write_atomic(output / "sitemap.xml", _xml(pages))
    write_atomic(output / "sitemap-video.xml", _xml(videos))
    robots = (
        "User-agent: *\nDisallow: /api/\nDisallow: /_private/\n"
        f"Sitemap: {absolute(base, 'sitemap.xml')}\n"
        f"Sitemap: {absolute(base, 'sitemap-video.xml')}\n"
    )
    write_atomic(output / "robots.txt", robots.encode("utf-8"))
