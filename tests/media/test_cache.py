"""The cache: nothing encoded twice, only what changed re-encoded, unused entries collected."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreel.media.cache import MediaCache
from newsreel.media.encode import EncodeError
from newsreel.media.errors import MediaError
from newsreel.media.record import Measured

from .conftest import CountingRunner, build_media, gc_cache, plan_media, write_manifest


def outputs_of(command: list[str]) -> list[str]:
    return [Path(a).name for a in command if a.endswith((".mp4", ".m4a", ".jpg"))][1:]


def test_second_build_encodes_nothing(clips: Path, tmp_path: Path, runner):
    build_media(clips, tmp_path / "out", tmp_path / "cache", runner=runner)
    assert runner.commands
    again = CountingRunner()
    build_media(clips, tmp_path / "out2", tmp_path / "cache", runner=again)
    assert again.commands == []
    assert plan_media(clips, tmp_path / "cache").jobs == []


def test_changing_one_cut_reencodes_only_that_cut(clips: Path, tmp_path: Path, runner):
    build_media(clips, tmp_path / "out", tmp_path / "cache", runner=runner)
    write_manifest(clips, cut_out="00:00:04.000")
    plan = plan_media(clips, tmp_path / "cache")
    assert {job.cut.id for job in plan.jobs} == {"soundbite"}
    assert "cut range changed" in plan.jobs[0].reason
    again = CountingRunner()
    build_media(clips, tmp_path / "out", tmp_path / "cache", runner=again)
    # hd (constant bit rate) is encoded whole: its loudness measure pass and its encode; web is
    # assembled: its edges encoded, then joined to GOPs copied from the full rendition; poster
    assert len(again.commands) == 5
    assert all("-ss" in command for command in again.commands)
    joined = [c for c in again.commands if "concat" in c]
    assert len(joined) == 1 and "copy" in joined[0]
    assert "hd: cut range changed (encoded whole: constant bit rate" in plan.describe()


def test_changing_one_preset_reencodes_only_its_outputs(clips: Path, tmp_path: Path, runner):
    build_media(clips, tmp_path / "out", tmp_path / "cache", runner=runner)
    presets = clips / "presets.toml"
    presets.write_text(presets.read_text("utf-8").replace("crf = 28", "crf = 30"), "utf-8")
    plan = plan_media(clips, tmp_path / "cache")
    assert sorted(o.preset.name for job in plan.jobs for o in job.outputs) == ["web", "web"]
    assert all(job.reason.startswith("web: preset changed") for job in plan.jobs)


MID = """
[presets.mid]
kind = "video"
suffix = "mid"
label = { en = "Mid", fr = "Moyen" }
[presets.mid.video]
width = 288
height = 162
fps = 25
crf = 28
x264_preset = "ultrafast"
[presets.mid.audio]
bitrate = "64k"
"""


def test_a_larger_preset_added_remakes_the_smaller_ones_scaled_from_its_frames(
    clips: Path, tmp_path: Path, runner
):
    build_media(clips, tmp_path / "out", tmp_path / "cache", runner=runner)
    presets = clips / "presets.toml"
    presets.write_text(presets.read_text("utf-8") + MID, "utf-8")
    plan = plan_media(clips, tmp_path / "cache")
    assert plan.jobs == [], "a preset no video is made in changes nothing"
    write_manifest(clips, **{'presets = ["hd", "web", "audio", "still"]':
                             'presets = ["hd", "web", "mid", "audio", "still"]'})  # fmt: skip
    plan = plan_media(clips, tmp_path / "cache")
    remade = {(o.cut.id, o.preset.name): o.scaled_from for job in plan.jobs for o in job.outputs}
    assert remade == {("full", "web"): (288, 162), ("full", "mid"): None,
                      ("soundbite", "web"): (288, 162)}  # fmt: skip
    assert "web: scaled from other frames" in plan.describe()
    assert "mid: new" in plan.describe()
    again = CountingRunner()
    video = build_media(clips, tmp_path / "out2", tmp_path / "cache", runner=again)
    web = next(f for f in video["2025-10-15-test"]["cuts"][0]["files"] if f["preset"] == "web")
    assert (web["width"], web["height"]) == (256, 144)


def test_gc_removes_only_unused_entries(clips: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    build_media(clips, tmp_path / "out", cache)
    before = set(MediaCache(cache).keys())
    write_manifest(clips, cut_out="00:00:04.000")
    build_media(clips, tmp_path / "out", cache)
    removed = gc_cache(clips, cache)
    assert len(removed) == 4  # the old cut's two renditions, its poster and the old press kit
    after = set(MediaCache(cache).keys())
    kept_extra = after - plan_media(clips, cache).keys
    assert [MediaCache(cache).get(key)[1].mime for key in kept_extra] == ["application/zip"]
    assert not (before - after) - {path.name for path in removed}


def test_a_failed_encode_leaves_no_file_behind(clips: Path, tmp_path: Path):
    def failing(args, duration_ms, on_progress=None):
        if args[-1] != "-":  # an encode (the loudness pass writes nothing)
            Path(args[-1]).write_bytes(b"half a file")
        raise EncodeError("Conversion failed!")

    with pytest.raises(MediaError, match="2025-10-15-test.toml: cut full: ffmpeg failed"):
        build_media(clips, tmp_path / "out", tmp_path / "cache", runner=failing)
    assert MediaCache(tmp_path / "cache").keys() == []
    assert not list((tmp_path / "cache").rglob("*.mp4"))
    assert not (tmp_path / "out" / "media").exists()


def test_a_fully_cached_build_starts_no_process_at_all(clips: Path, tmp_path: Path, monkeypatch):
    """Not even `ffmpeg -version`: the version is remembered by the binary's size and mtime."""
    import subprocess

    build_media(clips, tmp_path / "out", tmp_path / "cache")
    started: list = []

    class Spy(subprocess.Popen):
        def __init__(self, args, *rest, **options):
            started.append(args)
            super().__init__(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    videos = build_media(clips, tmp_path / "out2", tmp_path / "cache")
    assert started == []
    assert (tmp_path / "out2" / "media/2025-10-15-test/manifest.json").exists()
    assert videos["2025-10-15-test"]["cuts"][1]["files"]


def test_a_damaged_cache_entry_is_made_again_not_published(clips: Path, tmp_path: Path):
    """A cached file cut short (a full disk, a power cut) must not go out under the size and
    SHA-256 the manifest gives downloaders: it is encoded again."""
    import json

    build_media(clips, tmp_path / "out", tmp_path / "cache")
    cache = MediaCache(tmp_path / "cache")
    entries = cache.keys()
    key = next(k for k in entries if cache.get(k)[1].filename == "20251015-test-web.mp4")
    damaged, measured = cache.get(key)
    with damaged.open("r+b") as handle:
        handle.truncate(measured.size // 2)
    assert cache.get(key) is None
    again = CountingRunner()
    build_media(clips, tmp_path / "out2", tmp_path / "cache", runner=again)
    assert again.commands, "the damaged file was made again"
    manifest = json.loads((tmp_path / "out2/media/2025-10-15-test/manifest.json").read_text())
    full = next(f for f in manifest["cuts"][0]["files"] if f["filename"] == damaged.name)
    published = (tmp_path / "out2" / full["url"].lstrip("/")).stat().st_size
    # an encode is not byte for byte the same twice: what counts is that the file published
    # is the one the manifest describes, and whole
    assert published == full["bytes"] and published > measured.size // 2


def test_a_changed_preset_is_encoded_alone_in_the_shared_process(clips: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    build_media(clips, tmp_path / "out", cache)
    presets = clips / "presets.toml"
    presets.write_text(presets.read_text("utf-8").replace("crf = 28", "crf = 30"), "utf-8")
    before = set(MediaCache(cache).keys())
    again = CountingRunner()
    build_media(clips, tmp_path / "out", cache, runner=again)
    # full length and the cut: one process each, web only (no loudness pass for hd, no split)
    assert len(again.commands) == 2
    assert not any("split=" in " ".join(command) for command in again.commands)
    new = set(MediaCache(cache).keys()) - before
    assert {MediaCache(cache).get(key)[1].filename for key in new} >= {
        "20251015-test-web.mp4",
        "20251015-test-soundbite-web.mp4",
    }
    assert all(MediaCache(cache).get(k)[1].mime in ("video/mp4", "application/zip") for k in new)


def test_plan_says_what_and_why(clips: Path, tmp_path: Path):
    plan = plan_media(clips, tmp_path / "cache")
    text = plan.describe()
    assert text.splitlines()[0] == "7 of 7 outputs to encode, in 5 jobs:"
    assert "- 2025-10-15-test / full: hd, web, audio (hd: new; web: new; audio: new)" in text
    # the cut 1.04-3.52 s: its first whole GOP is 2-4 s, past its end; nothing to copy
    assert "soundbite: web (smart cut) (web: new (smart cut: 2.48 s encoded, 0 s copied))" in text
    assert "soundbite: hd (hd: new (encoded whole: constant bit rate (HRD signalled)" in text
    build_media(clips, tmp_path / "out", tmp_path / "cache")
    again = plan_media(clips, tmp_path / "cache")
    assert again.describe() == "All 7 outputs are in the cache: nothing to encode."


def test_written_and_cached_files_get_the_mode_open_gives(tmp_path: Path):
    """Not a temporary file's 0600: a web server running as another user reads the site."""
    import stat
    import tempfile

    from newsreel.media.cache import FILE_MODE, MediaCache, write_atomic

    assert FILE_MODE & 0o444 == 0o444  # the usual umask 022 gives 0644
    write_atomic(tmp_path / "site" / "robots.txt", b"User-agent: *\n")
    assert stat.S_IMODE((tmp_path / "site" / "robots.txt").stat().st_mode) == FILE_MODE
    cache = MediaCache(tmp_path / "cache")
    with tempfile.NamedTemporaryFile(dir=tmp_path, delete=False) as handle:  # a download: 0600
        handle.write(b"mp4")
    meta = Measured(filename="web.mp4", size=3, sha256="0" * 64, mime="video/mp4")
    cached = cache.put("ab" + "c" * 62, Path(handle.name), meta)
    assert stat.S_IMODE(cached.stat().st_mode) == FILE_MODE
