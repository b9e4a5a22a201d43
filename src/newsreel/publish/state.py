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
in one line naming the holder. A publish removes it when it ends, stopped or not.

One that is killed cannot, and it is usually killed elsewhere: a CI runner stopped by its
timeout and then thrown away, a laptop that lost power. No process will ever come back for
that lock, so it is a lease: its holder renews it every `HEARTBEAT_S` (`renewed`, beside
`started`), and one not renewed for `EXPIRY_S` is taken over by the next publish, from any
machine, with a warning naming whose it was (one a dead process of this machine left, at
once). Every write of the lock but its creation is conditional on the ETag its writer last
saw (`If-Match`), so that:

- of two publishes taking over one abandoned lock at once, only one gets it;
- a renewal that finds the lock changed or gone knows it is not ours any more: the publish
  stops, in one line, before its next write (`Held.guard`, a hook of its S3 client), and its
  deletions wait for S3 to confirm the lock ours at that moment (`Held.ensure`);
- a publish that stalled past the expiry, its lock taken over, never deletes its successor's
  (`unlock` deletes with `If-Match` too, and leaves a lock that is not ours).

The files are hidden from the plan (a dot-folder): never uploaded from `output/`, never deleted.
It names public objects only (the private bucket keeps its own), so its being readable through
the CDN tells nobody anything the site does not.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgspec

from newsreel.cloud import CHANGED, MISSING, error_code, explain
from newsreel.errors import NewsreelError, Problem
from newsreel.processes import running
from newsreel.progress import SILENT, Reporter

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
    """Who is publishing: the machine, the process, since when, and when it last said it still
    is (seconds since the epoch). `token` is drawn afresh each time a publish takes the lock,
    so that its body, and so its ETag, is that publish's own even when two share a host name
    and a pid (containers, two threads of a test)."""

    host: str
    pid: int
    started: float
    renewed: float = 0.0
    token: str = ""

    def __post_init__(self) -> None:
        if not self.renewed:  # written by a newsreel without a heartbeat
            self.renewed = self.started


#: How often a publish renews its lock, in seconds. A renewal is one small conditional PUT (two
#: a minute cost nothing); 30 s keeps the lock's age far below `EXPIRY_S` even when a renewal or
#: two are lost to an S3 brownout, since botocore's retries of one request can take a minute.
HEARTBEAT_S = 30.0
#: A lock not renewed for this long is taken over by the next publish, from any machine: ten
#: heartbeats, so a live publish whose renewals fail for a while keeps it, while one killed on a
#: CI runner that is then thrown away holds up the next publish five minutes at most. The age is
#: the taker's clock less the holder's `renewed`, so clocks must agree within a few minutes
#: (NTP); a holder whose clock is further behind loses its lock, notices, and stops.
EXPIRY_S = 300.0
#: A write of the publish goes out only if S3 has confirmed the lock ours this recently (two
#: heartbeats); past it (a process suspended, renewals failing) the lock is renewed first, and
#: the write waits. `EXPIRY_S` less this is the margin left for clocks and slow requests.
CONFIRMED_S = 2 * HEARTBEAT_S
#: The S3 operations that write: those `Held.guard` lets out only while the lock is ours.
WRITES = frozenset(
    {
        "PutObject", "CopyObject", "DeleteObject", "DeleteObjects", "CreateMultipartUpload",
        "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "PutObjectAcl",
        "PutObjectTagging",
    }
)  # fmt: skip

_LOCK_DECODER = msgspec.json.Decoder(Lock)
#: The time, in seconds since the epoch (tests pass their own).
Clock = Callable[[], float]
_log = logging.getLogger(__name__)


def _when(seconds: float, precision: str = ":%S") -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime(f"%Y-%m-%d %H:%M{precision} UTC")


def _put(client: Any, bucket: str, value: Lock, **condition: str) -> str:
    """Write the lock if `condition` (IfNoneMatch, IfMatch) holds; its new ETag."""
    answer = client.put_object(Bucket=bucket, Key=LOCK_KEY, Body=msgspec.json.encode(value),
                               ContentType="application/json", CacheControl="no-store",
                               **condition)  # fmt: skip
    return answer["ETag"]


