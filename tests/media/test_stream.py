"""The HLS presentation: fMP4 rungs by byte ranges, measured bandwidths, I-frames, subtitles.

Checked against the playlists' own text and the files' bytes (what a player reads), and played
by a real HLS client: ffmpeg's hls demuxer, through PyAV.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import av
import pytest

from newsreel.media.probe import keyframes, top_level_boxes

from .conftest import CountingRunner, build_media, make_source

PRESETS = """
[streaming]
ladder = ["web", "mobile", "tiny"]
segment_seconds = 6

[presets.web]
kind = "video"
suffix = "web"
faststart = true
label = { en = "Web", fr = "Web" }
[presets.web.video]
width = 320
height = 180
fps = 25
crf = 26
maxrate = "600k"
bufsize = "1200k"
x264_preset = "ultrafast"
[presets.web.audio]
bitrate = "96k"
sample_rate = 48000
channels = 2

[presets.mobile]
kind = "video"
suffix = "mobile"
faststart = true
label = { en = "Mobile", fr = "Mobile" }
[presets.mobile.video]
width = 192
height = 108
fps = 25
crf = 30
maxrate = "200k"
bufsize = "400k"
x264_preset = "ultrafast"
[presets.mobile.audio]
bitrate = "64k"
sample_rate = 48000
channels = 2

