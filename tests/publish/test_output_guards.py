"""What a publish refuses to send: no build, someone else's folder, a development build, and a
`--delete` that would empty the live site; and a dry run that leaves output/ as it was."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from conftest import SMALL_SITE, write_site
from newsreel.build import build_site
from newsreel.build.output import MARKER, built_for
from newsreel.cli import app
from newsreel.errors import NewsreelError
from newsreel.project import Project
from newsreel.publish import run

from .conftest import PUBLIC, keys, publish, put_media

PRODUCTION = PUBLIC


@pytest.fixture
def dev_site(tmp_path) -> Project:
    """A small site built with the development settings (`newsreel build`, `newsreel serve`)."""
    project = write_site(tmp_path / "dev", SMALL_SITE)
    build_site(project)
    put_media(project)
    return project


def invoke(site: Project, targets: run.Targets, *options: str, settings: str = "pelicanconf.py"):
    result = CliRunner().invoke(
        app,
        ["publish", "--root", str(site.root), "--settings", settings, "--bucket", targets.bucket,
         "--private-bucket", targets.private_bucket, *options],
        env={"COLUMNS": "300", "NO_COLOR": "1"},
    )  # fmt: skip
    return result.exit_code, result.output


def production_settings(site: Project) -> str:
    """publishconf.py as the repository's: the development settings with the public SITEURL."""
    text = site.settings_file.read_text("utf-8")
    text += f"\nSITEURL = {PRODUCTION!r}\nFEED_DOMAIN = SITEURL\nRELATIVE_URLS = False\n"
    (site.root / "publishconf.py").write_text(text, "utf-8")
    return "publishconf.py"


@pytest.mark.parametrize("state", ["missing", "empty", "unmarked"])
def test_no_build_without_a_build_sends_and_deletes_nothing(site, targets, s3, state):
    publish(site, targets)
    live = keys(s3, targets.bucket)
    if state == "missing":
        shutil.rmtree(site.output)
    elif state == "empty":
        shutil.rmtree(site.output)
        site.output.mkdir()
    else:
        (site.output / MARKER).unlink()
    said = {"missing": "not built yet", "empty": "is empty", "unmarked": "not made by newsreel"}
    code, printed = invoke(site, targets, "--no-build", "--delete")
    assert code == 2, printed
    assert said[state] in printed and "drop --no-build" in printed, printed
    assert "Published" not in printed
    assert keys(s3, targets.bucket) == live, "the live site is as it was"
    with pytest.raises(NewsreelError, match=said[state]):
        run.plan(site, targets, delete=True)


def test_a_delete_of_most_of_the_bucket_needs_force_and_says_what_it_would_delete(
    site, targets, s3
):
    publish(site, targets)
    live = keys(s3, targets.bucket)
    for folder in ("en", "fr", "theme", "pagefind"):
        shutil.rmtree(site.output / folder)  # output/ is not the site it was
    planned = run.plan(site, targets, delete=True)
    now = len([d for d in planned.plan.deletions if d.bucket == targets.bucket])
    later = len(planned.plan.kept[targets.bucket])
    assert now and later, "pages go at once, what they name after the grace"
    listed = len([key for key in live if not key.startswith(".newsreel/")])
    with pytest.raises(
        NewsreelError, match=rf"would delete {now + later} of its {listed} objects \({now} now"
    ):
        run.carry_out(planned)
    assert keys(s3, targets.bucket) == live, "refused before anything was written"

    code, printed = invoke(site, targets, "--no-build", "--delete", "--dry-run")
    assert code == 0 and "A publish would stop here" in printed and "--force-delete" in printed
    code, printed = invoke(site, targets, "--no-build", "--delete")
    assert code == 2 and "en/index.html" in printed and "--force-delete" in printed, printed
    assert keys(s3, targets.bucket) == live
    code, printed = invoke(site, targets, "--no-build", "--delete", "--force-delete")
    assert code == 0, printed
    assert not [key for key in keys(s3, targets.bucket) if key.startswith(("en/", "fr/"))]
    assert [key for key in keys(s3, targets.bucket) if key.startswith("theme/")], "the grace"


def test_a_few_deletions_need_no_force(site, targets, s3):
    publish(site, targets)
    (site.output / "en" / "news" / "meeting" / "index.html").unlink()
    code, printed = invoke(site, targets, "--no-build", "--delete")
    assert code == 0, printed
    assert "en/news/meeting/index.html" not in keys(s3, targets.bucket)


def test_development_settings_are_not_published_with(dev_site, targets, s3):
    code, printed = invoke(dev_site, targets, "--no-build")
    assert code == 2, printed
    assert "pelicanconf.py: SITEURL: http://127.0.0.1:8000 is not a public address" in printed
    assert "--settings publishconf.py" in printed
    assert keys(s3, targets.bucket) == set()


def test_a_development_build_is_not_published_to_production(dev_site, targets, s3):
    site = dev_site
    settings = production_settings(site)
    assert built_for(site.output) == "http://127.0.0.1:8000"
    code, printed = invoke(site, targets, "--no-build", settings=settings)
    assert code == 2, printed
    assert "was built for http://127.0.0.1:8000 (its feeds" in printed, printed
    assert f"but publishconf.py publishes the site at {PRODUCTION}" in printed
    assert "newsreel publish (it builds with publishconf.py first)" in printed
    assert keys(s3, targets.bucket) == set()

    production = Project.at(site.root, settings)
    build_site(production)  # newsreel build --settings publishconf.py
    put_media(production)
    code, printed = invoke(site, targets, "--no-build", settings=settings)
    assert code == 0, printed
    robots = s3.get_object(Bucket=targets.bucket, Key="robots.txt")["Body"].read().decode()
    assert f"Sitemap: {PRODUCTION}/sitemap.xml" in robots


def test_a_dry_run_leaves_output_as_it_was(dev_site, targets, s3):
    site = dev_site
    settings = production_settings(site)
    before = {p: p.stat().st_mtime_ns for p in site.output.rglob("*")}
    code, printed = invoke(site, targets, "--dry-run", settings=settings)
    assert code == 0, printed
    assert "dry run" in printed and "to upload" in printed and "robots.txt" in printed
    assert {p: p.stat().st_mtime_ns for p in site.output.rglob("*")} == before
    assert built_for(site.output) == "http://127.0.0.1:8000", "still the development build"
    assert not list(site.root.glob(".output.*")), "the scratch build is gone"
    assert keys(s3, targets.bucket) == set()
