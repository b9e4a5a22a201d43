"""The player in Chromium, on a small site: HLS through hls.js, down the ladder when the network
slows, seeking from the shot list, captions in the page's language; and what serves it.

The site is built from a short source (60 s, 640x360), with a three-rung ladder far enough
apart that a throttled network (Chrome DevTools Protocol network emulation) cannot carry the
top one. hls.js buffers far ahead on loopback, so the test throttles as soon as playback starts,
then seeks past what is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time

import httpx
import pytest

from conftest import REPO, free_port, item, write_site
from newsreel.build import build_site

from .conftest import make_source
from .test_stream import CAPTIONS

PRESETS = """
[streaming]
ladder = ["web", "mobile", "tiny"]
segment_seconds = 6

[presets.web]
kind = "video"
suffix = "360p"
faststart = true
label = { en = "Web", fr = "Web" }
[presets.web.video]
width = 640
height = 360
fps = 25
crf = 16
maxrate = "3M"
bufsize = "6M"
x264_preset = "ultrafast"
[presets.web.audio]
bitrate = "128k"
sample_rate = 48000
channels = 2

[presets.mobile]
kind = "video"
suffix = "180p"
faststart = true
label = { en = "Mobile", fr = "Mobile" }
[presets.mobile.video]
width = 320
height = 180
fps = 25
crf = 30
maxrate = "250k"
bufsize = "500k"
x264_preset = "ultrafast"
[presets.mobile.audio]
bitrate = "64k"
sample_rate = 48000
channels = 2

[presets.tiny]
kind = "video"
access = "stream"
suffix = "90p"
label = { en = "Tiny", fr = "Minuscule" }
[presets.tiny.video]
width = 160
height = 90
fps = 25
crf = 34
maxrate = "80k"
bufsize = "160k"
x264_preset = "ultrafast"
[presets.tiny.audio]
bitrate = "32k"
sample_rate = 48000
channels = 2
"""

MANIFEST = """
id = "2025-10-15-player"
source = "sources/source.mp4"
date = 2025-10-15
location = { en = "Brussels", fr = "Bruxelles" }
credit = { en = "NATO", fr = "OTAN" }
presets = ["web", "mobile"]
title = { en = "Player", fr = "Lecteur" }
rights = { en = "Credit: NATO.", fr = "Mention : OTAN." }
[captions]
en = "captions/en.vtt"
fr = "captions/fr.vtt"

[[shots]]
at = "00:00:00"
en = "Exterior"
fr = "Extérieur"

[[shots]]
at = "00:00:44"
en = "Press conference"
fr = "Conférence de presse"
"""


@pytest.fixture(scope="module")
def player_site(tmp_path_factory):
    """The small site, built, served by `newsreel serve`'s app on a free port."""
    yield from _served(tmp_path_factory.mktemp("player"), size="640x360", manifest=MANIFEST)


@pytest.fixture(scope="module")
def upright_site(tmp_path_factory):
    """The same site with an upright video (a phone's vertical video, 360x640), 12 s long."""
    manifest = MANIFEST.replace('at = "00:00:44"', 'at = "00:00:06"')
    yield from _served(tmp_path_factory.mktemp("upright"), "360x640", manifest, seconds=12)


def _served(root, size: str, manifest: str, seconds: float = 60):
    import uvicorn

    from newsreel.serve import create_app

    files = {
        "news/clip.en.md": item("Ministers meet", "en", video="2025-10-15-player"),
        "news/clip.fr.md": item("Réunion", "fr", translation=True, video="2025-10-15-player"),
    }
    project = write_site(root / "site", files)
    clips = project.clips
    (clips / "sources").mkdir(parents=True)
    (clips / "captions").mkdir()
    make_source(clips / "sources" / "source.mp4", seconds=seconds, size=size)
    (clips / "presets.toml").write_text(PRESETS, encoding="utf-8")
    (clips / "2025-10-15-player.toml").write_text(manifest, encoding="utf-8")
    for lang, text in CAPTIONS.items():
        (clips / "captions" / f"{lang}.vtt").write_text(text, encoding="utf-8")
    build_site(project)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(project.output), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield project, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def _manifest(project) -> dict:
    path = project.output / "media/2025-10-15-player/manifest.json"
    return json.loads(path.read_text("utf-8"))


def _wait(page, script: str, timeout: float = 30000) -> None:
    page.wait_for_function(script, timeout=timeout)


PLAYER = "document.getElementById('player')"


