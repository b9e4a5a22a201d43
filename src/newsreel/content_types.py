"""The content types of the site's files, one table for the CDN and the local server.

`newsreel publish` sends each object with the type Python's `mimetypes` guesses, and
`newsreel serve` answers with the type Starlette guesses the same way; both read the machine's
`mime.types`, which may lack a type (`.m3u8`, `.vtt`, `.webp` on a bare Debian) or name another
(`audio/x-m4a`), or be missing altogether (a `python:slim` container has none: `.md` then
goes out as `application/octet-stream`, `.xml` as `text/xml`). These are the types players,
browsers and CloudFront expect, for every kind of file a build writes, registered once for
both, so what is tried locally is what is published, whatever machine publishes it.
"""

from __future__ import annotations

import functools
import mimetypes

#: Extension -> the content type the site's files of that kind go out with.
TYPES = {
    ".atom": "application/atom+xml",
    ".vtt": "text/vtt",
    ".webp": "image/webp",
    ".m4a": "audio/mp4",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".rss": "application/rss+xml",  # Debian's mime.types says application/x-rss+xml
    # the rest as Debian's mime.types gives them, for machines without one
    ".html": "text/html",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",  # Python's own table says text/xml
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}


def content_type(name: str) -> str:
    """The content type of the site's file `name` (a path or key), without a charset. Feeds
    are told by name as well: `atom.xml` and `*.rss.xml`, whose extension alone says XML."""
    if name.endswith("atom.xml"):
        return "application/atom+xml"
    if name.endswith(".rss.xml"):
        return "application/rss+xml"
    register()
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@functools.cache
def register() -> None:
    """Teach `mimetypes` (and so Starlette's static files) the site's types; once, however
    often it is called (`content_type` calls it for every file it is asked about)."""
    for extension, content_type in TYPES.items():
        mimetypes.add_type(content_type, extension)
