"""The one error path, from the command line: what an operator or editor causes is one line
naming the file or resource and the fix, exit status 2, no traceback, nothing half-written;
`--verbose` adds the traceback and the debug log (every ffmpeg command)."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsreel.cli import app

from .conftest import make_source


@pytest.fixture
def site(site_with_video):
    return site_with_video


def run(*args: str, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def one_line(result) -> str:
    """The single problem line a failed command printed (and that it failed as it should)."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    problems = [line for line in lines if not line.startswith(("Building", "Build failed"))]
    assert len(problems) == 1, lines
    return problems[0]


def built_nothing(project) -> None:
    assert not project.output.exists()
    assert not list(project.output.parent.glob(f".{project.output.name}*")), "no staging left"


def test_a_truncated_source(site):
    source = site.clips / "sources" / "test.mp4"
    data = source.read_bytes()
    source.write_bytes(data[: len(data) // 2])
    line = one_line(run("build", "--root", str(site.root)))
    assert line.startswith("clips/2025-10-15-test.toml: source: sources/test.mp4: ")
    assert "replace it with a complete, readable video file" in line
    built_nothing(site)


def test_a_source_that_is_not_a_video(site):
    (site.clips / "sources" / "test.mp4").write_text("<html>not a video</html>", "utf-8")
    line = one_line(run("build", "--root", str(site.root)))
    assert line.startswith("clips/2025-10-15-test.toml: source: ")
    built_nothing(site)


@pytest.fixture
def failing_ffmpeg(tmp_path: Path) -> str:
    """An ffmpeg that knows its version but fails every encode, as a broken build host would."""
    script = tmp_path / "bin" / "ffmpeg"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        'for arg in "$@"; do [ "$arg" = "-version" ] && echo "ffmpeg version 0-broken" '
        "&& exit 0; done\n"
        'echo "Conversion failed: simulated" >&2\nexit 1\n',
        "utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_a_failing_ffmpeg_shows_its_command(site, failing_ffmpeg: str):
    result = run("build", "--root", str(site.root), env={"NEWSREEL_FFMPEG": failing_ffmpeg})
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "ffmpeg failed" in line]
    assert lines and all("clips/2025-10-15-test.toml: cut " in line for line in lines)
    assert "Conversion failed: simulated" in lines[0] and f"(command: {failing_ffmpeg} " in lines[0]
    built_nothing(site)
    assert not list((site.cache / "media").rglob("*.mp4")), "nothing half-encoded in the cache"


def test_verbose_shows_every_ffmpeg_command_and_the_traceback(site, failing_ffmpeg: str):
    result = run(
        "build", "--root", str(site.root), "--verbose", env={"NEWSREEL_FFMPEG": failing_ffmpeg}
    )
    assert result.exit_code == 2
    assert "Traceback" in result.output
    assert f"DEBUG newsreel.media.execute: ffmpeg: {failing_ffmpeg} " in result.output


@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m", read_only: bool = False) -> Iterator[Path]:
    """A real file system of `size` (or read-only) at `path`: tmpfs, mounted for the test."""
    path.mkdir(parents=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)])
    assert mounted.returncode == 0, "this test needs root to mount a small tmpfs"
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small disk needs root")
def test_a_full_output_disk(site, tmp_path: Path):
    with small_disk(tmp_path / "disk", size="256k") as disk:
        output = disk / "output"
        line = one_line(run("build", "--root", str(site.root), "--output", str(output)))
        assert "No space left on device" in line
        assert "free some space on that disk, or build into another folder (--output)" in line
        assert not any(disk.iterdir()), "nothing half-written left on the disk"


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a read-only disk needs root")
def test_a_read_only_output_folder(site, tmp_path: Path):
    with small_disk(tmp_path / "disk", read_only=True) as disk:
        line = one_line(run("build", "--root", str(site.root), "--output", str(disk / "output")))
        assert "Read-only file system" in line and "the disk is mounted read-only" in line


