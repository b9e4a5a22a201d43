"""Account-only downloads: short-lived links to the private renditions.

In production, an S3 presigned URL (5 minutes) on the private bucket that CloudFront does not
serve. Locally, a URL signed with the server secret that this same app serves from
`output/_private/`, honouring HTTP Range.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from newsreel.api.clock import Clock

LINK_LIFETIME_S = 300


class Downloader(Protocol):
    def url_for(self, private_path: str, filename: str) -> str: ...


def find_file(media_dir: Path | None, video: str, cut: str, preset: str) -> dict[str, Any] | None:
    """The manifest entry of one cut x preset, or None when any part is unknown."""
    if media_dir is None or "/" in video or video.startswith("."):
        return None
    try:
        manifest = json.loads((media_dir / video / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    for entry_cut in manifest.get("cuts", []):
        if entry_cut["id"] != cut:
            continue
        for entry in entry_cut["files"]:
            if entry["preset"] == preset:
                return entry
    return None


class LocalDownloader:
    def __init__(self, output: Path, secret: bytes, clock: Clock):
        self.output = output
        self.secret = secret
        self.clock = clock

    def _signature(self, path: str, expires: int) -> str:
        message = f"download\x1f{path}\x1f{expires}".encode()
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
        if not expires.isdigit() or int(expires) < self.clock.now():
            return None
        if not hmac.compare_digest(self._signature(path, int(expires)), signature):
            return None
        target = (self.output / path).resolve()
        private = (self.output / "_private").resolve()
        if not target.is_relative_to(private) or not target.is_file():
            return None
        return target


class S3Downloader:
    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def url_for(self, private_path: str, filename: str) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.prefix + private_path,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=LINK_LIFETIME_S,
        )
