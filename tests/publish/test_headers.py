"""Headers: an unchanged file keeps the headers it was uploaded with, so a publish corrects them
when newsreel's rules changed (recorded in each bucket's state), or when asked to
(`--check-headers`, for metadata changed by hand), and reads none otherwise."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from newsreel import cloud, content_types
from newsreel.build import build_site
from newsreel.cli import app, console
from newsreel.errors import NewsreelError
from newsreel.publish import plan as rules
from newsreel.publish import run, state
from newsreel.publish.sync import TRANSFER

from .conftest import invalidated, invalidation_count, publish, put_media
from .faults import FaultProxy

SUBTITLES = "media/v/0123456789abcdef/subtitles-en.vtt"
LARGE = "images/briefing.mp4"
#: The types newsreel gives now.
CURRENT = content_types.content_type


@pytest.fixture
def calls() -> Iterator[Counter[str]]:
    """The S3 operations the code under test sends (the tests' own client is not counted)."""
    counted: Counter[str] = Counter()

    def count(model, **_) -> None:
        counted[model.name] += 1

    events = cloud.session().events
    events.register("before-call.s3", count)
    try:
        yield counted
    finally:
        events.unregister("before-call.s3", count)


@pytest.fixture
def subtitled(site):
    """The small site with a video's subtitles (content-addressed, as a build names them)."""
    (site.output / SUBTITLES).write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "utf-8")
    return site


def old_content_type(name: str) -> str:
    """The types a machine without /etc/mime.types gave before newsreel named them itself:
    sitemaps as text/xml, Markdown as application/octet-stream."""
    if name.endswith(".md"):
        return "application/octet-stream"
    if name.endswith(".xml") and not name.endswith(("atom.xml", ".rss.xml")):
        return "text/xml"
    return CURRENT(name)


def test_an_object_changed_by_hand_is_corrected_by_check_headers(subtitled, targets, s3, aws,
                                                                 calls, monkeypatch):  # fmt: skip
    publish(subtitled, targets)
    s3.copy_object(Bucket=targets.bucket, Key=SUBTITLES, MetadataDirective="REPLACE",
                   CopySource={"Bucket": targets.bucket, "Key": SUBTITLES},
                   ContentType="application/octet-stream")  # fmt: skip
    etag = s3.head_object(Bucket=targets.bucket, Key=SUBTITLES)["ETag"]
    calls.clear()
    unasked = run.plan(subtitled, targets)
    assert unasked.plan.corrections == [] and calls["HeadObject"] == 0, "not read unasked"

    base = ["publish", "--root", str(subtitled.root), "--settings", "pelicanconf.py",
            "--no-build", "--bucket", targets.bucket, "--private-bucket",
            targets.private_bucket, "--check-headers"]  # fmt: skip
    for printer in (console.out, console.console):  # one row a line, at any terminal's width
        monkeypatch.setattr(printer, "width", 300)
    shown = CliRunner().invoke(app, [*base, "--dry-run"])
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert "1 files' headers to correct" in said, shown.output
    assert "was Content-Type application/octet-stream" in said, shown.output
    live = s3.head_object(Bucket=targets.bucket, Key=SUBTITLES)
    assert live["ContentType"] == "application/octet-stream", "a dry run only reads"

    calls.clear()
    checked = run.plan(subtitled, targets, check_headers=True)
    assert checked.plan.uploads == []
    assert [fix.key for fix in checked.plan.corrections] == [SUBTITLES]
    assert calls["HeadObject"] == len(checked.plan.skipped) == checked.plan.headers_read
    invalidation = run.carry_out(checked)
    assert calls["CopyObject"] == 1 and calls["UploadPartCopy"] == 0
    assert calls["PutObject"] == 3, "the lock, the journal, the state: nothing of the site's"
    live = s3.head_object(Bucket=targets.bucket, Key=SUBTITLES)
    assert live["ContentType"] == "text/vtt; charset=utf-8"
    assert live["CacheControl"] == rules.IMMUTABLE and live["ETag"] == etag, "same bytes"
    assert invalidated(aws, targets.distribution, invalidation) == [f"/{SUBTITLES}"]

    calls.clear()
    again = run.plan(subtitled, targets, check_headers=True)
    assert again.plan.corrections == [] and not again.plan.changes_anything
    assert run.carry_out(again) is None and calls["CopyObject"] == 0