def test_plays_through_hlsjs_switches_down_seeks_and_shows_captions(
    browser, player_site, artifacts
):
    project, url = player_site
    rungs = {r["preset"]: r["bandwidth"] for r in _manifest(project)["stream"]["rungs"]}
    assert rungs["web"] > 3 * rungs["mobile"], rungs  # far enough apart to tell them apart
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{url}/en/news/clip/")
    assert page.evaluate(f"{PLAYER}.getAttribute('data-streaming')") is None
    assert not [u for u in requested if "hls.min" in u], "hls.js waits for the first play"
    page.evaluate(f"{PLAYER}.muted = true")
    page.get_by_role("button", name="Play from 00:00:00").click()
    _wait(page, f"() => {PLAYER}.getAttribute('data-streaming') === 'hls.js'"
                f" && {PLAYER}.src.startsWith('blob:') && {PLAYER}.currentTime > 0.1"
                f" && {PLAYER}.videoWidth > 0 && {PLAYER}.getAttribute('data-rung')")  # fmt: skip
    assert [u for u in requested if "/theme/vendor/hls.js/hls.min." in u]
    assert page.evaluate(f"{PLAYER}.getAttribute('data-rung')") == "360p"
    # the network slows to well under the top rung: hls.js goes down the ladder
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    slow = rungs["mobile"] * 1.6 / 8  # bytes per second
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 40, "downloadThroughput": slow, "uploadThroughput": slow,
    })  # fmt: skip
    before = len(requested)
    page.get_by_role("button", name="Play from 00:00:44").click()  # seeks past what is loaded
    _wait(page, f"() => ['180p', '90p'].includes({PLAYER}.getAttribute('data-rung'))", 60000)
    later = requested[before:]
    assert [u for u in later if u.endswith(("/180p.mp4", "/90p.mp4"))], later
    _wait(page, f"() => {PLAYER}.currentTime > 44.5 && !{PLAYER}.paused", 60000)
    assert page.evaluate(f"{PLAYER}.currentTime") < 59
    page.screenshot(path=str(artifacts / "player-hls-throttled-en-1280.png"))
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
    })  # fmt: skip
    # back to the start: the captions, in the page's language, while the words are spoken
    page.get_by_role("button", name="Play from 00:00:00").click()
    _wait(
        page,
        f"""() => Array.from({PLAYER}.textTracks).some(t => t.mode === 'showing'
        && t.language === 'en' && t.activeCues && t.activeCues.length
        && t.activeCues[0].text === 'Good morning.')""",
    )
    assert page.evaluate(f"{PLAYER}.currentTime") < 4.5
    page.screenshot(path=str(artifacts / "player-hls-en-1280.png"))
    context.close()


def test_french_page_streams_french_captions_and_fits_a_phone(browser, player_site, artifacts):
    project, url = player_site
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{url}/fr/news/clip/")
    page.evaluate(f"{PLAYER}.muted = true")
    page.get_by_role("button", name="Lire à partir de 00:00:00").click()
    _wait(
        page,
        f"""() => Array.from({PLAYER}.textTracks).some(t => t.mode === 'showing'
        && t.language === 'fr' && t.activeCues && t.activeCues.length
        && t.activeCues[0].text === 'Bonjour.')""",
    )
    # a phone-sized player takes a rung no larger than the smallest one that fills it
    shown = page.evaluate(f"{PLAYER}.clientWidth * window.devicePixelRatio")
    widths = sorted(r["width"] for r in _manifest(project)["stream"]["rungs"])
    filling = next((width for width in widths if width >= shown), widths[-1])
    rung = page.evaluate(f"{PLAYER}.getAttribute('data-rung')")
    height = int(rung.removesuffix("p"))
    assert filling < widths[-1], "the small screen leaves the top rung out"
    assert height * 16 / 9 <= filling, (rung, shown, widths)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    page.screenshot(path=str(artifacts / "player-hls-fr-320.png"))
    context.close()


def test_without_javascript_the_mp4_plays(browser, player_site):
    _, url = player_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/en/news/clip/")
    sources = page.eval_on_selector_all("#player source", "els => els.map(e => e.src)")
    assert sources and all(s.endswith(".mp4") for s in sources)
    assert page.eval_on_selector_all("#player track", "els => els.length") == 2
    context.close()


