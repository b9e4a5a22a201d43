"""Time codes and cache keys: pure functions, no ffmpeg."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from newsreel.media import timecode
from newsreel.media.manifests import Cut, VideoManifest
from newsreel.media.plan import PIPELINE_VERSION, cache_key, output_filename, scaling_base
from newsreel.media.presets import load_presets
from newsreel.media.probe import MediaInfo

from .conftest import LANGUAGES, PRESETS


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("00:00:00", 0),
        ("00:00:12", 12_000),
        ("00:00:12.5", 12_500),
        ("00:00:12.040", 12_040),
        ("01:02:03.004", 3_723_004),
        ("100:00:00", 360_000_000),
    ],
)
def test_time_codes_parse_exactly(text: str, millis: int):
    assert timecode.parse(text) == millis
    assert timecode.parse(timecode.format_ms(millis)) == millis


@pytest.mark.parametrize(
    "text",
    ["", "12", "0:00:12", "00:60:00", "00:00:60", "00:00:12.0001", "00:00:12,5", " 00:00:12",
     "00:00:12\n", "-00:00:12", "٠٠:٠٠:١٢", "00:00:1e", None, 12],
)  # fmt: skip
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        timecode.parse(text)


def test_durations_for_feeds():
    assert timecode.iso_duration(64_000) == "PT1M4S"
    assert timecode.iso_duration(2_480) == "PT2.48S"


@pytest.fixture
def presets(tmp_path: Path):
    path = tmp_path / "presets.toml"
    path.write_text(PRESETS, encoding="utf-8")
    return load_presets(path, LANGUAGES)


def test_cache_keys_are_stable_and_change_with_each_input(presets):
    web = presets["web"]
    base = dict(source_sha256="a" * 64, preset=web, in_ms=0, out_ms=6000, ffmpeg_version="9.0")
    key = cache_key(**base)
    assert key == cache_key(**base), "the same inputs give the same key, on any machine"
    assert len(key) == 64 and int(key, 16) >= 0
    changed = [
        {"source_sha256": "b" * 64},
        {"preset": presets["hd"]},
        {"preset": dataclasses.replace(web, video={**web.video, "crf": 29})},
        {"preset": dataclasses.replace(web, container="mov")},
        {"in_ms": 40},
        {"out_ms": 5960},
        {"ffmpeg_version": "9.1"},
        {"still_at_ms": 1000},
        {"scaled_from": (640, 360)},
    ]
    keys = {cache_key(**{**base, **change}) for change in changed}
    assert key not in keys and len(keys) == len(changed)
    assert PIPELINE_VERSION


def test_labels_access_and_names_do_not_change_the_bytes(presets):
    web = presets["web"]
    relabelled = dataclasses.replace(
        web, label={"en": "Other", "fr": "Autre"}, access="account", suffix="x", name="y"
    )
    assert relabelled.normalised() == web.normalised()


def test_output_names_a_downloader_recognises(presets):
    manifest = VideoManifest(
        path=Path("clips/2025-10-15-defence-ministers-press-conference.toml"),
        id="2025-10-15-defence-ministers-press-conference",
        source="sources/x.mp4",
        sha256=None,
        date=dt.date(2025, 10, 15),
        location="Brussels",
        presets=("hd",),
        title={"en": "T", "fr": "T"},
        rights={"en": "R", "fr": "R"},
        shots=(),
        cuts=(),
    )
    cut = Cut("rutte-soundbite", 12_000, 40_000, ("hd",), {})
    assert (
        output_filename(manifest, cut, presets["hd"], poster=False)
        == "20251015-defence-ministers-press-conference-rutte-soundbite-hd.mp4"
    )
    assert (
        output_filename(manifest, manifest.full, presets["audio"], poster=False)
        == "20251015-defence-ministers-press-conference-audio.m4a"
    )
    assert output_filename(manifest, cut, presets["still"], poster=True).endswith(
        "-rutte-soundbite-poster.jpg"
    )


def _ladder() -> dict:
    """The repository's sizes: 1080p, 720p, 540p, 360p, 234p at 25 fps, and a still."""
    path = Path(__file__).resolve().parents[2] / "clips" / "presets.toml"
    return load_presets(path, LANGUAGES)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ((1920, 1080), {"broadcast": None, "web": None, "stream-540p": (1280, 720),
                        "mobile": (1280, 720), "stream-234p": (1280, 720)}),
        ((3840, 2160), {"broadcast": None, "web": (1920, 1080), "stream-540p": (1920, 1080),
                        "mobile": (1920, 1080), "stream-234p": (1920, 1080)}),
        ((1280, 720), {"broadcast": None, "web": None, "stream-540p": None,
                       "mobile": (960, 540), "stream-234p": (960, 540)}),
        ((1440, 1080), {name: None for name in ("broadcast", "web", "mobile", "stream-234p")}),
        ((640, 480), {name: None for name in ("broadcast", "web", "mobile", "stream-234p")}),
        ((None, None), {"mobile": None}),
    ],
)  # fmt: skip
def test_smaller_sizes_are_scaled_from_a_larger_rendition_never_from_bars_or_upscales(
    source, expected
):
    presets = _ladder()
    info = MediaInfo(duration_ms=60_000, width=source[0], height=source[1])
    got = {name: scaling_base(presets[name], presets.values(), info) for name in expected}
    assert got == expected
    assert scaling_base(presets["still"], presets.values(), info) is None


def test_a_rendition_of_another_frame_rate_is_not_a_base():
    """Its frames are not the frames the preset needs: the next size at the same rate is."""
    presets = _ladder()
    web = presets["web"]
    presets["web"] = dataclasses.replace(web, video={**web.video, "fps": 50})
    info = MediaInfo(duration_ms=60_000, width=1920, height=1080)
    assert scaling_base(presets["mobile"], presets.values(), info) == (960, 540)
    assert scaling_base(presets["web"], presets.values(), info) is None
    del presets["stream-540p"]
    assert scaling_base(presets["mobile"], presets.values(), info) is None
