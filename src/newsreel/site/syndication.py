"""What other systems read: schema.org JSON-LD, Media RSS, and each language's sitemap entries.

Newsroom systems ingest Media RSS (every public rendition with size, type, duration and
resolution); search engines read the sitemaps and the JSON-LD (`NewsArticle`, `VideoObject`
with a `Clip` per cut). Everything points at absolute URLs on the site's public address, and
comes from the typed record of each video (`media.record`). XML is written with ElementTree,
so every title and attribute is escaped as XML needs, whatever it holds.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import msgspec
from markupsafe import Markup

from newsreel.media import record, timecode
from newsreel.site.languages import listing_url
from newsreel.typography import plain_text, typeset

SITEMAP_ENTRIES = ".sitemap.json"
MEDIA = "http://search.yahoo.com/mrss/"
ATOM = "http://www.w3.org/2005/Atom"
_MEDIUM = {"video": "video", "audio": "audio", "still": "image"}


def absolute(base: str, path: str) -> str:
    """`base` + a site path, whether the path starts with a slash or not."""
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def localized(texts: dict[str, str], lang: str) -> str:
    """A text of a record in `lang` (English when missing), typeset for that language."""
    return typeset(texts.get(lang) or texts.get("en", ""), lang)


def _video_of(item: Any) -> record.Video | None:
    return getattr(item, "video_record", None)


@dataclass(frozen=True)
class Publisher:
    """Who publishes the site, as structured data names it: its name in the page's language,
    its home page, its logo (Google's article results ask for one) and the image that stands
    for a page that has none of its own (a video's poster)."""

    name: str
    url: str
    logo: str
    image: str

    def schema(self) -> dict[str, Any]:
        return {
            "@type": "Organization",
            "name": self.name,
            "url": self.url,
            "logo": {"@type": "ImageObject", "url": self.logo},
        }


def json_ld(article: Any, base: str, publisher: Publisher, lang: str) -> Markup:
    """`NewsArticle` (and its `VideoObject` with one `Clip` per cut) as a JSON-LD block; the
    video's poster is its image, else the site's own."""
    url = absolute(base, article.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": plain_text(article.summary),
        "datePublished": article.date.isoformat(),
        "dateModified": getattr(article, "modified", article.date).isoformat(),
        "inLanguage": lang,
        "mainEntityOfPage": url,
        "url": url,
        "author": {"@type": "Organization", "name": publisher.name, "url": publisher.url},
        "publisher": publisher.schema(),
        "image": publisher.image,
    }
    if getattr(article, "category", None):
        data["articleSection"] = str(article.category)
    if getattr(article, "tags", None):
        data["keywords"] = [str(tag) for tag in article.tags]
    video = _video_of(article)
    if video:
        if video.poster:
            data["image"] = absolute(base, video.poster.url)
        data["video"] = video_object(
            video, lang, base, url, publisher, article.date, plain_text(article.summary)
        )
    return Markup(f'<script type="application/ld+json">{script_json(data)}</script>')


def script_json(data: Any) -> str:
    """JSON to put inside a `<script>` element: `<`, `>` and `&` written as `\\u003c`...,
    so no text in it (a title holding `</script>` or `<!--`) can end or change the element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _clips(video: record.Video) -> list[record.Cut]:
    """A video's cuts other than its full length, in the order they come in it."""
    partials = (cut for cut in video.cuts if not cut.is_full)
    return sorted(partials, key=lambda cut: (cut.in_ms, cut.out_ms))


def _seek_url(page_url: str, cut: record.Cut) -> str:
    """The page, its player starting at the cut's in point (the player reads `#t=`)."""
    return f"{page_url}#t={round(cut.in_ms / 1000)}"


def video_object(
    video: record.Video,
    lang: str,
    base: str,
    page_url: str,
    publisher: Publisher,
    published: datetime,
    summary: str,
) -> dict[str, Any]:
    """The `VideoObject` of the page that publishes `video` (at `published`, a date and time
    with its zone, as Google asks and as the video sitemap says), its clips in time order."""
    web = video.full.file("web")
    title = localized(video.title, lang)
    place = f" — {localized(video.location, lang)}" if video.location else ""
    data: dict[str, Any] = {
        "@type": "VideoObject",
        "name": title,
        "description": summary or title + place,
        "uploadDate": published.isoformat(),
        "duration": timecode.iso_duration(video.duration_ms),
        "thumbnailUrl": absolute(base, video.poster.url) if video.poster else None,
        "contentUrl": absolute(base, web.url) if web and not web.account_only else None,
        "publisher": publisher.schema(),
        "copyrightNotice": localized(video.rights, lang),
        "hasPart": [
            {
                "@type": "Clip",
                "name": localized(cut.title, lang),
                "startOffset": round(cut.in_ms / 1000),
                "endOffset": round(cut.out_ms / 1000),
                "url": _seek_url(page_url, cut),
            }
            for cut in _clips(video)
        ],
    }
    return {key: value for key, value in data.items() if value is not None}


def _rfc822(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value)


def _text(parent: ET.Element, tag: str, value: object, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = str(value)
    return element


def _media_content(group: ET.Element, entry: record.MediaFile, base: str) -> None:
    attributes = {
        "url": absolute(base, entry.url),
        "fileSize": str(entry.size),
        "type": entry.mime,
        "medium": _MEDIUM[entry.kind],
    }
    if entry.duration_ms:
        attributes["duration"] = str(round(entry.duration_ms / 1000))
    if entry.width and entry.height:
        attributes.update(width=str(entry.width), height=str(entry.height))
    if entry.video_bitrate:
        kbits = ((entry.video_bitrate or 0) + (entry.audio_bitrate or 0)) / 1000
        attributes["bitrate"] = str(round(kbits))
    ET.SubElement(group, f"{{{MEDIA}}}content", attributes)


def media_rss(
    articles: list[Any], base: str, lang: str, title: str, credit: str, description: str
) -> bytes:
    """A Media RSS feed of the language's videos: an item per article with a video, then an
    item per cut of it (soundbites, arrivals: what a newsroom ingests on its own), each with
    its public files, its poster, its credit and its rights.

    Each video is credited as its manifest says, in the feed's language ("OTAN" in French);
    `credit` is for a video whose manifest names none.
    """
    ET.register_namespace("media", MEDIA)
    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", absolute(base, f"{lang}/"))
    ET.SubElement(
        channel, f"{{{ATOM}}}link", href=absolute(base, f"{lang}/feeds/videos.rss"), rel="self",
        type="application/rss+xml",
    )  # fmt: skip
    _text(channel, "description", description)
    _text(channel, "language", lang)
    newest = max((a.date for a in articles), default=datetime.now(UTC))
    _text(channel, "lastBuildDate", _rfc822(newest))
    for article in articles:
        video = _video_of(article)
        if not video:
            continue
        link = absolute(base, article.url)
        summary = plain_text(article.summary)
        credited = localized(video.credit, lang) if video.credit else credit
        rights = localized(video.rights, lang)
        for cut in [video.full, *_clips(video)]:
            files = [entry for entry in cut.files if not entry.account_only]
            if not files and not cut.is_full:  # an account-only cut: nothing to syndicate
                continue
            item = ET.SubElement(channel, "item")
            if cut.is_full:
                name, page, text = article.title, link, summary
                _text(item, "guid", link, isPermaLink="true")
            else:
                name = typeset(localized(cut.title, lang), lang)
                page, text = _seek_url(link, cut), f"{name} — {article.title}"
                _text(item, "guid", f"{link}#{cut.id}", isPermaLink="false")
            _text(item, "title", name)
            _text(item, "link", page)
            _text(item, "pubDate", _rfc822(article.date))
            _text(item, "description", text)
            playable = [entry for entry in files if entry.kind in ("video", "audio")]
            if playable:  # for RSS 2.0 readers that know no Media RSS: one file, the web one
                chosen = next((e for e in playable if e.preset == "web"), playable[0])
                ET.SubElement(item, "enclosure", url=absolute(base, chosen.url),
                              length=str(chosen.size), type=chosen.mime)  # fmt: skip
            group = ET.SubElement(item, f"{{{MEDIA}}}group")
            for entry in files:
                _media_content(group, entry, base)
            poster = cut.poster or video.poster
            if poster:
                ET.SubElement(group, f"{{{MEDIA}}}thumbnail", url=absolute(base, poster.url))
            title_text = localized(video.title, lang) if cut.is_full else name
            _text(group, f"{{{MEDIA}}}title", title_text, type="plain")
            _text(group, f"{{{MEDIA}}}description", text, type="plain")
            _text(group, f"{{{MEDIA}}}credit", credited, role="producer")
            _text(group, f"{{{MEDIA}}}copyright", rights)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


class SitemapVideo(msgspec.Struct, frozen=True):
    thumbnail_loc: str
    title: str
    description: str
    content_loc: str
    duration: int
    publication_date: str


class SitemapEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    """One page of one language for the sitemaps (merged by `build.sitemaps`)."""

    loc: str
    alternates: dict[str, str] = {}
    lastmod: str | None = None
    video: SitemapVideo | None = None


def _alternates(lang: str, loc: str, others: dict[str, str]) -> dict[str, str]:
    """A sitemap entry's hreflang links: none for a page in one language only, else every
    language's, its own included (as the sitemap protocol asks)."""
    return {lang: loc, **others} if others else {}


def sitemap_entries(
    articles: list[Any], pages: list[Any], base: str, lang: str, languages: list[str]
) -> list[SitemapEntry]:
    """This language's pages for the sitemaps: URL, last change, translations, video."""
    homes = {code: absolute(base, f"{code}/") for code in languages}
    entries = [SitemapEntry(homes[lang], homes)]
    for item in [*articles, *pages]:
        alternates = {t.lang: absolute(base, t.url) for t in getattr(item, "translations", [])}
        date = getattr(item, "modified", None) or getattr(item, "date", None)
        video = _video_of(item)
        web = video.full.file("web") if video else None
        entries.append(
            SitemapEntry(
                loc=absolute(base, item.url),
                alternates=_alternates(lang, absolute(base, item.url), alternates),
                lastmod=date.date().isoformat() if date else None,
                video=SitemapVideo(
                    thumbnail_loc=absolute(base, video.poster.url) if video.poster else "",
                    title=localized(video.title, lang),
                    description=plain_text(item.summary),
                    content_loc=absolute(base, web.url),
                    duration=round(video.duration_ms / 1000),
                    publication_date=item.date.isoformat(),
                )
                if video and web and not web.account_only
                else None,
            )
        )
    return entries


#: The listings a reader lands on from a search engine: every video, and the categories.
_LISTINGS = ("videos", "categories")


def listing_entries(
    categories: list[tuple[Any, list[Any]]],
    counterparts: dict[str, dict[str, str]],
    base: str,
    lang: str,
    languages: list[str],
) -> list[SitemapEntry]:
    """This language's listing pages for the sitemap: the videos and categories pages, and each
    category's page, with its counterparts in the other languages (the switcher's matches) and
    the date of its newest item."""

    def url(code: str, kind: str, slug: str | None = None) -> str:
        return absolute(base, listing_url(code, kind, slug))

    entries = [
        SitemapEntry(url(lang, kind), {code: url(code, kind) for code in languages})
        for kind in _LISTINGS
    ]
    for category, items in categories:
        others = counterparts.get(category.slug, {})
        loc = url(lang, "category", category.slug)
        newest = max((item.date for item in items), default=None)
        entries.append(
            SitemapEntry(
                loc=loc,
                alternates=_alternates(
                    lang, loc, {code: url(code, "category", slug) for code, slug in others.items()}
                ),
                lastmod=newest.date().isoformat() if newest else None,
            )
        )
    return entries


def encode_entries(entries: list[SitemapEntry]) -> bytes:
    return msgspec.json.encode(entries)


def decode_entries(data: bytes) -> list[SitemapEntry]:
    return msgspec.json.decode(data, type=list[SitemapEntry])
