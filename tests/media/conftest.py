"""Tiny real sources and scaled-down presets, so real ffmpeg encodes take seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import item, write_site
from newsreel.media import pipeline, record
from newsreel.media.encode import ffmpeg_exe
from newsreel.media.plan import MediaPlan, MediaSettings

LANGUAGES = ("en", "fr")

PRESETS = """
[presets.hd]
kind = "video"
access = "account"
suffix = "hd"
faststart = true
label = { en = "HD", fr = "HD" }
[presets.hd.video]
width = 320
height = 180
fps = 25
profile = "high"
bitrate = "400k"
minrate = "400k"
maxrate = "400k"
bufsize = "800k"
x264_params = "nal-hrd=cbr:force-cfr=1"   # constant bit rate, like broadcast: cuts encoded whole
x264_preset = "ultrafast"
[presets.hd.audio]
bitrate = "128k"
sample_rate = 48000
channels = 2
loudness = { integrated = -23.0, true_peak = -1.0, lra = 11.0 }

[presets.web]
kind = "video"
suffix = "web"
faststart = true
label = { en = "Web", fr = "Web" }
[presets.web.video]
width = 256
height = 144
fps = 25
crf = 28
maxrate = "300k"
bufsize = "600k"
x264_preset = "ultrafast"
[presets.web.audio]
bitrate = "64k"
sample_rate = 48000
channels = 2

[presets.audio]
kind = "audio"
extension = "m4a"
suffix = "audio"
label = { en = "Audio", fr = "Audio" }
audio = { bitrate = "64k", sample_rate = 48000, channels = 2 }

[presets.still]
kind = "still"
suffix = "still"
label = { en = "Still", fr = "Image" }
video = { width = 320, height = 180, quality = 5 }
"""

MANIFEST = """
id = "2025-10-15-test"
source = "sources/test.mp4"
date = 2025-10-15
location = {{ en = "Brussels", fr = "Bruxelles" }}
credit = {{ en = "NATO", fr = "OTAN" }}
presets = ["hd", "web", "audio", "still"]
title = {{ en = "Test", fr = "Essai" }}
rights = {{ en = "Credit: NATO.", fr = "Mention : OTAN." }}

[[shots]]
at = "00:00:00"
en = "Exterior"
fr = "Extérieur"

[[shots]]
at = "00:00:03"
speaker = "Mark Rutte"
role = {{ en = "NATO Secretary General", fr = "secrétaire général de l’OTAN" }}
language = "fr"
quote = "Notre soutien à l’Ukraine est vital."
translation = {{ en = "Our support for Ukraine is vital." }}

[[cuts]]
id = "soundbite"
in = "{cut_in}"
out = "{cut_out}"
presets = ["hd", "web"]
title = {{ en = "Soundbite", fr = "Citation" }}
"""


def make_source(
    path: Path,
    seconds: float = 6,
    audio: bool = True,
    size: str = "320x180",
    rate: str = "25",
    channels: int = 2,
    tone: bool = True,
) -> Path:
    """A small real H.264/AAC file: test pattern, tone (or digital silence), a keyframe every
    2 s (of its rate)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=s={size}:r={rate}:d={seconds}",
    ]
    if audio:
        sound = f"sine=f=440:r=48000:d={seconds}" if tone else f"anullsrc=r=48000:d={seconds}"
        args += ["-f", "lavfi", "-i", sound, "-ac", str(channels)]
    gop = str(round(2 * float(Fraction(rate))))
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", gop, "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    subprocess.run([*args, str(path)], check=True)
    return path


@pytest.fixture(scope="session")
def source_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_source(tmp_path_factory.mktemp("src") / "test.mp4")


@pytest.fixture
def clips(tmp_path: Path, source_file: Path) -> Path:
    """A clips folder with the scaled-down presets, one manifest and its source."""
    folder = tmp_path / "clips"
    (folder / "sources").mkdir(parents=True)
    shutil.copy(source_file, folder / "sources" / "test.mp4")
    (folder / "presets.toml").write_text(PRESETS, encoding="utf-8")
    write_manifest(folder)
    return folder


def write_manifest(
    folder: Path, cut_in: str = "00:00:01.040", cut_out: str = "00:00:03.520", **replace: str
) -> Path:
    text = MANIFEST.format(cut_in=cut_in, cut_out=cut_out)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = folder / "2025-10-15-test.toml"
    path.write_text(text, encoding="utf-8")
    return path


class CountingRunner:
    """The real ffmpeg runner, counting the processes it starts."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, args, duration_ms, on_progress=None):
        from newsreel.media import encode

        self.commands.append(args)
        return encode.run(args, duration_ms, on_progress)


@pytest.fixture
def site_with_video(tmp_path: Path, clips: Path):
    """A small site whose news item, in both languages, shows the test video."""
    files = {
        "news/clip.en.md": item("With video", "en", video="2025-10-15-test"),
        "news/clip.fr.md": item("Avec vidéo", "fr", translation=True, video="2025-10-15-test"),
    }
    project = write_site(tmp_path / "site", files)
    shutil.copytree(clips, project.clips)
    return project


@pytest.fixture
def runner() -> CountingRunner:
    return CountingRunner()


def media_settings(clips: Path, cache: Path, shared_cache: str | None = None) -> MediaSettings:
    return MediaSettings(clips, cache, LANGUAGES, shared_cache)


def build_media(
    clips: Path, out: Path, cache: Path, runner=None, shared_cache: str | None = None
) -> dict[str, dict]:
    """Build the media; each video's manifest as the JSON its readers get (the contract)."""
    videos = pipeline.build_media(media_settings(clips, cache, shared_cache), out, runner=runner)
    return {video_id: json.loads(record.encode(video)) for video_id, video in videos.items()}


def plan_media(clips: Path, cache: Path) -> MediaPlan:
    return pipeline.plan(media_settings(clips, cache))


def gc_cache(clips: Path, cache: Path, on_wait=None) -> list[Path]:
    return pipeline.gc_cache(media_settings(clips, cache), on_wait=on_wait)
