"""What one publish leaves in each bucket for the next: `.newsreel/publish-state.json`.

A bucket has no transactions, and a publish may be killed at any point, so what a publish
knows only while it runs is written down where the next one will read it:

- `kept`: objects gone from `output/` that are kept a while (see `plan.GRACE_S`), each with
  the time a publish first found it gone, so the grace period survives from one publish to the
  next (only `--delete` removes them, once it has passed);
- `invalidate`: the CDN paths of a publish that has started replacing pages; written before the
  first upload and cleared once the invalidation is sent, so a publish killed in between has
  its invalidation sent by the next one;
- `headers`: the fingerprint of the header rules (`plan.header_rules`) the bucket's objects
  were last published or checked with; written only once a publish has ended, so one killed
  while correcting headers leaves the old one, and the next publish checks again. None
  recorded (a bucket an older newsreel published) counts as other rules.

Beside it, `.newsreel/publish-lock.json` says a publish is under way (`lock`): two at once
(two checkouts, two CI jobs) would each list the bucket while the other writes it, and one's
`--delete` would remove the pages the other has just linked. It is created only if absent
(S3's conditional write, `If-None-Match: *`), so exactly one publish gets it; the other stops
in one line naming the holder. A publish removes it when it ends, stopped or not; one that was
killed leaves it, and the next publish on the same machine, seeing that process gone, takes
it over.

The files are hidden from the plan (a dot-folder): never uploaded from `output/`, never deleted.
It names public objects only (the private bucket keeps its own), so its being readable through
the CDN tells nobody anything the site does not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from typing import Any

import msgspec

from newsreel.cloud import CHANGED, MISSING, error_code
from newsreel.errors import NewsreelError, Problem

STATE_KEY = ".newsreel/publish-state.json"
LOCK_KEY = ".newsreel/publish-lock.json"


class BucketState(msgspec.Struct, kw_only=True, omit_defaults=True):
    version: int = 1
    kept: dict[str, float] = msgspec.field(default_factory=dict)
    invalidate: list[str] = msgspec.field(default_factory=list)
    headers: str = ""


_DECODER = msgspec.json.Decoder(BucketState)


def read(client: Any, bucket: str) -> BucketState:
    """The state the last publish left in `bucket` (an empty one when there is none, or when
    it cannot be read: it only ever makes a publish keep things longer or invalidate more)."""
    from botocore.exceptions import ClientError

    try:
        body = client.get_object(Bucket=bucket, Key=STATE_KEY)["Body"].read()
    except ClientError as error:
        if error_code(error) in MISSING:
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


class Lock(msgspec.Struct, kw_only=True):
    """Who is publishing: the machine, the process, since when (seconds since the epoch)."""

    host: str
    pid: int
    started: float


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def lock(client: Any, bucket: str, now: float) -> None:
    """Take `bucket`'s publish lock, or raise a NewsreelError naming the publish that holds
    it. A lock left by a killed process of this machine is taken over."""
    from botocore.exceptions import ClientError

    body = msgspec.json.encode(Lock(host=socket.gethostname(), pid=os.getpid(), started=now))
    for _ in range(2):
        try:
            client.put_object(Bucket=bucket, Key=LOCK_KEY, Body=body, IfNoneMatch="*",
                              ContentType="application/json", CacheControl="no-store")  # fmt: skip
            return
        except ClientError as error:
            if error_code(error) not in CHANGED:
                raise
        try:
            answer = client.get_object(Bucket=bucket, Key=LOCK_KEY)
            held = msgspec.json.decode(answer["Body"].read(), type=Lock)
        except ClientError:
            continue  # released meanwhile: try again
        except msgspec.DecodeError:
            held = Lock(host="?", pid=0, started=0.0)
        if held.host == socket.gethostname() and not _alive(held.pid):
            with contextlib.suppress(ClientError):  # only that lock, not one taken meanwhile
                client.delete_object(Bucket=bucket, Key=LOCK_KEY, IfMatch=answer["ETag"])
            continue
        since = dt.datetime.fromtimestamp(held.started, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise NewsreelError(
            Problem(f"s3://{bucket}", "", f"another publish is under way (process {held.pid} "
                    f"on {held.host}, since {since})", "wait for it to end, then run the "
                    "command again; if it was killed on another machine, delete "
                    f"s3://{bucket}/{LOCK_KEY} and run the command again")
        )  # fmt: skip
    raise NewsreelError(
        Problem(f"s3://{bucket}/{LOCK_KEY}", "", "changed hands while this publish waited",
                "run the command again")
    )  # fmt: skip


def unlock(client: Any, bucket: str) -> None:
    client.delete_object(Bucket=bucket, Key=LOCK_KEY)
