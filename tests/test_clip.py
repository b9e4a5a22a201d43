"""Issue 15, "Make your own clip": in and out points in the player, the clip made in Chromium
from byte ranges of a published rendition, checked with PyAV against that rendition's frames.

The server is `newsreel serve`'s app on the demo site, metered (tests/traffic.py): it counts the
bytes it sends per path and adds the production Content-Security-Policy to every answer.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from frames import psnr
from playwright.sync_api import expect
from traffic import Traffic, metered_server

from conftest import REPO
from newsreel.build import build_site
from newsreel.media.encode import ffmpeg_exe
from newsreel.project import Project
from newsreel.site.clip import clip_source

MEETING = "defence-ministers-meet-in-brussels"
VIDEO = "2025-10-15-defence-ministers-press-conference"
STEM = "20251015-defence-ministers-press-conference"
PASSWORD = "Correct-Horse-9-Battery"
FPS = 25
RATE = 48000

pytestmark = pytest.mark.browser


# ---- fixtures and helpers ----


@pytest.fixture(scope="module")
def site(demo_site: Project, tmp_path_factory) -> Iterator[tuple[str, Traffic, Path]]:
    var = tmp_path_factory.mktemp("clip-server")
    with metered_server(demo_site.output, var) as (url, traffic):
        yield url, traffic, var


def manifest(project: Project) -> dict:
    return json.loads((project.output / "media" / VIDEO / "manifest.json").read_text("utf-8"))


def full_file(project: Project, preset: str) -> dict:
    return next(f for f in manifest(project)["cuts"][0]["files"] if f["preset"] == preset)


def stream_files(project: Project, preset: str) -> tuple[str, str]:
    """The URLs of a preset's rung of the adaptive stream and of the stream's audio."""
    stream = manifest(project)["stream"]
    rung = next(r for r in stream["rungs"] if r["preset"] == preset)
    return rung["file"]["url"], stream["audio"]["file"]["url"]


def file_path(project: Project, entry: dict) -> Path:
    return project.output / (entry.get("private_path") or entry["url"].lstrip("/"))


def frames_at(path: Path, wanted: set[int], picture) -> dict[int, np.ndarray]:
    """Frames `wanted` (by index in presentation order) of a file, each as `picture(frame)`.

    Each run of nearby frames is decoded from the keyframe before it (a seek), not from the
    file's start: the last frames of the 1080p rendition took 11 s, and every clip test
    reads some. The index is the frame's time on the file's frame grid (the renditions are
    constant-rate and start at 0)."""
    frames: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate
        runs: list[list[int]] = []
        for index in sorted(wanted):
            if runs and index - runs[-1][-1] <= 2 * FPS:
                runs[-1].append(index)
            else:
                runs.append([index])
        for run in runs:
            container.seek(int(max(0, run[0] - 1) / rate / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                index = round(frame.time * rate)
                if index in wanted:
                    frames[index] = picture(frame)
                if index >= run[-1]:
                    break
    return frames


def gray_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """Frames `wanted` of a file, as luma arrays."""
    return frames_at(path, wanted, lambda f: f.to_ndarray(format="gray").astype(np.float64))


def audio_samples(path: Path) -> np.ndarray:
    """The left channel, as PyAV decodes it (edit lists applied)."""
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray()[0] for f in container.decode(container.streams.audio[0])]
    return np.concatenate(chunks).astype(np.float64)


def ffmpeg_errors(path: Path) -> str:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    return result.stderr.strip()


def check_frames(clip: Path, rendition: Path, in_frame: int, out_frame: int) -> None:
    """Exact frame count; first and last frames are the rendition's frames at those points."""
    count, decoded = 0, []
    with av.open(str(clip)) as container:
        for frame in container.decode(container.streams.video[0]):
            count += 1
            if count == 1:
                decoded.append(frame.to_ndarray(format="gray").astype(np.float64))
            last = frame
    decoded.append(last.to_ndarray(format="gray").astype(np.float64))
    assert count == out_frame - in_frame
    source = gray_frames(rendition, {in_frame - 1, in_frame, in_frame + 1, out_frame - 2,
                                     out_frame - 1, out_frame})  # fmt: skip
    for clip_frame, index in ((decoded[0], in_frame), (decoded[-1], out_frame - 1)):
        score = psnr(clip_frame, source[index])
        assert score >= 35, f"frame {index}: {score:.1f} dB"
        for neighbour in (index - 1, index + 1):  # and it is that frame, not a neighbour
            if neighbour in source:
                assert psnr(clip_frame, source[neighbour]) < score


