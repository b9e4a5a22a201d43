"""The publish lock is a lease: renewed while its publish runs, taken over from any machine once
it has not been renewed for `state.EXPIRY_S`, every write of it but its creation conditional on
the ETag its writer last saw. Against moto's server over HTTP, with short periods passed as
parameters rather than minutes waited."""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import msgspec
import pytest

from newsreel import cloud
from newsreel.errors import NewsreelError
from newsreel.progress import Silent
from newsreel.publish import state
from newsreel.publish.state import LOCK_KEY

from .conftest import keys

OTHER = {"host": "ci-runner-7", "pid": 4242}


class Said(Silent):
    """A reporter that keeps its warnings (thread-safe: a list's append is)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)


@pytest.fixture
def bucket(buckets) -> str:
    return buckets[0]


@pytest.fixture
def atomic_conditional_writes(monkeypatch):
    """moto checks a PUT's If-Match and then writes, in two steps of its threaded server with
    no lock between them; S3 does both at once. The gap is microseconds (300 races of two
    conditional PUTs never slipped through it here), but a test that fails once in a thousand
    runs costs more than this: moto's PUTs are made one at a time, as S3's conditions are."""
    from moto.s3.responses import S3Response

    one_at_a_time = threading.Lock()
    put_object = S3Response.put_object

    def serialised(self):
        with one_at_a_time:
            return put_object(self)

    monkeypatch.setattr(S3Response, "put_object", serialised)


def put_lock(s3, bucket: str, **fields) -> str:
    """Write a lock as another publish would (unconditionally, as a takeover's last step looks
    to the holder); its ETag."""
    return s3.put_object(Bucket=bucket, Key=LOCK_KEY, Body=json.dumps(fields).encode())["ETag"]


def live_lock(s3, bucket: str) -> tuple[dict, str]:
    answer = s3.get_object(Bucket=bucket, Key=LOCK_KEY)
    return json.loads(answer["Body"].read()), answer["ETag"]


@pytest.mark.parametrize("left", ["renewed 10 minutes ago", "by an older newsreel"])
def test_a_lock_not_renewed_for_5_minutes_is_taken_over_from_another_machine_with_a_warning(
    s3, bucket, left
):
    """A CI runner killed by its timeout (and thrown away) left its lock: the next publish, on
    another machine, takes it over with one warning naming the runner, the process and when it
    last renewed it. A lock of a newsreel without heartbeat counts as renewed when it started."""
    now = time.time()
    fields = {**OTHER, "started": now - 900, "renewed": now - 600}
    if left == "by an older newsreel":
        fields = {**OTHER, "started": now - 600}
    put_lock(s3, bucket, **fields)
    said = Said()
    held = state.lock(cloud.client("s3"), bucket, said)
    body, etag = live_lock(s3, bucket)
    assert (body["host"], body["pid"], etag) == (socket.gethostname(), os.getpid(), held.etag)
    assert len(said.warnings) == 1 and "\n" not in said.warnings[0], said.warnings
    renewed = state._when(now - 600)
    assert said.warnings[0].startswith(
        f"s3://{bucket}/{LOCK_KEY}: took over the publish lock of process 4242 on ci-runner-7 "
        f"(last renewed {renewed}, 10 minutes ago"
    ), said.warnings
    state.unlock(held)
    assert LOCK_KEY not in keys(s3, bucket)


def test_a_lock_renewed_a_minute_ago_is_refused_naming_its_holder(s3, bucket):
    """A publish that started 20 minutes ago and renewed its lock a minute ago is running: the
    next one stops in one line naming it, and leaves its lock as it was."""
    now = time.time()
    etag = put_lock(s3, bucket, **OTHER, started=now - 1200, renewed=now - 60)
    said = Said()
    with pytest.raises(NewsreelError) as refused:
        state.lock(cloud.client("s3"), bucket, said)
    lines = refused.value.lines()
    assert len(lines) == 1 and said.warnings == [], lines
    assert lines[0].startswith(
        f"s3://{bucket}: another publish is under way (process 4242 on ci-runner-7, since "
        f"{state._when(now - 1200, '')}, last renewed {state._when(now - 60)}); wait for it to "
        f"end, then run the command again (if it was killed, its lock is taken over from "
        f"{state._when(now + 240, '')}"
    ), lines
    assert live_lock(s3, bucket)[1] == etag, "left as it was"


def test_of_two_publishes_taking_over_one_stale_lock_at_once_exactly_one_wins(
    s3, bucket, atomic_conditional_writes
):
    """Both read the stale lock, then both write theirs at the same moment, each conditional on
    the ETag it read: one gets the lock, the other finds it fresh and stops naming the winner."""
    now = time.time()
    put_lock(s3, bucket, **OTHER, started=now - 900, renewed=now - 600)
    both_read = threading.Barrier(2, timeout=10)
    said = Said()
    results: list[state.Held | NewsreelError] = []

    def at_once(params, **_) -> None:  # a takeover's PUT (not a creation's) waits for the other's
        if "If-None-Match" not in params["headers"]:
            both_read.wait()

    def take() -> None:
        client = cloud.client("s3")
        client.meta.events.register("before-call.s3.PutObject", at_once)
        try:
            results.append(state.lock(client, bucket, said))
        except NewsreelError as error:
            results.append(error)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [r for r in results if isinstance(r, state.Held)]
    losers = [r for r in results if isinstance(r, NewsreelError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert live_lock(s3, bucket) == (json.loads(msgspec.json.encode(winners[0].lock)),
                                     winners[0].etag)  # fmt: skip
    assert "another publish is under way (process" in str(losers[0]), str(losers[0])
    assert len(said.warnings) == 1, said.warnings
    state.unlock(winners[0])
    assert LOCK_KEY not in keys(s3, bucket)


def test_the_heartbeat_renews_the_lock_so_it_is_never_taken_over_while_its_publish_runs(s3, bucket):
    """Renewed every 0.05 s, a lock is still fresh after a second, past an expiry of half a
    second: a second publish is refused. The renewals keep `started` and record `renewed`."""
    held = state.lock(cloud.client("s3"), bucket)
    first, first_etag = live_lock(s3, bucket)
    held.start(period=0.05)
    try:
        time.sleep(1.0)
        with pytest.raises(NewsreelError, match="another publish is under way"):
            state.lock(cloud.client("s3"), bucket, expiry=0.5)
    finally:
        held.stop()
    body, etag = live_lock(s3, bucket)
    assert etag != first_etag and etag == held.etag and held.lost is None
    assert body["started"] == first["started"] and body["token"] == first["token"]
    assert body["renewed"] > first["renewed"] + 0.5, (body, first)
    state.unlock(held)
    assert LOCK_KEY not in keys(s3, bucket), "its own lock, renewed many times, released"


@pytest.mark.parametrize("what", ["taken over", "deleted"])
def test_a_renewal_that_finds_the_lock_not_ours_stops_the_next_write_in_one_line(s3, bucket, what):
    """The heartbeat finds the lock changed (another publish took it over while this one was
    stalled) or gone: the next write of the publish's client is refused before it is sent, in
    one line naming the lock, what happened and what to do; the other's lock is left alone."""
    held = state.lock(cloud.client("s3"), bucket)
    writer = cloud.client("s3")
    writer.meta.events.register("before-parameter-build.s3", held.guard)
    writer.put_object(Bucket=bucket, Key="before.html", Body=b"ours")
    if what == "taken over":
        theirs = put_lock(s3, bucket, **OTHER, started=time.time(), renewed=time.time())
    else:
        s3.delete_object(Bucket=bucket, Key=LOCK_KEY)
    held.start(period=0.05)
    deadline = time.monotonic() + 5
    while held.lost is None and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(NewsreelError) as stopped:
        writer.put_object(Bucket=bucket, Key="after.html", Body=b"ours")
    lines = stopped.value.lines()
    assert len(lines) == 1, lines
    found = "taken over by process 4242 on ci-runner-7" if what == "taken over" else "deleted"
    assert lines[0].startswith(f"s3://{bucket}/{LOCK_KEY}: this publish's lock was {found}"), lines
    assert "stopped before writing anything more; " in lines[0], lines
    assert "after.html" not in keys(s3, bucket) and "before.html" in keys(s3, bucket)
    state.unlock(held)
    if what == "taken over":
        assert live_lock(s3, bucket)[1] == theirs, "the other publish's lock left to it"


