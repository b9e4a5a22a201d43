"""Where the function finds a video's renditions: `media/<video-id>/manifest.json`.

Read where publishing puts it, not from the function's package (issue 10: on Lambda every
download looked in `/var/task/media` and was a 404): a local folder for `newsreel serve`
(`output/media`), the site bucket on AWS (`NEWSREEL_SITE_BUCKET`). Answers, found or not, are
cached briefly in memory (60 s, bounded), so a burst of downloads reads S3 once.

The path parameters are checked before any lookup: ids as the media pipeline writes them
(lower-case letters, digits, single hyphens or underscores), at most 120 characters.

The manifest is read with its typed loader (`newsreel.media.record`, the one home of its
JSON); a damaged or foreign one counts as none, and is logged.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from newsreel.api.clock import Clock
from newsreel.media import record

logger = logging.getLogger(__name__)

SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
MAX_SLUG = 120
CACHE_TTL_S = 60.0
CACHE_ENTRIES = 256


def valid_slug(value: str) -> bool:
    return len(value) <= MAX_SLUG and SLUG.fullmatch(value) is not None


Renditions = dict[tuple[str, str], record.MediaFile]


def renditions(raw: bytes, video_id: str = "") -> Renditions:
    """Every cut x preset of one manifest, by (cut id, preset); {} when it is not one."""
    try:
        video = record.decode(raw, f"media/{video_id}/manifest.json")
    except record.RecordError as error:
        logger.warning("%s", error)
        return {}
    return {(cut.id, entry.preset): entry for cut in video.cuts for entry in cut.files}


class ManifestSource(Protocol):
    def read(self, video_id: str) -> bytes | None:
        """The manifest's bytes, or None when there is none."""


class FolderManifests:
    def __init__(self, media_dir: Path):
        self.media_dir = Path(media_dir)

    def read(self, video_id: str) -> bytes | None:
        try:
            return (self.media_dir / video_id / "manifest.json").read_bytes()
        except OSError:
            return None


#: What S3 answers for a manifest that is not there: 404 NoSuchKey, or 403 AccessDenied to a
#: reader that may not list the bucket, as the function may not (infra/template.yaml gives it
#: `s3:GetObject` on `media/*/manifest.json` only). A 403 may also be a policy that forgot the
#: function: logged, so that one shows.
_NONE = {"NoSuchKey", "404", "NoSuchBucket", "403", "AccessDenied"}


class BucketManifests:
    """`media/<id>/manifest.json` in the site bucket (`newsreel publish` uploads it there)."""

    def __init__(self, client: Callable[[], Any], bucket: str, prefix: str = ""):
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def read(self, video_id: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self._client().get_object(
                Bucket=self.bucket, Key=f"{self.prefix}media/{video_id}/manifest.json"
            )
            return answer["Body"].read()
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in _NONE:
                raise
            if code in ("403", "AccessDenied"):
                logger.warning("s3://%s/%smedia/%s/manifest.json: access denied (missing, or "
                               "the function may not read it)", self.bucket, self.prefix,
                               video_id)  # fmt: skip
            return None


class CachedManifests:
    """Renditions by video, from `source`, each answer (also "none") kept `ttl_s` seconds."""

    def __init__(
        self,
        source: ManifestSource,
        clock: Clock,
        ttl_s: float = CACHE_TTL_S,
        max_entries: int = CACHE_ENTRIES,
    ):
        self.source, self.clock, self.ttl_s, self.max_entries = source, clock, ttl_s, max_entries
        self._entries: OrderedDict[str, tuple[float, Renditions]] = OrderedDict()
        self._lock = threading.Lock()

    def _renditions(self, video_id: str) -> Renditions:
        now = self.clock.now()
        with self._lock:
            cached = self._entries.get(video_id)
            if cached and cached[0] > now:
                self._entries.move_to_end(video_id)
                return cached[1]
        raw = self.source.read(video_id)
        found = renditions(raw, video_id) if raw is not None else {}
        with self._lock:
            self._entries[video_id] = (now + self.ttl_s, found)
            self._entries.move_to_end(video_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def find(self, video_id: str, cut: str, preset: str) -> record.MediaFile | None:
        """One rendition, or None when any part is unknown or not a valid id."""
        if not all(valid_slug(part) for part in (video_id, cut, preset)):
            return None
        return self._renditions(video_id).get((cut, preset))
