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
