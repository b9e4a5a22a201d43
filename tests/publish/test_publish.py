"""Publishing to S3 and CloudFront (moto's server, real HTTP): only what changed, in order."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SMALL_SITE, write_site
from newsreel.build import build_site
from newsreel.cli import app
from newsreel.publish.plan import IMMUTABLE, SHORT, make_plan
from newsreel.publish.sync import apply, invalidate


@pytest.fixture
def buckets(aws, request):
    s3 = aws("client", "s3")
    name = request.node.name.replace("_", "-")[:40].lower().strip("-")
    site, private = f"site-{name}", f"priv-{name}"
    for bucket in (site, private):
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    return s3, site, private


@pytest.fixture
def distribution(aws):
    cloudfront = aws("client", "cloudfront")
    config = {
        "CallerReference": f"newsreel-test-{uuid.uuid4()}",
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "site",
                    "DomainName": "site.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
        },
    }
    answer = cloudfront.create_distribution(DistributionConfig=config)
    return cloudfront, answer["Distribution"]["Id"]


@pytest.fixture
def site(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    media = project.output / "media" / "v" / "0123456789abcdef"
    media.mkdir(parents=True)
    (media / "clip-720p.mp4").write_bytes(b"\x00" * 4096)
    private = project.output / "_private" / "media" / "v" / "fedcba9876543210"
    private.mkdir(parents=True)
    (private / "clip-1080p.mp4").write_bytes(b"\x01" * 4096)
    return project


def test_first_publish_uploads_everything_with_the_right_headers(site, buckets):
    s3, bucket, private = buckets
    plan = make_plan(site.output, s3, bucket, private)
    keys = [upload.key for upload in plan.ordered_uploads()]
    pages = [i for i, key in enumerate(keys) if key.endswith((".html", ".xml"))]
    others = [i for i, key in enumerate(keys) if not key.endswith((".html", ".xml"))]
    assert max(others) < min(pages), "media and assets before pages and feeds"
    apply(plan, s3)

    head = s3.head_object(Bucket=bucket, Key="fr/news/meeting/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == SHORT
    feed = s3.head_object(Bucket=bucket, Key="fr/feeds/atom.xml")
    assert feed["ContentType"] == "application/atom+xml; charset=utf-8"
    media = s3.head_object(Bucket=bucket, Key="media/v/0123456789abcdef/clip-720p.mp4")
    assert media["ContentType"] == "video/mp4" and media["CacheControl"] == IMMUTABLE
    css = next(k for k in keys if k.startswith("theme/css/site.") and k != "theme/css/site.css")
    assert s3.head_object(Bucket=bucket, Key=css)["CacheControl"] == IMMUTABLE
    private_key = "_private/media/v/fedcba9876543210/clip-1080p.mp4"
    assert s3.head_object(Bucket=private, Key=private_key)["ContentLength"] == 4096
    public_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert not [key for key in public_keys if key.startswith("_private/")]


def test_nothing_changed_nothing_sent_and_no_invalidation(site, buckets, distribution):
    s3, bucket, private = buckets
    apply(make_plan(site.output, s3, bucket, private), s3)
    again = make_plan(site.output, s3, bucket, private)
    assert again.uploads == [] and again.deletions == []
    cloudfront, distribution_id = distribution
    assert invalidate(again, cloudfront, distribution_id) is None


def test_one_edit_uploads_and_invalidates_only_what_changed(site, buckets, distribution):
    s3, bucket, private = buckets
    apply(make_plan(site.output, s3, bucket, private), s3)
    source = site.root / "content/news/meeting.en.md"
    source.write_text(source.read_text("utf-8") + "\nA new paragraph.\n", "utf-8")
    build_site(site)  # a real build would link the same media again: put it back
    media = site.output / "media/v/0123456789abcdef/clip-720p.mp4"
    media.parent.mkdir(parents=True)
    media.write_bytes(b"\x00" * 4096)
    plan = make_plan(site.output, s3, bucket, private)
    changed = sorted(upload.key for upload in plan.uploads)
    assert "en/news/meeting/index.html" in changed
    assert not [key for key in changed if key.startswith(("fr/", "media/", "theme/"))]
    cloudfront, distribution_id = distribution
    apply(plan, s3)
    invalidation_id = invalidate(plan, cloudfront, distribution_id)
    batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidation_id)
    paths = batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert "/en/news/meeting/" in paths and "/en/news/meeting/index.html" in paths
    assert all(path.startswith("/en/") for path in paths)


def test_deletion_only_with_delete_and_last(site, buckets):
    s3, bucket, private = buckets
    s3.put_object(Bucket=bucket, Key="en/old-page/index.html", Body=b"old")
    plan = make_plan(site.output, s3, bucket, private)
    assert plan.deletions == []
    plan = make_plan(site.output, s3, bucket, private, delete=True)
    assert [d.key for d in plan.deletions] == ["en/old-page/index.html"]
    apply(plan, s3)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert "en/old-page/index.html" not in keys
    assert "/en/old-page/" in plan.invalidation_paths()


def test_large_files_go_multipart(site, buckets):
    s3, bucket, private = buckets
    big = site.output / "media/v/0123456789abcdef/big-1080p.mp4"
    big.write_bytes(b"\x02" * (17 * 1024 * 1024))
    apply(make_plan(site.output, s3, bucket, private), s3)
    etag = s3.head_object(Bucket=bucket, Key="media/v/0123456789abcdef/big-1080p.mp4")["ETag"]
    assert "-" in etag, "a multipart upload's ETag has a part count"
    assert make_plan(site.output, s3, bucket, private).uploads == []


def test_cli_dry_run_touches_nothing(site, buckets, aws, monkeypatch):
    s3, bucket, private = buckets
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    result = CliRunner().invoke(
        app,
        [
            "publish",
            "--root",
            str(site.root),
            "--settings",
            "pelicanconf.py",
            "--no-build",
            "--bucket",
            bucket,
            "--private-bucket",
            private,
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "to upload" in result.output and "dry run" in result.output
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    result = CliRunner().invoke(
        app,
        [
            "publish",
            "--root",
            str(site.root),
            "--settings",
            "pelicanconf.py",
            "--no-build",
            "--bucket",
            bucket,
            "--private-bucket",
            private,
        ],
    )
    assert result.exit_code == 0, result.output
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] > 10
