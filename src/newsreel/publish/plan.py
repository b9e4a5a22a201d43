"""What a publish would do: which files to upload, skip or delete, and with which headers.

Content-addressed files (media under their cache key, fingerprinted theme assets) never change
under the same name, so an object of the same size is the same file; every other file is
compared by MD5 with the object's ETag (they are small, uploaded in one part). HTML and feeds
go up last, after the media and assets they point at, and deletions come after everything.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreel.media.record import PRIVATE_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300, must-revalidate"
MEDIUM = "public, max-age=3600"
_CONTENT_ADDRESSED = re.compile(
    r"^(?:_private/)?media/[^/]+/[0-9a-f]{16}/|^theme/.+\.[0-9a-f]{10}\.\w+$"
)
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml",
               "application/rss+xml", "image/svg+xml", "application/javascript")  # fmt: skip
mimetypes.add_type("application/atom+xml", ".atom")
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


def content_type(key: str) -> str:
    if key.endswith(("atom.xml", ".atom.xml")):
        guessed = "application/atom+xml"
    elif key.endswith(".rss.xml"):
        guessed = "application/rss+xml"
    else:
        guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if guessed.startswith(_TEXT_TYPES):
        return f"{guessed}; charset=utf-8"
    return guessed


def is_page(key: str) -> bool:
    """HTML pages and feeds: what visitors read first, published last, invalidated."""
    return key.endswith((".html", ".xml"))


def cache_control(key: str) -> str:
    if _CONTENT_ADDRESSED.match(key):
        return IMMUTABLE
    if is_page(key) or key.endswith(".json"):
        return SHORT
    return MEDIUM


def md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Upload:
    key: str
    path: Path
    size: int
    bucket: str
    content_type: str
    cache_control: str
    reason: str


@dataclass
class Deletion:
    key: str
    bucket: str


@dataclass
class PublishPlan:
    uploads: list[Upload] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)

    def ordered_uploads(self) -> list[Upload]:
        """Media and assets first, pages and feeds last (so no page points at a missing file)."""
        return sorted(self.uploads, key=lambda upload: (is_page(upload.key), upload.key))

    def invalidation_paths(self) -> list[str]:
        """The changed (uploaded or deleted) pages and feeds, as CloudFront paths."""
        keys = [u.key for u in self.uploads] + [d.key for d in self.deletions]
        paths: set[str] = set()
        for key in keys:
            if not is_page(key) or key.startswith(PRIVATE_DIR):
                continue
            paths.add("/" + key)
            if key == "index.html" or key.endswith("/index.html"):
                paths.add("/" + key.removesuffix("index.html"))
        return sorted(paths)

    @property
    def upload_bytes(self) -> int:
        return sum(upload.size for upload in self.uploads)


def remote_objects(client: Any, bucket: str, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every object of the bucket (under prefix): key -> {size, etag}."""
    found: dict[str, dict[str, Any]] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = {"size": item["Size"], "etag": item["ETag"].strip('"')}
    return found


def make_plan(
    output: Path,
    client: Any,
    bucket: str,
    private_bucket: str | None,
    delete: bool = False,
) -> PublishPlan:
    """Compare `output/` with the buckets; `_private/` goes to the private bucket only."""
    plan = PublishPlan()
    public = remote_objects(client, bucket)
    private = remote_objects(client, private_bucket, PRIVATE_DIR + "/") if private_bucket else {}
    seen: dict[str, set[str]] = {bucket: set(), private_bucket or "": set()}
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        key = path.relative_to(output).as_posix()
        if any(part.startswith(".") for part in key.split("/")):
            continue
        is_private = key.startswith(PRIVATE_DIR + "/")
        if is_private and not private_bucket:
            continue  # never to the public bucket
        target, remote = (private_bucket, private) if is_private else (bucket, public)
        seen[target].add(key)
        size = path.stat().st_size
        existing = remote.get(key)
        if existing is None:
            reason = "new"
        elif _CONTENT_ADDRESSED.match(key):
            reason = "" if existing["size"] == size else "size changed"
        elif "-" not in existing["etag"] and existing["etag"] == md5_file(path):
            reason = ""
        else:
            reason = "changed"
        if not reason:
            plan.skipped.append(key)
            continue
        plan.uploads.append(
            Upload(key, path, size, target, content_type(key), cache_control(key), reason)
        )
    if delete:
        for target, remote in ((bucket, public), (private_bucket, private)):
            if target:
                plan.deletions += [
                    Deletion(key, target) for key in sorted(set(remote) - seen[target])
                ]
    return plan