def test_a_missing_settings_file(tmp_path: Path):
    line = one_line(run("build", "--root", str(tmp_path)))
    assert line == (f"{tmp_path}/pelicanconf.py: not found; run newsreel from the site's folder, "
                    "or pass --root and --settings")  # fmt: skip


def test_run_from_inside_the_site_it_names_the_sites_folder(site, monkeypatch):
    inside = site.root / "content" / "news"
    monkeypatch.chdir(inside)
    line = one_line(run("build"))
    assert line == (f"{inside}/pelicanconf.py: not found; the site's folder is {site.root}: "
                    f"run newsreel there, or pass --root {site.root}")  # fmt: skip


def test_a_shared_cache_bucket_that_does_not_exist(site, aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    env = {"NEWSREEL_MEDIA_CACHE": "s3://no-such-bucket/cache", "AWS_ENDPOINT_URL": aws.endpoint}
    line = one_line(run("build", "--root", str(site.root), env=env))
    assert line.startswith("s3://no-such-bucket: does not exist; ")
    built_nothing(site)


def test_an_unreachable_shared_cache(site):
    env = {
        "NEWSREEL_MEDIA_CACHE": "s3://bucket/cache",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_MAX_ATTEMPTS": "1",
    }
    line = one_line(run("build", "--root", str(site.root), env=env))
    assert line.startswith("http://127.0.0.1:9: cannot be reached; check the network")
    built_nothing(site)


def test_missing_aws_credentials_for_the_shared_cache(site, tmp_path: Path):
    """In a fresh process, as an operator runs it (boto3 remembers credentials in-process)."""
    env = {
        "NEWSREEL_MEDIA_CACHE": "s3://bucket/cache",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_ENDPOINT_URL": None,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    environment = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    newsreel = Path(sys.executable).with_name("newsreel")
    result = subprocess.run(
        [str(newsreel), "build", "--root", str(site.root)],
        env=environment, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("AWS credentials: not found; set AWS_PROFILE")
    built_nothing(site)


def test_a_source_that_needs_audio_it_lacks(site, tmp_path: Path):
    make_source(site.clips / "sources" / "test.mp4", audio=False)
    result = run("build", "--root", str(site.root))
    assert result.exit_code == 2 and "is audio only but the source has none" in result.output


def test_clips_build_leaves_a_live_site_as_it_is(site):
    """A new cut encoded by `clips build` waits in the cache: the live pages and manifest.json
    (which the API's downloads read) stay together until the next build publishes both."""
    from .conftest import write_manifest

    assert run("build", "--root", str(site.root)).exit_code == 0
    manifest = site.output / "media" / "2025-10-15-test" / "manifest.json"
    live = manifest.read_bytes()
    write_manifest(site.clips, cut_out="00:00:04.000")
    result = run("clips", "build", "--root", str(site.root), env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output and "newsreel build publishes them" in result.output
    assert manifest.read_bytes() == live
    assert not list(site.cache.glob(".clips-*")), "nothing left aside"
    assert run("build", "--root", str(site.root)).exit_code == 0
    assert manifest.read_bytes() != live


def test_an_items_and_a_manifests_mistakes_come_in_one_round(site):
    """Fixing the item's date must not reveal the manifest's problem only at the next build."""
    from .conftest import write_manifest

    item = site.root / "content" / "news" / "clip.en.md"
    item.write_text(item.read_text("utf-8").replace("2025-10-15 10:00", "15/10/2025"), "utf-8")
    write_manifest(site.clips, **{'presets = ["hd", "web"]': 'presets = ["hd", "wbe"]'})
    result = run("build", "--root", str(site.root), env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "Build failed" in result.output
    assert "clip.en.md: date: '15/10/2025' is not a date" in result.output
    said = result.output
    assert "2025-10-15-test.toml: cuts['soundbite'].presets[1]: unknown preset 'wbe'" in said
    built_nothing(site)
