"""What a publish would do: the pure diff of `output/` against the buckets' listings.

Nothing here speaks to AWS: `diff` takes the local files, the listings and the state the last
publish left in each bucket, and says what to upload, in which order, what to delete now, what
to keep a while longer, and which CDN paths to invalidate.

- **Order (tiers).** A bucket has no transactions, so a publish that dies half-way must leave
  every live page pointing only at objects that exist. Content-addressed files (media under
  their cache key, fingerprinted theme assets, search chunks) go up first: a new name is never
  linked before it exists. Then fixed-name files that pages load (the media manifests, which the
  function reads too, scripts, the search scripts), then pages no live page links yet, then the
  pages that replace live ones, and last the search entries, which name the pages that search
  results link to. Deletions come after everything.
- **Skips.** A content-addressed object of the same size is the same file; every other file
  is compared by MD5 with the object's ETag (they are small, uploaded in one part).
- **Deletions** (with `--delete`). A vanished page goes at once. Anything else a page may name
  (media, assets, search chunks, manifests) may still be named by a copy of an older page in a
  browser or the CDN, so it is kept for `GRACE_S`, the longest such a copy lives, counted from
  the publish that first found it gone from `output/` (the bucket's state, see `state`), and
  removed by the first publish after that.
- **Headers.** A skipped file keeps the headers it was uploaded with, so when the rules that
  give them change (`content_type`, `cache_control`, `content_types.TYPES`), or when someone
  changes an object's metadata by hand, the live object would keep the old ones for ever.
  `header_rules` is a fingerprint of those rules, which each bucket's state records; a publish
  that finds another one there (or none: a bucket published by an older newsreel), or that is
  asked to (`--check-headers`), reads the headers of the objects it skips, once, and
  `header_fixes` says which to correct in place (`HeaderFix`). Reading them at every publish
  would cost a request per object for nothing.
- **Invalidation.** Only fixed names that were replaced or deleted: a new name is not in any
  cache, and a content-addressed one never changes; and every object whose headers were
  corrected, content-addressed or not, since the CDN keeps the headers with the bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path, PurePosixPath

from newsreel import content_types
from newsreel.build.search import ENTRY
from newsreel.errors import Problem
from newsreel.media.record import PRIVATE_DIR
from newsreel.publish import is_hidden

#: How long browsers and the CDN keep pages and feeds, and other fixed-name files.
PAGE_MAX_AGE = 300
FILE_MAX_AGE = 3600
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = f"public, max-age={PAGE_MAX_AGE}, must-revalidate"
MEDIUM = f"public, max-age={FILE_MAX_AGE}"
#: How long an object no page names any more is kept: the longest a cached copy of something
#: that names it (a page, a manifest, a search entry, a script) may still be used.
GRACE_S = max(PAGE_MAX_AGE, FILE_MAX_AGE)

_CONTENT_ADDRESSED = re.compile(
    r"^(?:_private/)?media/[^/]+/[0-9a-f]{16}/"  # media/<video>/<key16>/<file>
    r"|^theme/.+\.[0-9a-f]{10}\.\w+$"  # fingerprinted theme assets
    r"|^pagefind/[^/]+/(?:fragment|index|filter)/"  # search chunks, named by their hash
    r"|^pagefind/[^/]+/pagefind\.[^/]+\.pf_meta$"  # the search meta, named by its hash
)
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml",
               "application/rss+xml", "image/svg+xml", "application/javascript")  # fmt: skip
content_types.register()


class Tier(IntEnum):
    """Upload order: every tier is complete before the next one starts."""

    ADDRESSED = 0  # named by their content: never linked before they exist
    FILE = 1  # fixed-name files that pages load: manifests, scripts, unfingerprinted styles
    NEW_PAGE = 2  # pages and feeds no live page links yet
    PAGE = 3  # pages and feeds that replace live ones
    ENTRY = 4  # the search entries: search results link to the pages


def content_type(key: str) -> str:
    guessed = content_types.content_type(key)
    if guessed.startswith(_TEXT_TYPES):
        return f"{guessed}; charset=utf-8"
    return guessed


def is_page(key: str) -> bool:
    """HTML pages and feeds (Atom, RSS, sitemaps): what visitors and readers load first."""
    return key.endswith((".html", ".xml", ".rss", ".atom"))


def is_addressed(key: str) -> bool:
    """Named by its content: the same name is always the same bytes."""
    return _CONTENT_ADDRESSED.match(key) is not None


def is_entry(key: str) -> bool:
    return key.startswith("pagefind/") and key.endswith("/" + ENTRY)


def tier(key: str, exists: bool) -> Tier:
    if is_addressed(key):
        return Tier.ADDRESSED
    if is_entry(key):
        return Tier.ENTRY
    if is_page(key):
        return Tier.PAGE if exists else Tier.NEW_PAGE
    return Tier.FILE


def cache_control(key: str) -> str:
    if is_addressed(key):
        return IMMUTABLE
    if is_page(key) or key.endswith(".json"):
        return SHORT
    return MEDIUM


#: Bump when `content_type` or `cache_control` change in a way that `_PROBES` do not show (a
#: rule for a kind of key none of them is), so that the next publish checks the live headers.
HEADER_RULES_VERSION = 1
#: One key of each kind the rules tell apart; with a file of every known extension, and of
#: every typed extension the published files have, their headers are what `header_rules` hashes.
_PROBES = (
    "index.html", "en/news/meeting/index.html", "en/feeds/atom.xml", "en/feeds/all.rss.xml",
    "en/feeds/all.atom.xml", "sitemap.xml", "en/sitemap.xml", "robots.txt", "llms.txt",
    "media/v/0123456789abcdef/clip-720p.mp4", "_private/media/v/0123456789abcdef/clip.mp4",
    "media/v/manifest.json", "theme/css/site.0123456789.css", "theme/css/site.css",
    "theme/js/site.0123456789.js", "theme/js/site.js", "pagefind/pagefind.js",
    "pagefind/en/pagefind-entry.json", "pagefind/en/pagefind.en_0123456789.pf_meta",
    "pagefind/en/fragment/en_0123456.pf_fragment", "pagefind/en/index/en_0123456.pf_index",
    "pagefind/en/filter/en_0123456.pf_filter", "file",
)  # fmt: skip

#: What a file of an extension nobody knows goes out as.
_NO_TYPE = "application/octet-stream"


def headers(key: str) -> tuple[str, str]:
    """The Content-Type and Cache-Control `key` is published with."""
    return content_type(key), cache_control(key)


def header_rules(keys: Iterable[str] = ()) -> str:
    """A fingerprint of the rules that give objects their headers: what they give a key of each
    kind (`_PROBES`), a file of every extension newsreel knows, and one of every extension
    among `keys` that has a type (the machine's own `mime.types` names some newsreel does not
    know, so two machines may differ), with `HEADER_RULES_VERSION`. An extension with no type
    (`LICENSE.ca8773cf79`, a fingerprinted name) is left out: a new one is no new rule."""
    known = set(content_types.TYPES)
    found = {PurePosixPath(key).suffix.lower() for key in keys} - known
    names = {f"file{extension}" for extension in known}
    names |= {f"file{ext}" for ext in found if content_type(f"file{ext}") != _NO_TYPE}
    lines = [f"v{HEADER_RULES_VERSION}"]
    lines += ["\t".join((probe, *headers(probe))) for probe in sorted(names | set(_PROBES))]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


#: Files from this size up are uploaded in parts of this size (`sync.TRANSFER`), and S3's ETag
#: of such an object is then the MD5 of its parts' MD5s, with their count: `<md5>-<parts>`.
MULTIPART_BYTES = 16 * 1024 * 1024


def md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def s3_etag(path: Path) -> str:
    """The ETag S3 gives `path` uploaded as `sync` uploads it: in parts from `MULTIPART_BYTES`
    up, so that a large file that did not change is seen not to have (it was sent again, and
    its page invalidated, at every publish)."""
    if path.stat().st_size < MULTIPART_BYTES:
        return md5_file(path)
    parts = []
    with path.open("rb") as handle:
        while part := handle.read(MULTIPART_BYTES):
            parts.append(hashlib.md5(part, usedforsecurity=False).digest())
    return f"{hashlib.md5(b''.join(parts), usedforsecurity=False).hexdigest()}-{len(parts)}"


@dataclass(frozen=True)
class RemoteObject:
    size: int
    etag: str


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    size: int
    bucket: str
    content_type: str
    cache_control: str
    reason: str
    tier: Tier


@dataclass(frozen=True)
class LiveHeaders:
    """What a HEAD of an object says about the headers `newsreel` gives it, and what else a
    copy in place must keep (its user metadata, Content-Encoding...)."""

    content_type: str
    cache_control: str
    keep: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HeaderFix:
    """An unchanged object whose headers are not the rules': copied onto itself with the
    right ones (its bytes and ETag stay), if its ETag is still `etag`."""

    key: str
    bucket: str
    size: int
    etag: str
    content_type: str
    cache_control: str
    #: What was wrong, to show: "Content-Type application/octet-stream".
    was: str
    keep: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Deletion:
    key: str
    bucket: str
    #: When a publish first found it gone from output/ (None: a page, deleted at once).
    gone_since: float | None = None


@dataclass
class PublishPlan:
    uploads: list[Upload] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Deleted by this publish (with --delete), after every upload.
    deletions: list[Deletion] = field(default_factory=list)
    #: Gone from output/ but kept, by bucket: key -> when first found gone.
    kept: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Invalidations a publish that stopped early did not send.
    pending_paths: list[str] = field(default_factory=list)
    #: Skipped objects whose headers are corrected in place (see `header_fixes`).
    corrections: list[HeaderFix] = field(default_factory=list)
    #: How many skipped objects' headers were read to find them, and why (empty: none read).
    headers_read: int = 0
    headers_why: str = ""

    def ordered_uploads(self) -> list[Upload]:
        """By tier, then by key."""
        return sorted(self.uploads, key=lambda upload: (upload.tier, upload.key))

    def tiers(self) -> list[list[Upload]]:
        """The uploads in tiers, each to be complete before the next one starts."""
        tiers: dict[Tier, list[Upload]] = {}
        for upload in self.ordered_uploads():
            tiers.setdefault(upload.tier, []).append(upload)
        return list(tiers.values())

    def invalidation_paths(self, site_bucket: str) -> list[str]:
        """CDN paths of the fixed-name public objects this publish replaces or deletes, and
        those a stopped publish left pending."""
        keys = [u.key for u in self.uploads if u.bucket == site_bucket and u.reason != "new"]
        keys += [d.key for d in self.deletions if d.bucket == site_bucket]
        keys = [key for key in keys if not is_addressed(key)]
        keys += [fix.key for fix in self.corrections if fix.bucket == site_bucket]
        paths = set(self.pending_paths)
        for key in keys:
            paths.add("/" + key)
            if key == "index.html" or key.endswith("/index.html"):
                paths.add("/" + key.removesuffix("index.html"))
        return sorted(paths)

    @property
    def upload_bytes(self) -> int:
        return sum(upload.size for upload in self.uploads)

    @property
    def changes_anything(self) -> bool:
        return bool(self.uploads or self.deletions or self.pending_paths or self.corrections)


def local_files(output: Path) -> dict[str, Path]:
    """Every file of `output/` to publish, by key, sorted (hidden ones left out).

    A folder that is a symbolic link (`output/media` moved to a bigger disk) is published as a
    web server would serve it: os.walk's default skipped it, silently, and `--delete` then
    removed its files from the live site. A link back to a folder above it is not followed."""
    found = {}
    above: dict[str, frozenset[str]] = {}  # folder -> the real paths of it and its parents
    for folder, folders, files in os.walk(output, followlinks=True):
        real = os.path.realpath(folder)
        parents = above.get(os.path.dirname(folder), frozenset())
        if real in parents:  # a link back to a folder above: already being walked
            folders[:] = []
            continue
        above[folder] = parents | {real}
        folders[:] = [name for name in folders if not name.startswith(".")]
        prefix = Path(folder).relative_to(output).as_posix()
        for name in files:
            if not name.startswith("."):
                found[name if prefix == "." else f"{prefix}/{name}"] = Path(folder, name)
    return dict(sorted(found.items()))


#: S3 refuses longer keys (KeyTooLongError), counted in UTF-8 bytes.
MAX_KEY_BYTES = 1024


def unpublishable(files: Mapping[str, Path]) -> list[Problem]:
    """Files no bucket can hold under their name, each with its fix: a name that is not UTF-8
    (made on another system: S3 keys are UTF-8, and boto3 stopped on it with a
    UnicodeEncodeError, half-way), or a key longer than S3 takes."""
    problems = []
    for key, path in files.items():
        try:
            size = len(key.encode("utf-8"))
        except UnicodeEncodeError:
            shown = os.fsencode(path.name).decode("utf-8", "replace")
            problems.append(Problem(path.parent / shown, "", "its name is not UTF-8 (it was "
                                    "made on a system with another encoding)", "rename it in "
                                    "the source and build again"))  # fmt: skip
            continue
        if size > MAX_KEY_BYTES:
            problems.append(Problem(path, "", f"its key is {size} bytes long, and S3 takes at "
                                    f"most {MAX_KEY_BYTES}", "give it (or its folders) a "
                                    "shorter name in the source and build again"))  # fmt: skip
    return problems


def _reason(key: str, path: Path, size: int, existing: RemoteObject | None) -> str:
    if existing is None:
        return "new"
    if is_addressed(key):
        return "" if existing.size == size else "size changed"
    if existing.size == size and existing.etag == s3_etag(path):
        return ""
    return "changed"


def bucket_for(key: str, site_bucket: str, private_bucket: str | None) -> str | None:
    """The bucket `key` is published to: `_private/` to the private bucket only (None: there
    is none), everything else to the site bucket."""
    return private_bucket if key.startswith(PRIVATE_DIR + "/") else site_bucket


def diff(
    files: Mapping[str, Path],
    buckets: Mapping[str, Mapping[str, RemoteObject]],
    site_bucket: str,
    private_bucket: str | None,
    *,
    kept: Mapping[str, Mapping[str, float]] | None = None,
    pending_paths: Iterable[str] = (),
    now: float,
    delete: bool = False,
) -> PublishPlan:
    """Compare `files` (key -> path) with each bucket's listing (key -> object).

    `_private/` goes to the private bucket only, never to the site bucket. `kept` is what the
    last publish kept back from deletion (bucket -> key -> since when), `pending_paths` the
    invalidations it did not send; `now` is the time of this publish (seconds since the epoch).
    """
    plan = PublishPlan(pending_paths=sorted(set(pending_paths)))
    kept = kept or {}
    seen: dict[str, set[str]] = {name: set() for name in buckets}
    for key, path in files.items():
        target = bucket_for(key, site_bucket, private_bucket)
        if target is None:
            continue  # never to the site bucket; the use case refuses this case before
        seen[target].add(key)
        size = path.stat().st_size
        existing = buckets[target].get(key)
        reason = _reason(key, path, size, existing)
        if not reason:
            plan.skipped.append(key)
            continue
        plan.uploads.append(
            Upload(key, path, size, target, content_type(key), cache_control(key), reason,
                   tier(key, existing is not None))
        )  # fmt: skip
    for name, listing in buckets.items():
        before = kept.get(name, {})
        plan.kept[name] = {}
        for key in sorted(set(listing) - seen[name]):
            if is_hidden(key):
                continue
            if is_page(key) and not is_addressed(key):
                if delete:
                    plan.deletions.append(Deletion(key, name))
                continue
            since = before.get(key, now)
            if delete and now - since >= GRACE_S:
                plan.deletions.append(Deletion(key, name, since))
            else:
                plan.kept[name][key] = since
    return plan


def header_fixes(
    skipped: Iterable[tuple[str, str]],
    listings: Mapping[str, Mapping[str, RemoteObject]],
    live: Mapping[tuple[str, str], LiveHeaders],
) -> list[HeaderFix]:
    """The `skipped` objects ((bucket, key)) whose `live` headers (read by a HEAD; an object
    not read is left alone) are not those the rules give them, sorted by bucket and key."""
    fixes = []
    for bucket, key in sorted(skipped):
        found = live.get((bucket, key))
        if found is None:
            continue
        wanted_type, wanted_cache = headers(key)
        wrong = []
        if found.content_type != wanted_type:
            wrong.append(f"Content-Type {found.content_type or '(none)'}")
        if found.cache_control != wanted_cache:
            wrong.append(f"Cache-Control {found.cache_control or '(none)'}")
        if wrong:
            listed = listings[bucket][key]
            fixes.append(HeaderFix(key, bucket, listed.size, listed.etag, wanted_type,
                                   wanted_cache, ", ".join(wrong), found.keep))  # fmt: skip
    return fixes
