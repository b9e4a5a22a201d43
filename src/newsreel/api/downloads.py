"""Account-only downloads: short-lived links to the private renditions.

In production, an S3 presigned URL (5 minutes) on the private bucket that CloudFront does not
serve (the bucket's CORS rule lets the site's pages read byte ranges of it). Locally, a URL
signed with the server secret that this same app serves from `output/_private/`, honouring
HTTP Range and HEAD.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from newsreel.api.clock import Clock

LINK_LIFETIME_S = 300
#: `expires` is a Unix time: at most 12 digits (a signed link never lives past year 33658).
MAX_EXPIRES_DIGITS = 12


class Downloader(Protocol):
    def url_for(self, private_path: str, filename: str) -> str: ...


class LocalDownloader:
    def __init__(self, output: Path, secret: bytes, clock: Clock):
        self.output = output
        self.secret = secret
        self.clock = clock

    def _signature(self, path: str, expires: int) -> str:
        message = f"download\x1f{path}\x1f{expires}".encode("utf-8", "surrogatepass")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def url_for(self, private_path: str, filename: str) -> str:
        expires = int(self.clock.now()) + LINK_LIFETIME_S
        query = {
            "path": private_path,
            "expires": expires,
            "sig": self._signature(private_path, expires),
        }
        return "/api/download/file?" + urlencode(query)

    def resolve(self, path: str, expires: str, signature: str) -> Path | None:
        """The file a signed local link points at, or None if expired, forged or missing."""
        if not (expires.isascii() and expires.isdigit() and len(expires) <= MAX_EXPIRES_DIGITS):
            return None
        if int(expires) < self.clock.now() or not signature.isascii():
            return None
        if not hmac.compare_digest(
            self._signature(path, int(expires)).encode(), signature.encode()
        ):
            return None
        try:
            target = (self.output / path).resolve()
            private = (self.output / "_private").resolve()
            if not target.is_relative_to(private) or not target.is_file():
                return None
        except (OSError, ValueError):
            return None
        return target


class S3Downloader:
    def __init__(self, client: Callable[[], Any], bucket: str, prefix: str = ""):
        """`client` makes (or returns the one) boto3 S3 client, on first use."""
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def url_for(self, private_path: str, filename: str) -> str:
        return self._client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.prefix + private_path,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=LINK_LIFETIME_S,
        )
