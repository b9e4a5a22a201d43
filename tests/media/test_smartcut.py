"""Smart cuts, proved on real encodes: GOPs copied bit for bit, edges encoded, frame-exact.

Two sources: a small drawing of the demo source (25 fps, 16:9, stereo) and a source of another
frame rate and size (29.97 fps, 4:3, mono). Each is cut off the GOP grid, with edges of many
frames and of a single frame. Every cut must decode with no error, hold exactly its frames,
begin and end on the same frames as the full-length rendition (PSNR), keep its audio as long
as its video, and (broadcast, encoded whole) keep its loudness normalisation. On the 16:9
source the smallest preset is scaled from the web preset's frames (`plan.scaling_base`), in
every command that makes its frames; on the 4:3 one (bars) from the source.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import av
import pytest
from frames import psnr

from newsreel.media import smartcut
from newsreel.media.demo import generate_demo_source
from newsreel.media.encode import ffmpeg_exe

from .conftest import LANGUAGES, CountingRunner, build_media, make_source, plan_media
from .test_build import integrated_loudness

REPO = Path(__file__).resolve().parents[2]

PRESETS = """
[presets.broadcast]
kind = "video"
access = "account"
suffix = "hd"
faststart = true
label = { en = "HD", fr = "HD" }
[presets.broadcast.video]
width = 320
height = 180
fps = 25
profile = "high"
bitrate = "600k"
minrate = "600k"
maxrate = "600k"
bufsize = "600k"
x264_params = "nal-hrd=cbr:force-cfr=1"
x264_preset = "veryfast"
[presets.broadcast.audio]
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
profile = "high"
crf = 23
maxrate = "1M"
bufsize = "2M"
x264_preset = "veryfast"
[presets.web.audio]
bitrate = "96k"
sample_rate = 48000
channels = 2

[presets.small]
kind = "video"
suffix = "small"
faststart = true
label = { en = "Small", fr = "Petit" }
[presets.small.video]
width = 160
height = 90
fps = 25
profile = "main"
crf = 20
maxrate = "300k"
bufsize = "600k"
x264_preset = "veryfast"
[presets.small.audio]
bitrate = "64k"
sample_rate = 48000
channels = 2
"""

MANIFEST = """
id = "2025-10-15-proof"
source = "sources/source.mp4"
date = 2025-10-15
presets = ["broadcast", "web", "small"]
title = {{ en = "Proof", fr = "Preuve" }}
location = {{ en = "Brussels", fr = "Bruxelles" }}
credit = {{ en = "NATO", fr = "OTAN" }}
rights = {{ en = "Credit: NATO.", fr = "Mention : OTAN." }}

[[cuts]]
id = "long-edges"
in = "00:00:01.520"
out = "00:00:07.480"
presets = ["broadcast", "web", "small"]
title = {{ en = "Long edges", fr = "Longs bords" }}

[[cuts]]
id = "one-frame-edges"
in = "00:00:01.960"
out = "00:00:{out_short}"
presets = ["web", "small"]
title = {{ en = "Short edges", fr = "Bords courts" }}
"""


def _clips(root: Path, source: Path, out_short: str = "06.040") -> Path:
    clips = root / "clips"
    (clips / "sources").mkdir(parents=True)
    shutil.copy(source, clips / "sources" / "source.mp4")
    (clips / "presets.toml").write_text(PRESETS, encoding="utf-8")
    (clips / "2025-10-15-proof.toml").write_text(
        MANIFEST.format(out_short=out_short), encoding="utf-8"
    )
    return clips


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory) -> Path:
    """The demo source's own drawing (slates, time code, tones), small and 10 s long."""
    return generate_demo_source(
        REPO / "clips" / "2025-10-15-defence-ministers-press-conference.toml",
        LANGUAGES,
        tmp_path_factory.mktemp("demo") / "demo.mp4",
        seconds=10,
        size=(320, 180),
    )


@pytest.fixture(scope="module")
def ntsc_source(tmp_path_factory) -> Path:
    """Another frame rate and shape: 29.97 fps, 4:3, mono."""
    path = tmp_path_factory.mktemp("ntsc") / "ntsc.mp4"
    return make_source(path, seconds=10, size="320x240", rate="30000/1001", channels=1)


