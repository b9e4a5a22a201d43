"""The visitor's own clip (issue 15): a 30 s clip of a 10-minute video, made in headless Chromium.

Draws a 10-minute 1080p25 source (`newsreel.media.demo`, a slate a minute), builds a one-item
site whose manifest gives it the `web` preset (720p) only, serves it with `newsreel serve`'s app
(metered: tests/traffic.py counts the bytes the server sends per path, and adds the production
CSP), opens the article in headless Chromium with the HTTP cache off, and times "Make the clip"
for a 30 s selection off the keyframe grid, from the click until the file is ready. Each run
reloads the page; the figure is the median of `--rounds` runs. One more run, in a browser
without a video encoder (copy-only, whole GOPs), is reported for information.

Targets: ready in less than the clip's own duration (faster than real time); bytes fetched
<= 1.3 x the clip's share of the rendition ((out - in) / duration x file size). Every clip made
is checked with PyAV (frame count, first and last frame against the rendition). The source,
encode and site live in `.cache/bench-clip/` and are reused by the next run. Prints a table,
the verdicts, and, last, one JSON line of figures. Exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from rich.console import Console
from rich.table import Table

from newsreel.build import build_site
from newsreel.media.demo import generate_demo_source, is_current
from newsreel.media.manifests import load_manifest
from newsreel.media.presets import load_presets
from newsreel.media.probe import top_level_boxes
from newsreel.project import Project

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the metered server and Chromium, shared with the tests

from frames import psnr  # noqa: E402
from traffic import metered_server  # noqa: E402

from conftest import chromium_path  # noqa: E402

WORK = REPO / ".cache" / "bench-clip"
VIDEO = "2025-10-15-bench-ten-minutes"
SLUG = "bench-ten-minutes"
SECONDS = 600
FPS = 25
IN_FRAME = 3133  # 125.32 s: off the 2 s keyframe grid
CLIP_FRAMES = 30 * FPS
READY_TARGET = 1.0  # x the clip's duration
BYTES_TARGET = 1.3  # x the clip's share of the file


def manifest_toml() -> str:
    shots = "\n".join(
        f'[[shots]]\nat = "00:{m:02d}:00"\nen = "Minute {m + 1}"\nfr = "Minute {m + 1}"\n'
        for m in range(SECONDS // 60)
    )
    return f"""id = "{VIDEO}"
source = "sources/{SLUG}.mp4"
date = 2025-10-15
presets = ["web"]
[location]
en = "NATO Headquarters, Brussels"
fr = "Siège de l’OTAN, Bruxelles"
[credit]
en = "NATO"
fr = "OTAN"
[title]
en = "Ten minutes of slates"
fr = "Dix minutes de cartons"
[rights]
en = "Free of charge for news and educational use. Credit: NATO."
fr = "Utilisation gratuite pour l’information et l’enseignement. Mention obligatoire : OTAN."

