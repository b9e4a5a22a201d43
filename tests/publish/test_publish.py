"""Publishing to S3 and CloudFront (moto's server, real HTTP): only what changed, in order."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from newsreel.build import build_site
from newsreel.cli import app
from newsreel.errors import NewsreelError
from newsreel.publish import run
from newsreel.publish.plan import GRACE_S, IMMUTABLE, SHORT, Tier, is_page

from .conftest import MEDIA_KEY, PRIVATE_KEY, invalidated, keys, publish, put_media


def test_first_publish_uploads_everything_in_tiers_with_the_right_headers(site, targets, s3):
    planned = run.plan(site, targets)
    order = [upload.key for upload in planned.plan.ordered_uploads()]
    tiers = {upload.key: upload.tier for upload in planned.plan.uploads}
    assert tiers[MEDIA_KEY] == tiers[PRIVATE_KEY] == Tier.ADDRESSED
    assert tiers["pagefind/en/pagefind-entry.json"] == Tier.ENTRY
    pages = [i for i, key in enumerate(order) if is_page(key)]
    others = [i for i, key in enumerate(order) if not is_page(key)]
    assert max(others[:-2]) < min(pages) < max(pages) < others[-1], "pages, then the entries"
    assert planned.invalidation_paths == [], "nothing was in any cache"
    run.carry_out(planned)

    head = s3.head_object(Bucket=targets.bucket, Key="fr/news/meeting/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == SHORT
    feed = s3.head_object(Bucket=targets.bucket, Key="fr/feeds/atom.xml")
    assert feed["ContentType"] == "application/atom+xml; charset=utf-8"
    media = s3.head_object(Bucket=targets.bucket, Key=MEDIA_KEY)
    assert media["ContentType"] == "video/mp4" and media["CacheControl"] == IMMUTABLE
    css = next(k for k in order if k.startswith("theme/css/site.") and k != "theme/css/site.css")
    assert s3.head_object(Bucket=targets.bucket, Key=css)["CacheControl"] == IMMUTABLE
    chunk = next(k for k in order if k.startswith("pagefind/fr/fragment/"))
    assert s3.head_object(Bucket=targets.bucket, Key=chunk)["CacheControl"] == IMMUTABLE
    assert s3.head_object(Bucket=targets.private_bucket, Key=PRIVATE_KEY)["ContentLength"] == 4096
    assert not [key for key in keys(s3, targets.bucket) if key.startswith("_private/")]


def test_large_files_go_multipart_and_are_then_skipped(site, targets, s3):
    big = site.output / "media/v/0123456789abcdef/big-1080p.mp4"
    big.write_bytes(b"\x02" * (17 * 1024 * 1024))
    publish(site, targets)
    etag = s3.head_object(Bucket=targets.bucket, Key="media/v/0123456789abcdef/big-1080p.mp4")
    assert "-" in etag["ETag"], "a multipart upload's ETag has a part count"
    assert run.plan(site, targets).plan.uploads == []


def test_one_edit_uploads_and_invalidates_only_what_changed(site, targets, aws):
    publish(site, targets)
    source = site.root / "content/news/meeting.en.md"
    source.write_text(source.read_text("utf-8") + "\nA new paragraph.\n", "utf-8")
    build_site(site)
    put_media(site)  # a real build links the same media again
    planned = run.plan(site, targets)
    changed = sorted(upload.key for upload in planned.plan.uploads)
    assert "en/news/meeting/index.html" in changed
    assert not [key for key in changed if key.startswith(("fr/", "media/", "theme/"))]
    invalidation = run.carry_out(planned)
    paths = invalidated(aws, targets.distribution, invalidation)
    assert "/en/news/meeting/" in paths and "/en/news/meeting/index.html" in paths
    assert "/pagefind/en/pagefind-entry.json" in paths, "the search entry named a new meta file"
    assert all(path.startswith(("/en/", "/pagefind/en/")) for path in paths), paths
    assert not [p for p in paths if "/fragment/" in p or p.endswith(".pf_meta")]


def test_cli_dry_run_touches_nothing_then_publishes(site, targets, s3):
    base = ["publish", "--root", str(site.root), "--settings", "pelicanconf.py", "--no-build",
            "--bucket", targets.bucket, "--private-bucket", targets.private_bucket]  # fmt: skip
    result = CliRunner().invoke(app, [*base, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "to upload" in result.output and "dry run" in result.output
    assert keys(s3, targets.bucket) == set()
    result = CliRunner().invoke(app, base)
    assert result.exit_code == 0, result.output
    assert len(keys(s3, targets.bucket)) > 10


def test_delete_removes_vanished_pages_at_once_and_what_pages_name_after_the_grace(
    site, targets, s3
):
    publish(site, targets)
    (site.root / "content/news/meeting.en.md").unlink()
    (site.root / "content/news/meeting.fr.md").unlink()
    build_site(site)
    put_media(site)
    (site.output / MEDIA_KEY).unlink()  # the video's rendition changed: a new key
    moved = "media/v/00000000000000aa/clip-720p.mp4"
    (site.output / moved).parent.mkdir(parents=True)
    (site.output / moved).write_bytes(b"\x03" * 4096)
    now = 1_000_000.0

    kept = publish(site, targets, now=now)  # without --delete nothing goes
    assert kept.plan.deletions == [] and MEDIA_KEY in kept.plan.kept[targets.bucket]
    assert "en/news/meeting/index.html" in keys(s3, targets.bucket)

    later = publish(site, targets, delete=True, now=now + 60)
    deleted = {d.key for d in later.plan.deletions}
    assert "en/news/meeting/index.html" in deleted and "fr/news/meeting/index.html" in deleted
    assert MEDIA_KEY not in deleted, "a cached page may still name it"
    assert later.plan.kept[targets.bucket][MEDIA_KEY] == now, "counted from when it vanished"
    assert "/en/news/meeting/" in later.invalidation_paths
    live = keys(s3, targets.bucket)
    assert "en/news/meeting/index.html" not in live and MEDIA_KEY in live

    last = publish(site, targets, delete=True, now=now + GRACE_S)
    assert MEDIA_KEY in {d.key for d in last.plan.deletions}
    assert MEDIA_KEY not in keys(s3, targets.bucket) and moved in keys(s3, targets.bucket)
    assert last.plan.kept[targets.bucket] == {}
    assert run.plan(site, targets, delete=True, now=now + 2 * GRACE_S).plan.deletions == []


def test_account_only_files_never_reach_the_site_bucket(site, targets, s3):
    with pytest.raises(NewsreelError, match="NEWSREEL_PRIVATE_BUCKET: not set"):
        run.plan(site, run.Targets(targets.bucket))
    with pytest.raises(NewsreelError, match="is the site bucket"):
        run.targets_for(site, targets.bucket, targets.bucket)
    assert keys(s3, targets.bucket) == set()


def test_files_no_bucket_can_hold_are_named_before_anything_is_sent(site, targets, s3):
    """A name that is not UTF-8 (a file made on another system) stopped a publish half-way with
    a UnicodeEncodeError; a key past S3's 1,024 bytes fails at S3 (KeyTooLongError): both are
    said at once, one line each naming the file, before anything is sent."""
    import os

    strange = site.output / os.fsdecode(b"images/caf\xe9.jpg")
    strange.parent.mkdir(parents=True, exist_ok=True)
    strange.write_bytes(b"jpeg")
    deep = site.output.joinpath("images", *(f"{n}" * 200 for n in "abcdef"), "x.jpg")
    deep.parent.mkdir(parents=True)
    deep.write_bytes(b"jpeg")
    with pytest.raises(NewsreelError) as refused:
        publish(site, targets)
    lines = sorted(refused.value.lines(), key=len)
    assert len(lines) == 2, lines
    assert "caf\ufffd.jpg: its name is not UTF-8" in lines[0], lines
    assert lines[1].endswith("x.jpg: its key is 1218 bytes long, and S3 takes at most 1024; "
                             "give it (or its folders) a shorter name in the source and build "
                             "again"), lines  # fmt: skip
    assert keys(s3, targets.bucket) == set()


def test_a_folder_linked_into_output_is_published_not_deleted(site, targets, s3, tmp_path):
    """`output/images` moved to a bigger disk and linked back: os.walk skipped linked folders,
    so the publish saw its files gone, and --delete removed them from the live site while its
    pages still showed them. A link back to a folder above is not followed (no endless walk)."""
    import os
    import shutil

    from newsreel.publish.plan import GRACE_S

    images = site.output / "images"
    images.mkdir(exist_ok=True)
    (images / "drone.jpg").write_bytes(b"jpeg")
    publish(site, targets)
    shutil.move(images, tmp_path / "images")
    os.symlink(tmp_path / "images", images)
    os.symlink(site.output, tmp_path / "images" / "loop")
    later = run.plan(site, targets, delete=True, now=time.time() + GRACE_S + 1)
    assert "images/drone.jpg" in later.plan.skipped
    assert not [d.key for d in later.plan.deletions if d.key.startswith("images/")]
    assert not [u.key for u in later.plan.uploads if "/loop/" in u.key]