def _read(client: Any, bucket: str) -> tuple[Lock | None, str] | None:
    """The lock in `bucket` (None: it cannot be read) and its ETag; None when there is none."""
    from botocore.exceptions import ClientError

    try:
        answer = client.get_object(Bucket=bucket, Key=LOCK_KEY)
        body = answer["Body"].read()
    except ClientError as error:
        if error_code(error) in MISSING:
            return None
        raise
    try:
        return _LOCK_DECODER.decode(body), answer["ETag"]
    except msgspec.DecodeError:
        return None, answer["ETag"]


def _ours(found: tuple[Lock | None, str] | None, token: str) -> bool:
    """Whether the lock `_read` found is the one this publish wrote (`token`): a write whose
    answer was lost and was retried finds its own lock, changed by nobody else."""
    return found is not None and found[0] is not None and found[0].token == token


def _holder(held: Lock | None) -> str:
    return f"process {held.pid} on {held.host}" if held else "something unreadable"


def _abandoned(held: Lock | None, now: float, expiry: float) -> str:
    """Why the publish that holds `held` is over ("": it may still be running)."""
    if held is None:
        return "it could not be read"
    if held.host == socket.gethostname() and not running(held.pid):
        return "that process is no longer running"
    if now - held.renewed >= expiry:
        return (f"last renewed {_when(held.renewed)}, {(now - held.renewed) / 60:.0f} minutes "
                "ago: that publish was killed or cut off")  # fmt: skip
    return ""


class Held:
    """The publish lock of a bucket, as this process holds it: the lock and the ETag of its last
    write of it, which every renewal (`renew`), and the release (`unlock`), are conditional on.

    `start` renews it every `HEARTBEAT_S` from a daemon thread; a renewal that finds it no
    longer ours (another publish took it over, someone deleted it) records why in `lost`, and
    from then on `ensure` raises that, one line, where the publish checks it: before each of its
    writes (`guard`, a hook of the S3 client that writes) and before its deletions. `clock` is
    the time in seconds since the epoch (tests pass their own)."""

    def __init__(
        self, client: Any, bucket: str, lock: Lock, etag: str, clock: Clock = time.time
    ) -> None:
        self.client, self.bucket, self.clock = client, bucket, clock
        self.lock, self.etag = lock, etag
        #: When S3 last confirmed the lock ours (by `clock`: a suspended process does not count).
        self.confirmed = lock.renewed
        #: Why the lock is no longer ours (None: it is).
        self.lost: Problem | None = None
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{LOCK_KEY}"

    def renew(self, unless_within: float = 0.0) -> bool:
        """Write the lock again, `renewed` now, if it is still ours (unless S3 confirmed it less
        than `unless_within` seconds ago). False once it is not, with `lost` saying why; a
        failure to reach S3 raises (it is not a loss)."""
        from botocore.exceptions import ClientError

        with self._mutex:
            if self.lost is not None:
                return False
            now = self.clock()
            if now - self.confirmed < unless_within:
                return True
            renewed = msgspec.structs.replace(self.lock, renewed=now)
            try:
                self.etag = _put(self.client, self.bucket, renewed, IfMatch=self.etag)
            except ClientError as error:
                if error_code(error) not in CHANGED + MISSING:
                    raise
                found = _read(self.client, self.bucket)
                if _ours(found, self.lock.token):
                    self.lock, self.etag = found
                    self.confirmed = found[0].renewed
                    return True
                self.lost = self._loss(found)
                return False
            self.lock, self.confirmed = renewed, now
            return True

    def _loss(self, found: tuple[Lock | None, str] | None) -> Problem:
        fix = "run the command again once that publish has ended: it finishes this one's work"
        if found is None:
            what = "was deleted while this publish held it"
            fix = "let no one delete it while a publish runs, and run the command again"
        else:
            what = f"was taken over by {_holder(found[0])}"
        return Problem(self.where, "", f"this publish's lock {what} (it had not been renewed "
                       f"since {_when(self.confirmed)}); stopped before writing anything more",
                       fix)  # fmt: skip

    def ensure(self, within: float | None = None) -> None:
        """Return once S3 has confirmed the lock ours in the last `within` seconds
        (`CONFIRMED_S`; 0: now), renewing it if it has not; raise a NewsreelError if the lock
        is no longer ours."""
        within = CONFIRMED_S if within is None else within
        if self.lost is None and self.clock() - self.confirmed < within:
            return
        try:
            self.renew(unless_within=within)
        except Exception as error:  # S3 unreachable: said of the lock, not of the write
            raise explain(error, self.where) or error from None
        if self.lost is not None:
            raise NewsreelError(self.lost)

    def guard(self, model: Any, **_: Any) -> None:
        """A botocore `before-parameter-build.s3` hook: a write goes out only while the lock is
        ours (`ensure`)."""
        if model.name in WRITES:
            self.ensure()

    def start(self, period: float | None = None) -> None:
        """Renew the lock every `period` seconds (`HEARTBEAT_S`) from a daemon thread, until
        `stop` or until it is found lost. A renewal that fails to reach S3 is tried again at
        the next beat; `guard` stops the writes if none gets through."""
        period = HEARTBEAT_S if period is None else period

        def beat() -> None:
            while not self._stop.wait(period):
                try:
                    if not self.renew():
                        return
                except Exception:  # S3 or the network failing: `ensure` says it if it lasts
                    _log.debug("renewing %s failed", self.where, exc_info=True)

        self._thread = threading.Thread(target=beat, name="newsreel-lock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing (waits for a renewal under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def release(self) -> None:
        """Stop renewing, and delete the lock if it is still ours, conditionally on its ETag: a
        lock another publish has taken over is left to it."""
        from botocore.exceptions import ClientError

        self.stop()
        with self._mutex:
            if self.lost is not None:
                return
            etag = self.etag
            for _ in range(2):
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=LOCK_KEY, IfMatch=etag)
                    return
                except ClientError as error:
                    if error_code(error) in MISSING:
                        return
                    if error_code(error) not in CHANGED:
                        raise
                found = _read(self.client, self.bucket)
                if not _ours(found, self.lock.token):
                    return  # not ours any more: left to its holder
                etag = found[1]  # ours, from a write whose answer was lost


