"""The media pipeline inside `newsreel build`: videos on pages, mistakes stop the whole build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import item, write_site
from newsreel.build import BuildError, build_site
from newsreel.errors import NewsreelError

from .conftest import write_manifest


@pytest.fixture
def site_with_video(tmp_path: Path, clips: Path):
    files = {
        "news/clip.en.md": item("With video", "en", video="2025-10-15-test"),
        "news/clip.fr.md": item("Avec vidéo", "fr", translation=True, video="2025-10-15-test"),
    }
    project = write_site(tmp_path / "site", files)
    shutil.copytree(clips, project.clips)
    return project


def test_build_encodes_clips_and_shows_them(site_with_video):
    build_site(site_with_video)
    out = site_with_video.output
    assert (out / "media/2025-10-15-test/manifest.json").exists()
    html = (out / "fr/news/clip/index.html").read_text("utf-8")
    assert '<video id="player"' in html and "Liste des plans" in html
    assert "20251015-test-soundbite-web.mp4" in html


def test_a_broken_manifest_stops_the_build_and_keeps_the_site(site_with_video):
    build_site(site_with_video)
    page = site_with_video.output / "en/news/clip/index.html"
    before = page.read_text("utf-8")
    write_manifest(site_with_video.clips, cut_out="00:09:00.000")
    with pytest.raises(NewsreelError) as raised:
        build_site(site_with_video)
    [line] = raised.value.lines()
    assert line.startswith("clips/2025-10-15-test.toml: cuts[0].out: 00:09:00.000 is past the end")
    assert page.read_text("utf-8") == before


def test_an_unknown_video_is_an_editors_mistake(site_with_video):
    path = site_with_video.root / "content/news/clip.en.md"
    path.write_text(item("With video", "en", video="no-such-video"), encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build_site(site_with_video)
    assert raised.value.lines() == [
        "content/news/clip.en.md: video: no manifest clips/no-such-video.toml; "
        "add the manifest, or use the id of one in clips/"
    ]
