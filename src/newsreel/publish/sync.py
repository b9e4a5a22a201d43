"""Carry out a publish plan: uploads (multipart when large), deletions, one invalidation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from boto3.s3.transfer import TransferConfig

from newsreel.publish.plan import PublishPlan

MULTIPART_THRESHOLD = 16 * 1024 * 1024
MAX_INVALIDATION_PATHS = 1000
TRANSFER = TransferConfig(
    multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_THRESHOLD
)


def apply(
    plan: PublishPlan,
    client: Any,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Upload in plan order (media and assets, then pages), then delete what vanished."""
    for upload in plan.ordered_uploads():
        extra = {
            "ContentType": upload.content_type,
            "CacheControl": upload.cache_control,
            "Metadata": {"newsreel-size": str(upload.size)},
        }
        client.upload_file(str(upload.path), upload.bucket, upload.key, ExtraArgs=extra,
                           Config=TRANSFER)  # fmt: skip
        if on_progress:
            on_progress(upload.size)
    for deletion in plan.deletions:
        client.delete_object(Bucket=deletion.bucket, Key=deletion.key)


def invalidate(plan: PublishPlan, cloudfront: Any, distribution_id: str) -> str | None:
    """One invalidation of the changed pages and feeds; none when nothing changed."""
    paths = plan.invalidation_paths()
    if not paths:
        return None
    if len(paths) > MAX_INVALIDATION_PATHS:
        paths = ["/*"]
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"newsreel-{time.time_ns()}",
        },
    )
    return answer["Invalidation"]["Id"]
