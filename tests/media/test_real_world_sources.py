"""Sources as newsrooms really send them: anamorphic SD, interlaced broadcast material, phone
footage at NTSC rates, sound and picture of different lengths, truncated uploads. Each one
either gives correct renditions or stops the build with one line naming the file and the fix."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from newsreel.media.encode import ffmpeg_exe
from newsreel.media.errors import MediaError
from newsreel.media.plan import cache_key
from newsreel.media.probe import probe_source
from newsreel.media.reasons import reason

from .conftest import build_media, gc_cache, make_source, plan_media, write_manifest


def make(path: Path, *args: str) -> Path:
    """A source made by ffmpeg from lavfi inputs: `args` are everything between the
    command's global options and the output file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args, str(path)]
    subprocess.run(command, check=True)
    return path


def luma(path: Path, at: int = 0) -> np.ndarray:
    """The luma plane of frame `at` of a file (a still: its only frame)."""
    with av.open(str(path)) as container:
        for number, frame in enumerate(container.decode(video=0)):
            if number == at:
                return frame.to_ndarray(format="gray").astype(np.float64)
    raise AssertionError(f"{path.name} has no frame {at}")


def files_of(out: Path, video: dict) -> dict[str, Path]:
    """`cut/preset` -> the file in `out`, for every rendition and poster of a video."""
    found = {}
    for cut in video["cuts"]:
        for entry in cut["files"]:
            found[f"{cut['id']}/{entry['preset']}"] = out / (
                entry.get("private_path") or entry["url"].lstrip("/")
            )
        found[f"{cut['id']}/poster"] = out / cut["poster"]["url"].lstrip("/")
    return found


def test_an_anamorphic_source_fills_a_preset_of_its_display_shape(clips: Path, tmp_path: Path):
    # 16:9 PAL SD as broadcasters deliver it: 5:4 pixels (here 240x192) with SAR 64:45; shown
    # 16:9, it must fill a 16:9 preset (no bars), not be squeezed to 5:4 between black bars
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "color=white:s=240x192:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=4", "-vf", "setsar=64/45", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")  # fmt: skip
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    for name, path in files_of(tmp_path / "out", video).items():
        if path.suffix in (".mp4", ".jpg"):
            picture = luma(path)
            edges = np.concatenate([picture[:, :4], picture[:, -4:]], axis=1)
            assert edges.min() > 200, f"{name}: black bars at the sides of a 16:9 picture"


def test_an_anamorphic_source_has_keys_of_its_own(clips: Path, tmp_path: Path):
    # its renditions made before pictures were fitted by their display shape were squeezed:
    # a cache holding them must make them again; a square-pixel source keeps its keys
    square = plan_media(clips, tmp_path / "cache")
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "testsrc2=s=240x192:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=4", "-vf", "setsar=64/45", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")  # fmt: skip
    assert probe_source(clips / "sources" / "test.mp4").sar == Fraction(64, 45)
    anamorphic = plan_media(clips, tmp_path / "cache")
    hd = next(o for o in anamorphic.outputs["2025-10-15-test"] if o.preset.name == "hd")
    source = anamorphic.sources["2025-10-15-test"]
    args = (source.sha256, hd.preset, hd.in_ms, hd.out_ms, anamorphic.ffmpeg_version)
    assert hd.key == cache_key(*args, corrections=("display-shape",)) != cache_key(*args)
    old = next(o for o in square.outputs["2025-10-15-test"] if o.preset.name == "hd")
    sha256 = square.sources["2025-10-15-test"].sha256
    assert old.key == cache_key(sha256, old.preset, old.in_ms, old.out_ms, square.ffmpeg_version)


LONG_GOP = ("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=6", "-f", "lavfi",
            "-i", "sine=r=48000:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "250",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")  # fmt: skip


