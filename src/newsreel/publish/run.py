"""A publish, as one use case: where to, preflight, what changed, then send it.

The command line (`newsreel publish`) calls these in order: `targets_for`, `preflight` (before
the build, so a missing bucket is said in seconds), the build, `plan`, `carry_out`. A
`NewsreelError` (a missing setting, bucket, right or credentials) ends it in one line.

What is sent must be a build, made for the address it goes to: `plan` refuses an output that is
missing, empty or not a build's (`check_output`: an empty output with `--delete` once emptied
the live site), or one built for another address (a development build names
http://127.0.0.1:8000 in its feeds, sitemaps and alternates). And `carry_out` refuses to delete
more than `MAX_DELETE_SHARE` of a bucket unless told to (`force_delete`).

`carry_out` is what makes a publish safe to kill at any moment: it writes its journal into each
bucket it will change (the CDN paths it is about to make stale, the objects it keeps back from
deletion) before the first upload, uploads tier by tier, deletes, invalidates, then clears the
journal. A publish killed anywhere leaves every live page naming only objects that exist, and
the next publish, seeing the same differences and the journal, finishes the job.

Headers: `plan` reads the headers of the objects it skips only when a bucket's state records
other header rules than this newsreel's (`plan.header_rules`), or none, or when asked
(`check_headers`, for metadata changed by hand): one HEAD per object, in parallel, once; a
publish with nothing new reads none. The rules' fingerprint is recorded by the state written
when the publish ends, never by the journal, so a publish killed while correcting them leaves
the next one to check again (the journal holds the corrected paths to invalidate).
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from newsreel import cloud
from newsreel.build.output import built_for, check_built
from newsreel.errors import NewsreelError, Problem
from newsreel.media.record import PRIVATE_DIR
from newsreel.progress import SILENT, Reporter
from newsreel.project import Project
from newsreel.publish import preflight as checks
from newsreel.publish import state
from newsreel.publish.plan import (
    GRACE_S,
    LiveHeaders,
    PublishPlan,
    RemoteObject,
    bucket_for,
    diff,
    header_fixes,
    header_rules,
    is_hidden,
    local_files,
    unpublishable,
)
from newsreel.publish.sync import CONCURRENCY, apply, invalidate

#: The largest share of a bucket's objects one publish deletes without `--force-delete`: more
#: is what an output of another site, or a half-empty one, would do.
MAX_DELETE_SHARE = 0.5
#: As many connections as requests in flight (botocore keeps 10, and drops the others).
POOL = {"max_pool_connections": CONCURRENCY}
#: The command that builds for production, named by the refusals.
PRODUCTION_BUILD = "newsreel publish (it builds with {settings} first)"


@dataclass(frozen=True)
class Targets:
    """Where a publish goes: the site bucket, the private bucket, the CDN distribution."""

    bucket: str
    private_bucket: str | None = None
    distribution: str | None = None

    @property
    def buckets(self) -> list[str]:
        return [self.bucket] + ([self.private_bucket] if self.private_bucket else [])


@dataclass
class Publish:
    """A plan, with what the buckets held when it was made."""

    plan: PublishPlan
    targets: Targets
    states: dict[str, state.BucketState]
    #: How many objects each bucket held (the publish state left out) when the plan was made.
    listed: dict[str, int] = field(default_factory=dict)
    #: The fingerprint of the header rules this publish sends (`plan.header_rules`).
    header_rules: str = ""

    @property
    def invalidation_paths(self) -> list[str]:
        return self.plan.invalidation_paths(self.targets.bucket)

    def too_many_deletions(self) -> Problem | None:
        """What `carry_out` refuses without `force_delete`: a `--delete` that removes objects
        while more than `MAX_DELETE_SHARE` of a bucket's objects are gone from output/ (deleted
        now, or kept for the grace period and deleted by a later publish), said with what
        would go."""
        for bucket, count in self.listed.items():
            now = [d.key for d in self.plan.deletions if d.bucket == bucket]
            later = sorted(self.plan.kept.get(bucket, {}))
            gone = len(now) + len(later)
            if now and gone > MAX_DELETE_SHARE * count:
                examples = ", ".join((now + later)[:3]) + (", ..." if gone > 3 else "")
                return Problem(
                    f"s3://{bucket}", "",
                    f"--delete would delete {gone} of its {count} objects ({len(now)} now, "
                    f"{len(later)} after the grace period: {examples}), more than "
                    f"{MAX_DELETE_SHARE:.0%} of the live site",
                    "check that output/ is the site you mean to publish (--dry-run lists every "
                    "deletion), then pass --force-delete if it is",
                )  # fmt: skip
        return None


def targets_for(
    project: Project,
    bucket: str | None = None,
    private_bucket: str | None = None,
    distribution: str | None = None,
) -> Targets:
    """The targets given, else those of the settings (NEWSREEL_BUCKET, ...)."""
    settings = project.settings
    bucket = bucket or settings.get("NEWSREEL_BUCKET")
    if not bucket:
        raise NewsreelError(
            Problem(project.settings_file, "NEWSREEL_BUCKET", "not set", "set it or pass --bucket")
        )
    given = private_bucket
    private_bucket = private_bucket or settings.get("NEWSREEL_PRIVATE_BUCKET") or None
    if private_bucket == bucket:
        # named where the operator wrote it: on the command line, or in the settings
        where, field = ("--private-bucket", "") if given else (
            project.settings_file, "NEWSREEL_PRIVATE_BUCKET")  # fmt: skip
        raise NewsreelError(
            Problem(where, field, f"{bucket} is the site bucket, which everyone can read",
                    "give account-only renditions a bucket of their own (infra/site.yaml)")
        )  # fmt: skip
    return Targets(
        bucket, private_bucket, distribution or settings.get("NEWSREEL_DISTRIBUTION_ID") or None
    )


def check_output(project: Project) -> None:
    """A NewsreelError unless output/ is a whole build made for the address these settings
    publish at (SITEURL): missing, empty, not a build's, or built for another address (a
    development build, `newsreel serve`'s) are refused before anything is compared or sent."""
    production = PRODUCTION_BUILD.format(settings=project.settings_file.name)
    wanted = project.public_base
    if development_address(wanted):
        raise NewsreelError(
            Problem(project.settings_file, "SITEURL", f"{wanted or '(none)'} is not a public "
                    "address: a site published with these settings would send its readers, "
                    "feeds and sitemaps there", "publish with the production settings: "
                    "--settings publishconf.py (or set SITEURL to the site's public https:// "
                    "address)")
        )  # fmt: skip
    check_built(project.output, f"run {production}, or newsreel build --settings "
                f"{project.settings_file.name}; or drop --no-build")  # fmt: skip
    found = built_for(project.output) or ""
    if found != wanted:
        raise NewsreelError(
            Problem(project.output, "", f"was built for {found or 'no known address'} (its "
                    "feeds, sitemaps and language links point there), but "
                    f"{project.settings_file.name} publishes the site at {wanted or '(none)'}",
                    f"build for production: run {production}, or newsreel build --settings "
                    f"{project.settings_file.name} before --no-build")
        )  # fmt: skip


