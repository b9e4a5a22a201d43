"""Production overrides, read on top of pelicanconf.py by `newsreel publish`."""

import sys

sys.path.append(".")
from pelicanconf import *  # noqa: E402,F403

SITEURL = "https://multimedia.example.org"
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
LOAD_CONTENT_CACHE = False
