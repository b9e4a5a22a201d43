"""What other systems read: schema.org JSON-LD, Media RSS, sitemaps with hreflang and videos.

Newsroom systems ingest Media RSS (every public rendition with size, type, duration and
resolution); search engines read the sitemaps and the JSON-LD (`NewsArticle`, `VideoObject`
with a `Clip` per cut). Everything points at absolute URLs on the site's public address.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from newsreel.typography import plain_text

SITEMAP_ENTRIES = ".sitemap.json"


def absolute(base: str, path: str) -> str:
    """`base` + a site path, whether the path starts with a slash or not."""
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def _plain(html: str) -> str:
    return plain_text(html)


def json_ld(article: Any, base: str, publisher: str, lang: str) -> Markup:
    """`NewsArticle` (and its `VideoObject` with one `Clip` per cut) as a JSON-LD block."""
    url = absolute(base, article.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": _plain(article.title),
        "description": _plain(article.summary),
        "datePublished": article.date.isoformat(),
        "dateModified": getattr(article, "modified", article.date).isoformat(),
        "inLanguage": lang,
        "mainEntityOfPage": url,
        "url": url,
        "author": {"@type": "Organization", "name": publisher},
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if getattr(article, "category", None):
        data["articleSection"] = str(article.category)
    if getattr(article, "tags", None):
        data["keywords"] = [str(tag) for tag in article.tags]
    video = getattr(article, "video", None)
    if video:
        if video.get("poster"):
            data["image"] = absolute(base, video["poster"])
        data["video"] = video_object(video, base, url, publisher)
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def video_object(video: dict[str, Any], base: str, page_url: str, publisher: str) -> dict:
    web = video.get("web") or {}
    data: dict[str, Any] = {
        "@type": "VideoObject",
        "name": video["title"],
        "description": video["title"] + (f" — {video['location']}" if video["location"] else ""),
        "uploadDate": video["date"],
        "duration": video["duration_iso"],
        "thumbnailUrl": absolute(base, video["poster"]) if video.get("poster") else None,
        "contentUrl": absolute(base, web["url"]) if web else None,
        "publisher": {"@type": "Organization", "name": publisher},
        "copyrightNotice": video["rights"],
        "hasPart": [
            {
                "@type": "Clip",
                "name": cut["title"],
                "startOffset": round(cut["in_s"]),
                "endOffset": round(cut["in_s"] + cut["duration_s"]),
                "url": f"{page_url}#t={round(cut['in_s'])}",
            }
            for cut in video["cuts"]
            if not cut["full"]
        ],
    }
    return {key: value for key, value in data.items() if value is not None}


def _rfc822(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value)


def media_rss(articles: list[Any], base: str, lang: str, title: str, credit: str) -> str:
    """A Media RSS feed of the language's videos: one item per article with a video.

    Each video is credited as its manifest says, in the feed's language ("OTAN" in French);
    `credit` is for a video whose manifest names none.
    """
    home = absolute(base, f"{lang}/")
    self_url = absolute(base, f"{lang}/feeds/videos.rss")
    items = []
    for article in articles:
        video = getattr(article, "video", None)
        if not video:
            continue
        link = absolute(base, article.url)
        full = video["cuts"][0]
        contents = []
        for entry in full["files"]:
            if entry["access"] != "public":
                continue
            medium = {"video": "video", "audio": "audio", "still": "image"}[entry["kind"]]
            attributes = {
                "url": absolute(base, entry["url"]),
                "fileSize": entry["bytes"],
                "type": entry["mime"],
                "medium": medium,
            }
            if entry.get("duration_ms"):
                attributes["duration"] = round(entry["duration_ms"] / 1000)
            if entry.get("width"):
                attributes.update(width=entry["width"], height=entry["height"])
            if entry.get("video_bitrate"):
                attributes["bitrate"] = round(
                    ((entry.get("video_bitrate") or 0) + (entry.get("audio_bitrate") or 0)) / 1000
                )
            contents.append(
                "<media:content "
                + " ".join(
                    f'{k}="{escape(str(v), {chr(34): "&quot;"})}"' for k, v in attributes.items()
                )
                + "/>"
            )
        poster = video.get("poster")
        thumbnail = f'<media:thumbnail url="{escape(absolute(base, poster))}"/>' if poster else ""
        summary = _plain(article.summary)
        items.append(
            "<item>"
            f"<title>{escape(_plain(article.title))}</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="true">{escape(link)}</guid>'
            f"<pubDate>{_rfc822(article.date)}</pubDate>"
            f"<description>{escape(summary)}</description>"
            "<media:group>"
            + "".join(contents)
            + thumbnail
            + f'<media:title type="plain">{escape(video["title"])}</media:title>'
            f'<media:description type="plain">{escape(summary)}</media:description>'
            f'<media:credit role="producer">{escape(video.get("credit") or credit)}</media:credit>'
            f"<media:copyright>{escape(video['rights'])}</media:copyright>"
            "</media:group></item>"
        )
    now = _rfc822(max((a.date for a in articles), default=datetime.now(UTC)))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(title)}</title><link>{escape(home)}</link>"
        f'<atom:link href="{escape(self_url)}" rel="self" type="application/rss+xml"/>'
        f"<description>{escape(title)}</description><language>{lang}</language>"
        f"<lastBuildDate>{now}</lastBuildDate>" + "".join(items) + "</channel></rss>\n"
    )


def sitemap_entries(
    articles: list[Any], pages: list[Any], base: str, lang: str, languages: list[str]
) -> list[dict]:
    """This language's pages for the sitemaps: URL, last change, translations, video."""
    homes = {code: absolute(base, f"{code}/") for code in languages}
    entries = [{"loc": homes[lang], "alternates": homes, "lastmod": None}]
    for item in [*articles, *pages]:
        alternates = {t.lang: absolute(base, t.url) for t in getattr(item, "translations", [])}
        date = getattr(item, "modified", None) or getattr(item, "date", None)
        entry: dict[str, Any] = {
            "loc": absolute(base, item.url),
            "alternates": {lang: absolute(base, item.url), **alternates} if alternates else {},
            "lastmod": date.date().isoformat() if date else None,
        }
        video = getattr(item, "video", None)
        if video and video.get("web"):
            entry["video"] = {
                "thumbnail_loc": absolute(base, video["poster"]),
                "title": video["title"],
                "description": _plain(item.summary),
                "content_loc": absolute(base, video["web"]["url"]),
                "duration": round(video["cuts"][0]["duration_s"]),
                "publication_date": item.date.isoformat(),
            }
        entries.append(entry)
    return entries