def development_address(url: str) -> bool:
    """Whether `url` is no public site's address: none at all, or this machine's (localhost,
    127.0.0.1, ::1, 0.0.0.0), as the development settings and `newsreel serve` use."""
    host = (urlsplit(url).hostname or "") if url else ""
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def preflight(targets: Targets) -> None:
    """The buckets, credentials, region and distribution, checked with reads only."""
    checks.check(targets.buckets, targets.distribution)


def _listing(client: object, bucket: str, prefix: str = "") -> dict[str, RemoteObject]:
    found: dict[str, RemoteObject] = {}
    paginator = client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = RemoteObject(item["Size"], item["ETag"].strip('"'))
    return found


#: What a HEAD says that a copy correcting an object's headers keeps (REPLACE drops it).
KEPT_HEADERS = ("Metadata", "ContentEncoding", "ContentDisposition", "ContentLanguage")


def _read_headers(
    s3: Any, objects: Sequence[tuple[str, str]], reporter: Reporter
) -> dict[tuple[str, str], LiveHeaders]:
    """The headers of `objects` ((bucket, key)), read CONCURRENCY at a time; one deleted since
    it was listed is left out (the next publish uploads it)."""

    def head(bucket: str, key: str) -> LiveHeaders | None:
        try:
            answer = s3.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if cloud.error_code(error) in cloud.MISSING:
                return None
            raise cloud.explain(error, f"s3://{bucket}/{key}") or error from None
        keep = {name: answer[name] for name in KEPT_HEADERS if answer.get(name)}
        return LiveHeaders(answer.get("ContentType", ""), answer.get("CacheControl", ""), keep)

    found = {}
    reporter.start("headers", "Reading the headers of unchanged objects", len(objects) or 1)
    pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="newsreel-head")
    try:
        heads = pool.map(lambda item: head(*item), objects)
        for number, (item, live) in enumerate(zip(objects, heads, strict=True), 1):
            if live is not None:
                found[item] = live
            reporter.update("headers", number)
    finally:
        pool.shutdown(cancel_futures=True)
        reporter.finish("headers")
    return found


