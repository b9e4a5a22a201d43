"""Demo sources, generated deterministically with the bundled ffmpeg (kept out of git).

Each demo video shows a slate per shot of its manifest's shot list (shot number, time code,
description or speaker) over a moving test pattern, with a running time code burnt in and a
tone that changes with every shot, so anyone can see, and hear, that a cut lands on the right
shot. 1920x1080, 25 fps, stereo 48 kHz, H.264 + AAC.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from newsreel.media import encode, timecode
from newsreel.media.errors import MediaError
from newsreel.media.manifests import VideoManifest, load_manifest, manifest_paths
from newsreel.media.presets import load_presets

#: Generated sources and their length in seconds, by path relative to clips/.
DEMO_SOURCES = {
    "sources/2025-10-15-defence-ministers.mp4": 60,
    "sources/2025-10-15-nato-ukraine-council.mp4": 24,
}
WIDTH, HEIGHT, FPS, RATE = 1920, 1080, 25, 48000


def _font() -> str:
    """A TrueType font shipped by a PyPI package, so no system font is needed."""
    import font_roboto

    return str(Path(font_roboto.__file__).parent / "files" / "Roboto-Bold.ttf")


def _escape(path: Path | str) -> str:
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def _shot_label(manifest: VideoManifest, index: int) -> str:
    shot = manifest.shots[index]
    head = f"SHOT {index + 1}/{len(manifest.shots)}  ·  {timecode.format_ms(shot.at_ms)[:8]}"
    if shot.is_soundbite:
        body = f"SOUNDBITE ({shot.language.upper()}): {shot.speaker}"
    else:
        body = shot.text.get("en", "")
    return f"{head}\n{body}"


def demo_command(exe: str, manifest: VideoManifest, seconds: int, out: Path, work: Path) -> list:
    """The ffmpeg command that draws one demo source."""
    font = _escape(_font())
    starts = [shot.at_ms / 1000 for shot in manifest.shots] or [0.0]
    ends = [*starts[1:], float(seconds)]
    video = [
        f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}:d={seconds}",
        "drawbox=x=0:y=0:w=iw:h=ih:color=0x0b2a4a@0.82:t=fill",
        f"drawtext=fontfile='{font}':text='NEWSREEL DEMO SOURCE':x=60:y=50:fontsize=36"
        ":fontcolor=white@0.8",
        f"drawtext=fontfile='{font}':text='{_escape(manifest.id)}':x=60:y=100:fontsize=30"
        ":fontcolor=white@0.7",
        f"drawtext=fontfile='{font}':text='%{{pts\\:hms}}':x=(w-tw)/2:y=h-150:fontsize=72"
        ":fontcolor=0xffbf47:box=1:boxcolor=black@0.6:boxborderw=16",
    ]
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        text_file = work / f"shot-{index}.txt"
        text_file.write_text(_shot_label(manifest, index), encoding="utf-8")
        video.append(
            f"drawtext=fontfile='{font}':textfile='{_escape(text_file)}':x=(w-tw)/2"
            f":y=(h-th)/2:fontsize=64:fontcolor=white:line_spacing=24"
            f":enable='between(t,{start:.3f},{end - 0.001:.3f})'"
        )
    frequency = "+".join(["330", *(f"55*gte(t,{start:.3f})" for start in starts[1:])])
    audio = (
        f"aevalsrc='0.2*sin(2*PI*({frequency})*t)*(0.7+0.3*sin(2*PI*2*t))"
        f"|0.2*sin(2*PI*({frequency})*1.5*t)*(0.7+0.3*sin(2*PI*2*t))'"
        f":s={RATE}:d={seconds}"
    )
    graph = ",".join(video) + "[v];" + audio + "[a]"
    return [
        exe, "-hide_banner", "-nostats", "-loglevel", "error", "-y",
        "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-g", str(FPS * 2), "-c:a", "aac", "-b:a", "192k", "-ar", str(RATE), "-ac", "2",
        "-movflags", "+faststart", "-t", str(seconds), "-f", "mp4", str(out),
    ]  # fmt: skip


def generate(
    manifest: VideoManifest, seconds: int, target: Path, ffmpeg: str | None = None
) -> Path:
    """Draw the source of `manifest` into `target`, atomically."""
    exe = encode.ffmpeg_exe(ffmpeg)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run(
            demo_command(exe, manifest, seconds, partial, Path(work)),
            capture_output=True, text=True,
        )  # fmt: skip
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise MediaError(f"{target}: ffmpeg could not draw the demo source: {result.stderr[-400:]}")
    partial.replace(target)
    return target


def ensure_demo_sources(
    clips_dir: Path, force: bool = False, ffmpeg: str | None = None
) -> list[Path]:
    """Generate every missing demo source of the clips folder; returns those written."""
    clips_dir = Path(clips_dir)
    presets = load_presets(clips_dir / "presets.toml")
    written: list[Path] = []
    for path in manifest_paths(clips_dir):
        manifest = load_manifest(path, presets)
        seconds = DEMO_SOURCES.get(manifest.source)
        target = manifest.source_path
        if seconds is None or (target.exists() and not force):
            continue
        written.append(generate(manifest, seconds, target, ffmpeg))
    return written
