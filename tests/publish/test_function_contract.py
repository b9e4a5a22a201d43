"""What the function needs of a publish: every video's manifest at `media/<id>/manifest.json`
in the site bucket (where it reads them, NEWSREEL_SITE_BUCKET), up before any page that links
the video, never deleted while a page may still point at it; account-only renditions in the
private bucket only.
"""

from __future__ import annotations

import re

import pytest

from newsreel.build import build_site
from newsreel.media import record
from newsreel.project import Project
from newsreel.publish import run
from newsreel.publish.plan import GRACE_S

from .conftest import keys, publish
from .consistency import Bucket, problems
from .faults import FaultProxy


@pytest.fixture(scope="module")
def production_demo(demo_site, tmp_path_factory) -> Project:
    """The demo built for production (`publishconf.py`: its public address), as published;
    its media come from the cache the development build filled."""
    project = Project.at(
        demo_site.root, "publishconf.py", output=tmp_path_factory.mktemp("prod") / "output"
    )
    build_site(project)
    return project


def test_the_demo_publishes_what_the_function_reads_in_the_right_order(
    production_demo, targets, s3, aws, monkeypatch
):
    demo_site = production_demo
    with FaultProxy(aws.endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        publish(demo_site, targets)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    puts = [path.split("/", 2)[2] for method, path in proxy.writes() if method == "PUT"]
    live, private = keys(s3, targets.bucket), keys(s3, targets.private_bucket)
    videos = sorted(p.parent.name for p in (demo_site.output / "media").glob("*/manifest.json"))
    assert videos, "the demo has videos"
    pages = {
        key: (demo_site.output / key).read_text("utf-8") for key in puts if key.endswith(".html")
    }
    for video in videos:
        manifest = record.manifest_path(video)
        linking = [puts.index(k) for k, html in pages.items() if f"/{video}/" in html]
        assert linking, f"no page links {video}"
        assert puts.index(manifest) < min(linking), f"{manifest} after a page that links it"
        found = record.decode(s3.get_object(Bucket=targets.bucket, Key=manifest)["Body"].read())
        for stored in found.files():
            if stored.account_only:
                assert stored.path in private and stored.path not in live, stored.path
            else:
                assert stored.path in live, stored.path
    assert any(key.startswith(record.PRIVATE_DIR + "/") for key in private)
    assert not [key for key in live if key.startswith(record.PRIVATE_DIR + "/")]
    others = [k for k in private if not k.startswith((record.PRIVATE_DIR + "/", ".newsreel/"))]
    assert others == [], "the private bucket holds account-only files (and the publish state)"
    bases = (demo_site.public_base,)
    assert problems(Bucket(s3, targets.bucket), private, bases) == []


def test_a_manifest_outlives_the_pages_that_may_still_name_it(site, targets, s3):
    manifest = site.output / record.manifest_path("v")
    manifest.write_text('{"schema_version": 1}', "utf-8")
    publish(site, targets)
    manifest.unlink()  # the video left the site: its pages no longer link it
    now = 2_000_000.0
    gone = publish(site, targets, delete=True, now=now)
    assert record.manifest_path("v") in gone.plan.kept[targets.bucket]
    assert record.manifest_path("v") in keys(s3, targets.bucket), "a cached page may link it"
    publish(site, targets, delete=True, now=now + GRACE_S)
    assert record.manifest_path("v") not in keys(s3, targets.bucket)


def test_manifests_are_short_lived_in_caches_and_invalidated_when_replaced(site, targets, aws):
    manifest = site.output / record.manifest_path("v")
    manifest.write_text('{"schema_version": 1}', "utf-8")
    publish(site, targets)
    manifest.write_text('{"schema_version": 1, "id": "v"}', "utf-8")
    planned = run.plan(site, targets)
    (upload,) = planned.plan.uploads
    assert upload.key == record.manifest_path("v") and re.search(
        r"max-age=300\b", upload.cache_control
    )
    assert "/" + record.manifest_path("v") in planned.invalidation_paths
