"""Development settings of the newsreel site.

`newsreel build` reads this file once per language and lays the per-language URL scheme
(`/en/...`, `/fr/...`) over it (see `newsreel.site.settings`), so only what an editor or a
designer may want to change lives here.
"""

AUTHOR = "NATO"
SITENAME = "NATO Multimedia"
SITEURL = ""
TIMEZONE = "Europe/Brussels"

PATH = "content"
ARTICLE_PATHS = ["news"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
THEME = "theme"
PLUGINS = ["newsreel.site"]

# The portal's languages, in the order the language switcher lists them. The first one is the
# fallback of `/` when the browser asks for neither.
# `category` files an item written without a `Category:` line.
NEWSREEL_LANGUAGES = {
    "en": {
        "name": "English",
        "sitename": "NATO Multimedia",
        "author": "NATO",
        "locale": "en_GB",
        "category": "News",
    },
    "fr": {
        "name": "Français",
        "sitename": "OTAN Multimédia",
        "author": "OTAN",
        "locale": "fr_FR",
        "category": "Actualités",
    },
}
NEWSREEL_TAGLINE = {
    "en": "Official NATO media resources, for media professionals.",
    "fr": "Les ressources médiatiques officielles de l’OTAN, pour les professionnels des médias.",
}

DEFAULT_PAGINATION = 10
SUMMARY_MAX_LENGTH = 60

# Fast rebuilds: reading is skipped for unchanged files, and Pygments never guesses languages.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

# Feeds, language alternates and sitemaps need absolute links; locally they point at
# `newsreel serve` (which builds them for the address it actually serves: `--port`, the LAN).
FEED_DOMAIN = "http://127.0.0.1:8000"

# The visitor's own clip ("Make your own clip" under every video): the longest selection, in
# seconds (default 60: a long soundbite; the clip is made in the browser's memory, at about
# the speed of playback). Its short text credits the video as its manifest's `[credit]` says.
NEWSREEL_CLIP_MAX_SECONDS = 60