def check_audio_alignment(clip: Path, rendition: Path, in_frame: int) -> None:
    """The clip's sound at second 1 is the rendition's sound at in + 1 s, within one frame."""
    ours = audio_samples(clip)
    theirs = audio_samples(rendition)
    window = ours[RATE : RATE + RATE // 4]
    expected = round(in_frame / FPS * RATE) + RATE
    span = RATE // FPS * 3
    errors = [
        np.mean(np.abs(window - theirs[start : start + len(window)]))
        for start in range(expected - span, expected + span)
    ]
    offset = int(np.argmin(errors)) - span
    assert abs(offset) <= RATE // FPS, f"audio is {offset} samples off"
    assert min(errors) < 1e-3


def open_panel(page) -> None:
    page.get_by_role("button", name=re.compile("Make your own clip|Créer votre extrait")).click()
    page.locator("#clip-panel").wait_for(state="visible")


def make(page, timeout_ms: int = 120_000):
    page.locator(".clip-make").click()
    page.locator(".clip-result").wait_for(state="visible", timeout=timeout_ms)


def download(page, selector: str, folder: Path) -> tuple[Path, str]:
    with page.expect_download() as info:
        page.locator(selector).click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    return saved, info.value.suggested_filename


def without_http_cache(context, page) -> None:
    """Every byte from the server: the player's earlier ranges cannot stand in for the clip's."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})


def set_point(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")


def on_screen_frame(page) -> np.ndarray:
    """The player's picture, as luma from RGB, drawn through a canvas (same origin)."""
    width, height, data = page.evaluate(
        """() => {
          const v = document.getElementById('player');
          const c = document.createElement('canvas');
          c.width = v.videoWidth; c.height = v.videoHeight;
          const g = c.getContext('2d');
          g.drawImage(v, 0, 0);
          const rgba = g.getImageData(0, 0, c.width, c.height).data;
          const y = new Uint8Array(c.width * c.height);
          for (let i = 0; i < y.length; i++) {
            y[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
          }
          let text = '';
          for (let i = 0; i < y.length; i += 0x8000) {
            text += String.fromCharCode(...y.subarray(i, i + 0x8000));
          }
          return [c.width, c.height, btoa(text)];
        }"""
    )
    luma = np.frombuffer(base64.b64decode(data), dtype=np.uint8)
    return luma.reshape(height, width).astype(np.float64)


def rgb_luma_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """Like `gray_frames`, but through RGB, as a canvas sees the picture."""
    weights = np.array([0.299, 0.587, 0.114])
    return frames_at(
        path, wanted, lambda f: f.to_ndarray(format="rgb24").astype(np.float64) @ weights
    )


def wait_for_frame(page, frame: int) -> None:
    page.wait_for_function(
        f"""() => {{ const v = document.getElementById('player');
        return !v.seeking && v.readyState >= 2
          && Math.floor(v.currentTime * {FPS}) === {frame}; }}"""
    )
    page.wait_for_timeout(200)  # the picture follows the seek


# ---- the page ----


def test_clip_data_comes_from_the_manifest(demo_site: Project):
    from newsreel.media import record

    source = clip_source(record.read(demo_site.output / record.manifest_path(VIDEO)), "fr")
    assert source is not None
    assert [r.preset for r in source.renditions] == ["web", "mobile", "broadcast"]
    web, mobile, broadcast = source.renditions
    assert web.filename == f"{STEM}-{{in}}-{{out}}-720p.mp4"
    assert broadcast.access == "account" and broadcast.url.startswith("/api/download/")
    assert (web.frames, web.fps, source.keyframe_interval_s) == (1500, 25.0, 2)
    # web and mobile are rungs of the adaptive stream: clips read those files; broadcast is not
    assert web.fragmented and mobile.fragmented and broadcast.fragmented is None
    assert (web.fragmented.video.url, web.fragmented.audio.url) == stream_files(demo_site, "web")
    assert web.fragmented.audio == mobile.fragmented.audio
    assert source.title == "Réunion des ministres de la Défense des pays de l’OTAN à Bruxelles"
    assert "Mention obligatoire\u00a0: OTAN" in source.rights
    html = (demo_site.output / "fr" / "news" / MEETING / "index.html").read_text("utf-8")
    block = re.search(r'<script type="application/json" class="clip-data">(.*?)</script>', html)
    assert json.loads(block.group(1))["renditions"][0]["url"] == web.url
    assert 'data-max-seconds="60"' in html and 'data-credit="OTAN"' in html


def test_vendored_mediabunny_is_the_locked_npm_build():
    lock = json.loads((REPO / "package-lock.json").read_text("utf-8"))
    locked = lock["packages"]["node_modules/mediabunny"]["version"]
    package = REPO / "node_modules" / "mediabunny"
    assert json.loads((package / "package.json").read_text("utf-8"))["version"] == locked
    assert (
        json.loads((REPO / "package.json").read_text("utf-8"))["devDependencies"]["mediabunny"]
        == locked
    )
    vendor = REPO / "theme" / "static" / "vendor" / "mediabunny"
    built = (package / "dist" / "bundles" / "mediabunny.min.mjs").read_bytes()
    assert (vendor / "mediabunny.min.js").read_bytes() == built
    assert (vendor / "LICENSE").read_bytes() == (package / "LICENSE").read_bytes()


def test_time_codes_parse_and_print(browser, site):
    url, _, _ = site
    page = browser.new_page()
    page.goto(f"{url}/en/")
    found = page.evaluate(
        """async () => {
          const m = await import('/theme/js/clip-panel.js');
          return {
            format: [m.formatTime(312, 25), m.formatTime(90000, 25), m.fileTime(637, 25)],
            parse: ['00:00:12.48', '12.48', '12,48', '0:12.5', '00:00:12:12', '1:02:03:04',
                    '00:00:12:25', '00:61:00', 'abc', '', '12.', '59.99', '12.519']
                    .map((t) => m.parseTime(t, 25)),
            fragment: [m.fragment(312, 624, 25), m.fragment(0, 300, 25)],
            // every frame of a 29.97 fps video comes back from its fragment as itself
            ntsc: Array.from({ length: 1800 }, (_, f) => f).filter((f) => m.parseFragment(
              '#' + m.fragment(f, f + 1, 30000 / 1001), 30000 / 1001).inFrame !== f),
            fragments: ['#t=12.48,24.96', '#t=npt:0:12.48,0:00:24.96', '#t=8', '#t=a,b', '#x']
              .map((h) => m.parseFragment(h, 25)),
          };
        }"""
    )
    page.close()
    assert found["format"] == ["00:00:12.48", "01:00:00.00", "000025.48"]
    # the frame on screen at the time typed: 12.5 s and 12.519 s are within frame 312
    # (12.48 to 12.52), 59.99 s within the last frame of a minute
    assert found["parse"] == [
        312, 312, 312, 312, 312, 93079, None, None, None, None, None, 1499, 312,
    ]  # fmt: skip
    assert found["fragment"] == ["t=12.48,24.96", "t=0,12"]
    assert found["ntsc"] == []
    assert found["fragments"] == [
        {"inFrame": 312, "outFrame": 624},
        {"inFrame": 312, "outFrame": 624},
        {"inFrame": 200, "outFrame": None},
        None,
        None,
    ]


def test_the_download_route_hands_out_links_that_serve_ranges(site, demo_site: Project):
    from test_account_pages import latest_code

    url, traffic, var = site
    broadcast = full_file(demo_site, "broadcast")
    route = f"/api/download/{VIDEO}/full/broadcast"
    wants_json = {"Accept": "application/json"}
    address = "range-reader@example.org"
    with httpx.Client(base_url=url, headers={"Origin": url}) as client:
        assert client.get(route, headers=wants_json).status_code == 401
        client.post("/api/account/register", json={"email": address, "password": PASSWORD})
        code = latest_code(var, address, traffic.api)
        verified = client.post(
            "/api/account/verify", json={"email": address, "code": code, "password": PASSWORD}
        )
        assert verified.status_code == 200
        handed = client.get(route, headers=wants_json)
        assert handed.status_code == 200 and handed.headers["cache-control"] == "no-store"
        link = handed.json()
        assert link["expires_in"] == 300 and link["filename"] == broadcast["filename"]
        assert client.get(route).status_code == 302  # links and download managers: unchanged
        part = httpx.get(url + link["url"], headers={"Range": "bytes=1000-1999"})  # no cookie
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{broadcast['bytes']}"
    with file_path(demo_site, broadcast).open("rb") as original:
        original.seek(1000)
        assert part.content == original.read(1000)


# ---- making clips ----


def test_web_clip_off_the_grid_is_frame_exact_and_cheap(
    browser, site, demo_site: Project, tmp_path: Path
):
    url, traffic, _ = site
    web = full_file(demo_site, "web")
    rendition = file_path(demo_site, web)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    without_http_cache(context, page)
    page.goto(f"{url}/en/news/{MEETING}/")
    open_panel(page)

    # in at 12.52 s (frame 313, off the 2 s grid) by time code, then checked on screen
    set_point(page, "In point", "00:00:12.52")
    wait_for_frame(page, 313)
    source = rgb_luma_frames(rendition, {312, 313, 314})
    shown = on_screen_frame(page)
    assert psnr(shown, source[313]) > max(psnr(shown, source[312]), psnr(shown, source[314]))
    # frame stepping with the keys, and the in point set at the frame on screen
    page.locator("#player").focus()
    page.keyboard.press(".")
    page.keyboard.press(".")
    wait_for_frame(page, 315)
    page.keyboard.press(",")
    wait_for_frame(page, 314)
    page.get_by_role("button", name="Previous frame").click()
    wait_for_frame(page, 313)
    page.keyboard.press("i")
    assert page.get_by_label("In point", exact=True).input_value() == "00:00:12.52"
    # out as SMPTE time code with frames: 25 s 12 frames, the clip ends before frame 637
    set_point(page, "Out point", "00:00:25:12")
    assert page.get_by_label("Out point", exact=True).input_value() == "00:00:25.48"
    assert page.url.endswith("#t=12.52,25.48")
    summary = page.locator(".clip-summary").inner_text()
    assert "00:00:12.52 to 00:00:25.48" in summary and "324 frames" in summary
    # the selection on the timeline
    left = page.locator(".clip-range").evaluate("e => parseFloat(e.style.left)")
    assert left == pytest.approx(313 / 1500 * 100, abs=1e-3)

    traffic.reset()
    page.locator(".clip-make").click()
    page.locator(".clip-progress-text").filter(has_text="%").wait_for()
    page.locator(".clip-result").wait_for(state="visible", timeout=120_000)
    assert page.locator(".clip-progress").is_hidden()
    assert "Your clip is ready" in page.locator(".clip-status").inner_text()

    clip, name = download(page, ".clip-download", tmp_path)
    assert name == f"{STEM}-000012.52-000025.48-720p.mp4"
    assert ffmpeg_errors(clip) == ""
    check_frames(clip, rendition, 313, 637)
    check_audio_alignment(clip, rendition, 313)
    with av.open(str(clip)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1280, 720)
        assert audio.codec_context.name == "aac" and audio.sample_rate == RATE
        assert float(video.average_rate) == FPS
        tags = container.metadata
    assert tags["title"].startswith("NATO Defence Ministers meet in Brussels")
    for words in ("00:00:12.52", "00:00:25.48", "Credit: NATO", "Terms of use: Free of charge"):
        assert words in tags["comment"]
    # ... and its text beside it, in the page's language
    text_file, text_name = download(page, ".clip-text-download", tmp_path)
    assert text_name == f"{STEM}-000012.52-000025.48-720p.txt"
    text = text_file.read_text("utf-8")
    assert text.startswith("NATO Defence Ministers meet in Brussels\n15 October 2025")
    assert "Clip: from 00:00:12.52 to 00:00:25.48 in the source (324 frames" in text
    assert f"{url}/en/news/{MEETING}/#t=12.52,25.48" in text

    # the network: the clip's share of the file, not the file, read from the adaptive stream's
    # files of the same encode (fragmented MP4: a small index per fragment)
    share = (637 - 313) / 1500 * web["bytes"]
    fetched = traffic.script_bytes()
    assert 0.9 * share < fetched <= 1.3 * share, (fetched, share)
    assert set(traffic.fetched) == set(stream_files(demo_site, "web")), traffic.fetched

    # the preview plays in Chromium, under the CDN's CSP (blob: media)
    played = page.locator(".clip-preview").evaluate(
        """v => new Promise((done) => { v.muted = true;
             v.play().then(() => setTimeout(() => done([v.videoWidth, v.currentTime]), 700),
                           (e) => done([0, String(e)])); })"""
    )
    assert played[0] == 1280 and played[1] > 0
    assert errors == []
    context.close()


def test_a_browser_that_cannot_encode_gets_whole_gops_and_is_told(
    browser, site, demo_site: Project, tmp_path: Path
):
    url, _, _ = site
    rendition = file_path(demo_site, full_file(demo_site, "web"))
    context = browser.new_context(accept_downloads=True)
    context.add_init_script("delete window.VideoEncoder;")  # a browser that cannot encode
    page = context.new_page()
    page.goto(f"{url}/en/news/{MEETING}/#t=12.52,25.48")
    notice = page.locator(".clip-notice")
    notice.wait_for(state="visible")
    assert "cannot encode video" in notice.inner_text()
    assert "from 00:00:12.00 to 00:00:26.00" in notice.inner_text()
    make(page)
    assert "Cut at the keyframes around your selection: from 00:00:12.00 to 00:00:26.00" in (
        page.locator(".clip-text").inner_text()
    )
    clip, name = download(page, ".clip-download", tmp_path)
    assert name == f"{STEM}-000012.00-000026.00-720p.mp4"
    assert ffmpeg_errors(clip) == ""
    check_frames(clip, rendition, 300, 650)
    first = gray_frames(clip, {0})[0]
    assert psnr(first, gray_frames(rendition, {300})[300]) == 99.0  # copied, not re-encoded
    check_audio_alignment(clip, rendition, 300)
    context.close()


def test_odd_selections_first_and_last_frames(browser, site, demo_site: Project, tmp_path):
    url, _, _ = site
    rendition = file_path(demo_site, full_file(demo_site, "web"))
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    # one frame, the very last one
    page.goto(f"{url}/en/news/{MEETING}/#t=59.96,60")
    page.locator("#clip-panel").wait_for(state="visible")
    assert page.locator(".clip-summary").inner_text().endswith("(1 frame).")
    make(page)
    clip, _ = download(page, ".clip-download", tmp_path)
    assert ffmpeg_errors(clip) == ""
    check_frames(clip, rendition, 1499, 1500)
    # from the very first frame, with sound from the start
    page.goto(f"{url}/en/news/{MEETING}/#t=0,1.2")
    page.reload()
    page.locator("#clip-panel").wait_for(state="visible")
    # the address's selection is applied once the player knows the video (a click before
    # that, under load, made the whole video)
    expect(page.locator(".clip-summary")).to_contain_text("(30 frames)")
    make(page)
    clip, name = download(page, ".clip-download", tmp_path)
    assert name == f"{STEM}-000000.00-000001.20-720p.mp4"
    check_frames(clip, rendition, 0, 30)
    assert len(audio_samples(clip)) / RATE == pytest.approx(1.2, abs=1 / FPS)
    # typed nonsense is refused, and says how to write it
    set_point(page, "In point", "99:00:00")
    assert page.get_by_label("In point", exact=True).get_attribute("aria-invalid") == "true"
    assert "such as 00:01:12.48" in page.locator(".clip-summary").inner_text()
    context.close()


def test_a_missing_stream_file_falls_back_to_the_progressive_one(
    browser, site, demo_site: Project, tmp_path: Path
):
    """The stream's rung cannot be read (a CDN answering 404 for it): the clip is still made,
    from the progressive file of the same encode, frame-exact."""
    url, traffic, _ = site
    web = full_file(demo_site, "web")
    rung, audio = stream_files(demo_site, "web")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.route(re.compile(re.escape(rung) + "$"), lambda route: route.fulfill(status=404))
    without_http_cache(context, page)
    page.goto(f"{url}/en/news/{MEETING}/#t=12.52,25.48")
    page.locator("#clip-panel").wait_for(state="visible")
    traffic.reset()
    make(page)
    clip, _ = download(page, ".clip-download", tmp_path)
    assert ffmpeg_errors(clip) == ""
    check_frames(clip, file_path(demo_site, web), 313, 637)
    assert traffic.bytes_fetched(web["url"]) > 0 and traffic.bytes_fetched(rung) == 0
    context.close()


def test_a_dropped_connection_is_said_as_one_and_not_remembered(
    browser, site, demo_site: Project, tmp_path: Path
):
    """The clip tools fail to load once, as the panel opens (a dropped connection): the clip is
    still frame-exact once the network is back, not cut at keyframes for the rest of the page's
    life. Offline, the visitor is told the connection failed (not that the file is unreadable),
    and the next try works."""
    url, _, _ = site
    web = full_file(demo_site, "web")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    dropped: list[str] = []

    def drop_once(route):
        if dropped:
            route.continue_()
        else:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")

    page.route(re.compile(r"mediabunny[^/]*\.m?js$"), drop_once)
    without_http_cache(context, page)
    page.goto(f"{url}/en/news/{MEETING}/#t=12.52,15.08")
    page.locator("#clip-panel").wait_for(state="visible")
    page.wait_for_timeout(500)  # the panel's first load of the tools, dropped, has settled
    assert dropped, "the panel did not load the clip tools as it opened"
    context.set_offline(True)
    page.locator(".clip-make").click()
    page.locator(".clip-status").filter(has_text="The connection failed").wait_for()
    context.set_offline(False)
    make(page)
    assert page.locator(".clip-notice").is_hidden()  # no "cannot encode": it can
    clip, _ = download(page, ".clip-download", tmp_path)
    check_frames(clip, file_path(demo_site, web), 313, 377)
    # the selection goes along to the other language, the same frames
    french = page.locator(".lang-switch a[data-lang=fr]")
    assert french.get_attribute("href").endswith("#t=12.52,15.08")
    context.close()


def test_cancel_mid_way_on_a_slow_network(browser, site, demo_site: Project, tmp_path: Path):
    url, traffic, _ = site
    web = full_file(demo_site, "web")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/en/news/{MEETING}/#t=20,30")
    page.locator("#clip-panel").wait_for(state="visible")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 200, "downloadThroughput": 100_000, "uploadThroughput": 5e4},
    )
    traffic.reset()
    page.locator(".clip-make").click()
    page.locator(".clip-progress-text").filter(has_text=re.compile(r"[1-9]\d* ?%")).wait_for()
    assert page.locator(".clip-cancel").is_visible()
    page.locator(".clip-cancel").click()
    page.locator(".clip-status").filter(has_text="Cancelled: no clip was made.").wait_for()
    at_cancel = traffic.script_bytes()
    page.wait_for_timeout(2000)
    assert traffic.script_bytes() <= at_cancel + 256 * 1024  # at most what was in flight
    assert page.locator(".clip-result").is_hidden()
    assert page.locator(".clip-cancel").is_hidden() and page.locator(".clip-make").is_enabled()
    # the next attempt, on a normal network, is not disturbed by the cancelled one
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    make(page)
    clip, _ = download(page, ".clip-download", tmp_path)
    check_frames(clip, file_path(demo_site, web), 500, 750)
    context.close()