def test_a_source_cut_short_after_its_index_is_refused(clips: Path, tmp_path: Path):
    # an upload that stopped two thirds in: the index (moov, up front) still promises 6 s,
    # and its one keyframe (a long GOP, as screen recorders and x264's defaults make) is in
    # the part that arrived: seeking to "the last second" lands on it, and frames decode
    whole = make(tmp_path / "whole.mp4", *LONG_GOP, "-movflags", "+faststart")
    data = whole.read_bytes()
    (clips / "sources" / "test.mp4").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(MediaError) as raised:
        build_media(clips, tmp_path / "out", tmp_path / "cache")
    message = str(raised.value)
    assert "2025-10-15-test.toml: source: sources/test.mp4:" in message
    assert "truncated" in message and "replace it with a complete" in message
    assert "\n" not in message and "Traceback" not in message
    assert not list((tmp_path / "out").rglob("*.mp4")), "nothing written"


def frames_of(path: Path) -> list[np.ndarray]:
    """Every frame's luma, decoded from the start (a source without an index, read as it is)."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray").astype(np.float64) for f in container.decode(video=0)]


def nearest(picture: np.ndarray, frames: list[np.ndarray]) -> int:
    """The number of the frame of `frames` most like `picture` (scaled to their size)."""
    height, width = frames[0].shape
    rows = np.linspace(0, picture.shape[0] - 1, height).round().astype(int)
    columns = np.linspace(0, picture.shape[1] - 1, width).round().astype(int)
    scaled = picture[np.ix_(rows, columns)]
    return int(np.argmin([np.abs(scaled - frame).mean() for frame in frames]))


def test_an_mpeg_ts_source_with_a_long_gop_gives_exact_cuts_from_its_rewrap(
    clips: Path, tmp_path: Path
):
    # MPEG-TS has no index: seeking by time lands between keyframes, and with a long GOP (one
    # keyframe here, as some playouts and screen recorders make) no frame of its last second
    # could be reached; its clock starts an hour in. Read from a Matroska copy of the same
    # packets, its cuts start and end on their frames and a poster near its end shows one
    source = make(clips / "sources" / "test.ts", *LONG_GOP, "-output_ts_offset", "3600",
                  "-f", "mpegts")  # fmt: skip
    write_manifest(clips, cut_in="00:00:04.030", cut_out="00:00:05.990",
                   **{"sources/test.mp4": "sources/test.ts"})  # fmt: skip
    cache, out = tmp_path / "cache", tmp_path / "out"
    video = build_media(clips, out, cache)["2025-10-15-test"]
    frames = frames_of(source)
    full, cut = video["cuts"]
    for entry in cut["files"]:
        if entry["kind"] == "video":
            path = files_of(out, video)[f"soundbite/{entry['preset']}"]
            last = entry["frames"] - 1
            assert last in (48, 49), entry["filename"]  # 1.96 s, on either side of a frame
            assert nearest(luma(path, 0), frames) == 100, f"{entry['filename']} starts off"
            assert nearest(luma(path, last), frames) == 100 + last, f"{entry['filename']} ends off"
    poster = luma(out / cut["poster"]["url"].lstrip("/"))
    assert 120 <= nearest(poster, frames) <= 128, "the cut's poster: a frame at its middle"
    assert all(e["frames"] == 150 for e in full["files"] if e["kind"] == "video")
    # the copy is made once, kept by the source's SHA-256, and named in its outputs' keys
    plan = plan_media(clips, cache)
    digest = plan.sources["2025-10-15-test"].sha256
    copy = cache / "rewrapped" / f"{digest}.mkv"
    assert plan.sources["2025-10-15-test"].path == copy and not plan.jobs
    assert all("rewrapped" in o.corrections for o in plan.outputs["2025-10-15-test"])
    made = copy.stat().st_mtime_ns
    plan_media(clips, cache)
    assert copy.stat().st_mtime_ns == made, "made again"
    # `clips gc` removes it with the outputs once no manifest names its source
    make_source(clips / "sources" / "other.mp4")
    write_manifest(clips, **{"sources/test.mp4": "sources/other.mp4"})
    assert copy in gc_cache(clips, cache) and not copy.exists()


def test_broadcast_mpeg_2_with_pcm_sound_in_a_transport_stream_is_read(clips: Path, tmp_path: Path):
    # SD broadcast as playouts capture it: MPEG-2 video and SMPTE 302M sound (PCM carried in
    # the transport stream, which Matroska cannot hold as it is: converted to PCM, lossless)
    make(clips / "sources" / "test.ts",
         "-f", "lavfi", "-i", "testsrc2=s=720x576:r=25:d=4", "-f", "lavfi",
         "-i", "sine=f=440:r=48000:d=4", "-c:v", "mpeg2video", "-g", "100", "-ac", "2",
         "-c:a", "s302m", "-strict", "-2", "-shortest", "-f", "mpegts")  # fmt: skip
    write_manifest(clips, **{"sources/test.mp4": "sources/test.ts"})
    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    for name, path in files_of(out, video).items():
        if path.suffix in (".mp4", ".m4a"):
            with av.open(str(path)) as container:
                sound = np.concatenate(
                    [frame.to_ndarray() for frame in container.decode(audio=0)], axis=1
                )
            assert sound.shape[0] == 2 and np.abs(sound).max() > 0.05, f"{name}: no sound"


def test_a_29_97_source_keeps_its_last_frame_in_25_fps_renditions(clips: Path, tmp_path: Path):
    # phone and NTSC footage: 179 frames at 30000/1001 fps last 5.973 s, so frame 149 of a
    # 25 fps rendition (at 5.96 s) shows the source's last one; ffmpeg's fps filter dropped it
    # (it rounds the last input frame's start, not its end), one frame short of every cut to
    # the end, which was not frame-exact any more
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30000/1001:d=6", "-f", "lavfi",
         "-i", "sine=r=48000:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")  # fmt: skip
    write_manifest(clips, cut_in="00:00:01.000", cut_out="00:00:06.000")
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    full, cut = video["cuts"]
    for entry in full["files"] + cut["files"]:
        if entry["kind"] == "video":
            expected = 150 if entry in full["files"] else 125
            assert entry["frames"] == expected, entry["filename"]
    # its renditions made before (a frame short) are made again: their keys name the fix, and
    # `clips plan` says so
    plan = plan_media(clips, tmp_path / "cache")
    web = next(o for o in plan.outputs["2025-10-15-test"]
               if o.preset.name == "web" and o.cut.id == "full")  # fmt: skip
    assert web.corrections == ("last-frame",)
    digest = plan.sources["2025-10-15-test"].sha256
    before = json.loads((tmp_path / "cache" / "index.json").read_text("utf-8"))[web.index_id]
    del before["corrections"]  # as a build before the fix recorded it
    said = reason([web], {web.index_id: before}, digest, plan.ffmpeg_version)
    assert said == "web: a fix of the pipeline for this source (last-frame)"


def test_an_interlaced_source_is_deinterlaced(clips: Path, tmp_path: Path):
    # 50i broadcast material, top field first: each frame holds two fields 20 ms apart. Here
    # they differ as much as they can (one white, the other black, in turn: a flashing
    # picture, all motion), so a rendition that keeps them woven shows stripes, line after
    # line (combing), and a deinterlaced one a plain picture
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "color=white:s=320x180:r=50:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=4", "-vf",
         "geq=lum='if(mod(floor((N+1)/2),2),16,235)':cb=128:cr=128,tinterlace=mode=interleave_top,"
         "setfield=tff", "-flags", "+ildct+ilme", "-c:v", "libx264", "-preset", "ultrafast",
         "-x264-params", "tff=1", "-g", "50", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest")  # fmt: skip
    with av.open(str(clips / "sources" / "test.mp4")) as container:
        assert next(container.decode(video=0)).interlaced_frame, "an interlaced source"
    assert probe_source(clips / "sources" / "test.mp4").interlaced  # in its outputs' keys
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    for name, path in files_of(tmp_path / "out", video).items():
        if path.suffix in (".mp4", ".jpg"):
            for at in (0, 1, 2) if path.suffix == ".mp4" else (0,):
                picture = luma(path, at)
                stripes = float(np.abs(np.diff(picture, axis=0)).mean())
                assert stripes < 20, f"{name}, frame {at}: combed ({stripes:.0f})"


def test_a_sound_track_that_stops_early_is_padded_with_silence(clips: Path, tmp_path: Path):
    # a camera whose sound stopped at 3 s of 6: every rendition's sound lasts as long as its
    # picture (broadcasters' ingest and players expect it), and a cut after the sound's end
    # has a silent track, where ffmpeg failed on a stream without a packet
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=6", "-f", "lavfi",
         "-i", "sine=r=48000:d=3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
         "-pix_fmt", "yuv420p", "-c:a", "aac")  # fmt: skip
    write_manifest(clips, cut_in="00:00:04.000", cut_out="00:00:05.520")
    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    for name, path in files_of(out, video).items():
        if path.suffix in (".mp4", ".m4a"):
            with av.open(str(path)) as container:
                sound = container.streams.audio[0]
                seconds = float(sound.duration * sound.time_base)
            expected = 6.0 if name.startswith("full/") else 1.52
            assert abs(seconds - expected) < 0.05, f"{name}: {seconds} s of sound"
    # what a cache holds of its full-length renditions (their sound 3 s long) is made again
    plan = plan_media(clips, tmp_path / "cache")
    assert {o.corrections for o in plan.outputs["2025-10-15-test"]
            if o.preset.needs_audio} == {("sound-padded",)}  # fmt: skip


def test_time_codes_past_the_picture_are_refused_when_the_sound_runs_on(
    clips: Path, tmp_path: Path
):
    # the picture stops at 4 s, the sound runs to 7 s (the file says 7 s): a cut or a poster
    # past the picture has no frame to show, and ffmpeg failed with its own output
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=7", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
         "-pix_fmt", "yuv420p", "-c:a", "aac")  # fmt: skip
    write_manifest(clips, cut_in="00:00:03.000", cut_out="00:00:06.000")
    with pytest.raises(MediaError) as raised:
        build_media(clips, tmp_path / "out", tmp_path / "cache")
    message = str(raised.value)
    assert message.count("\n") == 0, message
    assert "2025-10-15-test.toml: cuts['soundbite'].out: 00:00:06.000 is past the end of" in message
    assert "picture (00:00:04.000" in message and "ffmpeg" not in message


def not_bt709(out: Path, video: dict) -> dict[str, tuple[int, int, int]]:
    """The renditions of `video` whose picture is not said to be BT.709: their primaries,
    transfer and matrix (libavutil's numbers; BT.709 is 1, 1, 1)."""
    found = {}
    for name, path in files_of(out, video).items():
        if path.suffix == ".mp4":
            with av.open(str(path)) as container:
                context = container.streams.video[0].codec_context
                colour = (context.color_primaries, context.color_trc, context.colorspace)
            if colour != (1, 1, 1):
                found[name] = colour
    return found


@pytest.mark.parametrize(
    ("transfer", "colour"),
    [("arib-std-b67", "hlg"), ("bt2020-10", "bt2020")],
    ids=["hdr-hlg", "wide-gamut-sdr"],
)
def test_bt2020_sources_give_bt709_renditions(clips: Path, tmp_path: Path, transfer, colour):
    # phones film HDR by default (HEVC, 10 bits, BT.2020, HLG), and cameras record SDR in
    # BT.2020's wider gamut too: the presets' 8-bit H.264 and JPEG are SDR BT.709, what
    # broadcasters' ingest and most screens expect. The renditions were the source's signal
    # in 8 bits, still labelled as the source (washed out where it is not read so)
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=4", "-vf", "format=yuv420p10le", "-c:v", "libx265",
         "-preset", "ultrafast", "-x265-params",
         f"log-level=error:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc",
         "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc",
         "-tag:v", "hvc1", "-c:a", "aac", "-shortest")  # fmt: skip
    assert probe_source(clips / "sources" / "test.mp4").colour == colour
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    assert not_bt709(tmp_path / "out", video) == {}


