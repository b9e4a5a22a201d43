"""The content types of the site's files, one table for the CDN and the local server.

`newsreel publish` sends each object with the type Python's `mimetypes` guesses, and
`newsreel serve` answers with the type Starlette guesses the same way; both read the machine's
`mime.types`, which may lack a type (`.m3u8`, `.vtt`, `.webp` on a bare Debian) or name another
(`audio/x-m4a`). These are the types players, browsers and CloudFront expect, registered once
for both, so what is tried locally is what is published.
"""

from __future__ import annotations

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
}


def register() -> None:
    """Teach `mimetypes` (and so Starlette's static files) the site's types; idempotent."""
    for extension, content_type in TYPES.items():
        mimetypes.add_type(content_type, extension)