def test_signed_out_visitors_cannot_make_broadcast_clips(browser, site, demo_site: Project):
    url, traffic, _ = site
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/en/news/{MEETING}/#t=12.52,25.48")
    broadcast = page.get_by_role("radio", name=re.compile("^Broadcast HD"))
    broadcast.wait_for()
    page.wait_for_function("document.querySelector('#clip-version-broadcast').disabled")
    hint = page.locator("#clip-account")
    assert hint.is_visible() and "free multimedia account" in hint.inner_text()
    login = page.get_by_role("link", name="Sign in or create an account")
    assert login.get_attribute("href").endswith(
        "/en/account/login/?return_to=%2Fen%2Fnews%2Fdefence-ministers-meet-in-brussels%2F%23t%3D12.52%2C25.48"
    )
    # forcing the disabled choice gets nothing either: not from the page, not from the API
    traffic.reset()
    page.evaluate("() => { const r = document.querySelector('#clip-version-broadcast');"
                  " r.disabled = false; r.checked = true; }")  # fmt: skip
    page.locator(".clip-make").click()
    status = page.locator(".clip-status")
    status.filter(has_text="Broadcast quality needs a free multimedia account").wait_for()
    answer = page.request.get(
        f"{url}/api/download/{VIDEO}/full/broadcast", headers={"Accept": "application/json"}
    )
    assert answer.status == 401
    assert not any(path.startswith(("/api/download/file", "/_private")) for path in traffic.sent)
    context.close()