def test_a_sound_track_that_runs_on_past_the_picture_ends_with_it(clips: Path, tmp_path: Path):
    # the picture stops at 4 s, the sound runs to 7 s: the video is its picture, 4 s long;
    # its renditions' sound stopped at 7 s, 3 s of a frozen last frame (and the manifest, the
    # player and the HLS rungs said 7 s)
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=7", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
         "-pix_fmt", "yuv420p", "-c:a", "aac")  # fmt: skip
    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    assert video["duration_ms"] == 4000
    for name, path in files_of(out, video).items():
        if path.suffix in (".mp4", ".m4a") and name.startswith("full/"):
            with av.open(str(path)) as container:
                sound = container.streams.audio[0]
                seconds = float(sound.duration * sound.time_base)
            assert abs(seconds - 4.0) < 0.05, f"{name}: {seconds} s of sound"


def test_a_source_smaller_than_its_presets_is_made_with_a_warning(clips: Path, tmp_path: Path):
    """A 160x90 clip in the 320x180 and 256x144 presets: the files are made (broadcasters'
    systems want those sizes), and the editor is told that their pictures are enlarged."""
    make_source(clips / "sources" / "test.mp4", size="160x90")
    plan = plan_media(clips, tmp_path / "cache")
    assert plan.warnings == [
        "clips/2025-10-15-test.toml: source: sources/test.mp4 is 160x90, so hd (320x180), "
        "web (256x144) enlarge its picture (no sharper than the source); use a larger "
        "original if there is one, or drop those presets"
    ]
    # larger than one of them: that one is named alone
    make_source(clips / "sources" / "test.mp4", size="288x162")
    assert plan_media(clips, tmp_path / "cache").warnings == [
        "clips/2025-10-15-test.toml: source: sources/test.mp4 is 288x162, so hd (320x180) "
        "enlarges its picture (no sharper than the source); use a larger original if there "
        "is one, or drop that preset"
    ]
    # a source as large as the largest preset: nothing to say
    make_source(clips / "sources" / "test.mp4", size="320x180")
    assert plan_media(clips, tmp_path / "cache").warnings == []