def test_playlists_are_served_compressed_with_their_type(player_site):
    from newsreel.publish.plan import content_type

    project, url = player_site
    stream = _manifest(project)["stream"]
    playlist = stream["rungs"][0]["iframes"]
    assert (project.output / playlist.lstrip("/")).stat().st_size > 1024
    response = httpx.get(url + playlist, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert response.headers["content-encoding"] == "gzip"
    assert "#EXT-X-I-FRAMES-ONLY" in response.text
    raw = httpx.get(url + stream["rungs"][0]["file"]["url"], headers={
        "Accept-Encoding": "gzip", "Range": "bytes=0-99"})  # fmt: skip
    assert raw.status_code == 206 and "content-encoding" not in raw.headers
    # CloudFront compresses what the bucket labels with this very type
    assert content_type(playlist.lstrip("/")) == "application/vnd.apple.mpegurl"


def test_media_files_are_served_with_the_type_the_cdn_sends(player_site):
    """One table of types for `newsreel serve` and `newsreel publish`: what a player gets
    locally is what it gets from CloudFront, whatever the machine's mime.types says."""
    from newsreel.content_types import TYPES
    from newsreel.publish import is_hidden
    from newsreel.publish.plan import content_type

    project, url = player_site
    seen = set()
    for path in sorted(project.output.rglob("*")):
        key = path.relative_to(project.output).as_posix()
        if path.suffix in TYPES and path.suffix not in seen and path.is_file():
            if is_hidden(key) or key.endswith("atom.xml"):  # never served; a feed: below
                continue
            seen.add(path.suffix)
            served = httpx.get(f"{url}/{key}", headers={"Range": "bytes=0-0"})
            assert served.headers["content-type"].split(";")[0] == TYPES[path.suffix], key
            assert content_type(key).split(";")[0] == TYPES[path.suffix], key
    assert {".m3u8", ".vtt", ".js", ".svg"} <= seen
    # feeds are told by name: `atom.xml` is Atom, not plain XML, on both
    for key in ("en/feeds/atom.xml", "en/feeds/videos.rss", "sitemap.xml"):
        served = httpx.get(f"{url}/{key}").headers["content-type"].split(";")[0]
        assert served == content_type(key).split(";")[0], key
    assert content_type("en/feeds/atom.xml").startswith("application/atom+xml")
    assert content_type("en/feeds/videos.rss").startswith("application/rss+xml")


def test_the_vendored_hlsjs_is_the_locked_npm_release():
    lock = json.loads((REPO / "package-lock.json").read_text("utf-8"))
    locked = lock["packages"]["node_modules/hls.js"]["version"]
    package = REPO / "node_modules/hls.js"
    if not package.exists():
        pytest.skip("node_modules is installed by `python3 tasks.py test`")
    assert json.loads((package / "package.json").read_text("utf-8"))["version"] == locked
    vendored = REPO / "theme/static/vendor/hls.js"
    for name, original in (("hls.min.js", "dist/hls.min.js"), ("LICENSE", "LICENSE")):
        one = hashlib.sha256((vendored / name).read_bytes()).hexdigest()
        two = hashlib.sha256((package / original).read_bytes()).hexdigest()
        assert one == two, f"theme/static/vendor/hls.js/{name}: copy it again from node_modules"


def test_the_site_copies_hlsjs_under_a_fingerprinted_name(player_site):
    project, _ = player_site
    html = (project.output / "en/news/clip/index.html").read_text("utf-8")
    assert 'data-stream="/media/2025-10-15-player/' in html
    found = sorted((project.output / "theme/vendor/hls.js").glob("hls.min.*.js"))
    assert len(found) == 1 and f'data-stream-player="/theme/vendor/hls.js/{found[0].name}"' in html


def test_the_cdn_lets_hlsjs_feed_the_player():
    """hls.js plays through Media Source Extensions: a blob: URL the CSP must allow for media."""
    template = (REPO / "infra/site.yaml").read_text("utf-8")
    csp = template.split("ContentSecurityPolicy: ", 1)[1].splitlines()[0]
    media = re.search(r"media-src ([^;]*);", csp).group(1).split()
    assert media[:2] == ["'self'", "blob:"] and "worker-src" not in csp  # no worker needed


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_an_upright_video_plays_upright(browser, upright_site, artifacts, width, height):
    """A phone's vertical video is encoded upright (every rung of its stream too) and plays in
    an upright player, as tall as most of the window: not a 16:9 box with bars at its sides,
    nor taller than the screen."""
    project, url = upright_site
    manifest = _manifest(project)
    for rung in manifest["stream"]["rungs"]:
        assert rung["height"] > rung["width"], rung
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{url}/en/news/clip/")
    page.evaluate(f"{PLAYER}.muted = true")
    page.get_by_role("button", name="Play from 00:00:06").click()
    shape = page.wait_for_function(
        f"{PLAYER}.videoWidth && !{PLAYER}.paused && {PLAYER}.videoHeight / {PLAYER}.videoWidth"
    ).json_value()
    assert shape == pytest.approx(16 / 9)
    box = page.locator("#player").bounding_box()
    assert box["height"] <= 0.8 * height + 1, box
    assert box["width"] <= width
    # the box has the video's shape: no bars
    assert box["height"] / box["width"] == pytest.approx(16 / 9, rel=0.02)
    page.screenshot(path=str(artifacts / f"player-upright-{width}.png"))
    # link previews say the poster's own size; the list of videos keeps its cards one shape
    og = {
        name: page.locator(f"meta[property='og:image:{name}']").get_attribute("content")
        for name in ("width", "height")
    }
    poster = manifest["cuts"][0]["poster"]
    assert og == {"width": str(poster["width"]), "height": str(poster["height"])}
    assert poster["height"] > poster["width"]
    page.goto(f"{url}/en/videos/")
    card = page.locator(".video-card img").first
    card.evaluate("image => image.decode()")
    box = card.bounding_box()
    assert box["width"] / box["height"] == pytest.approx(16 / 9, rel=0.02)
    context.close()