def lock(
    client: Any,
    bucket: str,
    reporter: Reporter = SILENT,
    clock: Clock = time.time,
    expiry: float | None = None,
) -> Held:
    """Take `bucket`'s publish lock, or raise a NewsreelError naming the publish that holds it.
    A lock its publish has abandoned (`_abandoned`: killed on this machine, or not renewed for
    `expiry` seconds, `EXPIRY_S`) is taken over, conditionally on the ETag it was read with, so
    of two publishes taking one over at once only one gets it; `reporter` is warned whose it was.
    """
    from botocore.exceptions import ClientError

    expiry = EXPIRY_S if expiry is None else expiry
    now = clock()
    mine = Lock(host=socket.gethostname(), pid=os.getpid(), started=now, renewed=now,
                token=uuid.uuid4().hex)  # fmt: skip
    where = f"s3://{bucket}/{LOCK_KEY}"
    replaced = ""
    for _ in range(3):
        try:
            return Held(client, bucket, mine, _put(client, bucket, mine, IfNoneMatch="*"), clock)
        except ClientError as error:
            if error_code(error) not in CHANGED:
                raise
        found = _read(client, bucket)
        if found is None:
            continue  # released meanwhile: try again
        held, etag = found
        if _ours(found, mine.token):
            if replaced:
                reporter.warn(replaced)
            return Held(client, bucket, mine, etag, clock)
        why = _abandoned(held, clock(), expiry)
        if not why:
            assert held is not None
            raise NewsreelError(
                Problem(f"s3://{bucket}", "", f"another publish is under way ({_holder(held)}, "
                        f"since {_when(held.started, '')}, last renewed "
                        f"{_when(held.renewed)})", "wait for it to end, then run the command "
                        "again (if it was killed, its lock is taken over from "
                        f"{_when(held.renewed + expiry, '')}, {expiry / 60:.0f} minutes after "
                        "its last renewal)")
            )  # fmt: skip
        replaced = (f"{where}: took over the publish lock of {_holder(held)} ({why})" if held
                    else f"{where}: replaced a publish lock that could not be read")  # fmt: skip
        try:
            etag = _put(client, bucket, mine, IfMatch=etag)
        except ClientError as error:
            if error_code(error) not in CHANGED + MISSING:
                raise
            continue  # taken or released meanwhile: look again
        reporter.warn(replaced)
        return Held(client, bucket, mine, etag, clock)
    raise NewsreelError(
        Problem(where, "", "changed hands while this publish waited", "run the command again")
    )


def unlock(held: Held) -> None:
    """Stop renewing `held` and delete it if it is still ours (`Held.release`)."""
    held.release()
