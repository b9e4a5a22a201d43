"""One media cache in S3 for every build machine; sources kept in S3 and fetched once."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreel.media.remote import fetch_source

from .conftest import CountingRunner, build_media, plan_media, write_manifest


@pytest.fixture
def s3(aws, request):
    client = aws("client", "s3")
    bucket = "media-" + request.node.name.replace("_", "-")[:40].lower().strip("-")
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return client, bucket


def test_two_machines_encode_each_output_once(clips: Path, tmp_path: Path, s3, aws, monkeypatch):
    client, bucket = s3
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    shared = f"s3://{bucket}/cache"
    first, second = CountingRunner(), CountingRunner()
    one = build_media(
        clips,
        tmp_path / "out1",
        tmp_path / "machine1",
        runner=first,
        shared_cache=shared,
    )
    assert first.commands
    listed = client.list_objects_v2(Bucket=bucket, Prefix="cache/")["Contents"]
    assert any(item["Key"].endswith("meta.json") for item in listed)
    two = build_media(
        clips,
        tmp_path / "out2",
        tmp_path / "machine2",
        runner=second,
        shared_cache=shared,
    )
    assert second.commands == [], "the second machine fetched everything"
    assert one == two
    write_manifest(clips, cut_out="00:00:04.000")
    third = CountingRunner()
    build_media(
        clips,
        tmp_path / "out3",
        tmp_path / "machine3",
        runner=third,
        shared_cache=shared,
    )
    # only the changed cut: hd measured and encoded whole, web's edges and join, its poster
    assert len(third.commands) == 5


def test_turning_the_shared_cache_on_shares_what_the_local_cache_already_holds(
    clips: Path, tmp_path: Path, s3, aws, monkeypatch
):
    client, bucket = s3
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    shared = f"s3://{bucket}/cache"
    alone = CountingRunner()
    one = build_media(clips, tmp_path / "out1", tmp_path / "machine1", runner=alone)
    assert alone.commands, "the first machine encoded everything, on its own"
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0

    turned_on = CountingRunner()
    build_media(clips, tmp_path / "out1", tmp_path / "machine1", runner=turned_on,
                shared_cache=shared)  # fmt: skip
    assert turned_on.commands == [], "nothing to encode: the local cache had it all"
    entries = {
        item["Key"]: item["LastModified"]
        for item in client.list_objects_v2(Bucket=bucket, Prefix="cache/")["Contents"]
    }
    encoded = plan_media(clips, tmp_path / "machine1").keys  # press kits are zipped anew
    assert {key.split("/")[2] for key in entries if key.endswith("meta.json")} == encoded

    again = CountingRunner()
    build_media(clips, tmp_path / "out1", tmp_path / "machine1", runner=again, shared_cache=shared)
    after = {
        item["Key"]: item["LastModified"]
        for item in client.list_objects_v2(Bucket=bucket, Prefix="cache/")["Contents"]
    }
    assert after == entries, "a full bucket is not filled again"

    clean = CountingRunner()
    two = build_media(clips, tmp_path / "out2", tmp_path / "machine2", runner=clean,
                      shared_cache=shared)  # fmt: skip
    assert clean.commands == [], "a second clean machine encodes nothing"
    assert one == two


def test_s3_sources_are_fetched_once(clips: Path, tmp_path: Path, s3, aws, monkeypatch):
    client, bucket = s3
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    source = clips / "sources" / "test.mp4"
    client.upload_file(str(source), bucket, "sources/test.mp4")
    url = f"s3://{bucket}/sources/test.mp4"
    write_manifest(clips, **{'source = "sources/test.mp4"': f'source = "{url}"'})
    source.unlink()
    cache = tmp_path / "cache"
    manifest = build_media(clips, tmp_path / "out", cache)["2025-10-15-test"]
    kept = list((cache / "sources").glob("*.mp4"))
    assert len(kept) == 1 and kept[0].stem == manifest["source"]["sha256"]
    mtime = kept[0].stat().st_mtime_ns
    assert fetch_source(url, cache) == kept[0]
    assert kept[0].stat().st_mtime_ns == mtime, "not downloaded again"