[presets.tiny]
kind = "video"
access = "stream"
suffix = "tiny"
label = { en = "Tiny", fr = "Minuscule" }
[presets.tiny.video]
width = 128
height = 72
fps = 25
crf = 34
maxrate = "60k"
bufsize = "120k"
x264_preset = "ultrafast"
[presets.tiny.audio]
bitrate = "32k"
sample_rate = 48000
channels = 2
"""

MANIFEST = """
id = "2025-10-15-stream"
source = "sources/source.mp4"
date = 2025-10-15
presets = ["web", "mobile"]
title = { en = "Stream", fr = "Flux" }
location = { en = "Brussels", fr = "Bruxelles" }
credit = { en = "NATO", fr = "OTAN" }
rights = { en = "Credit: NATO.", fr = "Mention : OTAN." }
[captions]
en = "captions/en.vtt"
fr = "captions/fr.vtt"
"""

CAPTIONS = {
    "en": "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nGood morning.\n\n"
    "00:00:08.000 --> 00:00:12.000\nOur support is vital.\n",
    "fr": "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBonjour.\n\n"
    "00:00:08.000 --> 00:00:12.000\nNotre soutien est vital.\n",
}


def stream_clips(root: Path, source: Path, presets: str = PRESETS) -> Path:
    clips = root / "clips"
    (clips / "sources").mkdir(parents=True)
    (clips / "captions").mkdir()
    shutil.copy(source, clips / "sources" / "source.mp4")
    (clips / "presets.toml").write_text(presets, encoding="utf-8")
    (clips / "2025-10-15-stream.toml").write_text(MANIFEST, encoding="utf-8")
    for lang, text in CAPTIONS.items():
        (clips / "captions" / f"{lang}.vtt").write_text(text, encoding="utf-8")
    return clips


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("stream")
    source = make_source(root / "source.mp4", seconds=15)
    clips = stream_clips(root, source)
    video = build_media(clips, root / "out", root / "cache")["2025-10-15-stream"]
    return root, clips, video


def attributes(line: str) -> dict[str, str]:
    found = re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
    return {key: value.strip('"') for key, value in found}


def media_segments(text: str) -> list[tuple[float, int, int]]:
    """(duration, size, offset) of each segment of a media playlist."""
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", text)]
    ranges = [(int(n), int(o)) for n, o in re.findall(r"#EXT-X-BYTERANGE:(\d+)@(\d+)", text)]
    return [(d, n, o) for d, (n, o) in zip(durations, ranges, strict=True)]


def test_master_playlist_measures_what_the_files_carry(built):
    root, _, video = built
    out = root / "out"
    stream = video["stream"]
    master = (out / stream["url"].lstrip("/")).read_text("utf-8")
    lines = master.splitlines()
    variants = [
        (attributes(line), lines[number + 1])
        for number, line in enumerate(lines)
        if line.startswith("#EXT-X-STREAM-INF:")
    ]
    assert [uri for _, uri in variants] == ["web.m3u8", "mobile.m3u8", "tiny.m3u8"]
    folder = out / stream["url"].lstrip("/").rsplit("/", 1)[0]
    media = [attributes(line) for line in lines if line.startswith("#EXT-X-MEDIA:")]
    [audio] = [m for m in media if m["TYPE"] == "AUDIO"]
    assert (audio["GROUP-ID"], audio["DEFAULT"], audio["CHANNELS"]) == ("audio", "YES", "2")
    sound = media_segments((folder / audio["URI"]).read_text("utf-8"))

    def rates(segments):  # measured independently: average, and peak over >= 3 s segments
        total = sum(size for _, size, _ in segments) * 8 / sum(d for d, _, _ in segments)
        return total, max(size * 8 / duration for duration, size, _ in segments if duration >= 3)

    for attrs, uri in variants:
        video = media_segments((folder / uri).read_text("utf-8"))
        total = rates(video)[0] + rates(sound)[0]
        peak = max(  # video and audio play together: the peak of both, segment by segment
            (v[1] + a[1]) * 8 / v[0] for v, a in zip(video, sound, strict=True) if v[0] >= 3
        )
        assert abs(int(attrs["AVERAGE-BANDWIDTH"]) - total) <= 0.1 * total, uri
        assert abs(int(attrs["BANDWIDTH"]) - peak) <= 0.1 * peak, uri
        assert re.fullmatch(r"avc1\.[0-9a-f]{6},mp4a\.40\.2", attrs["CODECS"]), attrs
        assert attrs["SUBTITLES"] == "subs" and attrs["FRAME-RATE"] == "25.000"
        assert attrs["AUDIO"] == "audio"
    assert variants[0][0]["RESOLUTION"] == "320x180"
    subtitles = [m for m in media if m["TYPE"] == "SUBTITLES"]
    assert [(s["LANGUAGE"], s["NAME"]) for s in subtitles] == [
        ("en", "English"),
        ("fr", "Français"),
    ]
    for entry in subtitles:
        assert entry["TYPE"] == "SUBTITLES" and entry["AUTOSELECT"] == "YES"
        assert entry["CHARACTERISTICS"] == (
            "public.accessibility.transcribes-spoken-dialog,"
            "public.accessibility.describes-music-and-sound"
        )
        vtt_playlist = (folder / entry["URI"]).read_text("utf-8")
        vtt = (folder / vtt_playlist.splitlines()[-2]).read_text("utf-8")
        assert vtt.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n")
    iframes = [attributes(line) for line in lines if line.startswith("#EXT-X-I-FRAME-STREAM-INF")]
    assert [i["URI"] for i in iframes] == ["web-iframes.m3u8", "mobile-iframes.m3u8",
                                           "tiny-iframes.m3u8"]  # fmt: skip


def test_rungs_are_one_file_addressed_by_byte_ranges(built):
    root, _, video = built
    folder = root / "out" / video["stream"]["url"].lstrip("/").rsplit("/", 1)[0]
    grids = []
    for rung in video["stream"]["rungs"]:
        playlist = (root / "out" / rung["playlist"].lstrip("/")).read_text("utf-8")
        assert "#EXT-X-TARGETDURATION:6\n" in playlist and "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
        file = root / "out" / rung["file"]["url"].lstrip("/")
        assert set(re.findall(r"^[^#].*$", playlist, re.M)) == {file.name}
        data = file.read_bytes()
        init = re.search(r'#EXT-X-MAP:URI="[^"]+",BYTERANGE="(\d+)@0"', playlist)
        assert [b[2] for b in top_level_boxes(file) if b[0] < int(init[1])] == ["ftyp", "moov"]
        segments = media_segments(playlist)
        assert [round(d, 3) for d, _, _ in segments] == [6.0, 6.0, 3.0]
        offset = int(init[1])
        for _, size, start in segments:
            assert start == offset and data[start + 4 : start + 8] == b"moof"
            offset += size
        assert offset == len(data)
        grids.append(keyframes(file))
        assert rung["file"]["bytes"] == len(data)
        with av.open(str(file)) as container:
            assert not container.streams.audio, "the audio is stored once, apart"
    assert grids[0] == grids[1] == grids[2] == pytest.approx([float(t) for t in range(0, 15, 2)])
    assert (folder / "master.m3u8").exists()
    audio = video["stream"]["audio"]
    playlist = (root / "out" / audio["playlist"].lstrip("/")).read_text("utf-8")
    segments = media_segments(playlist)
    assert [round(d) for d, _, _ in segments] == [6, 6, 3]
    init = int(re.search(r'BYTERANGE="(\d+)@0"', playlist)[1])
    assert init + sum(size for _, size, _ in segments) == audio["file"]["bytes"]
    assert audio["preset"] == "web" and audio["codecs"] == "mp4a.40.2"


def test_iframe_playlists_address_each_idr_frame(built):
    root, _, video = built
    rung = video["stream"]["rungs"][0]
    text = (root / "out" / rung["iframes"].lstrip("/")).read_text("utf-8")
    assert "#EXT-X-I-FRAMES-ONLY" in text
    data = (root / "out" / rung["file"]["url"].lstrip("/")).read_bytes()
    init = int(re.search(r'BYTERANGE="(\d+)@0"', text)[1])
    entries = media_segments(text)
    assert [d for d, _, _ in entries] == [2.0] * 7 + [1.0]
    for _, size, offset in entries:
        sample = data[:init] + data[offset : offset + size]
        assert sample[init + 4 : init + 8] == b"moof"
        with av.open(__import__("io").BytesIO(sample)) as container:
            frames = list(container.decode(video=0))
        assert len(frames) == 1 and frames[0].key_frame
    assert rung["iframe_bandwidth"] > 0


def test_a_real_hls_client_plays_every_rung(built):
    root, _, video = built
    master = root / "out" / video["stream"]["url"].lstrip("/")
    with av.open(str(master)) as container:
        heights = sorted({s.codec_context.height for s in container.streams.video})
        assert heights == [72, 108, 180]
    for rung in video["stream"]["rungs"]:
        with av.open(str(root / "out" / rung["playlist"].lstrip("/"))) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == 375, rung["preset"]


def test_rungs_come_from_the_same_encodes_and_cost_no_process_when_cached(built, tmp_path):
    root, clips, video = built
    rungs = {r["preset"]: r for r in video["stream"]["rungs"]}
    web = video["cuts"][0]["files"][0]
    assert web["preset"] == "web" and "tiny" not in [f["preset"] for f in video["cuts"][0]["files"]]
    with av.open(str(root / "out" / web["url"].lstrip("/"))) as one:
        progressive = [bytes(p) for p in one.demux(video=0) if p.size]
    with av.open(str(root / "out" / rungs["web"]["file"]["url"].lstrip("/"))) as two:
        fragmented = [bytes(p) for p in two.demux(video=0) if p.size]
    assert progressive == fragmented, "repackaged, not encoded again"
    runner = CountingRunner()
    again = build_media(clips, tmp_path / "out", root / "cache", runner=runner)
    assert runner.commands == [] and again["2025-10-15-stream"]["stream"] == video["stream"]
    assert math.isclose(rungs["web"]["fps"], 25.0)


def test_the_audio_keeps_the_progressive_files_timeline(built):
    """The stream's audio is the web rendition's, packet for packet and on the same timeline:
    the AAC encoder's priming (1,024 samples) hidden by an edit list, as in the progressive
    file. Without it players start the audio 21 ms late, and a clip read from the stream's
    files is one AAC frame off."""
    root, _, video = built
    web = video["cuts"][0]["files"][0]
    audio = video["stream"]["audio"]
    timelines = []
    for url in (web["url"], audio["file"]["url"]):
        with av.open(str(root / "out" / url.lstrip("/"))) as container:
            packets = [p for p in container.demux(audio=0) if p.size]
            timelines.append([(p.pts, bytes(p)) for p in packets])
    assert timelines[0] == timelines[1]
    assert timelines[0][0][0] == -1024


def test_the_ladder_is_checked(tmp_path: Path, source_file):
    from newsreel.media.errors import MediaError

    bad = PRESETS.replace('ladder = ["web", "mobile", "tiny"]', 'ladder = ["web", "nope"]')
    clips = stream_clips(
        tmp_path, source_file, bad.replace("segment_seconds = 6", "segment_seconds = 5")
    )
    with pytest.raises(MediaError) as raised:
        build_media(clips, tmp_path / "out", tmp_path / "cache")
    text = str(raised.value)
    assert "presets.toml: streaming.ladder: 'nope' is not a public or stream video preset" in text
    assert "streaming.segment_seconds: 5 is not a multiple of 2" in text