def _why_check(found: state.BucketState, rules: str, forced: bool) -> str:
    """Why the headers of a bucket's unchanged objects are to be read ("": they are not)."""
    if forced:
        return "--check-headers"
    if not found.headers:
        return "its publish state records no header rules (an older newsreel published it)"
    if found.headers != rules:
        return "the header rules changed since its last publish"
    return ""


def plan(
    project: Project,
    targets: Targets,
    delete: bool = False,
    now: float | None = None,
    check_headers: bool = False,
    reporter: Reporter = SILENT,
) -> Publish:
    """What would be uploaded, skipped, corrected, deleted and kept; touches nothing. Refuses
    an output that is not a build for these settings (`check_output`). The headers of the
    objects it skips are read (see the module's docstring) when a bucket's state records other
    header rules, or none, or when `check_headers`."""
    check_output(project)
    files = local_files(project.output)
    refused = unpublishable(files)
    if refused:
        raise NewsreelError(refused)
    if not targets.private_bucket and any(k.startswith(PRIVATE_DIR + "/") for k in files):
        raise NewsreelError(
            Problem(project.settings_file, "NEWSREEL_PRIVATE_BUCKET",
                    f"not set, and output/{PRIVATE_DIR}/ holds account-only renditions",
                    "set it (or pass --private-bucket): they never go to the site bucket")
        )  # fmt: skip
    s3 = cloud.client("s3", config_options=POOL)
    try:
        listings = {targets.bucket: _listing(s3, targets.bucket)}
        if targets.private_bucket:
            listings[targets.private_bucket] = _listing(
                s3, targets.private_bucket, PRIVATE_DIR + "/"
            )
        states = {name: state.read(s3, name) for name in listings}
    except Exception as error:
        raise cloud.explain(error, f"s3://{targets.bucket}") or error from None
    publish_plan = diff(
        files,
        listings,
        targets.bucket,
        targets.private_bucket,
        kept={name: found.kept for name, found in states.items()},
        pending_paths=states[targets.bucket].invalidate,
        now=time.time() if now is None else now,
        delete=delete,
    )
    rules = header_rules(files)
    why = {name: _why_check(found, rules, check_headers) for name, found in states.items()}
    unchanged = []
    for key in publish_plan.skipped:
        name = bucket_for(key, targets.bucket, targets.private_bucket)
        if name is not None and why.get(name):
            unchanged.append((name, key))
    if unchanged:
        live = _read_headers(s3, unchanged, reporter)
        publish_plan.corrections = header_fixes(unchanged, listings, live)
        publish_plan.headers_read = len(unchanged)
        publish_plan.headers_why = "; ".join(
            f"s3://{name}: {reason}" for name, reason in why.items() if reason
        ) if not check_headers else "--check-headers"  # fmt: skip
    listed = {name: sum(not is_hidden(key) for key in found) for name, found in listings.items()}
    return Publish(publish_plan, targets, states, listed, rules)


def _states_after(publish: Publish, done: bool) -> dict[str, state.BucketState]:
    """Each bucket's state while the publish runs (done=False: the journal) and after it."""
    paths = publish.invalidation_paths if publish.targets.distribution and not done else []
    result = {}
    for name, before in publish.states.items():
        pending = paths if name == publish.targets.bucket else []
        # the header rules are recorded once every object has them, never by the journal
        rules = publish.header_rules if done else before.headers
        result[name] = state.BucketState(
            kept=publish.plan.kept.get(name, {}), invalidate=pending, headers=rules
        )
    return result


def carry_out(
    publish: Publish, reporter: Reporter = SILENT, force_delete: bool = False
) -> str | None:
    """Journal, upload, delete, invalidate, clear the journal; returns the invalidation's id
    (None: nothing to invalidate, or no distribution). Refuses, before anything is written, to
    delete more than `MAX_DELETE_SHARE` of a bucket unless `force_delete`."""
    too_many = publish.too_many_deletions()
    if too_many and not force_delete:
        raise NewsreelError(too_many)
    s3 = cloud.client("s3", config_options=POOL)
    targets = publish.targets
    done = _states_after(publish, done=True)
    if not publish.plan.changes_anything and done == publish.states:
        return None  # nothing to write: no lock either
    where = f"s3://{targets.bucket}/{state.LOCK_KEY}"
    try:
        # the lock has a client of its own: its renewals are not writes `guard` holds back
        held = state.lock(cloud.client("s3"), targets.bucket, reporter)
    except Exception as error:
        raise cloud.explain(error, where) or error from None
    held.start(state.HEARTBEAT_S)
    s3.meta.events.register("before-parameter-build.s3", held.guard)
    try:
        invalidation = _carry_out(publish, s3, reporter, held)
    except BaseException:  # Ctrl+C too: the next publish must not find the lock held
        with contextlib.suppress(Exception):  # the publish's own failure is the one to say
            state.unlock(held)
        raise
    try:
        state.unlock(held)
    except Exception as error:
        raise cloud.explain(error, where) or error from None
    return invalidation


