"""Carry out a publish plan: uploads tier by tier, deletions, one invalidation.

Uploads go through s3transfer's `TransferManager` (the engine of boto3's `upload_file`): several
files at once, large ones in parts. Each tier is finished before the next one starts, which
is what keeps a publish that dies half-way from leaving a page that names a missing object
(see `plan`). Transient failures (resets, 5xx, SlowDown) are retried by botocore itself
(`cloud.client`); a failure that outlasts the retries stops the publish before the next tier.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from s3transfer.subscribers import BaseSubscriber

from newsreel.cloud import explain
from newsreel.publish.plan import MULTIPART_BYTES, Deletion, PublishPlan, Upload

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


def apply(plan: PublishPlan, client: Any, on_progress: Progress | None = None) -> None:
    """Upload tier by tier (see `plan.Tier`), then delete."""
    for uploads in plan.tiers():
        upload_tier(uploads, client, on_progress)
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
