"""Never half-published: a publish killed (SIGKILL) at any point, or facing an endpoint that
resets, fails and throttles, leaves a live site whose pages name only what exists; the next
publish finishes the job, invalidation included.

The faults are real: `faults.FaultProxy` sits between boto3 and moto's server on loopback; the
kills are real: `newsreel publish` runs as a subprocess and is SIGKILLed by the proxy when its
Nth write arrives, before that write reaches moto.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from conftest import SMALL_SITE, item, write_site
from newsreel.build import build_site
from newsreel.errors import NewsreelError
from newsreel.progress import Silent
from newsreel.project import Project
from newsreel.publish import run

from .conftest import MEDIA_KEY, PRODUCTION_SETTINGS, PUBLIC, keys, publish, put_media
from .consistency import Bucket, Folder, problems
from .faults import FaultProxy, every
from .stack import create_distribution

NEW_MEDIA = "media/v/00000000000000aa/clip-720p.mp4"
PAGES = {  # the pages the theme links (no broken link in the test site), and one more
    f"pages/{slug}.{lang}.md": f"Title: {slug} {lang}\nLang: {lang}\n"
    + ("Translation: true\n" if lang == "en" else "")
    + "\nText.\n"
    for slug in ("conditions-of-use", "privacy", "account", "newsletter", "history")
    for lang in ("en", "fr")
}


@dataclass(frozen=True)
class Versions:
    """The same site built twice: `old` (published first) and `new` (the publish under test:
    one item edited, one added in both languages, one page removed, a video re-encoded)."""

    old: Project
    new: Project


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> Versions:
    root = tmp_path_factory.mktemp("versions") / "site"
    new = write_site(root, {**SMALL_SITE, **PAGES}, PRODUCTION_SETTINGS)
    build_site(new)
    put_media(new)
    shutil.copytree(new.output, root / "old-output")
    old = Project.at(root, output="old-output")
    edited = root / "content/news/meeting.en.md"
    edited.write_text(edited.read_text("utf-8") + "\nA new paragraph.\n", "utf-8")
    for lang in ("en", "fr"):
        (root / f"content/news/summit.{lang}.md").write_text(
            item(f"Summit {lang}", lang, "Leaders met.", "2025-10-20 10:00",
                 translation=lang == "en", category="Meetings"),
            "utf-8",
        )  # fmt: skip
        (root / f"content/pages/history.{lang}.md").unlink()
    build_site(new)
    put_media(new)
    (new.output / MEDIA_KEY).unlink()
    (new.output / NEW_MEDIA).parent.mkdir(parents=True)
    (new.output / NEW_MEDIA).write_bytes(b"\x03" * 4096)
    for project in (old, new):
        folder, private = Folder(project.output), Folder(project.output, private=True).keys
        assert problems(folder, private, (PUBLIC,)) == []
    return Versions(old, new)


def live_problems(s3, targets: run.Targets) -> list[str]:
    bucket, private = Bucket(s3, targets.bucket), Bucket(s3, targets.private_bucket).keys
    return problems(bucket, private, (PUBLIC,))  # pages name their files by absolute URLs


def sent_paths(aws, distribution: str) -> set[str]:
    cloudfront = aws("client", "cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    paths: set[str] = set()
    for summary in listed.get("Items", []):
        batch = cloudfront.get_invalidation(DistributionId=distribution, Id=summary["Id"])
        paths |= set(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return paths


def command(project: Project, targets: run.Targets) -> list[str]:
    return [
        sys.executable, "-c", "from newsreel.entry import main; main()", "publish",
        "--root", str(project.root), "--settings", "pelicanconf.py", "--no-build", "--delete",
        "--bucket", targets.bucket, "--private-bucket", str(targets.private_bucket),
        "--distribution", str(targets.distribution),
    ]  # fmt: skip


def test_the_checker_sees_a_broken_site(versions, targets, s3):
    publish(versions.old, targets)
    assert live_problems(s3, targets) == []
    css = next(k for k in keys(s3, targets.bucket) if re.match(r"theme/css/site\.\w{10}\.css", k))
    s3.delete_object(Bucket=targets.bucket, Key=css)
    assert any(css in line for line in live_problems(s3, targets))


#: Where the publish dies: its first write (the lock), the journal, inside each tier, at the
#: deletion, at the invalidation, and at its last write (the lock released).
KILL_POINTS = [
    "lock",
    "journal",
    "addressed",
    "new-page",
    "page",
    "entry",
    "delete",
    "invalidate",
    "last",
]


def _kill_at(writes: list[tuple[str, str]], point: str) -> int:
    """The number (1-based) of the write to kill the publish at, from a complete run's log."""

    def first(test) -> int:
        return next(i for i, (m, p) in enumerate(writes, 1) if test(m, p))

    return {
        "lock": lambda: 1,
        "journal": lambda: first(lambda m, p: p.endswith("/publish-state.json")),
        "addressed": lambda: first(lambda m, p: "/media/" in p or "/fragment/" in p) + 1,
        "new-page": lambda: first(lambda m, p: "/summit/" in p),
        "page": lambda: first(lambda m, p: p.endswith("/en/news/meeting/index.html")),
        "entry": lambda: first(lambda m, p: p.endswith("pagefind-entry.json")),
        "delete": lambda: first(lambda m, p: "?delete" in p),
        "invalidate": lambda: first(lambda m, p: "/invalidation" in p),
        "last": lambda: len(writes),
    }[point]()


