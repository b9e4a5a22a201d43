"""Real encodes of a tiny source: what lands in output/media and in manifest.json."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
from pathlib import Path

import av
import pytest

from newsreel.media import record
from newsreel.media.encode import ffmpeg_exe

from .conftest import build_media


def top_level_atoms(path: Path) -> list[str]:
    atoms, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        atoms.append(kind.decode("latin-1"))
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        offset += size or len(data)
    return atoms


def integrated_loudness(path: Path) -> float:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f",
         "null", "-"], capture_output=True, text=True,
    )  # fmt: skip
    summary = result.stderr.rsplit("Summary:", 1)[1]
    return float(summary.split("I:", 1)[1].split("LUFS", 1)[0])


def test_build_writes_every_cut_and_preset(clips: Path, tmp_path: Path, runner):
    out = tmp_path / "out"
    videos = build_media(clips, out, tmp_path / "cache", runner=runner)
    manifest = json.loads((out / "media/2025-10-15-test/manifest.json").read_text("utf-8"))
    assert videos["2025-10-15-test"] == manifest
    assert [cut["id"] for cut in manifest["cuts"]] == ["full", "soundbite"]
    full, cut = manifest["cuts"]
    assert [f["preset"] for f in full["files"]] == ["hd", "web", "audio", "still"]
    assert [f["preset"] for f in cut["files"]] == ["hd", "web"]
    for entry in full["files"] + cut["files"]:
        if entry["access"] == "account":
            assert entry["url"] == f"/api/download/2025-10-15-test/{entry['preset']}".replace(
                "test/", f"test/{'full' if entry in full['files'] else 'soundbite'}/"
            )
            path = out / entry["private_path"]
            assert entry["private_path"].startswith("_private/media/")
        else:
            path = out / entry["url"].lstrip("/")
        assert path.stat().st_size == entry["bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["key"][:16] in str(path)
    assert cut["files"][1]["filename"] == "20251015-test-soundbite-web.mp4"
    for part in (full, cut):
        poster = out / part["poster"]["url"].lstrip("/")
        assert poster.exists() and poster.suffix == ".jpg"
    assert manifest["shots"][1]["quote"].startswith("Notre soutien")
    assert manifest["duration_ms"] == 6000 and manifest["schema_version"] == record.SCHEMA_VERSION


def test_one_process_makes_all_full_length_renditions(clips: Path, tmp_path: Path, runner):
    build_media(clips, tmp_path / "out", tmp_path / "cache", runner=runner)
    encodes = [c for c in runner.commands if c[-1] != "-"]  # not the loudness measure pass
    renditions = [c for c in encodes if "-filter_complex" in c and "-ss" not in c]
    assert len(renditions) == 1
    graph = renditions[0][renditions[0].index("-filter_complex") + 1]
    assert "split=2" in graph and "asplit=3" in graph
    written = renditions[0][renditions[0].index("-filter_complex") :]
    assert sum(arg.endswith((".mp4", ".m4a")) for arg in written) == 3


def test_cuts_are_frame_accurate(clips: Path, tmp_path: Path):
    out = tmp_path / "out"
    manifest = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    cut = manifest["cuts"][1]
    expected = round((3.520 - 1.040) * 25)
    for entry in cut["files"]:
        path = out / (entry.get("private_path") or entry["url"].lstrip("/"))
        with av.open(str(path)) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == expected == entry["frames"], entry["preset"]
        assert abs(entry["duration_ms"] - 2480) <= 40


def test_broadcast_loudness_and_web_faststart(clips: Path, tmp_path: Path):
    out = tmp_path / "out"
    manifest = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    hd, web, audio, _ = manifest["cuts"][0]["files"]
    hd_path = out / hd["private_path"]
    assert abs(integrated_loudness(hd_path) - -23.0) <= 1.0
    assert hd["sample_rate"] == 48000 and hd["channels"] == 2
    atoms = top_level_atoms(out / web["url"].lstrip("/"))
    assert atoms.index("moov") < atoms.index("mdat")
    assert web["width"] == 256 and web["height"] == 144
    assert "width" not in audio and audio["audio_bitrate"] > 0
    assert hd["video_bitrate"] > 0 and web["video_bitrate"] > 0


def test_keyframes_every_two_seconds_and_48_khz_everywhere(clips: Path, tmp_path: Path):
    from newsreel.media.probe import keyframes, measure

    out = tmp_path / "out"
    manifest = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    for cut in manifest["cuts"]:
        for entry in cut["files"]:
            path = out / (entry.get("private_path") or entry["url"].lstrip("/"))
            if entry["kind"] == "video":
                seconds = entry["duration_ms"] / 1000
                expected = [float(t) for t in range(0, int(seconds + 0.999), 2)]
                assert keyframes(path) == pytest.approx(expected), (cut["id"], entry["preset"])
            if entry["kind"] in ("video", "audio"):
                info = measure(path)
                assert (info.sample_rate, info.channels, info.audio_codec) == (48000, 2, "aac")
            if entry["kind"] == "video":
                assert measure(path).video_codec == "h264"


def test_every_cut_has_a_poster_even_without_the_still_preset(clips: Path, tmp_path: Path):
    from newsreel.media.probe import image_size

    out = tmp_path / "out"
    manifest = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    for cut in manifest["cuts"]:
        poster = out / cut["poster"]["url"].lstrip("/")
        assert poster.read_bytes()[:3] == b"\xff\xd8\xff", "a JPEG"
        assert image_size(poster) == (320, 180)
    assert "still" not in [f["preset"] for f in manifest["cuts"][1]["files"]]


def test_manifest_json_has_the_contract_fields(clips: Path, tmp_path: Path):
    manifest = build_media(clips, tmp_path / "out", tmp_path / "cache")
    video = manifest["2025-10-15-test"]
    for field in ("id", "title", "date", "location", "rights", "shots", "duration_ms", "cuts"):
        assert video[field], field
    assert video["languages"] == ["en", "fr"] and video["$schema"] == "/media/manifest.schema.json"
    assert video["date"] == "2025-10-15" and video["rights"]["fr"] == "Mention : OTAN."
    for cut in video["cuts"]:
        for entry in cut["files"]:
            for field in ("url", "bytes", "sha256", "access", "label", "filename", "mime"):
                assert entry[field], (cut["id"], entry["preset"], field)
            if entry["kind"] in ("video", "still"):
                assert entry["width"] and entry["height"], (cut["id"], entry["preset"])
            if entry["kind"] != "still":
                assert entry["duration_ms"] > 0 and entry["audio_bitrate"] > 0
            if entry["kind"] == "video":
                assert entry["video_bitrate"] > 0 and entry["frames"] > 0
            if entry["kind"] == "video":
                assert entry["width"] and entry["video_bitrate"] and entry["audio_bitrate"]
