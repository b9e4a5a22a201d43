"""Silent B-roll: video presets of a source without sound carry a silent track in the preset's
own audio format, and loudness normalisation lets silence through."""

from __future__ import annotations

from pathlib import Path

from newsreel.media.probe import measure

from .conftest import build_media, make_source, plan_media, write_manifest

NO_AUDIO_PRESET = {'presets = ["hd", "web", "audio", "still"]': 'presets = ["hd", "web", "still"]'}


def renditions(out: Path) -> dict[str, Path]:
    return {path.name: path for path in out.rglob("*.mp4")}


def test_a_source_without_audio_gets_a_silent_track_in_every_video_preset(
    clips: Path, tmp_path: Path
):
    make_source(clips / "sources" / "test.mp4", audio=False)
    write_manifest(clips, **NO_AUDIO_PRESET)
    plan = plan_media(clips, tmp_path / "cache")
    assert {job.kind for job in plan.jobs} >= {"renditions", "smart"}
    assert all("the source has no audio: a silent track" in job.reason
               for job in plan.jobs if job.kind != "still")  # fmt: skip
    build_media(clips, tmp_path / "out", tmp_path / "cache")
    files = renditions(tmp_path / "out")
    # full length: hd (loudness-normalised preset) and web; the cut: hd encoded whole, web
    # assembled from the full rendition's GOPs
    assert sorted(files) == [
        "20251015-test-hd.mp4", "20251015-test-soundbite-hd.mp4",
        "20251015-test-soundbite-web.mp4", "20251015-test-web.mp4",
    ]  # fmt: skip
    for name, path in files.items():
        info = measure(path)
        assert info.has_audio, name
        assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", 48000, 2), name
    full = measure(files["20251015-test-web.mp4"])
    assert abs(full.duration_ms - 6000) <= 100


def test_a_source_whose_sound_is_digital_silence_passes_loudness_normalisation(
    clips: Path, tmp_path: Path
):
    make_source(clips / "sources" / "test.mp4", tone=False)
    build_media(clips, tmp_path / "out", tmp_path / "cache")
    hd = measure(renditions(tmp_path / "out")["20251015-test-hd.mp4"])
    assert hd.has_audio and hd.sample_rate == 48000
