"""Production overrides, read on top of pelicanconf.py by `newsreel publish`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pelicanconf import *  # noqa: E402,F403

SITEURL = "https://multimedia.example.org"
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False

# Where `newsreel publish` sends the site (see infra/site.yaml); override with --bucket etc.
NEWSREEL_BUCKET = "newsreel-site"
NEWSREEL_PRIVATE_BUCKET = "newsreel-private-media"
NEWSREEL_DISTRIBUTION_ID = ""
# The media cache shared by every build machine (s3://bucket/prefix); empty: local cache only.
NEWSREEL_MEDIA_CACHE = ""