def test_a_publish_woken_from_a_stall_confirms_its_lock_before_its_next_write(s3, bucket):
    """A laptop suspended mid-publish: its heartbeat slept with it, and another machine took the
    lock over meanwhile. On waking, the publish's next write is held back until the lock is
    renewed (S3 last confirmed it ours longer than `CONFIRMED_S` ago, by its clock): the renewal
    finds it taken, and the write is refused before it is sent."""
    now = [time.time()]
    held = state.lock(cloud.client("s3"), bucket, clock=lambda: now[0])
    writer = cloud.client("s3")
    writer.meta.events.register("before-parameter-build.s3", held.guard)
    writer.put_object(Bucket=bucket, Key="before.html", Body=b"ours")
    theirs = put_lock(s3, bucket, **OTHER, started=time.time(), renewed=time.time())
    now[0] += state.EXPIRY_S + 60  # asleep
    with pytest.raises(NewsreelError, match="taken over by process 4242 on ci-runner-7"):
        writer.put_object(Bucket=bucket, Key="after.html", Body=b"ours")
    assert "after.html" not in keys(s3, bucket)
    state.unlock(held)
    assert live_lock(s3, bucket)[1] == theirs


def test_unlock_leaves_a_lock_that_is_no_longer_ours(s3, bucket):
    """A publish that stalled past the expiry, its lock taken over meanwhile, ends (its heartbeat
    never noticed): its release must not delete the new holder's lock."""
    held = state.lock(cloud.client("s3"), bucket)
    theirs = put_lock(s3, bucket, **OTHER, started=time.time(), renewed=time.time())
    state.unlock(held)
    assert live_lock(s3, bucket)[1] == theirs
