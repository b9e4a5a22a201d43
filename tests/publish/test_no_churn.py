"""No churn: the same content publishes the same bytes, so a second publish sends nothing."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import cbor2

from newsreel.build import build_site
from newsreel.build.search import stabilise
from newsreel.publish import run

from .conftest import invalidation_count, publish, put_media

SIGNATURE = b"pagefind_dcd"


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _load(path: Path):
    return cbor2.loads(gzip.decompress(path.read_bytes())[len(SIGNATURE) :])


def _save(path: Path, value) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + cbor2.dumps(value)))


def reorder_as_another_run(index: Path) -> None:
    """What another Pagefind run may write for the same pages: its hash maps iterate in
    another order, so the filters and their values come out reversed, under other names."""
    entry = json.loads((index / "pagefind-entry.json").read_text("utf-8"))
    (language,) = entry["languages"].values()
    meta_path = index / f"pagefind.{language['hash']}.pf_meta"
    meta = _load(meta_path)
    for number, pair in enumerate(meta[3]):
        old = index / "filter" / f"{pair[1]}.pf_filter"
        values = _load(old)
        values[1].reverse()
        old.unlink()
        pair[1] = f"{pair[1].split('_')[0]}_{number:07d}"
        _save(index / "filter" / f"{pair[1]}.pf_filter", values)
    meta[3].reverse()
    meta_path.unlink()
    language["hash"] = language["hash"].split("_")[0] + "_ffffffffff"
    _save(index / f"pagefind.{language['hash']}.pf_meta", meta)
    (index / "pagefind-entry.json").write_text(json.dumps(entry), "utf-8")


def test_two_orders_of_the_same_index_become_the_same_bytes(site, tmp_path):
    one, other = tmp_path / "one", tmp_path / "other"
    shutil.copytree(site.output / "pagefind" / "fr", one)
    shutil.copytree(site.output / "pagefind" / "fr", other)
    reorder_as_another_run(other)
    assert digests(one) != digests(other)
    stabilise(one)
    stabilise(other)
    assert digests(one) == digests(other)
    meta = next(one.glob("*.pf_meta"))
    filters = _load(meta)[3]
    assert [name for name, _ in filters] == sorted(name for name, _ in filters)
    for _, chunk in filters:
        values = _load(one / "filter" / f"{chunk}.pf_filter")[1]
        assert [value for value, _ in values] == sorted(value for value, _ in values)
    entry = json.loads((one / "pagefind-entry.json").read_text("utf-8"))
    assert meta.name == f"pagefind.{entry['languages']['fr']['hash']}.pf_meta"


def test_a_rebuild_of_the_same_content_is_the_same_bytes(site):
    before = digests(site.output)
    shutil.rmtree(site.output)
    build_site(site)
    put_media(site)
    assert digests(site.output) == before


def test_a_second_publish_sends_nothing_and_invalidates_nothing(site, targets, aws, s3):
    publish(site, targets)
    shutil.rmtree(site.output)
    build_site(site)
    put_media(site)
    state_before = s3.head_object(Bucket=targets.bucket, Key=".newsreel/publish-state.json")
    again = run.plan(site, targets)
    assert again.plan.uploads == [] and again.plan.deletions == []
    assert again.invalidation_paths == []
    assert run.carry_out(again) is None
    assert invalidation_count(aws, targets.distribution) == 0
    state_after = s3.head_object(Bucket=targets.bucket, Key=".newsreel/publish-state.json")
    assert state_after["ETag"] == state_before["ETag"]
    assert state_after["LastModified"] == state_before["LastModified"], "not even the state"


def test_a_large_file_that_did_not_change_is_not_sent_again(site, targets, aws):
    """A file uploaded in parts has S3's multipart ETag (`<md5 of the parts' md5s>-<parts>`):
    it is computed here the same way, so a 17 MB file is sent once, not at every publish."""
    import os

    from newsreel.publish.plan import MULTIPART_BYTES

    large = site.output / "images" / "archive vidéo.mp4"
    large.parent.mkdir(parents=True, exist_ok=True)
    large.write_bytes(os.urandom(MULTIPART_BYTES + 1024 * 1024))
    publish(site, targets)
    again = run.plan(site, targets)
    assert [u.key for u in again.plan.uploads] == []
    assert again.invalidation_paths == []
    with large.open("r+b") as handle:  # one byte changed in the second part: sent again
        handle.seek(MULTIPART_BYTES + 10)
        handle.write(b"\x00" if handle.read(1) != b"\x00" else b"\x01")
    changed = run.plan(site, targets)
    assert [u.key for u in changed.plan.uploads] == ["images/archive vidéo.mp4"]


def test_invalidation_paths_are_url_encoded_and_a_refused_list_is_not_stuck(
    site, targets, aws, monkeypatch
):
    """CloudFront takes paths URL-encoded, as browsers request them (it refuses a space or an
    accent as they are); and a list it refuses for any other reason must not stay pending and
    block every later publish: everything is invalidated instead, once."""
    from botocore.exceptions import ClientError

    from newsreel import cloud

    sent: list[list[str]] = []

    def as_cloudfront(params, **_):
        items = params["InvalidationBatch"]["Paths"]["Items"]
        sent.append(items)
        if any(not item.isascii() or " " in item or "refused" in item for item in items):
            error = {"Error": {"Code": "InvalidArgument", "Message": "not URL-encoded"}}
            raise ClientError(error, "CreateInvalidation")

    event = "before-parameter-build.cloudfront.CreateInvalidation"
    cloud.session().events.register(event, as_cloudfront)
    try:
        page = site.output / "images" / "vidéo archive.txt"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("one")
        refused = site.output / "images" / "refused.txt"
        refused.write_text("one")
        publish(site, targets)
        page.write_text("two")
        publish(site, targets)
        assert sent[-1] == ["/images/vid%C3%A9o%20archive.txt"]
        assert run.plan(site, targets).invalidation_paths == []  # sent: not pending any more
        refused.write_text("two")
        publish(site, targets)  # refused as a list: everything instead, and nothing left over
        assert sent[-2:] == [["/images/refused.txt"], ["/*"]]
        assert run.plan(site, targets).invalidation_paths == []
    finally:
        cloud.session().events.unregister(event, as_cloudfront)