def test_a_change_of_the_rules_corrects_exactly_the_affected_objects_once(
    site, targets, s3, aws, calls, monkeypatch
):
    with monkeypatch.context() as old:
        old.setattr(content_types, "content_type", old_content_type)
        publish(site, targets)
    listed = run._listing(s3, targets.bucket)
    affected = {
        key
        for key in listed
        if not key.startswith(".newsreel/") and old_content_type(key) != CURRENT(key)
    }
    assert "sitemap.xml" in affected and any(key.endswith(".md") for key in affected), affected
    assert s3.head_object(Bucket=targets.bucket, Key="sitemap.xml")["ContentType"].startswith(
        "text/xml"
    )

    calls.clear()
    fixed = run.plan(site, targets)
    invalidation = run.carry_out(fixed)
    for key in affected:
        assert s3.head_object(Bucket=targets.bucket, Key=key)["ContentType"] == (
            rules.content_type(key)
        )
    assert fixed.plan.uploads == []
    assert {fix.key for fix in fixed.plan.corrections} == affected
    assert fixed.plan.headers_read == len(fixed.plan.skipped)
    assert "header rules changed" in fixed.plan.headers_why
    # the lock, the site's journal and state, the private bucket's state (the rules recorded)
    assert calls["CopyObject"] == len(affected) and calls["PutObject"] == 4
    paths = invalidated(aws, targets.distribution, invalidation)
    assert "/sitemap.xml" in paths and len(paths) == len(affected)

    calls.clear()
    shutil.rmtree(site.output)
    build_site(site)
    put_media(site)
    after = run.plan(site, targets)
    assert not after.plan.changes_anything and after.plan.headers_read == 0
    assert run.carry_out(after) is None
    assert calls["HeadObject"] == calls["CopyObject"] == calls["PutObject"] == 0
    assert invalidation_count(aws, targets.distribution) == 1


def test_a_change_of_the_cache_rules_is_corrected_too(site, targets, s3, calls, monkeypatch):
    """Cache-Control as well: a rule that kept scripts an hour, then five minutes."""
    script = "theme/js/site.js"
    (site.output / script).parent.mkdir(parents=True, exist_ok=True)
    (site.output / script).write_text("console.log(1);\n", "utf-8")
    publish(site, targets)
    before = rules.cache_control

    def cache_control(key: str) -> str:
        return rules.SHORT if key.endswith(".js") and not rules.is_addressed(key) else before(key)

    monkeypatch.setattr(rules, "cache_control", cache_control)
    fixed = run.plan(site, targets)
    run.carry_out(fixed)
    assert s3.head_object(Bucket=targets.bucket, Key=script)["CacheControl"] == rules.SHORT
    assert script in {fix.key for fix in fixed.plan.corrections}
    assert all(fix.key.endswith(".js") for fix in fixed.plan.corrections)
    calls.clear()
    assert run.plan(site, targets).plan.headers_read == 0 and calls["HeadObject"] == 0


def test_an_unchanged_site_reads_no_headers_and_its_state_records_the_rules(
    site, targets, s3, aws, calls
):
    publish(site, targets)
    recorded = state.read(s3, targets.bucket).headers
    assert recorded == rules.header_rules(rules.local_files(site.output))
    assert state.read(s3, targets.private_bucket).headers == recorded
    calls.clear()
    again = run.plan(site, targets)
    assert again.plan.headers_read == 0 and again.plan.corrections == []
    assert run.carry_out(again) is None
    assert calls["HeadObject"] == 0 and calls["PutObject"] == calls["CopyObject"] == 0
    assert invalidation_count(aws, targets.distribution) == 0


@pytest.mark.parametrize("older", ["no state", "a state without header rules"])
def test_a_bucket_an_older_newsreel_published_is_checked_once(
    subtitled, targets, s3, aws, calls, older
):
    publish(subtitled, targets)
    for bucket in targets.buckets:  # what an older newsreel left
        if older == "no state":
            s3.delete_object(Bucket=bucket, Key=state.STATE_KEY)
        else:
            s3.put_object(Bucket=bucket, Key=state.STATE_KEY, Body=json.dumps({"kept": {}}))
    s3.copy_object(Bucket=targets.bucket, Key="sitemap.xml", MetadataDirective="REPLACE",
                   CopySource={"Bucket": targets.bucket, "Key": "sitemap.xml"},
                   ContentType="text/xml", CacheControl="max-age=60")  # fmt: skip
    calls.clear()
    checked = run.plan(subtitled, targets)
    invalidation = run.carry_out(checked)
    head = s3.head_object(Bucket=targets.bucket, Key="sitemap.xml")
    assert head["ContentType"] == "application/xml; charset=utf-8"
    assert head["CacheControl"] == rules.SHORT
    assert checked.plan.headers_read == len(checked.plan.skipped) > 10
    assert "older newsreel" in checked.plan.headers_why
    assert [(fix.key, fix.was) for fix in checked.plan.corrections] == [
        ("sitemap.xml", "Content-Type text/xml, Cache-Control max-age=60")
    ]
    assert invalidated(aws, targets.distribution, invalidation) == ["/sitemap.xml"]
    for bucket in targets.buckets:
        assert state.read(s3, bucket).headers == checked.header_rules
    calls.clear()
    after = run.plan(subtitled, targets)
    assert after.plan.headers_read == 0 and run.carry_out(after) is None
    assert calls["HeadObject"] == 0


