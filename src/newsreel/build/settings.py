"""Per-language Pelican settings.

The site is built by one Pelican run per language into one output folder. Each run gets the
editor's `pelicanconf.py` with the URL scheme below laid over it: every URL and file of a run
lives under its language's prefix, so the runs never write the same file and can go in parallel.
Articles and pages keep the same slug in both languages (`/en/news/<slug>/`, `/fr/news/<slug>/`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pelican.settings import read_settings

from newsreel.site.frontmatter import FILE_NAME

#: Slugs that a page may not take, because a language's own listings live there.
RESERVED_SLUGS = frozenset(
    {
        "news",
        "category",
        "categories",
        "tag",
        "tags",
        "archives",
        "feeds",
        "videos",
        "page",
        "drafts",
        "media",
        "theme",
        "api",
        "search",
    }
)


#: The pages of the account and newsletter forms (direct templates), by template name.
FORM_PAGES = {
    "account_register": "account/register/",
    "account_verify": "account/verify/",
    "account_login": "account/login/",
    "account_forgot": "account/forgot/",
    "account_reset": "account/reset/",
    "newsletter_confirm": "newsletter/confirm/",
    "newsletter_unsubscribe": "newsletter/unsubscribe/",
}


#: Files no build reads, whatever IGNORE_FILES says: hidden ones (Emacs's `.#item.en.md` lock
#: links, swap files, `.DS_Store`). Pelican's default, `**/.*`, is matched against bare file
#: names, which hold no `/`: it never matched, and a lock link failed the build.
HIDDEN_FILES = ".*"


def ignored_files(settings: dict[str, Any]) -> list[str]:
    """The IGNORE_FILES patterns a build uses: the editor's, and hidden files."""
    return list(dict.fromkeys([*settings.get("IGNORE_FILES", ()), HIDDEN_FILES]))