def _carry_out(publish: Publish, s3: Any, reporter: Reporter, held: state.Held) -> str | None:
    """`carry_out`, under the site bucket's lock: every write of `s3` waits for `held.guard`,
    and the deletions for S3 to confirm the lock ours right then."""
    targets = publish.targets
    touched = {u.bucket for u in publish.plan.uploads} | {d.bucket for d in publish.plan.deletions}
    touched |= {fix.bucket for fix in publish.plan.corrections}
    journal = _states_after(publish, done=False)
    stored = dict(publish.states)  # each bucket's state as it now is in the bucket
    for name in journal:
        if name in touched or (name == targets.bucket and journal[name].invalidate):
            _write_state(s3, name, journal[name])
            stored[name] = journal[name]
    reporter.start("upload", "Uploading", publish.plan.upload_bytes or 1)
    sent = 0

    def progress(size: int) -> None:
        nonlocal sent
        sent += size
        reporter.update("upload", sent)

    corrected = 0

    def correction(count: int) -> None:
        nonlocal corrected
        corrected += count
        reporter.update("headers", corrected)

    if publish.plan.corrections:
        reporter.start("headers", "Correcting headers", len(publish.plan.corrections))
    try:
        apply(publish.plan, s3, on_progress=progress, on_corrected=correction,
              before_deleting=lambda: held.ensure(within=0))  # fmt: skip
    finally:
        reporter.finish("upload")
        reporter.finish("headers")
    invalidation = None
    if targets.distribution:
        where = f"CloudFront distribution {targets.distribution}"
        cloudfront = cloud.client("cloudfront")
        try:
            try:
                invalidation = invalidate(
                    publish.invalidation_paths, cloudfront, targets.distribution
                )
            except ClientError as error:
                if error.response["Error"]["Code"] not in ("InvalidArgument", "InvalidRequest"):
                    raise
                # a path CloudFront will not take must not block every later publish (it would
                # stay pending in the state): everything is invalidated instead, once
                reporter.warn(f"{where} refused the list of paths to invalidate "
                              f"({error.response['Error'].get('Message', '')}); invalidating "
                              "everything (/*) instead")  # fmt: skip
                invalidation = invalidate(["/*"], cloudfront, targets.distribution)
        except Exception as error:
            raise _invalidation_failed(error, where, len(publish.invalidation_paths)) from None
    for name, after in _states_after(publish, done=True).items():
        if after != stored[name]:  # the journal's pending invalidation is cleared too
            _write_state(s3, name, after)
    return invalidation


def _invalidation_failed(error: Exception, where: str, paths: int) -> Exception:
    """The one line for an invalidation CloudFront refused or never got: it comes after every
    file is up, so the operator hears that, what CloudFront said, and that the same command
    sends it (it stays pending in the site bucket's state). A bug stays a bug."""
    explained = cloud.explain(error, where)
    if explained is None and isinstance(error, ClientError):
        details = error.response.get("Error", {})
        said = f"{details.get('Code', '')} ({details.get('Message') or 'no message'})"
        explained = NewsreelError(Problem(where, "", f"refused the invalidation: {said}", ""))
    if explained is None:
        return error
    first = explained.problems[0]
    again = "run the command again" in first.fix  # AWS failing for a while: said below
    fix = f"{first.fix}; then " if first.fix and not again else ""
    return NewsreelError(
        Problem(first.where, first.field, f"{first.message}; the files are published, but "
                f"the CDN may serve the {paths} replaced or deleted paths as they were for up "
                f"to {GRACE_S // 60} minutes", f"{fix}run the same command again (in a few "
                "minutes if CloudFront has too many invalidations in progress): it sends the "
                "invalidation, and nothing else")
    )  # fmt: skip


def _write_state(s3: object, bucket: str, value: state.BucketState) -> None:
    try:
        state.write(s3, bucket, value)
    except Exception as error:
        raise cloud.explain(error, f"s3://{bucket}/{state.STATE_KEY}") or error from None
