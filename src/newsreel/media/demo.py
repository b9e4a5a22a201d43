"""Demo sources, generated deterministically with the bundled ffmpeg (kept out of git).

Each demo video shows a slate per shot of its manifest's shot list (shot number, time code,
description, or speaker and quote) over a moving test pattern, with a running time code burnt
in and a tone that changes with every shot, so anyone can see, and hear, that a cut lands on
the right shot. 1920x1080, 25 fps, stereo 48 kHz, H.264 + AAC.

The same manifest gives the same bytes on any machine (x264 and ffmpeg's AAC encoder are
deterministic), so the demo's cache keys are shared too. A small recipe file beside each
source says what it was drawn from; when the shot list changes, the source is drawn again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import textwrap
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsreel.media import encode, timecode
from newsreel.media.errors import MediaError, problem
from newsreel.media.manifests import VideoManifest, load_manifest, manifest_paths
from newsreel.media.presets import load_presets

#: Generated sources and their length in seconds, by path relative to clips/.
DEMO_SOURCES = {
    "sources/2025-10-15-defence-ministers.mp4": 60,
    "sources/2025-10-15-nato-ukraine-council.mp4": 30,
}
WIDTH, HEIGHT, FPS, RATE = 1920, 1080, 25, 48000
#: Bump when the drawing changes, so every demo source is drawn again.
DEMO_VERSION = "1"


def _font() -> str:
    """A TrueType font shipped by a PyPI package: a fresh machine needs no system font.

    The bundled ffmpeg has drawtext (freetype + fontconfig), but a minimal Debian has no
    font for fontconfig to find; a font file given by path always works.
    """
    try:
        import font_roboto
    except ImportError:  # pragma: no cover - a dependency of the package
        raise MediaError(
            problem("newsreel", "demo-media", "font-roboto is missing", "pip install font-roboto")
        ) from None
    return str(Path(font_roboto.__file__).parent / "files" / "Roboto-Bold.ttf")


def _escape(path: Path | str) -> str:
    """A value quoted for an ffmpeg filter graph option."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def shot_label(manifest: VideoManifest, index: int) -> str:
    """What the slate of one shot says: number, time code, then its text or soundbite."""
    shot = manifest.shots[index]
    head = f"SHOT {index + 1}/{len(manifest.shots)}  ·  {timecode.format_ms(shot.at_ms)[:8]}"
    if shot.is_soundbite:
        marks = ("«\u00a0", "\u00a0»") if shot.language == "fr" else ("“", "”")  # as spoken
        quote = textwrap.fill(f"{marks[0]}{shot.quote}{marks[1]}", width=52)
        speaker = ", ".join(filter(None, (shot.speaker, shot.role.get("en"))))
        body = f"SOUNDBITE ({(shot.language or '').upper()}): {speaker}\n\n{quote}"
    else:
        body = "\n".join(textwrap.wrap((shot.text or {}).get("en", ""), width=52))
    return f"{head}\n{body}"


def demo_command(
    exe: str,
    manifest: VideoManifest,
    seconds: float,
    out: Path,
    work: Path,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    fps: int = FPS,
) -> list[str]:
    """The ffmpeg command that draws one demo source (text files go to `work`)."""
    width, height = size
    scale = height / 1080

    def px(value: float) -> int:
        return max(1, round(value * scale))

    font = _escape(_font())
    starts = [shot.at_ms / 1000 for shot in manifest.shots] or [0.0]
    ends = [*starts[1:], float(seconds)]
    video = [
        f"testsrc2=s={width}x{height}:r={fps}:d={seconds}",
        "drawbox=x=0:y=0:w=iw:h=ih:color=0x0b2a4a@0.82:t=fill",
        f"drawtext=fontfile='{font}':text='NEWSREEL DEMO SOURCE':x={px(60)}:y={px(50)}"
        f":fontsize={px(36)}:fontcolor=white@0.8",
        f"drawtext=fontfile='{font}':text='{_escape(manifest.id)}':x={px(60)}:y={px(100)}"
        f":fontsize={px(30)}:fontcolor=white@0.7",
        f"drawtext=fontfile='{font}':text='%{{pts\\:hms}}':x=(w-tw)/2:y=h-{px(150)}"
        f":fontsize={px(72)}:fontcolor=0xffbf47:box=1:boxcolor=black@0.6:boxborderw={px(16)}",
    ]
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        text_file = work / f"shot-{index}.txt"
        text_file.write_text(shot_label(manifest, index), encoding="utf-8")
        video.append(
            f"drawtext=fontfile='{font}':textfile='{_escape(text_file)}':expansion=none"
            f":x=(w-tw)/2:y=(h-th)/2-{px(40)}:fontsize={px(52)}:fontcolor=white"
            f":line_spacing={px(18)}:enable='between(t,{start:.3f},{end - 0.001:.3f})'"
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
        "-g", str(fps * 2), "-c:a", "aac", "-b:a", "192k", "-ar", str(RATE), "-ac", "2",
        "-movflags", "+faststart", "-t", str(seconds), "-f", "mp4", str(out),
    ]  # fmt: skip


