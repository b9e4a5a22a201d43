"""The media cache in S3, shared by every build machine, and sources kept in S3.

A build looks a missing output up by its cache key in `s3://bucket/prefix/<key[:2]>/<key>/`
before encoding it, and then fills the bucket with every output of its plan that the bucket
lacks: what it encoded, and also what its local cache already held, so that the first machine
to turn the shared cache on shares everything it has, not only what it encodes from then on;
two machines building the same site encode each output once in total. As in the local cache,
`meta.json` is written last: an entry with it is complete. The client retries transient
failures (`cloud.client`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsreel.cloud import MISSING, error_code
from newsreel.media.cache import MediaCache, decode_meta, encode_meta, sha256_file, write_atomic
from newsreel.progress import SILENT, Reporter


def parse_s3_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"{url!r} is not an s3://bucket/prefix URL")
    return parts.netloc, parts.path.lstrip("/")


def _client(client: Any | None) -> Any:
    if client is not None:
        return client
    from newsreel import cloud

    return cloud.client("s3")


class S3MediaCache:
    def __init__(self, url: str, client: Any | None = None):
        self.bucket, prefix = parse_s3_url(url)
        self.prefix = prefix.rstrip("/") + "/" if prefix else ""
        self.client = _client(client)

    def _entry(self, key: str) -> str:
        return f"{self.prefix}{key[:2]}/{key}/"

    def fetch(self, key: str, local: MediaCache) -> bool:
        """Copy a finished entry into the local cache; False when the bucket has none."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._entry(key) + "meta.json")
        except ClientError as error:
            if error_code(error) in MISSING:
                return False
            raise
        meta = decode_meta(answer["Body"].read())
        temporary = local.scratch_name("fetch")
        try:
            self.client.download_file(self.bucket, self._entry(key) + meta.filename, str(temporary))
            local.put(key, temporary, meta)
        finally:
            temporary.unlink(missing_ok=True)
        return True

    def push(self, key: str, local: MediaCache) -> bool:
        """Upload a finished local entry (the file, then meta.json); False if it has none."""
        found = local.get(key)
        if found is None:
            return False
        file, meta = found
        self.client.upload_file(str(file), self.bucket, self._entry(key) + meta.filename)
        self.client.put_object(
            Bucket=self.bucket, Key=self._entry(key) + "meta.json", Body=encode_meta(meta)
        )
        return True

    def complete_keys(self) -> set[str]:
        """The keys of every complete entry in the bucket (one listing, not one request each)."""
        found = set()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                parts = item["Key"][len(self.prefix) :].split("/")
                if len(parts) == 3 and parts[2] == "meta.json":
                    found.add(parts[1])
        return found

    def fill(
        self, keys: Iterable[str], local: MediaCache, reporter: Reporter = SILENT
    ) -> list[str]:
        """Push every entry of `keys` that the local cache holds and the bucket lacks; returns
        the keys pushed."""
        missing = sorted(set(keys) - self.complete_keys())
        pushed: list[str] = []
        if not missing:
            return pushed
        reporter.start("share", "Filling the shared media cache", len(missing))
        try:
            for done, key in enumerate(missing, 1):
                if self.push(key, local):
                    pushed.append(key)
                reporter.update("share", done)
        finally:
            reporter.finish("share")
        if pushed:
            reporter.note(
                f"shared {len(pushed)} media outputs with s3://{self.bucket}/{self.prefix}"
            )
        return pushed


def fetch_source(url: str, cache_dir: Path, client: Any | None = None) -> Path:
    """An `s3://` source, downloaded once and kept by its SHA-256 under `<cache>/sources/`.

    The object's ETag says whether the copy we have is still the object in the bucket, so an
    unchanged source is never downloaded again.
    """
    client = _client(client)
    bucket, key = parse_s3_url(url)
    etag = client.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    folder = cache_dir / "sources"
    index_path = folder / "index.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        index = {}
    known = index.get(f"{url}#{etag}")
    if known and (folder / known).exists():
        return folder / known
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as handle:
        temporary = Path(handle.name)
    client.download_file(bucket, key, str(temporary))
    name = sha256_file(temporary) + Path(key).suffix
    os.replace(temporary, folder / name)
    index[f"{url}#{etag}"] = name
    write_atomic(index_path, json.dumps(index, indent=1).encode())
    return folder / name
