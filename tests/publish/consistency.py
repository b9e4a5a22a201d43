"""What a visitor would meet in the live buckets: every broken reference, as a list of lines.

- Every page (HTML) may name only objects (styles, scripts, images, media, feeds' files) that
  exist in the site bucket.
- Every link a visitor can follow, from the home pages on, leads to a page that exists (a new
  page may link another new page before that one is up, as long as no live page links it).
- Every search entry names a meta file that exists; the meta names chunks, filters and
  fragments that exist; every fragment's page exists.
- Every media manifest names public files that exist in the site bucket and account-only
  files that exist in the private bucket (and only there).
"""

from __future__ import annotations

import gzip
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import cbor2

from newsreel.publish.plan import is_page

SIGNATURE = b"pagefind_dcd"
ROOTS = ("index.html", "en/index.html", "fr/index.html")
_ATTRIBUTES = {"href", "src", "poster", "srcset", "content", "data-src", "data-poster"}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _ATTRIBUTES and value:
                if name == "srcset":
                    self.found += [part.strip().split(" ")[0] for part in value.split(",")]
                else:
                    self.found.append(value)


def key_of(url: str, bases: tuple[str, ...]) -> str | None:
    """The bucket key a same-site URL is served from (None: another site, or the function)."""
    for base in bases:
        if base and url.startswith(base + "/"):
            url = url[len(base) :]
    if not url.startswith("/") or url.startswith("//"):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    if path.startswith("api/"):
        return None
    last = path.rsplit("/", 1)[-1]
    if path == "" or path.endswith("/"):
        return path + "index.html"
    if "." not in last:
        return path + "/index.html"
    return path


def references(html: bytes, bases: tuple[str, ...]) -> set[str]:
    parser = _References()
    parser.feed(html.decode("utf-8"))
    return {key for url in parser.found if (key := key_of(url, bases)) is not None}


class Bucket:
    """The live objects of a bucket."""

    def __init__(self, s3, name: str):
        self.s3, self.name = s3, name
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=name)
        self.keys = {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def read_many(self, keys: list[str]) -> dict[str, bytes]:
        """Many objects, 16 at a time (one after another, a check of the live site took a
        second of every publish test)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(16) as pool:
            return dict(zip(keys, pool.map(self.read, keys), strict=True))


class Folder:
    """A built `output/`, seen as the bucket it would become (`_private/` apart)."""

    def __init__(self, root: Path, private: bool = False):
        self.root = root
        self.keys = {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).as_posix().startswith("_private/") == private
        }

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def read_many(self, keys: list[str]) -> dict[str, bytes]:
        return {key: self.read(key) for key in keys}


def _cbor(data: bytes):
    data = gzip.decompress(data)
    assert data.startswith(SIGNATURE)
    return cbor2.loads(data[len(SIGNATURE) :])


def problems(site, private: set[str], bases: tuple[str, ...] = ()) -> list[str]:
    """Every broken reference in `site` (a Bucket or a Folder), whose account-only files are
    `private` (the private bucket's keys); an empty list: all is well."""
    live = site.keys
    found: list[str] = []
    links: dict[str, set[str]] = {}
    pages = site.read_many(sorted(k for k in live if k.endswith(".html")))
    for key, page in pages.items():
        named = references(page, bases)
        links[key] = {target for target in named if is_page(target)}
        found += [f"{key} names missing {t}" for t in sorted(named - links[key] - live)]
    reachable, todo = set(), [root for root in ROOTS if root in live]
    while todo:
        page = todo.pop()
        if page in reachable:
            continue
        reachable.add(page)
        for target in sorted(links.get(page, ())):
            if target not in live:
                found.append(f"{page} links missing page {target}")
            elif target not in reachable:
                todo.append(target)
    for entry in sorted(k for k in live if k.endswith("/pagefind-entry.json")):
        folder = entry.rsplit("/", 1)[0]
        for language in json.loads(site.read(entry))["languages"].values():
            meta_key = f"{folder}/pagefind.{language['hash']}.pf_meta"
            if meta_key not in live:
                found.append(f"{entry} names missing {meta_key}")
                continue
            meta = _cbor(site.read(meta_key))
            named = [f"{folder}/fragment/{page[0]}.pf_fragment" for page in meta[1]]
            named += [f"{folder}/index/{chunk[2]}.pf_index" for chunk in meta[2]]
            named += [f"{folder}/filter/{pair[1]}.pf_filter" for pair in meta[3]]
            found += [f"{meta_key} names missing {k}" for k in named if k not in live]
            fragments = site.read_many([k for k in named if "/fragment/" in k and k in live])
            for fragment, stored in fragments.items():
                data = gzip.decompress(stored)[len(SIGNATURE) :]
                page = key_of(json.loads(data)["url"], bases)
                if page and page not in live:
                    found.append(f"{fragment} (a search result) links missing page {page}")
    manifests = (k for k in live if k.startswith("media/") and k.endswith("/manifest.json"))
    for manifest in sorted(manifests):
        for url, path, account_only in _files(json.loads(site.read(manifest))):
            if account_only and (path not in private or path in live):
                found.append(f"{manifest}: account-only {path} not in the private bucket only")
            if not account_only and key_of(url, bases) not in live:
                found.append(f"{manifest} names missing {url}")
    return found


def _files(value) -> list[tuple[str, str, bool]]:
    """(url, private path, account-only) of every file a manifest names, wherever it sits."""
    found = []
    if isinstance(value, dict):
        if "access" in value and "url" in value:
            account_only = value["access"] == "account"
            found.append((value["url"], value.get("private_path", ""), account_only))
        for inner in value.values():
            found += _files(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _files(inner)
    return found