def language_overrides(lang: str, *, first: bool) -> dict[str, Any]:
    """Settings that place one language's run under `/<lang>/`.

    `first` marks the run that also copies the theme's and the content's static files, which
    belong to no language.
    """
    p = f"{lang}/"
    overrides: dict[str, Any] = {
        "DEFAULT_LANG": lang,
        # `x.en.md` and `x.fr.md` share the slug `x`: that is what makes them translations.
        "FILENAME_METADATA": FILE_NAME,
        "ARTICLE_URL": "{lang}/news/{slug}/",
        "ARTICLE_SAVE_AS": "{lang}/news/{slug}/index.html",
        "ARTICLE_LANG_URL": "{lang}/news/{slug}/",
        "ARTICLE_LANG_SAVE_AS": "",
        "DRAFT_URL": "{lang}/drafts/{slug}/",
        "DRAFT_SAVE_AS": "{lang}/drafts/{slug}/index.html",
        "DRAFT_LANG_URL": "{lang}/drafts/{slug}/",
        "DRAFT_LANG_SAVE_AS": "",
        "PAGE_URL": "{lang}/{slug}/",
        "PAGE_SAVE_AS": "{lang}/{slug}/index.html",
        "PAGE_LANG_URL": "{lang}/{slug}/",
        "PAGE_LANG_SAVE_AS": "",
        "DRAFT_PAGE_URL": "{lang}/drafts/{slug}/",
        "DRAFT_PAGE_SAVE_AS": "{lang}/drafts/{slug}/index.html",
        "DRAFT_PAGE_LANG_URL": "{lang}/drafts/{slug}/",
        "DRAFT_PAGE_LANG_SAVE_AS": "",
        "CATEGORY_URL": p + "category/{slug}/",
        "CATEGORY_SAVE_AS": p + "category/{slug}/index.html",
        "TAG_URL": p + "tag/{slug}/",
        "TAG_SAVE_AS": p + "tag/{slug}/index.html",
        "AUTHOR_URL": "",
        "AUTHOR_SAVE_AS": "",
        "INDEX_URL": p,
        "INDEX_SAVE_AS": p + "index.html",
        "ARCHIVES_URL": p + "archives/",
        "ARCHIVES_SAVE_AS": p + "archives/index.html",
        "CATEGORIES_URL": p + "categories/",
        "CATEGORIES_SAVE_AS": p + "categories/index.html",
        "TAGS_URL": p + "tags/",
        "TAGS_SAVE_AS": p + "tags/index.html",
        "SEARCH_URL": p + "search/",
        "SEARCH_SAVE_AS": p + "search/index.html",
        "VIDEOS_URL": p + "videos/",
        "VIDEOS_SAVE_AS": p + "videos/index.html",
        # The language's own "page not found", served for a missing path under `/<lang>/`.
        "NOT_FOUND_SAVE_AS": p + "404.html",
        "AUTHORS_SAVE_AS": "",
        "DIRECT_TEMPLATES": [
            "index",
            "archives",
            "categories",
            "tags",
            "videos",
            "search",
            "not_found",
            *FORM_PAGES,
        ],
        "PAGINATED_TEMPLATES": {"index": None, "category": None, "tag": None},
        "PAGINATION_PATTERNS": (
            (1, "{url}", "{save_as}"),
            (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
        ),
        "FEED_ATOM": p + "feeds/atom.xml",
        "FEED_ATOM_URL": p + "feeds/atom.xml",
        "CATEGORY_FEED_ATOM": p + "feeds/category/{slug}.atom.xml",
        "CATEGORY_FEED_ATOM_URL": p + "feeds/category/{slug}.atom.xml",
        "FEED_ALL_ATOM": None,
        "FEED_ALL_RSS": None,
        "FEED_RSS": None,
        "TRANSLATION_FEED_ATOM": None,
        "TRANSLATION_FEED_RSS": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
        "TAG_FEED_ATOM": None,
        "TAG_FEED_RSS": None,
        "YEAR_ARCHIVE_SAVE_AS": "",
        "MONTH_ARCHIVE_SAVE_AS": "",
        "DAY_ARCHIVE_SAVE_AS": "",
        "DELETE_OUTPUT_DIRECTORY": False,
        "THEME_STATIC_DIR": "theme",
        # Every `{{ value }}` is escaped: titles, categories, tags, manifest texts are plain text
        # (`R&D < 2%` shows as typed, a `<script>` as text). What is markup already is marked so
        # in the templates (`| safe` on the Markdown-made body and summary) or comes as Markup
        # (macros, `_()` with markup in the catalogue, JSON-LD, `once()`).
        "JINJA_ENVIRONMENT": {
            "autoescape": True,
            "extensions": ["jinja2.ext.i18n"],
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
        # Pelican's locale-based dates need system locales this machine may lack; templates format
        # dates with Babel instead (see `newsreel.site.i18n`).
        "DEFAULT_DATE_FORMAT": "%Y-%m-%d",
        "DATE_FORMATS": {},
        "LOCALE": ("C",),
    }
    for name, path in FORM_PAGES.items():
        overrides[f"{name.upper()}_URL"] = p + path
        overrides[f"{name.upper()}_SAVE_AS"] = p + path + "index.html"
    if not first:
        overrides["THEME_STATIC_PATHS"] = []
        overrides["STATIC_PATHS"] = []
    return overrides


def load_language_settings(
    settings_file: Path,
    lang: str,
    *,
    output_dir: Path,
    cache_dir: Path,
    first: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Read `settings_file` as Pelican does, with one language's overrides laid over it."""
    override = language_overrides(lang, first=first)
    override["OUTPUT_PATH"] = str(output_dir)
    override["CACHE_PATH"] = str(cache_dir / lang)
    if extra:
        override.update(extra)
    settings = read_settings(str(settings_file), override=override)
    settings["IGNORE_FILES"] = ignored_files(settings)
    return settings


def served_overrides(settings: dict[str, Any], url: str) -> dict[str, Any]:
    """What a build for `newsreel serve` lays over the editor's settings: the site at `url`,
    the address actually served (or `--site-url`), not the one the settings file assumes.

    In development SITEURL is empty (links are relative) and every absolute URL (hreflang
    alternates, og:url, JSON-LD, feeds, sitemaps, robots.txt) is made on FEED_DOMAIN, which
    names the default port: serving on another port, or on the LAN, rebases them here. Settings
    with a SITEURL (a preview of publishconf.py) have it rebased too, or their links would leave
    the site being served. Neither setting changes what Pelican reads, so its content cache
    (keyed by the settings file, not by these) is used as by any other build.
    """
    overrides: dict[str, Any] = {"FEED_DOMAIN": url}
    if settings.get("SITEURL"):
        overrides["SITEURL"] = url
    return overrides
