"""The newsreel Pelican plugin: one language per run, translated interface, French typography.

Pelican loads it from `PLUGINS = ["newsreel.site"]`; `register()` connects the handlers below to
Pelican's signals, in the manner of the pelican-plugins organisation's `sitemap` plugin.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from pathlib import Path
from typing import Any

from feedgenerator import Enclosure, get_tag_uri
from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound
from markupsafe import Markup
from pelican import signals

from newsreel import typography
from newsreel.media.cache import write_atomic
from newsreel.site import (
    assets,
    i18n,
    languages,
    reader,
    spellings,
    syndication,
    video,
    writer,
)

logger = logging.getLogger(__name__)


def _run_lang(settings: dict[str, Any]) -> str:
    return settings["DEFAULT_LANG"]


def on_initialized(pelican: Any) -> None:
    """Give the run its language's site name, author and default category, so pages and feeds
    read right.

    An item without `Category:` is filed under the language's own (`category` in
    NEWSREEL_LANGUAGES: "Actualités" in French), not under its folder's name, which Pelican
    would use (`news`, in English and lower case, on the French site)."""
    settings = pelican.settings
    meta = settings.get("NEWSREEL_LANGUAGES", {}).get(_run_lang(settings), {})
    if "sitename" in meta:
        settings["SITENAME"] = meta["sitename"]
    if "author" in meta:
        settings["AUTHOR"] = meta["author"]
    settings["USE_FOLDER_AS_CATEGORY"] = False
    if "category" in meta:
        settings["DEFAULT_CATEGORY"] = meta["category"]


def on_content_init(content: Any) -> None:
    """Typeset titles, summaries and bodies in their language as they are read (and cached).

    A title is plain text, as every metadata field but the Markdown-made summary is: the
    templates escape it, so `R&D < 2%` or `<script>` in it shows as typed.
    """
    lang = getattr(content, "lang", None)
    if not lang:
        return
    if getattr(content, "_content", None):
        content._content = typography.typeset_html(content._content, lang)
    if getattr(content, "title", None):
        content.title = typography.typeset(content.title, lang)
    if "summary" in content.metadata:
        content.metadata["summary"] = typography.typeset_html(content.metadata["summary"], lang)
        content._summary = content.metadata["summary"]


def on_generator_init(generator: Any) -> None:
    """Install the run language's catalogue, date filters and URL helpers in the templates."""
    settings = generator.settings
    lang = _run_lang(settings)
    env = generator.env
    _theme_templates_only(env, settings)
    env.add_extension("jinja2.ext.i18n")
    theme_dir = Path(settings["THEME"])
    env.install_gettext_translations(
        i18n.load_translations(theme_dir / "translations", lang), newstyle=True
    )
    env.filters["longdate"] = partial(i18n.long_date, lang=lang)
    env.filters["isodate"] = i18n.iso_date
    env.filters["plain"] = typography.plain_text
    env.filters["heading"] = typography.as_heading
    env.filters["language_name"] = partial(i18n.language_name, lang=lang)
    env.filters["typeset"] = partial(typography.typeset_html, lang=lang)
    env.globals["TYPOGRAPHY_RULES"] = typography.rules(lang)  # for the search page's script
    env.globals["SEARCH_SPELLINGS"] = spellings.spellings(lang)  # its words a reader types
    env.globals["LANG"] = lang
    env.globals["LANGUAGES"] = settings.get("NEWSREEL_LANGUAGES", {})
    env.globals["TAGLINE"] = settings.get("NEWSREEL_TAGLINE", {}).get(lang, "")
    asset = partial(
        assets.asset_url, theme_dir / "static", settings.get("THEME_STATIC_DIR", "theme")
    )
    env.globals["asset"] = asset
    base = _public_base(settings)
    env.globals["absolute"] = partial(syndication.absolute, base)
    publisher = syndication.Publisher(
        name=settings.get("AUTHOR", ""),
        url=syndication.absolute(base, f"{lang}/"),
        logo=syndication.absolute(base, asset("img/logo.png")),
        image=syndication.absolute(base, asset("img/share.png")),
    )
    env.globals["SHARE_IMAGE"] = publisher.image
    env.globals["json_ld"] = lambda article: syndication.json_ld(article, base, publisher, lang)
    env.globals["OG_LOCALE"] = settings.get("NEWSREEL_LANGUAGES", {}).get(lang, {}).get("locale")
    env.globals["listing_url"] = languages.listing_url
    env.globals["translations_of"] = languages.translation_map
    rendered: dict[str, Markup] = {}

    def once(name: str) -> Markup:
        """A fragment that is the same on every page of the run, rendered the first time."""
        if name not in rendered:
            rendered[name] = Markup(env.get_template(name).render(**generator.context))
        return rendered[name]

    env.globals["once"] = once
    counterparts = generator.context.setdefault("NEWSREEL_COUNTERPARTS", {})
    env.globals["counterpart"] = partial(_counterpart, counterparts)


