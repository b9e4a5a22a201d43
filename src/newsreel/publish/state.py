"""What one publish leaves in each bucket for the next: `.newsreel/publish-state.json`.

A bucket has no transactions, and a publish may be killed at any point, so what a publish
knows only while it runs is written down where the next one will read it:

- `kept`: objects gone from `output/` that are kept a while (see `plan.GRACE_S`), each with
  the time a publish first found it gone, so the grace period survives from one publish to the
  next (only `--delete` removes them, once it has passed);
- `invalidate`: the CDN paths of a publish that has started replacing pages; written before the
  first upload and cleared once the invalidation is sent, so a publish killed in between has
  its invalidation sent by the next one.

The file is hidden from the plan (a dot-folder): never uploaded from `output/`, never deleted.
It names public objects only (the private bucket keeps its own), so its being readable through
the CDN tells nobody anything the site does not.
"""

from __future__ import annotations

from typing import Any

import msgspec

STATE_KEY = ".newsreel/publish-state.json"


class BucketState(msgspec.Struct, kw_only=True, omit_defaults=True):
    version: int = 1
    kept: dict[str, float] = msgspec.field(default_factory=dict)
    invalidate: list[str] = msgspec.field(default_factory=list)


_DECODER = msgspec.json.Decoder(BucketState)


def read(client: Any, bucket: str) -> BucketState:
    """The state the last publish left in `bucket` (an empty one when there is none, or when
    it cannot be read: it only ever makes a publish keep things longer or invalidate more)."""
    from botocore.exceptions import ClientError

    try:
        body = client.get_object(Bucket=bucket, Key=STATE_KEY)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return BucketState()
        raise
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError:
        return BucketState()


def write(client: Any, bucket: str, state: BucketState) -> None:
    client.put_object(
        Bucket=bucket,
        Key=STATE_KEY,
        Body=msgspec.json.encode(state),
        ContentType="application/json",
        CacheControl="no-store",
    )