def test_signed_in_visitors_make_broadcast_clips(browser, site, demo_site: Project, tmp_path: Path):
    from test_account_pages import latest_code

    url, traffic, var = site
    broadcast = full_file(demo_site, "broadcast")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    address = "clip-maker@example.org"
    for path, body in (
        ("register", {"email": address, "password": PASSWORD}),
        ("verify", None),
    ):
        if body is None:
            code = latest_code(var, address, traffic.api)
            body = {"email": address, "code": code, "password": PASSWORD}
        answer = page.request.post(f"{url}/api/account/{path}", data=body, headers={"Origin": url})
        assert answer.ok, answer.text()
    # the first ranged read is refused, as an expired S3 link would be: a new link is asked for
    refused = []

    def expire_once(route):
        if not refused and route.request.headers.get("range"):
            refused.append(route.request.url)
            route.fulfill(status=403, body="expired")
        else:
            route.continue_()

    page.route(re.compile(r"/api/download/file\?"), expire_once)
    without_http_cache(context, page)
    page.goto(f"{url}/en/news/{MEETING}/#t=12.52,25.48")
    choice = page.get_by_role("radio", name=re.compile("^Broadcast HD"))
    page.wait_for_function("!document.querySelector('#clip-version-broadcast').disabled")
    assert page.locator("#clip-account").is_hidden()
    choice.check()
    traffic.reset()
    make(page)
    assert refused
    assert traffic.answers[f"/api/download/{VIDEO}/full/broadcast"] == 2
    clip, name = download(page, ".clip-download", tmp_path)
    assert name == f"{STEM}-000012.52-000025.48-1080p.mp4"
    assert ffmpeg_errors(clip) == ""
    with av.open(str(clip)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1920, 1080)
    check_frames(clip, file_path(demo_site, broadcast), 313, 637)
    share = (637 - 313) / 1500 * broadcast["bytes"]
    assert traffic.bytes_fetched("/api/download/file") <= 1.3 * share
    context.close()