@pytest.fixture(scope="module")
def complete_run_writes(versions, moto_endpoint, tmp_path_factory) -> list[tuple[str, str]]:
    """The writes of one complete publish of `new` over `old`, in order, through the proxy."""
    from newsreel import cloud

    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": moto_endpoint}  # fmt: skip
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        s3 = cloud.client("s3")
        suffix = os.urandom(3).hex()
        targets = run.Targets(f"site-ref-{suffix}", f"priv-ref-{suffix}", _distribution())
        for name in targets.buckets:
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
            )
        publish(versions.old, targets)
        with FaultProxy(moto_endpoint) as proxy:
            result = subprocess.run(command(versions.new, targets),
                                    env={**os.environ, "AWS_ENDPOINT_URL": proxy.url},
                                    capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return proxy.writes()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _distribution() -> str:
    from newsreel import cloud

    return create_distribution(cloud.client("cloudfront"))


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_anywhere_the_live_site_stays_whole_and_the_next_publish_finishes(
    point, versions, complete_run_writes, targets, s3, aws
):
    publish(versions.old, targets)
    expected = run.plan(versions.new, targets, delete=True)
    assert expected.plan.uploads and expected.plan.deletions and expected.invalidation_paths
    number = _kill_at(complete_run_writes, point)
    process: subprocess.Popen | None = None
    killed: list[tuple[str, str]] = []

    def decide(_: int, method: str, path: str) -> str | None:
        if method not in ("PUT", "POST", "DELETE") or killed:
            return "drop" if killed else None
        seen = sum(1 for m, _, f in proxy.log if m in ("PUT", "POST", "DELETE") and not f) + 1
        if seen == number:
            assert process is not None
            os.kill(process.pid, signal.SIGKILL)
            killed.append((method, path))
            return "drop"
        return None

    with FaultProxy(aws.endpoint, decide) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
        process = subprocess.Popen(
            command(versions.new, targets), env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        output, _ = process.communicate(timeout=120)
    assert killed, f"never reached write {number}: {output}"
    assert process.returncode == -signal.SIGKILL
    assert live_problems(s3, targets) == [], f"killed at {killed[0]}"

    publish(versions.new, targets, delete=True)  # the next publish
    assert live_problems(s3, targets) == []
    after = run.plan(versions.new, targets, delete=True)
    assert after.plan.uploads == [] and after.plan.deletions == []
    assert set(expected.invalidation_paths) <= sent_paths(aws, targets.distribution)
    assert after.invalidation_paths == [], "nothing left pending"
    assert NEW_MEDIA in keys(s3, targets.bucket) and MEDIA_KEY in keys(s3, targets.bucket)


def test_resets_errors_and_throttling_are_retried_to_a_complete_publish(
    versions, targets, s3, aws, monkeypatch
):
    publish(versions.old, targets)
    expected = run.plan(versions.new, targets, delete=True).invalidation_paths
    with FaultProxy(aws.endpoint, every(4)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        publish(versions.new, targets, delete=True)
    assert set(proxy.faults()) == {"reset", "500", "503", "slow"}, proxy.faults()
    assert sum(proxy.faults().values()) >= 10
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    assert live_problems(s3, targets) == []
    assert run.plan(versions.new, targets, delete=True).plan.uploads == []
    assert set(expected) <= sent_paths(aws, targets.distribution)


def test_an_endpoint_down_for_longer_than_the_retries_stops_in_one_line(versions, targets, s3, aws):
    publish(versions.old, targets)
    down_after = 6

    def decide(number: int, method: str, path: str) -> str | None:
        writes = sum(1 for m, _, f in proxy.log if m in ("PUT", "POST") and not f)
        if writes >= down_after and healthy is False:
            return ("500", "reset", "503")[number % 3]
        return None

    healthy = False
    with FaultProxy(aws.endpoint, decide) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "AWS_MAX_ATTEMPTS": "2"}
        result = subprocess.run(command(versions.new, targets), env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert result.returncode == 2, result.stdout + result.stderr
        said = [line for line in result.stderr.splitlines() if "s3://" in line]
        assert len(said) == 1 and "Traceback" not in result.stderr, result.stderr
        assert said[0].startswith(f"s3://{targets.bucket}/"), said
        assert "run the command again" in said[0]
        assert live_problems(s3, targets) == []
        healthy = True
        result = subprocess.run(command(versions.new, targets), env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
    assert live_problems(s3, targets) == []
    assert run.plan(versions.new, targets, delete=True).plan.uploads == []


@pytest.mark.parametrize(("sent", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stopped_mid_upload_says_how_to_finish_and_the_next_publish_does(
    versions, targets, s3, aws, sent, status
):
    """Ctrl+C (SIGINT), or SIGTERM (a CI runner's timeout, `docker stop`), while the files go
    up (a slow link): the operator is told the publish stopped and how to finish it, the live
    site is whole, and the same command finishes it."""
    publish(versions.old, targets)
    with FaultProxy(aws.endpoint, lambda number, method, path: "slow", pause=0.1) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "COLUMNS": "300", "NO_COLOR": "1"}
        stopped = subprocess.Popen(command(versions.new, targets), env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the first upload is under way
            if any(m == "PUT" and not p.startswith(f"/{targets.bucket}/.newsreel")
                   for m, p, _ in proxy.log):  # fmt: skip
                break
            time.sleep(0.05)
        stopped.send_signal(sent)
        said = stopped.communicate(timeout=60)[0]
    assert stopped.returncode == status, said
    assert "Stopped part-way" in said and "run the same newsreel publish again" in said, said
    assert "Traceback" not in said
    assert live_problems(s3, targets) == []
    result = subprocess.run(command(versions.new, targets), capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert live_problems(s3, targets) == []
    assert run.plan(versions.new, targets, delete=True).plan.uploads == []


@pytest.mark.parametrize(
    "refusal",
    [
        (400, "TooManyInvalidationsInProgress", "Your request contains too many invalidations."),
        (403, "AccessDenied", "User is not authorized to perform: cloudfront:CreateInvalidation"),
    ],
)
def test_a_failed_invalidation_says_the_files_are_up_and_the_next_publish_sends_it(
    versions, targets, s3, aws, refusal
):
    """CloudFront refusing the invalidation (too many in progress, no right to invalidate)
    comes after every file is up: one line that says so, names the distribution and the
    refusal, and the next publish sends the invalidation."""
    publish(versions.old, targets)
    expected = run.plan(versions.new, targets, delete=True).invalidation_paths

    def decide(number: int, method: str, path: str) -> tuple[int, str, str] | None:
        return refusal if method == "POST" and path.endswith("/invalidation") else None

    with FaultProxy(aws.endpoint, decide) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "COLUMNS": "400", "NO_COLOR": "1"}
        result = subprocess.run(command(versions.new, targets), env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    said = [line for line in result.stderr.splitlines() if "CloudFront" in line]
    assert len(said) == 1, result.stderr
    assert said[0].startswith(f"CloudFront distribution {targets.distribution}: "), said
    assert "files are published" in said[0] and "run the same command again" in said[0], said
    assert refusal[1] in said[0] or "access denied" in said[0], said
    assert live_problems(s3, targets) == []
    again = run.plan(versions.new, targets, delete=True)
    assert again.plan.uploads == [] and set(expected) <= set(again.invalidation_paths)
    run.carry_out(again)
    assert set(expected) <= sent_paths(aws, targets.distribution)


def test_two_publishes_at_once_one_goes_on_the_other_stops_in_one_line(versions, targets, s3, aws):
    """Two checkouts publishing at once would each list the bucket while the other writes it
    (one's --delete removing the pages the other just linked): the second is refused while the
    first runs, naming it; a lock another machine left is taken over once it has gone 5 minutes
    without renewal, with a warning."""
    import json

    from newsreel.publish.state import LOCK_KEY

    publish(versions.old, targets)
    uploading, second_ended = threading.Event(), threading.Event()

    def hold(number: int, method: str, path: str) -> None:
        """The first publish, its new item's pages up, holds the pages that will link them
        until the second one has tried and ended."""
        if method == "PUT" and path.endswith(".html") and "/summit/" not in path:
            uploading.set()
            second_ended.wait(timeout=120)

    with FaultProxy(aws.endpoint, hold) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
        first = subprocess.Popen(command(versions.new, targets), env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        assert uploading.wait(timeout=60), "the first publish never got to its pages"
        try:
            second = subprocess.run(command(versions.old, targets), capture_output=True,
                                    text=True, timeout=120)  # fmt: skip
        finally:
            second_ended.set()
        said = first.communicate(timeout=120)[0]
    assert first.returncode == 0, said
    assert second.returncode == 2, second.stdout + second.stderr
    lines = [line for line in second.stderr.splitlines() if f"s3://{targets.bucket}" in line]
    assert len(lines) == 1 and "another publish is under way" in lines[0], second.stderr
    assert "Traceback" not in second.stderr
    assert live_problems(s3, targets) == []
    assert run.plan(versions.new, targets, delete=True).plan.uploads == []
    assert LOCK_KEY not in keys(s3, targets.bucket), "released"

    held = {"host": "ci-runner-7", "pid": 4242, "started": 1764590400.0, "renewed": time.time()}
    s3.put_object(Bucket=targets.bucket, Key=LOCK_KEY, Body=json.dumps(held).encode())
    with pytest.raises(NewsreelError) as refused:
        publish(versions.old, targets, delete=True)
    assert "process 4242 on ci-runner-7, since 2025-12-01 12:00 UTC" in str(refused.value)
    assert "if it was killed, its lock is taken over from" in str(refused.value)
    held["renewed"] = time.time() - 301  # the runner killed, its lock no longer renewed
    s3.put_object(Bucket=targets.bucket, Key=LOCK_KEY, Body=json.dumps(held).encode())
    said = Said()
    run.carry_out(run.plan(versions.old, targets, delete=True), said)
    assert len(said.warnings) == 1, said.warnings
    assert said.warnings[0].startswith(
        f"s3://{targets.bucket}/{LOCK_KEY}: took over the publish lock of process 4242 on "
        "ci-runner-7 (last renewed "
    ), said.warnings
    assert live_problems(s3, targets) == []
    assert LOCK_KEY not in keys(s3, targets.bucket), "released"


class Said(Silent):
    """A reporter that keeps its warnings; `on_start` and `on_update` are called as their
    methods are (from the transfer threads too)."""

    def __init__(self, on_start=None, on_update=None) -> None:
        self.warnings: list[str] = []
        self.on_start, self.on_update = on_start, on_update

    def start(self, task: str, description: str, total: float | None = None) -> None:
        if self.on_start:
            self.on_start(task)

    def update(self, task: str, completed: float) -> None:
        if self.on_update:
            self.on_update(task, completed)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


@pytest.mark.parametrize("when", ["before the uploads", "after the uploads"])
def test_a_publish_whose_lock_is_taken_over_stops_before_its_next_write_and_deletes_nothing(
    when, versions, targets, s3, monkeypatch
):
    """A publish stalled past the expiry (a suspended laptop, a frozen VM) finds its lock taken
    over by another machine's publish: it stops in one line before its next write, deletes
    nothing, and leaves the other's lock. Before the uploads, its heartbeat (every 0.05 s here)
    has noticed; after them it has not (every 30 s), but the deletions wait for S3 to confirm
    the lock ours. Once the other publish has ended, the next one finishes the job."""
    import json

    from newsreel import cloud
    from newsreel.publish import state
    from newsreel.publish.state import LOCK_KEY

    publish(versions.old, targets)
    planned = run.plan(versions.new, targets, delete=True)
    assert planned.plan.deletions and planned.plan.upload_bytes
    if when == "before the uploads":
        monkeypatch.setattr(state, "HEARTBEAT_S", 0.05)
    ours: list[state.Held] = []
    taking = state.lock
    monkeypatch.setattr(state, "lock", lambda *a, **k: ours.append(taking(*a, **k)) or ours[-1])
    taken_over = threading.Event()
    theirs: list[str] = []
    later: list[str] = []  # the writes (the lock's own left out) sent after the takeover

    def take_over() -> None:
        if taken_over.is_set():
            return
        other = {"host": "ci-runner-7", "pid": 4242, "started": time.time(),
                 "renewed": time.time()}  # fmt: skip
        theirs.append(s3.put_object(Bucket=targets.bucket, Key=LOCK_KEY,
                                    Body=json.dumps(other).encode())["ETag"])  # fmt: skip
        taken_over.set()
        if when == "before the uploads":  # the heartbeat notices
            deadline = time.monotonic() + 5
            while ours[0].lost is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert ours[0].lost is not None

    def count(model, params, **_) -> None:
        lock = params["url_path"].endswith("/publish-lock.json")
        if taken_over.is_set() and model.name in state.WRITES and not lock:
            later.append(f"{model.name} {params['url_path']}")

    def started(task: str) -> None:
        if task == "upload" and when == "before the uploads":
            take_over()

    def sent(task: str, done: float) -> None:  # every byte sent: only deletions are left
        if task == "upload" and when == "after the uploads" and done >= planned.plan.upload_bytes:
            take_over()

    reporter = Said(on_start=started, on_update=sent)
    events = cloud.session().events
    events.register("before-call.s3", count)
    try:
        with pytest.raises(NewsreelError) as stopped:
            run.carry_out(planned, reporter)
    finally:
        events.unregister("before-call.s3", count)
    assert taken_over.is_set()
    lines = stopped.value.lines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"s3://{targets.bucket}/{LOCK_KEY}: this publish's lock was taken "
                               "over by process 4242 on ci-runner-7 (it had not been renewed "
                               "since "), lines  # fmt: skip
    assert later == [], "nothing written once the lock was lost"
    present = keys(s3, targets.bucket) | keys(s3, targets.private_bucket)
    assert {d.key for d in planned.plan.deletions} <= present, "nothing deleted"
    assert s3.head_object(Bucket=targets.bucket, Key=LOCK_KEY)["ETag"] == theirs[0], "left"
    assert live_problems(s3, targets) == []

    s3.delete_object(Bucket=targets.bucket, Key=LOCK_KEY)  # the other publish ends
    publish(versions.new, targets, delete=True)
    assert live_problems(s3, targets) == []
    after = run.plan(versions.new, targets, delete=True)
    assert after.plan.uploads == [] and after.plan.deletions == []