#: Templates Pelican loads whether or not it writes their pages, and the settings that say
#: where it writes them (all empty: it writes none).
_PAGES_OF_TEMPLATE = {
    "author": ("AUTHOR_SAVE_AS",),
    "authors": ("AUTHORS_SAVE_AS",),
    "period_archives": ("YEAR_ARCHIVE_SAVE_AS", "MONTH_ARCHIVE_SAVE_AS", "DAY_ARCHIVE_SAVE_AS"),
}


class _UnwrittenOnly(BaseLoader):
    """Pelican's plain theme, for the templates whose pages this site never writes (Pelican
    loads them all the same); any other template must be the theme's own."""

    def __init__(self, loader: BaseLoader, names: frozenset[str]):
        self.loader, self.names = loader, names

    def get_source(self, environment: Any, template: str) -> Any:
        if template not in self.names:
            raise TemplateNotFound(template)
        return self.loader.get_source(environment, template)


def _theme_templates_only(env: Any, settings: dict[str, Any]) -> None:
    """Take out Pelican's implicit fallback to its plain `simple` theme: a template missing
    from ours (deleted, misnamed) fails the build, naming it, instead of publishing unstyled
    pages (`{% extends "!simple/..." %}` still works, explicitly)."""
    loader = env.loader
    if not isinstance(loader, ChoiceLoader) or len(loader.loaders) != 3:
        return
    theme, simple, explicit = loader.loaders
    unwritten = frozenset(
        f"{name}{extension}"
        for name, keys in _PAGES_OF_TEMPLATE.items()
        if not any(settings.get(key) for key in keys)
        for extension in settings.get("TEMPLATE_EXTENSIONS", [".html"])
    )
    env.loader = ChoiceLoader([theme, _UnwrittenOnly(simple, unwritten), explicit])


def _public_base(settings: dict[str, Any]) -> str:
    """The site's public address: SITEURL in production, FEED_DOMAIN (the local server) here."""
    return (settings.get("SITEURL") or settings.get("FEED_DOMAIN") or "").rstrip("/")


def on_all_generators_finalized(generators: list[Any]) -> None:
    """Write the language's Media RSS feed and its sitemap entries (merged by the build)."""
    articles_generator = next((g for g in generators if hasattr(g, "articles")), None)
    pages_generator = next((g for g in generators if hasattr(g, "pages")), None)
    if articles_generator is None:
        return
    settings = articles_generator.settings
    lang = _run_lang(settings)
    base = _public_base(settings)
    output = Path(settings["OUTPUT_PATH"]) / lang
    feeds = output / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    catalogue = i18n.load_translations(Path(settings["THEME"]) / "translations", lang)
    title = f"{settings.get('SITENAME', '')} – {catalogue.gettext('Videos')}"
    description = settings.get("NEWSREEL_TAGLINE", {}).get(lang) or title
    rss = syndication.media_rss(
        articles_generator.articles, base, lang, title, settings.get("AUTHOR", ""), description
    )
    write_atomic(feeds / "videos.rss", rss)  # never into a linked live file
    pages = pages_generator.pages if pages_generator else []
    languages_list = list(settings.get("NEWSREEL_LANGUAGES", {lang: {}}))
    entries = syndication.sitemap_entries(
        articles_generator.articles, pages, base, lang, languages_list
    )
    counterparts = articles_generator.context.get("NEWSREEL_COUNTERPARTS", {})
    entries += syndication.listing_entries(
        articles_generator.categories, counterparts.get("category", {}), base, lang, languages_list
    )
    write_atomic(output / syndication.SITEMAP_ENTRIES, syndication.encode_entries(entries))


def _counterpart(counterparts: dict[str, Any], kind: str, slug: str, lang: str) -> str | None:
    """The slug of the category or tag `slug` in `lang`, when the content tells."""
    return counterparts.get(kind, {}).get(slug, {}).get(lang)


def on_articles_pretaxonomy(generator: Any) -> None:
    """Keep only the run language's articles native, before categories and tags are made."""
    lang = _run_lang(generator.settings)
    order = generator.settings["ARTICLE_ORDER_BY"]
    generator.articles, generator.translations = languages.keep_native(
        generator.articles, generator.translations, lang, order
    )
    generator.drafts, generator.drafts_translations = languages.keep_native(
        generator.drafts, generator.drafts_translations, lang, order
    )
    generator.hidden_articles, generator.hidden_translations = languages.keep_native(
        generator.hidden_articles, generator.hidden_translations, lang, order
    )


