"""The types the site's files go out with do not depend on the machine that publishes them."""

from __future__ import annotations

import json
import subprocess
import sys

from newsreel import content_types

#: Every kind of file a build writes (the demo's output), and what it must go out as.
EXPECTED = {
    "en/index.html": "text/html",
    "theme/css/site.css": "text/css",
    "theme/js/player.js": "text/javascript",
    "media/v/manifest.json": "application/json",
    "sitemap.xml": "application/xml",
    "en/feeds/atom.xml": "application/atom+xml",
    "en/feeds/videos.rss": "application/rss+xml",
    "media/v/captions.en.vtt": "text/vtt",
    "media/v/stream.m3u8": "application/vnd.apple.mpegurl",
    "media/v/a-web.mp4": "video/mp4",
    "media/v/a-audio.m4a": "audio/mp4",
    "media/v/a-still.jpg": "image/jpeg",
    "media/v/a-thumb.webp": "image/webp",
    "theme/images/logo.svg": "image/svg+xml",
    "theme/images/icon.png": "image/png",
    "media/v/press-kit.zip": "application/zip",
    "theme/vendor/hls.js/LICENSE.md": "text/markdown",
    "robots.txt": "text/plain",
    "theme/fonts/a.woff2": "font/woff2",
}


def test_the_types_are_the_tables_on_this_machine():
    assert {name: content_types.content_type(name) for name in EXPECTED} == EXPECTED


def test_the_types_are_the_same_on_a_machine_without_mime_types():
    """A `python:slim` container has no /etc/mime.types: Python's own table alone said
    `text/xml` for the sitemaps and `application/octet-stream` for `.md` and `.m4a`."""
    code = (
        "import json, mimetypes, sys\n"
        "mimetypes.knownfiles[:] = []\n"
        "mimetypes.init(files=[])\n"
        "from newsreel import content_types\n"
        "names = json.loads(sys.argv[1])\n"
        "print(json.dumps({n: content_types.content_type(n) for n in names}))\n"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(EXPECTED))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(answer.stdout) == EXPECTED