def test_a_large_object_keeps_its_multipart_etag_and_user_metadata(
    site, targets, s3, calls, monkeypatch
):
    """Copied in parts of the uploads' size: one CopyObject would give it a plain MD5 as
    ETag, and the next publish would send it again (and CopyObject stops at 5 GB)."""
    large = site.output / LARGE
    large.parent.mkdir(parents=True, exist_ok=True)
    large.write_bytes(os.urandom(rules.MULTIPART_BYTES + 1024 * 1024))
    publish(site, targets)
    # changed by hand, in parts as the AWS CLI copies it (one CopyObject would change the ETag,
    # and the file would be sent again, with its right headers)
    s3.copy({"Bucket": targets.bucket, "Key": LARGE}, targets.bucket, LARGE,
            {"MetadataDirective": "REPLACE", "ContentType": "application/octet-stream",
             "Metadata": {"owner": "press office"}, "ContentDisposition": "inline"},
            Config=TRANSFER)  # fmt: skip
    assert s3.head_object(Bucket=targets.bucket, Key=LARGE)["ETag"].endswith('-2"')
    s3.put_object(Bucket=targets.bucket, Key=state.STATE_KEY, Body=b"{}")
    calls.clear()
    fixed = run.plan(site, targets)
    run.carry_out(fixed)
    head = s3.head_object(Bucket=targets.bucket, Key=LARGE)
    assert head["ContentType"] == "video/mp4" and head["CacheControl"] == rules.MEDIUM
    assert [fix.key for fix in fixed.plan.corrections] == [LARGE]
    assert calls["UploadPartCopy"] == 2 and calls["CopyObject"] == 0
    assert calls["UploadPart"] == 0 and calls["PutObject"] == 3, "no byte sent again"
    assert head["ETag"].strip('"') == rules.s3_etag(large) and head["ETag"].endswith('-2"')
    assert head["Metadata"] == {"owner": "press office"}
    assert head["ContentDisposition"] == "inline"
    assert run.plan(site, targets).plan.uploads == []


def test_a_publish_stopped_while_correcting_leaves_the_next_one_to_finish(
    site, targets, s3, aws, monkeypatch
):
    """The rules are recorded only once every object has them: a publish that fails at a copy
    leaves the old ones in the state (the next publish checks again) and the paths it had
    corrected pending, and the next publish corrects the rest and invalidates them all."""
    with monkeypatch.context() as old:
        old.setattr(content_types, "content_type", old_content_type)
        publish(site, targets)
    before = state.read(s3, targets.bucket).headers
    expected = {fix.key for fix in run.plan(site, targets).plan.corrections}
    assert "sitemap.xml" in expected and len(expected) > 1
    refusal = (403, "AccessDenied", "Access Denied")

    def decide(number: int, method: str, path: str) -> tuple[int, str, str] | None:
        return refusal if method == "PUT" and path == f"/{targets.bucket}/sitemap.xml" else None

    with FaultProxy(aws.endpoint, decide) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        with pytest.raises(NewsreelError, match="sitemap.xml"):
            publish(site, targets)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    stopped = state.read(s3, targets.bucket)
    assert stopped.headers == before, "not recorded: the next publish checks again"
    assert {f"/{key}" for key in expected} <= set(stopped.invalidate)
    live = s3.head_object(Bucket=targets.bucket, Key="sitemap.xml")
    assert live["ContentType"] == "text/xml; charset=utf-8"

    finished = publish(site, targets)
    corrected = {fix.key for fix in finished.plan.corrections}
    assert "sitemap.xml" in corrected and corrected <= expected
    assert {f"/{key}" for key in expected} <= set(finished.invalidation_paths)
    assert state.read(s3, targets.bucket).headers == finished.header_rules
    assert not run.plan(site, targets).plan.changes_anything


def test_the_fingerprint_of_the_rules_changes_with_them_only(monkeypatch):
    """A new file of a fingerprinted name (no type) is no new rule: it must not make every
    publish read every object's headers; a type, or a Cache-Control, that changes is one."""
    keys = ["index.html", "theme/vendor/hls.js/LICENSE.ca8773cf79", "media/v/a.vtt"]
    fingerprint = rules.header_rules(keys)
    assert rules.header_rules([*keys, "theme/vendor/x/LICENSE.0123456789"]) == fingerprint
    assert rules.header_rules(reversed(keys)) == fingerprint
    with monkeypatch.context() as changed:
        changed.setattr(content_types, "content_type", old_content_type)
        assert rules.header_rules(keys) != fingerprint
    with monkeypatch.context() as changed:
        changed.setattr(rules, "IMMUTABLE", "public, max-age=86400")
        assert rules.header_rules(keys) != fingerprint
