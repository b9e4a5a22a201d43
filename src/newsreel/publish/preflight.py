"""Checks before a publish builds or sends anything: the buckets, the credentials, the region,
the distribution.

Each check is one cheap read that fails the way the publish itself would, only earlier, with
nothing sent: listing a bucket says whether it exists and whether these credentials may read
it (and whether they are credentials at all); its region must be the client's, or every
request would first go to the wrong place; the distribution must exist for the invalidation at
the end. The right to write is proved by the publish's own first write, its state journal
(`publish.state`), before any object goes up. Failures become one-line `NewsreelError`s
(`cloud.explain`). The client here gives up sooner than the publishing one: an operator who
mistyped an endpoint should hear about it in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from newsreel import cloud
from newsreel.errors import NewsreelError, Problem

#: Fewer attempts and a short connect timeout: a preflight answers quickly either way.
PREFLIGHT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 3}, "connect_timeout": 5}


def preflight_client(service: str) -> Any:
    return cloud.client(service, config_options=dict(PREFLIGHT_CONFIG))


def check_bucket(s3: Any, bucket: str) -> None:
    """The bucket exists, these credentials may list it, and it is in the client's region."""
    resource = f"s3://{bucket}"
    try:
        s3.list_objects_v2(Bucket=bucket, MaxKeys=1)
        answer = s3.head_bucket(Bucket=bucket)
    except Exception as error:
        raise cloud.explain(error, resource) or error from None
    region = answer.get("BucketRegion") or answer.get("ResponseMetadata", {}).get(
        "HTTPHeaders", {}
    ).get("x-amz-bucket-region")
    ours = s3.meta.region_name
    if region and ours and region != ours:
        named = [name for name in ("AWS_REGION", "AWS_DEFAULT_REGION") if os.environ.get(name)]
        said = f"{named[0]} is {ours}" if named else f"the region in use is {ours} (none is set)"
        raise NewsreelError(
            Problem(resource, "", f"is in region {region}, but {said}",
                    f"set AWS_REGION={region} (or AWS_DEFAULT_REGION, or the profile's region)")
        )  # fmt: skip


def check_distribution(cloudfront: Any, distribution_id: str) -> None:
    """The distribution exists and these credentials may read it."""
    try:
        cloudfront.get_distribution(Id=distribution_id)
    except Exception as error:
        raise cloud.explain(error, f"CloudFront distribution {distribution_id}") or error from None


def check(buckets: Iterable[str], distribution: str | None) -> None:
    """Every check, in the order an operator fixes things: buckets, then the distribution."""
    s3 = preflight_client("s3")
    for bucket in buckets:
        check_bucket(s3, bucket)
    if distribution:
        check_distribution(preflight_client("cloudfront"), distribution)