def test_clips_plan_and_a_build_say_which_presets_enlarge_a_source(site_with_video, tmp_path):
    from typer.testing import CliRunner

    from newsreel.build import build_site
    from newsreel.cli import app

    make_source(site_with_video.clips / "sources" / "test.mp4", size="192x108")
    said = CliRunner().invoke(app, ["clips", "plan", "--root", str(site_with_video.root)])
    assert said.exit_code == 0, said.output
    assert "sources/test.mp4 is 192x108, so hd (320x180), web (256x144) enlarge" in " ".join(
        said.output.split()
    )

    class Recording:
        def __init__(self):
            self.warnings: list[str] = []

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

        def warn(self, message: str) -> None:
            self.warnings.append(message)

    reporter = Recording()
    build_site(site_with_video, reporter=reporter, search_index="off")
    assert [w for w in reporter.warnings if "enlarge" in w] == [
        "clips/2025-10-15-test.toml: source: sources/test.mp4 is 192x108, so hd (320x180), "
        "web (256x144) enlarge its picture (no sharper than the source); use a larger "
        "original if there is one, or drop those presets"
    ]


@pytest.mark.parametrize(
    ("making", "shown"),
    [
        # a phone held upright: a landscape frame, and a display matrix saying "turn it"
        (("-display_rotation", "90"), [180, 320]),
        # 16:9 SD as broadcasters deliver it: 5:4 pixels with SAR 64:45
        (("-vf", "scale=240:192,setsar=64/45"), [341, 192]),
        ((), [320, 180]),
    ],
)
def test_the_manifest_gives_the_sources_size_as_it_is_shown(clips, tmp_path, making, shown):
    """`manifest.json`'s `source.width` and `height` are what a journalist will see: an
    upright phone video is upright, not the landscape frame it is stored as."""
    plain = make_source(tmp_path / "plain.mp4")
    if making[:1] == ("-display_rotation",):  # an input option: the stored frame is as it was
        make(clips / "sources" / "test.mp4", *making, "-i", str(plain), "-c", "copy")
    else:
        make(clips / "sources" / "test.mp4", "-i", str(plain), *making, "-c:v", "libx264",
             "-preset", "ultrafast", "-c:a", "copy")  # fmt: skip
    build_media(clips, tmp_path / "out", tmp_path / "cache")
    manifest = json.loads((tmp_path / "out/media/2025-10-15-test/manifest.json").read_bytes())
    assert [manifest["source"]["width"], manifest["source"]["height"]] == shown