def _built(root: Path, source: Path, out_short: str = "06.040"):
    clips = _clips(root, source, out_short)
    runner = CountingRunner()
    video = build_media(clips, root / "out", root / "cache", runner=runner)["2025-10-15-proof"]
    return clips, video, runner


def _path(out: Path, entry: dict) -> Path:
    return out / (entry.get("private_path") or entry["url"].lstrip("/"))


def _gray_frames(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [
            bytes(frame.reformat(format="gray").planes[0]) for frame in container.decode(video=0)
        ]


def _decode_errors(path: Path) -> str:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return result.stderr.strip()


def _durations(path: Path) -> tuple[float, float]:
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        return (
            float(video.duration * video.time_base),
            float(audio.duration * audio.time_base),
        )


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


@pytest.mark.parametrize("which", ["demo", "ntsc"])
def test_cuts_off_the_grid_are_exact(which, demo_source, ntsc_source, tmp_path: Path):
    source = demo_source if which == "demo" else ntsc_source
    _, video, runner = _built(tmp_path, source)
    out = tmp_path / "out"
    full = {f["preset"]: _path(out, f) for f in video["cuts"][0]["files"]}
    frames = {preset: _gray_frames(path) for preset, path in full.items()}
    for cut in video["cuts"][1:]:
        for entry in cut["files"]:
            path = _path(out, entry)
            where = f"{which} {cut['id']} {entry['preset']}"
            assert _decode_errors(path) == "", where
            first = smartcut.frame_at(cut["in_ms"], 25)
            end = smartcut.frame_at(cut["out_ms"], 25)
            got = _gray_frames(path)
            assert len(got) == end - first == entry["frames"], where
            reference = frames[entry["preset"]]
            assert psnr(got[0], reference[first]) >= 35, where
            assert psnr(got[-1], reference[end - 1]) >= 35, where
            if which == "ntsc":  # a moving pattern: a neighbouring frame is far off
                assert psnr(got[0], reference[first + 1]) < 30, where
                assert psnr(got[-1], reference[end - 2]) < 30, where
            video_s, audio_s = _durations(path)
            assert abs(video_s - audio_s) <= 0.040, where
            assert abs(video_s - (end - first) / 25) < 0.001, where
    expected = ["scale=256:144", "scale=160:90"] if which == "demo" else ["scale=160:90"]
    small = [c for c in runner.commands if any(_FIT_160_90 in arg for arg in c)]
    assert len(small) >= 3  # the full length, and the edges of each cut
    for command in small:
        assert _scales_before(command, "scale=160:90") == expected, command
    hd_cut = video["cuts"][1]["files"][0]
    assert hd_cut["preset"] == "broadcast"
    assert abs(integrated_loudness(_path(out, hd_cut)) - -23.0) <= 1.0
    assert sum("concat" in command for command in runner.commands) == 2  # one per web cut


#: How the scale filter of `encode._fitted` into 160x90 begins (its sizes are expressions of
#: the input's display shape: `min(160,round(90*iw*sar/ih))`).
_FIT_160_90 = "scale=min(160\\,round(90*"


def _box(text: str) -> str:
    """`scale=160:90`: the box a scale filter of `encode._fitted` fits frames into."""
    match = re.match(r"scale=min\((\d+)\\,round\((\d+)\*", text)
    return f"scale={match[1]}:{match[2]}" if match else text


def _scales_before(command: list[str], target: str) -> list[str]:
    """The scale filters on the path from the input to the node `target` (`scale=W:H`, the
    box it fits frames into) in a command's filter graph, as boxes, in order."""
    graph = command[command.index("-filter_complex") + 1]
    made = {}  # output label -> (filter, input labels)
    for segment in graph.split(";"):
        inputs = re.findall(r"^((?:\[[^\]]+\])+)", segment)
        labels_in = re.findall(r"\[([^\]]+)\]", inputs[0]) if inputs else []
        body = segment[len(inputs[0]) if inputs else 0 :]
        filter_text = re.sub(r"(\[[^\]]+\])+$", "", body)
        for label in re.findall(r"\[([^\]]+)\]", body[len(filter_text) :]):
            made[label] = (filter_text, labels_in)
    node = next(label for label, (text, _) in made.items() if _box(text) == target)
    path = []
    while node in made:
        text, inputs = made[node]
        if text.startswith("scale="):
            path.append(_box(text))
        node = inputs[0] if inputs else None
    return path[::-1]


def test_whole_gops_are_copied_bit_for_bit(demo_source, tmp_path: Path):
    _, video, _ = _built(tmp_path, demo_source)
    out = tmp_path / "out"
    full = _packets(_path(out, video["cuts"][0]["files"][1]))
    cut = video["cuts"][1]
    assert cut["id"] == "long-edges" and cut["files"][1]["preset"] == "web"
    packets = _packets(_path(out, cut["files"][1]))
    parts = smartcut.assembly(cut["in_ms"], cut["out_ms"], 25)
    assert (parts.head.count, parts.copied, parts.tail.count) == (12, 100, 37)
    # decoding order: the head's packets, then whole GOPs 2-6 s of the full rendition
    copied = packets[parts.head.count : parts.head.count + parts.copied]
    assert copied == full[parts.middle.first : parts.middle.end]
    assert packets[: parts.head.count] != full[parts.frames.first : parts.middle.first]
    # its keyframes: the head's first frame, then the full rendition's grid (every 2 s)
    from newsreel.media.probe import keyframes

    expected = [0.0] + [(k - parts.frames.first) / 25 for k in (50, 100, 150)]
    assert keyframes(_path(out, cut["files"][1])) == pytest.approx(expected)


def test_a_cut_on_the_grid_costs_a_copy_and_constant_bit_rate_falls_back(
    demo_source, tmp_path: Path
):
    clips, _, _ = _built(tmp_path, demo_source)
    manifest = clips / "2025-10-15-proof.toml"
    text = manifest.read_text("utf-8").replace("00:00:01.520", "00:00:02.000")
    manifest.write_text(text.replace("00:00:07.480", "00:00:08.000"), "utf-8")
    plan = plan_media(clips, tmp_path / "cache")
    described = plan.describe()
    assert "web: cut range changed (smart cut: nothing encoded, 6 s copied)" in described
    assert "broadcast: cut range changed (encoded whole: constant bit rate" in described
    runner = CountingRunner()
    video = build_media(clips, tmp_path / "out2", tmp_path / "cache", runner=runner)
    web = video["2025-10-15-proof"]["cuts"][1]["files"][1]
    joined = [c for c in runner.commands if "concat" in c]
    assert len(joined) == 1 and not any("libx264" in c for c in joined)
    written = [arg for command in runner.commands for arg in command]
    assert not [arg for arg in written if arg.endswith(("-head.mp4", "-tail.mp4"))]
    assert web["frames"] == 150


def test_the_cut_method_is_in_the_cache_key(demo_source, tmp_path: Path):
    from newsreel.media.plan import cache_key
    from newsreel.media.presets import load_presets

    clips = _clips(tmp_path, demo_source)
    web = load_presets(clips / "presets.toml", LANGUAGES)["web"]
    smart = cache_key("a" * 64, web, 1520, 7480, "ffmpeg 9", None, "smart")
    whole = cache_key("a" * 64, web, 1520, 7480, "ffmpeg 9", None, "encode")
    assert smart != whole
    plan = plan_media(clips, tmp_path / "cache")
    methods = {(o.cut.id, o.preset.name): o.method for o in plan.outputs["2025-10-15-proof"]}
    assert methods[("long-edges", "web")] == "smart"
    assert methods[("long-edges", "broadcast")] == "encode"
    assert methods[("full", "web")] == "encode"
    bases = {(o.cut.id, o.preset.name): o.scaled_from for o in plan.outputs["2025-10-15-proof"]}
    assert bases[("full", "small")] == bases[("long-edges", "small")] == (256, 144)
    assert bases[("full", "web")] is bases[("full", "broadcast")] is None