def write_sitemaps(output: Path, languages: list[str], base: str) -> None:
    """`sitemap.xml` (with hreflang alternates), `sitemap-video.xml` and `robots.txt`."""
    entries: list[dict] = []
    for lang in languages:
        path = output / lang / SITEMAP_ENTRIES
        if path.exists():
            entries += json.loads(path.read_text(encoding="utf-8"))
    urls = []
    videos = []
    for entry in entries:
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{code}" href="{escape(href)}"/>'
            for code, href in sorted(entry["alternates"].items())
        )
        lastmod = f"<lastmod>{entry['lastmod']}</lastmod>" if entry.get("lastmod") else ""
        urls.append(f"<url><loc>{escape(entry['loc'])}</loc>{lastmod}{links}</url>")
        video = entry.get("video")
        if video:
            videos.append(
                f"<url><loc>{escape(entry['loc'])}</loc><video:video>"
                f"<video:thumbnail_loc>{escape(video['thumbnail_loc'])}</video:thumbnail_loc>"
                f"<video:title>{escape(video['title'])}</video:title>"
                f"<video:description>{escape(video['description'])}</video:description>"
                f"<video:content_loc>{escape(video['content_loc'])}</video:content_loc>"
                f"<video:duration>{video['duration']}</video:duration>"
                f"<video:publication_date>{video['publication_date']}</video:publication_date>"
                "</video:video></url>"
            )
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    (output / "sitemap.xml").write_text(
        head + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">' + "".join(urls) + "</urlset>\n",
        encoding="utf-8",
    )
    (output / "sitemap-video.xml").write_text(
        head + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">'
        + "".join(videos)
        + "</urlset>\n",
        encoding="utf-8",
    )
    (output / "robots.txt").write_text(
        "User-agent: *\nDisallow: /api/\nDisallow: /_private/\n"
        f"Sitemap: {absolute(base, 'sitemap.xml')}\n"
        f"Sitemap: {absolute(base, 'sitemap-video.xml')}\n",
        encoding="utf-8",
    )