def rgb(path: Path, matrix: str | None = None) -> np.ndarray:
    """The first frame of a file in RGB, read with `matrix` ("ITU601", "ITU709") as a player
    honouring the file's colour tags does (None: PyAV's default, BT.601, as JPEG is read)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        options = {"src_colorspace": matrix} if matrix else {}
        return frame.reformat(format="rgb24", **options).to_ndarray().astype(np.float64)


def bars(picture: np.ndarray) -> np.ndarray:
    """The colour of each of the seven top bars of smptebars, at their centres."""
    height, width, _ = picture.shape
    return np.array([picture[height // 4, (2 * i + 1) * width // 14] for i in range(7)])


def test_sd_colours_stay_themselves_in_hd_renditions_and_every_poster(clips: Path, tmp_path):
    # 16:9 PAL SD as broadcasters deliver it is coded with BT.601's matrix; the HD renditions are
    # read as BT.709. Kept as they were, a renditions' reds came out darker and its greens
    # brighter (SD-to-HD's classic mistake), and so did every poster, read as JPEG is (BT.601)
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "smptebars=s=720x576:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=4", "-vf", "scale=out_color_matrix=bt601,setsar=64/45",
         "-colorspace", "smpte170m", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest")  # fmt: skip
    assert probe_source(clips / "sources" / "test.mp4").colour == "bt601"
    truth = bars(rgb(clips / "sources" / "test.mp4", "ITU601"))
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    assert not_bt709(tmp_path / "out", video) == {}
    for name, path in files_of(tmp_path / "out", video).items():
        if path.suffix == ".mp4":
            shown = bars(rgb(path, "ITU709"))
        elif path.suffix == ".jpg":
            shown = bars(rgb(path))
        else:
            continue
        assert np.abs(shown - truth).max() <= 10, f"{name}: {shown} for {truth}"


def test_hd_posters_have_their_videos_colours(clips: Path, tmp_path: Path):
    # HD video is BT.709, tagged or not, and a JPEG is read as BT.601: a poster written with
    # its video's numbers had darker reds and brighter greens than the video it stands for
    make(clips / "sources" / "test.mp4",
         "-f", "lavfi", "-i", "smptebars=s=320x180:r=25:d=4", "-f", "lavfi",
         "-i", "sine=r=48000:d=4", "-vf", "scale=out_color_matrix=bt709", "-c:v", "libx264",
         "-qp", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")  # fmt: skip
    assert probe_source(clips / "sources" / "test.mp4").colour is None, "taken as BT.709"
    truth = bars(rgb(clips / "sources" / "test.mp4", "ITU709"))
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    posters = {n: p for n, p in files_of(tmp_path / "out", video).items() if p.suffix == ".jpg"}
    assert posters
    for name, path in posters.items():
        shown = bars(rgb(path))
        assert np.abs(shown - truth).max() <= 10, f"{name}: {shown} for {truth}"


def sizes_and_bars(out: Path, video: dict) -> dict[str, tuple[int, int, bool]]:
    """`cut/preset` -> (width, height, black bars at its sides) of each picture file."""
    found = {}
    for name, path in files_of(out, video).items():
        if path.suffix in (".mp4", ".jpg", ".webp"):
            picture = luma(path)
            edges = np.concatenate([picture[:, :4], picture[:, -4:]], axis=1)
            found[name] = (picture.shape[1], picture.shape[0], bool(edges.min() < 100))
    return found


@pytest.mark.parametrize("upright", ["phone", "coded"])
def test_an_upright_source_gets_upright_renditions_unless_a_preset_is_fixed(
    clips: Path, tmp_path: Path, upright: str
):
    # a vertical video, as phones film it (a landscape frame and a display matrix saying
    # "turn it") or as an editor exports it (coded upright): every picture preset turns its box
    # upright and the picture fills it; a preset written `orientation = "fixed"` keeps its box,
    # the picture between bars
    presets = clips / "presets.toml"
    presets.write_text(
        presets.read_text().replace("[presets.web]\n", '[presets.web]\norientation = "fixed"\n')
    )
    white = ["-f", "lavfi", "-i", "sine=r=48000:d=4", "-c:v", "libx264", "-preset", "ultrafast",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]  # fmt: skip
    if upright == "phone":
        landscape = make(tmp_path / "landscape.mp4", "-f", "lavfi", "-i",
                         "color=white:s=320x180:r=25:d=4", *white)  # fmt: skip
        make(clips / "sources" / "test.mp4", "-display_rotation", "90", "-i", str(landscape),
             "-c", "copy")  # fmt: skip
    else:
        make(clips / "sources" / "test.mp4", "-f", "lavfi", "-i",
             "color=white:s=180x320:r=25:d=4", *white)  # fmt: skip
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    found = sizes_and_bars(tmp_path / "out", video)
    for name in ("full/hd", "soundbite/hd", "full/poster"):
        assert found[name] == (180, 320, False), name
    for name in ("full/web", "soundbite/web"):
        assert found[name] == (256, 144, True), name
    rendition = next(f for f in video["cuts"][0]["files"] if f["preset"] == "hd")
    assert (rendition["width"], rendition["height"]) == (180, 320)


def test_an_unknown_orientation_is_refused_with_the_choices(clips: Path):
    from newsreel.media.presets import load_presets

    presets = clips / "presets.toml"
    presets.write_text(
        presets.read_text().replace("[presets.web]\n", '[presets.web]\norientation = "fix"\n')
    )
    with pytest.raises(MediaError) as raised:
        load_presets(presets, ("en", "fr"))
    assert "presets.web.orientation: 'fix' is not an orientation" in str(raised.value)
    assert "did you mean 'fixed'?" in str(raised.value)


def peak_hz(path: Path) -> list[int]:
    """The loudest frequency of each channel of a file's first second of sound."""
    with av.open(str(path)) as container:
        sound = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    rate = 48000
    return [int(np.argmax(np.abs(np.fft.rfft(channel[:rate])))) for channel in sound]


