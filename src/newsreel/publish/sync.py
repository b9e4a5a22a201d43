"""Carry out a publish plan: uploads tier by tier, deletions, one invalidation.

Uploads go through s3transfer's `TransferManager` (the engine of boto3's `upload_file`): several
files at once, large ones in parts. Each tier is finished before the next one starts, which
is what keeps a publish that dies half-way from leaving a page that names a missing object
(see `plan`). Transient failures (resets, 5xx, SlowDown) are retried by botocore itself
(`cloud.client`); a failure that outlasts the retries stops the publish before the next tier.

Headers are corrected (`correct_headers`) by copying each object onto itself with the right
ones, through the same manager: S3 keeps the bytes, and an object from `MULTIPART_THRESHOLD` up
is copied in parts of the uploads' size, so its ETag stays the multipart one `plan.s3_etag`
expects (one CopyObject would give it a plain MD5, and the next publish would send it again),
and one past CopyObject's 5 GB limit is copied at all. Each copy is made only if the object's
ETag is still the listed one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from s3transfer.subscribers import BaseSubscriber

from newsreel.cloud import CHANGED, error_code, explain
from newsreel.errors import NewsreelError, Problem
from newsreel.publish.plan import MULTIPART_BYTES, Deletion, HeaderFix, PublishPlan, Upload

MULTIPART_THRESHOLD = MULTIPART_BYTES  # `plan.s3_etag` computes the ETag this gives
MAX_INVALIDATION_PATHS = 1000
#: Files in flight at once (S3 takes thousands of requests a second per prefix).
CONCURRENCY = 16
TRANSFER = TransferConfig(
    multipart_threshold=MULTIPART_THRESHOLD,
    multipart_chunksize=MULTIPART_THRESHOLD,
    max_concurrency=CONCURRENCY,
)
#: DeleteObjects takes at most this many keys a request.
DELETE_BATCH = 1000

Progress = Callable[[int], None]


class _Progress(BaseSubscriber):
    def __init__(self, report: Progress):
        self.report = report

    def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
        self.report(bytes_transferred)


def upload_tier(
    uploads: Sequence[Upload], client: Any, on_progress: Progress | None = None
) -> None:
    """Upload `uploads` concurrently; returns when every one is in, or raises the first
    failure (with the object named) once the others have been cancelled or have ended."""
    subscribers = [_Progress(on_progress)] if on_progress else []
    # As a context manager, the manager cancels what is in flight when the block raises.
    with create_transfer_manager(client, TRANSFER) as manager:
        futures = []
        for upload in uploads:
            extra = {"ContentType": upload.content_type, "CacheControl": upload.cache_control}
            future = manager.upload(str(upload.path), upload.bucket, upload.key, extra,
                                    subscribers)  # fmt: skip
            futures.append((upload, future))
        for upload, future in futures:
            try:
                future.result()
            except Exception as error:
                raise explain(error, f"s3://{upload.bucket}/{upload.key}") or error from None


class _Done(BaseSubscriber):
    def __init__(self, report: Progress):
        self.report = report

    def on_done(self, future: Any, **kwargs: Any) -> None:
        self.report(1)


class _Listed(BaseSubscriber):
    """Gives a copy the object's size and ETag from the listing, so that s3transfer does not
    HEAD it again; the copy (each part of it) is then made only if the ETag is still that."""

    def __init__(self, fix: HeaderFix):
        self.fix = fix

    def on_queued(self, future: Any, **kwargs: Any) -> None:
        future.meta.provide_transfer_size(self.fix.size)
        future.meta.provide_object_etag(f'"{self.fix.etag}"')


def correct_headers(
    fixes: Sequence[HeaderFix], client: Any, on_done: Progress | None = None
) -> None:
    """Copy each object of `fixes` onto itself with its right Content-Type and Cache-Control
    (and what else it had: user metadata, Content-Encoding...), concurrently; raises the first
    failure with the object named. One changed since it was listed is not copied."""
    from botocore.exceptions import ClientError

    if not fixes:
        return
    done = [_Done(on_done)] if on_done else []
    with create_transfer_manager(client, TRANSFER) as manager:
        futures = []
        for fix in fixes:
            extra = {
                **fix.keep,
                "MetadataDirective": "REPLACE",
                "ContentType": fix.content_type,
                "CacheControl": fix.cache_control,
                "CopySourceIfMatch": f'"{fix.etag}"',
            }
            source = {"Bucket": fix.bucket, "Key": fix.key}
            future = manager.copy(source, fix.bucket, fix.key, extra, [_Listed(fix), *done])
            futures.append((fix, future))
        for fix, future in futures:
            where = f"s3://{fix.bucket}/{fix.key}"
            try:
                future.result()
            except ClientError as error:
                if error_code(error) not in CHANGED:
                    raise explain(error, where) or error from None
                raise NewsreelError(
                    Problem(where, "", "changed while this publish was correcting its headers",
                            "run the command again")
                ) from None  # fmt: skip
            except Exception as error:
                raise explain(error, where) or error from None


def apply(
    plan: PublishPlan,
    client: Any,
    on_progress: Progress | None = None,
    on_corrected: Progress | None = None,
    before_deleting: Callable[[], None] | None = None,
) -> None:
    """Upload tier by tier (see `plan.Tier`), correct headers, then delete; `before_deleting`
    is called first when there is anything to delete (it raises to stop the deletions)."""
    for uploads in plan.tiers():
        upload_tier(uploads, client, on_progress)
    correct_headers(plan.corrections, client, on_corrected)
    if plan.deletions and before_deleting is not None:
        before_deleting()
    delete(plan.deletions, client)


def delete(deletions: Sequence[Deletion], client: Any) -> None:
    """Delete in batches of DELETE_BATCH keys per bucket."""
    by_bucket: dict[str, list[str]] = {}
    for deletion in deletions:
        by_bucket.setdefault(deletion.bucket, []).append(deletion.key)
    for bucket, keys in by_bucket.items():
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            answer = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                from botocore.exceptions import ClientError

                error = ClientError(
                    {"Error": {"Code": first.get("Code", ""), "Message": first.get("Message")}},
                    "DeleteObjects",
                )
                raise explain(error, f"s3://{bucket}/{first.get('Key')}") or error


def invalidation_path(path: str) -> str:
    """A path as CloudFront takes it: non-ASCII and unsafe characters URL-encoded, as browsers
    request them (`/images/archive%20vid%C3%A9o.mp4`); CloudFront refuses the raw form."""
    return quote(path, safe="/*-._~!$&'()+,;=:@")


def invalidate(paths: Sequence[str], cloudfront: Any, distribution_id: str) -> str | None:
    """One invalidation of `paths` (everything, past MAX_INVALIDATION_PATHS); None: no paths."""
    if not paths:
        return None
    items = (
        [invalidation_path(path) for path in paths]
        if len(paths) <= MAX_INVALIDATION_PATHS
        else ["/*"]
    )
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(items), "Items": items},
            "CallerReference": f"newsreel-{time.time_ns()}",
        },
    )
    return answer["Invalidation"]["Id"]