{shots}"""


def prepare(console: Console) -> Project:
    """The 10-minute source, its web rendition and a one-item English site (cached)."""
    clips = WORK / "clips"
    (clips / "sources").mkdir(parents=True, exist_ok=True)
    (clips / "presets.toml").write_bytes((REPO / "clips" / "presets.toml").read_bytes())
    manifest_path = clips / f"{VIDEO}.toml"
    manifest_path.write_text(manifest_toml(), encoding="utf-8")
    news = WORK / "content" / "news"
    news.mkdir(parents=True, exist_ok=True)
    (WORK / "content" / "pages").mkdir(exist_ok=True)
    for lang, title in (("en", "Ten minutes"), ("fr", "Dix minutes")):
        translation = "Translation: true\n" if lang == "fr" else ""
        (news / f"{SLUG}.{lang}.md").write_text(
            f"Title: {title}\nDate: 2025-10-15 10:00\nLang: {lang}\n{translation}"
            f"Video: {VIDEO}\n\nA long video to cut a clip from.\n",
            encoding="utf-8",
        )
    settings = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    (WORK / "pelicanconf.py").write_text(
        settings + f"\nTHEME = {str(REPO / 'theme')!r}\n", encoding="utf-8"
    )
    project = Project.at(WORK)
    presets = load_presets(clips / "presets.toml", project.languages)
    manifest = load_manifest(manifest_path, presets, project.languages)
    if not is_current(manifest, manifest.source_path, SECONDS):
        with console.status("Drawing the 10-minute 1080p25 source (once)…"):
            generate_demo_source(manifest_path, project.languages, seconds=SECONDS)
    with console.status("Building the site and the web rendition (encoded once, then cached)…"):
        build_site(project, search_index="off")
    return project


def luma(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    frames = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if min(wanted) > 0:
            container.seek(int((min(wanted) - 2 * FPS) / FPS / stream.time_base), stream=stream)
        for frame in container.decode(stream):
            index = round(float(frame.pts * stream.time_base) * FPS)
            if index in wanted:
                frames[index] = frame.to_ndarray(format="gray").astype(np.float64)
            if index >= max(wanted):
                break
    return frames


def check(clip: Path, rendition: Path, in_frame: int, out_frame: int) -> float:
    """The clip's frame count is exact and its ends are the rendition's frames; the worse PSNR."""
    with av.open(str(clip)) as container:
        count = sum(1 for _ in container.decode(video=0))
    if count != out_frame - in_frame:
        raise SystemExit(f"the clip has {count} frames, not {out_frame - in_frame}")
    ours = luma(clip, {0, count - 1})
    theirs = luma(rendition, {in_frame, out_frame - 1})
    return min(psnr(ours[0], theirs[in_frame]), psnr(ours[count - 1], theirs[out_frame - 1]))


def run(browser, url: str, traffic, folder: Path, copy: bool) -> dict:
    """One clip, in a fresh page: seconds until ready, bytes the server sent for it, the file."""
    context = browser.new_context(accept_downloads=True)
    if copy:
        context.add_init_script("delete window.VideoEncoder;")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    start, end = IN_FRAME / FPS, (IN_FRAME + CLIP_FRAMES) / FPS
    page.goto(f"{url}/en/news/{SLUG}/#t={start:g},{end:g}")
    page.locator("#clip-panel").wait_for(state="visible")
    if copy:
        page.locator(".clip-notice").wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    traffic.reset()
    began = time.perf_counter()
    page.locator(".clip-make").click()
    page.locator(".clip-result").wait_for(state="visible", timeout=600_000)
    seconds = time.perf_counter() - began
    fetched, files = traffic.script_bytes(), dict(traffic.fetched)
    with page.expect_download() as info:
        page.locator(".clip-download").click()
    clip = folder / info.value.suggested_filename
    info.value.save_as(clip)
    context.close()
    return {"seconds": seconds, "fetched": fetched, "files": files, "file": clip}


def index_bytes_of(path: Path) -> int:
    """What an MP4 reader reads of a file before its samples: every top-level box but `mdat`
    and `moof` (progressive: ftyp + moov; fragmented: ftyp + moov + the mfra at the end)."""
    return sum(size for _, size, kind in top_level_boxes(path) if kind not in ("mdat", "moof"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    project = prepare(console)
    data = json.loads((project.output / "media" / VIDEO / "manifest.json").read_text("utf-8"))
    web = next(f for f in data["cuts"][0]["files"] if f["preset"] == "web")
    rendition = project.output / web["url"].lstrip("/")
    share = CLIP_FRAMES / web["frames"] * web["bytes"]
    progressive_index = index_bytes_of(rendition)
    clip_seconds = CLIP_FRAMES / FPS

    from playwright.sync_api import sync_playwright

    runs, copy_run = [], None
    with (
        tempfile.TemporaryDirectory() as work,
        metered_server(project.output, Path(work)) as (url, traffic),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        for _ in range(args.rounds):
            runs.append(run(browser, url, traffic, Path(work), copy=False))
            runs[-1]["psnr"] = check(runs[-1]["file"], rendition, IN_FRAME, IN_FRAME + CLIP_FRAMES)
        copy_run = run(browser, url, traffic, Path(work), copy=True)
        browser.close()

    ready = statistics.median(r["seconds"] for r in runs)
    fetched = statistics.median(r["fetched"] for r in runs)
    read = sorted({path for r in runs for path in r["files"]})  # what the clip maker read
    index_bytes = sum(index_bytes_of(project.output / path.lstrip("/")) for path in read)
    figures = {
        "source_s": SECONDS,
        "rendition": "web 1280x720",
        "rendition_bytes": web["bytes"],
        "clip_s": clip_seconds,
        "share_bytes": round(share),
        "ready_s": round(ready, 2),
        "ready_over_clip": round(ready / clip_seconds, 3),
        "fetched_bytes": round(fetched),
        "fetched_over_share": round(fetched / share, 3),
        "files_read": read,
        "fetched_per_file": {
            path: statistics.median(r["files"].get(path, 0) for r in runs) for path in read
        },
        "index_bytes": index_bytes,
        "progressive_index_bytes": progressive_index,
        "fetched_beyond_index_over_share": round((fetched - index_bytes) / share, 3),
        "worst_psnr_db": round(min(r["psnr"] for r in runs), 1),
        "runs_s": [round(r["seconds"], 2) for r in runs],
        "copy_ready_s": round(copy_run["seconds"], 2),
        "copy_fetched_over_share": round(copy_run["fetched"] / share, 3),
    }
    table = Table(title="A 30 s clip of a 10-minute video's web rendition, headless Chromium")
    for column in ("mode", "ready s", "x clip", "fetched", "x share"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for index, r in enumerate(runs, 1):
        table.add_row(
            f"frame-exact (WebCodecs H.264), run {index}",
            f"{r['seconds']:.2f}",
            f"{r['seconds'] / clip_seconds:.3f}",
            f"{r['fetched'] / 1e6:.2f} MB",
            f"{r['fetched'] / share:.3f}",
        )
    table.add_row(
        "copy-only, whole GOPs (no encoder)",
        f"{copy_run['seconds']:.2f}",
        f"{copy_run['seconds'] / clip_seconds:.3f}",
        f"{copy_run['fetched'] / 1e6:.2f} MB",
        f"{copy_run['fetched'] / share:.3f}",
    )
    console.print(table)
    console.print(
        f"rendition {web['bytes'] / 1e6:.1f} MB, clip's share {share / 1e6:.2f} MB, read from: "
        + ", ".join(
            f"{path.rsplit('/', 1)[-1]} {figures['fetched_per_file'][path] / 1e6:.2f} MB"
            for path in read
        )
        + f"; their indexes (every box but moof and mdat) {index_bytes / 1e3:.1f} kB = "
        f"{index_bytes / share:.3f} x share (the progressive file's: "
        f"{progressive_index / 1e6:.2f} MB = {progressive_index / share:.2f} x share); fetched "
        f"beyond the indexes: {figures['fetched_beyond_index_over_share']} x share"
    )
    console.print(
        f"first and last frames >= {figures['worst_psnr_db']} dB PSNR against the rendition"
    )
    for name, value, target in (
        ("ready / clip duration", figures["ready_over_clip"], READY_TARGET),
        ("fetched / clip's share", figures["fetched_over_share"], BYTES_TARGET),
    ):
        verdict = "PASS" if value <= target else "FAIL"
        console.print(f"{name}: {value} (target <= {target}) — {verdict}")
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