def test_a_stereo_mix_on_two_mono_tracks_keeps_both_channels(clips: Path, tmp_path: Path):
    # broadcast delivery (MXF, as XDCAM writes it): MPEG-2 4:2:2, a start time code, and the
    # programme's stereo mix as two mono tracks, left on the first (440 Hz), right on the
    # second (660 Hz); the first track alone made every rendition the left channel twice,
    # and the time code an MP4 track that stopped the build with a traceback
    (clips / "sources" / "test.mp4").unlink()
    make(clips / "sources" / "test.mxf",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=6",
         "-f", "lavfi", "-i", "sine=f=440:r=48000:d=6",
         "-f", "lavfi", "-i", "sine=f=660:r=48000:d=6",
         "-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "mpeg2video", "-pix_fmt", "yuv422p",
         "-b:v", "5M", "-g", "12", "-c:a", "pcm_s16le", "-timecode", "10:00:00:00")  # fmt: skip
    write_manifest(clips, **{"sources/test.mp4": "sources/test.mxf"})
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    files = files_of(tmp_path / "out", video)
    for name in ("full/hd", "full/web", "full/audio", "soundbite/hd", "soundbite/web"):
        assert peak_hz(files[name]) == [440, 660], name
        with av.open(str(files[name])) as container:
            assert {s.type for s in container.streams} <= {"video", "audio"}, name
    assert "paired-sound" in reason_for(clips, tmp_path, "full", "web")