def attach_videos(generator: Any) -> None:
    """Give every article that names a video its `video` object, in its own language."""
    media_dir = generator.settings.get("NEWSREEL_MEDIA_DIR")
    if not media_dir:
        return
    for article in [*generator.articles, *generator.translations]:
        video_id = article.metadata.get("video")
        if not video_id:
            continue
        found = video.load_record(media_dir, video_id)
        if found is None:
            logger.error("%s: video: no media built for %r", article.source_path, video_id)
            continue
        article.video_record = found
        article.video = video.video_view(found, article.lang)


def on_articles_finalized(generator: Any) -> None:
    """Attach videos; match each category and tag with its counterparts in other languages."""
    attach_videos(generator)
    counterparts = generator.context.setdefault("NEWSREEL_COUNTERPARTS", {})
    counterparts["category"] = languages.taxonomy_counterparts(
        generator.articles, generator.translations, "category"
    )
    counterparts["tag"] = languages.taxonomy_counterparts(
        generator.articles, generator.translations, "tags"
    )


def on_pages_finalized(generator: Any) -> None:
    """Keep only the run language's pages native (listed in menus and written)."""
    lang = _run_lang(generator.settings)
    order = generator.settings["PAGE_ORDER_BY"]
    generator.pages, generator.translations = languages.keep_native(
        generator.pages, generator.translations, lang, order
    )
    generator.hidden_pages, generator.hidden_translations = languages.keep_native(
        generator.hidden_pages, generator.hidden_translations, lang, order
    )
    generator.context["pages"] = generator.pages
    generator.context["hidden_pages"] = generator.hidden_pages


def _category_page(context: dict[str, Any], feed_url: str, base: str) -> str | None:
    """The page of the category whose feed is at `feed_url` (None: not a category feed)."""
    pattern = context.get("CATEGORY_FEED_ATOM_URL")
    if not pattern or "{slug}" not in pattern:
        return None
    before, _, after = pattern.partition("{slug}")
    found = re.fullmatch(re.escape(f"{base}/{before}") + "([^/]+)" + re.escape(after), feed_url)
    return f"{base}/{context['CATEGORY_URL'].format(slug=found[1])}" if found else None


def on_feed_generated(context: dict[str, Any], feed: Any) -> None:
    """Give each feed its language, absolute links, and its own page as its link and id.

    Pelican links entries with SITEURL, which is empty in development; feed readers need
    absolute URLs, so entries are rebased on FEED_DOMAIN, as the feed's own URL already is.
    Pelican gives every feed the site's home as its link (and so as its Atom id): a category's
    feed gets its category's page instead, so that each feed's id is its own (RFC 4287
    §4.2.6: readers tell subscriptions apart by it). Its title takes the site's dash.
    """
    lang = context["DEFAULT_LANG"]
    base = (context.get("FEED_DOMAIN") or context.get("SITEURL") or "").rstrip("/")
    page = _category_page(context, feed.feed.get("feed_url") or "", base) or f"{base}/{lang}/"
    feed.feed["language"] = lang
    feed.feed["link"] = page
    feed.feed["id"] = page
    sitename = str(context.get("SITENAME", ""))
    if sitename and str(feed.feed.get("title", "")).startswith(f"{sitename} - "):
        feed.feed["title"] = f"{sitename} – " + feed.feed["title"][len(sitename) + 3 :]
    posters = {}
    titles = {}
    for article in context.get("articles", []):
        titles[f"{base}/{article.url}"] = article.title
        found = getattr(article, "video_record", None)
        if found and found.poster:
            posters[f"{base}/{article.url}"] = found.poster
    for item in feed.items:
        if item["link"].startswith("/"):
            item["link"] = base + item["link"]
        # Pelican reads the title as markup (Markup.striptags): it drops what looks like a tag
        # (`< 2% ... >`) and unbreakable spaces. The title is plain text, which the feed escapes.
        item["title"] = titles.get(item["link"]) or typography.typeset(item["title"], lang)
        item["unique_id"] = get_tag_uri(item["link"], item["pubdate"])
        poster = posters.get(item["link"])
        if poster:
            url = syndication.absolute(base, poster.url)
            item["enclosures"] = [Enclosure(url, str(poster.size), poster.mime)]


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.readers_init.connect(reader.on_readers_init)
    signals.get_writer.connect(writer.on_get_writer)
    signals.content_object_init.connect(on_content_init)
    signals.generator_init.connect(on_generator_init)
    signals.article_generator_pretaxonomy.connect(on_articles_pretaxonomy)
    signals.article_generator_finalized.connect(on_articles_finalized)
    signals.page_generator_finalized.connect(on_pages_finalized)
    signals.feed_generated.connect(on_feed_generated)
    signals.all_generators_finalized.connect(on_all_generators_finalized)
