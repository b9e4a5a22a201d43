"""Publishing fixtures: buckets and a distribution on moto's server, a small built site."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from conftest import SMALL_SITE, write_site
from newsreel.build import build_site
from newsreel.project import Project
from newsreel.publish import run

from .stack import create_distribution

PUBLIC = "https://multimedia.example.org"
#: What publishconf.py adds to the development settings.
PRODUCTION_SETTINGS = f"SITEURL = {PUBLIC!r}\nFEED_DOMAIN = SITEURL\nRELATIVE_URLS = False\n"

MEDIA_KEY = "media/v/0123456789abcdef/clip-720p.mp4"
PRIVATE_KEY = "_private/media/v/fedcba9876543210/clip-1080p.mp4"


@pytest.fixture
def s3(aws, monkeypatch):
    """boto3 pointed at moto, for the test's own looks; the code under test finds moto through
    AWS_ENDPOINT_URL, as an operator's would find a real endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    return aws("client", "s3")


def make_bucket(s3, name: str) -> str:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return name


@pytest.fixture
def buckets(s3, request):
    name = request.node.name.replace("_", "-").replace("[", "-").replace("]", "")
    name = name[:40].lower().strip("-") + "-" + uuid.uuid4().hex[:6]
    return make_bucket(s3, f"site-{name}"), make_bucket(s3, f"priv-{name}")


@pytest.fixture
def distribution(aws):
    return create_distribution(aws("client", "cloudfront"))


@pytest.fixture
def targets(buckets, distribution) -> run.Targets:
    return run.Targets(buckets[0], buckets[1], distribution)


def put_media(project: Project) -> None:
    """What a build with videos adds: a public rendition and an account-only one."""
    for key, byte in ((MEDIA_KEY, b"\x00"), (PRIVATE_KEY, b"\x01")):
        path = project.output / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(byte * 4096)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small site, built once: each test gets a copy of it (`site`)."""
    project = write_site(tmp_path_factory.mktemp("built") / "site", SMALL_SITE, PRODUCTION_SETTINGS)
    build_site(project)
    put_media(project)
    return project.root


@pytest.fixture
def site(built_site: Path, tmp_path: Path) -> Project:
    """A small site whose settings publish it at its public address (as publishconf.py does),
    built, in the test's own folder (a copy: the tests change it)."""
    root = tmp_path / "site"
    shutil.copytree(built_site, root, symlinks=True)
    return Project.at(root)


def publish(project: Project, targets: run.Targets, **options) -> run.Publish:
    """One whole publish (no build), as the command runs it."""
    planned = run.plan(project, targets, **options)
    run.carry_out(planned)
    return planned


def keys(s3, bucket: str) -> set[str]:
    paginator = s3.get_paginator("list_objects_v2")
    return {
        item["Key"]
        for page in paginator.paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    }


def invalidated(aws, distribution: str, invalidation_id: str) -> list[str]:
    cloudfront = aws("client", "cloudfront")
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation_id)
    return batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]


def invalidation_count(aws, distribution: str) -> int:
    cloudfront = aws("client", "cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    return listed.get("Quantity", 0)