def reason_for(clips: Path, tmp_path: Path, cut: str, preset: str) -> list[str]:
    """The corrections named in the cache key of one output, as planned now."""
    plan = plan_media(clips, tmp_path / "cache")
    [output] = [o for o in plan.outputs["2025-10-15-test"]
                if o.cut.id == cut and o.preset.name == preset and not o.stream]  # fmt: skip
    return list(output.corrections)


def test_a_sources_own_tags_stay_out_of_every_file(clips: Path, tmp_path: Path):
    # a phone's recording: where it was filmed (to the metre), its owner's title, a time code;
    # none of it may travel into the public files
    plain = make_source(tmp_path / "plain.mp4")
    make(clips / "sources" / "test.mp4", "-i", str(plain), "-c", "copy",
         "-metadata", "location=+50.8503+004.3517/", "-metadata", "title=IMG_4312 (J. Doe)",
         "-metadata", "timecode=10:00:00:00")  # fmt: skip
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    for name, path in files_of(tmp_path / "out", video).items():
        if path.suffix in (".mp4", ".m4a"):
            with av.open(str(path)) as container:
                tags = dict(container.metadata)
                assert not {"location", "location-eng", "title", "timecode"} & set(tags), name
                assert {s.type for s in container.streams} <= {"video", "audio"}, name
    assert "untagged" in reason_for(clips, tmp_path, "soundbite", "web")