def recipe(manifest: VideoManifest, seconds: float, size: tuple[int, int], fps: int) -> str:
    """A digest of everything the drawing depends on (not of paths or the machine)."""
    data = {
        "version": DEMO_VERSION,
        "id": manifest.id,
        "slates": [shot_label(manifest, i) for i in range(len(manifest.shots))],
        "at": [shot.at_ms for shot in manifest.shots],
        "seconds": seconds,
        "size": list(size),
        "fps": fps,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _recipe_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.recipe")


def is_current(manifest: VideoManifest, target: Path, seconds: float) -> bool:
    """True when `target` exists and was drawn from this very shot list."""
    try:
        written = _recipe_path(target).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False
    return target.is_file() and written == recipe(manifest, seconds, (WIDTH, HEIGHT), FPS)


def generate(
    manifest: VideoManifest,
    seconds: float,
    target: Path,
    ffmpeg: str | None = None,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    fps: int = FPS,
) -> Path:
    """Draw the source of `manifest` into `target`, atomically (a part file, then a rename)."""
    exe = encode.ffmpeg_exe(ffmpeg)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    with tempfile.TemporaryDirectory() as work:
        command = demo_command(exe, manifest, seconds, partial, Path(work), size, fps)
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])[-400:]
        raise MediaError(
            problem(target, "demo source", f"ffmpeg could not draw it ({tail})", "see the error")
        )
    partial.replace(target)
    _recipe_path(target).write_text(recipe(manifest, seconds, size, fps) + "\n", "utf-8")
    return target


def generate_demo_source(
    manifest_path: Path,
    languages: Sequence[str],
    out_path: Path | None = None,
    *,
    seconds: float | None = None,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    fps: int = FPS,
    ffmpeg: str | None = None,
) -> Path:
    """Draw the demo source of one manifest (by default at its `source` path); returns it.

    The length is the one `DEMO_SOURCES` gives, else 8 s past the last shot. Tests draw tiny
    ones (`size=(320, 180)`, a few seconds) from the same slates.
    """
    manifest_path = Path(manifest_path)
    presets = load_presets(manifest_path.parent / "presets.toml", languages)
    manifest = load_manifest(manifest_path, presets, languages)
    if seconds is None:
        last = max((shot.at_ms for shot in manifest.shots), default=0) / 1000
        seconds = DEMO_SOURCES.get(manifest.source, last + 8)
    target = Path(out_path) if out_path is not None else manifest.source_path
    return generate(manifest, seconds, target, ffmpeg, size, fps)


def ensure_demo_sources(
    clips_dir: Path,
    languages: Sequence[str],
    force: bool = False,
    ffmpeg: str | None = None,
    skip_mistakes: bool = False,
) -> list[Path]:
    """Draw every demo source that is missing or drawn from an older shot list; returns them.
    With `skip_mistakes` (before a build), a preset file or a manifest with mistakes is passed
    over: the build that follows reports them, with the content's, in one round."""
    clips_dir = Path(clips_dir)
    try:
        presets = load_presets(clips_dir / "presets.toml", languages)
    except MediaError:
        if skip_mistakes:
            return []
        raise
    wanted: list[tuple[VideoManifest, float, Path]] = []
    for path in manifest_paths(clips_dir):
        try:
            manifest = load_manifest(path, presets, languages)
        except MediaError:
            if skip_mistakes:
                continue
            raise
        seconds = DEMO_SOURCES.get(manifest.source)
        if seconds is None:
            continue
        target = manifest.source_path
        if force or not is_current(manifest, target, seconds):
            wanted.append((manifest, seconds, target))
    # Drawing is mostly one thread per source: the sources are drawn side by side.
    with ThreadPoolExecutor(max_workers=max(1, min(len(wanted), os.cpu_count() or 1))) as pool:
        drawing = [pool.submit(generate, *source, ffmpeg) for source in wanted]
        return [future.result() for future in drawing]