# ---- the control itself: shot list, links, limits, keyboard, languages, phones ----


def test_shot_list_links_and_a_french_mobile_clip(browser, site, demo_site: Project, tmp_path):
    url, _, _ = site
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/fr/news/{MEETING}/#t=8,16")
    page.locator("#clip-panel").wait_for(state="visible")
    assert page.get_by_label("Point d’entrée", exact=True).input_value() == "00:00:08.00"
    assert page.get_by_label("Point de sortie", exact=True).input_value() == "00:00:16.00"
    wait_for_frame(page, 200)
    page.get_by_role("button", name="Placer le point d’entrée de l’extrait à 00:00:24").click()
    summary = page.locator(".clip-summary").inner_text()
    assert "Le point de sortie a été déplacé à 00:00:34.00." in summary
    assert page.url.endswith("#t=24,34")
    page.get_by_role("button", name="Placer le point de sortie de l’extrait à 00:00:32").click()
    assert page.url.endswith("#t=24,32")
    summary = page.locator(".clip-summary").inner_text()
    assert "Sélection\u00a0: de 00:00:24.00 à 00:00:32.00, 8\u00a0s (200\u00a0images)." in summary
    # the mobile version, for a French reader: the file and its text in French
    page.get_by_label("Mobile\u00a0: 360p, H.264, faible débit").check()
    make(page)
    assert "Votre extrait est prêt (" in page.locator(".clip-status").inner_text()
    clip, name = download(page, ".clip-download", tmp_path)
    assert name == f"{STEM}-000024.00-000032.00-360p.mp4"
    with av.open(str(clip)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (640, 360)
        comment = container.metadata["comment"]
    check_frames(clip, file_path(demo_site, full_file(demo_site, "mobile")), 600, 800)
    text, _ = download(page, ".clip-text-download", tmp_path)
    lines = text.read_text("utf-8").splitlines()
    assert lines[0] == "Réunion des ministres de la Défense des pays de l’OTAN à Bruxelles"
    assert lines[1].startswith("15 octobre 2025")
    assert lines[2] == (
        "Extrait\u00a0: de 00:00:24.00 à 00:00:32.00 dans la source"
        " (200\u00a0images à 25 images par seconde)"
    )
    assert "Crédit\u00a0: OTAN" in lines and comment == "\n".join(lines)
    assert lines[5].startswith("Conditions d’utilisation\u00a0: Utilisation gratuite")
    # a link to another selection, followed on the same page
    page.evaluate("() => { window.location.hash = 't=46,54'; }")
    page.wait_for_function("document.getElementById('clip-in').value === '00:00:46.00'")
    # a whole minute reads "1 min", with no "0 s"
    page.evaluate("() => { window.location.hash = 't=0,60'; }")
    page.wait_for_function("document.getElementById('clip-out').value === '00:01:00.00'")
    summary = page.locator(".clip-summary").inner_text()
    assert "00:01:00.00, 1\u00a0min (" in summary and "0\u00a0s" not in summary, summary
    context.close()


def test_the_longest_clip_is_a_setting(browser, tmp_path_factory):
    output = tmp_path_factory.mktemp("limited") / "output"
    build_site(
        Project.at(REPO, output=output),
        languages=["en"],
        extra_settings={"NEWSREEL_CLIP_MAX_SECONDS": 12},
        search_index="off",
    )
    html = (output / "en" / "news" / MEETING / "index.html").read_text("utf-8")
    assert 'data-max-seconds="12"' in html
    with metered_server(output, tmp_path_factory.mktemp("limited-var")) as (url, _):
        page = browser.new_page()
        page.goto(f"{url}/en/news/{MEETING}/#t=5,40")
        page.locator("#clip-panel").wait_for(state="visible")
        assert page.url.endswith("#t=5,17")
        set_point(page, "Out point", "00:00:30")
        assert page.get_by_label("In point", exact=True).input_value() == "00:00:18.00"
        summary = page.locator(".clip-summary").inner_text()
        assert "A clip lasts at most 12\u00a0s. The in point moved to 00:00:18.00." in summary
        page.close()


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("fr", 360), ("en", 360), ("fr", 1280)])
def test_keyboard_screen_reader_and_phone(browser, site, artifacts, lang: str, width: int):
    url, _, _ = site
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale="fr-FR" if lang == "fr" else "en-GB",
        bypass_csp=True,  # for axe-core, added below as an inline script
    )
    page = context.new_page()
    page.goto(f"{url}/{lang}/news/{MEETING}/")
    toggle = page.locator(".clip-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")  # once the panel's module is in
    page.keyboard.press("Tab")  # into the panel: the in point
    focused = page.evaluate("document.activeElement.id")
    assert focused == "clip-in"
    page.keyboard.press("Control+A")
    page.keyboard.type("00:00:05.00")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # to "Set in": the panel's keys work while it has the focus
    page.keyboard.press(".")
    wait_for_frame(page, 126)
    page.keyboard.press("o")
    assert page.evaluate("document.getElementById('clip-out').value") == "00:00:05.08"
    page.locator("#clip-panel").evaluate("e => e.scrollIntoView()")
    page.screenshot(path=str(artifacts / f"clip-{lang}-{width}.png"), full_page=False)
    page.add_script_tag(path=str(REPO / "node_modules" / "axe-core" / "axe.min.js"))
    found = page.evaluate("async () => (await axe.run('#clip')).violations.map(v => v.id)")
    assert found == []
    words = {
        "en": ["Make your own clip", "In point", "Out point", "Preview in a loop", "Make the clip"],
        "fr": ["Créer votre extrait", "Point d’entrée", "Point de sortie", "Aperçu en boucle",
               "Créer l’extrait", "À l’écran\u00a0:"],
    }[lang]  # fmt: skip
    text = page.locator("#clip").inner_text()
    for word in words:
        assert word in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    context.close()


def test_preview_loops_between_in_and_out(browser, site):
    url, _, _ = site
    page = browser.new_page()
    page.goto(f"{url}/en/news/{MEETING}/#t=30,31")
    page.locator("#clip-panel").wait_for(state="visible")
    page.evaluate("document.getElementById('player').muted = true")
    page.get_by_role("button", name="Preview in a loop").click()
    assert page.get_by_role("button", name="Preview in a loop").get_attribute("aria-pressed") == (
        "true"
    )
    seen = page.evaluate(
        """() => new Promise((done) => {
          const v = document.getElementById('player'); const times = [];
          const tick = () => { times.push(v.currentTime);
            if (times.length < 120) requestAnimationFrame(tick); else done(times); };
          tick(); })"""
    )
    assert min(seen) >= 30 - 0.05 and max(seen) < 31 + 0.1
    assert any(b < a for a, b in zip(seen, seen[1:], strict=False))  # it went back: a loop
    # the player stays on the rendition clips are cut from, not adaptive streaming
    assert page.evaluate("document.getElementById('player').dataset.streaming") is None
    page.get_by_role("button", name="Preview in a loop").click()
    assert page.evaluate("document.getElementById('player').paused")
    page.close()
