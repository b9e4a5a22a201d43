"""The demo's media, as the repository's presets make them: posters, the ladder's storage, the
plan's reasons. Uses the session's demo build (tests/conftest.py), so it encodes nothing more."""

from __future__ import annotations

import json
import re
from pathlib import Path

from newsreel.media import pipeline
from newsreel.project import Project

VIDEOS = ("2025-10-15-defence-ministers-press-conference", "2025-10-15-nato-ukraine-council")
PAGES = {
    "2025-10-15-defence-ministers-press-conference": "defence-ministers-meet-in-brussels",
    "2025-10-15-nato-ukraine-council": "nato-ukraine-council",
}


def _manifest(project: Project, video: str) -> dict:
    return json.loads((project.output / "media" / video / "manifest.json").read_text("utf-8"))


def _file(project: Project, entry: dict) -> Path:
    return project.output / (entry.get("private_path") or entry["url"].lstrip("/"))


def test_every_cut_has_its_own_poster_and_a_light_thumbnail_on_its_card(demo_site: Project):
    """A frame from inside the cut, its own file (a JPEG for feeds, link previews and the press
    kit), and the same frame as a small WebP thumbnail, which the cut's card shows in both
    languages: a list of five versions must not load five 1280 px posters."""
    plan = pipeline.plan(demo_site.media_settings())
    for video in VIDEOS:
        data = _manifest(demo_site, video)
        posters = {o.cut.id: o for o in plan.outputs[video] if o.poster}
        thumbnails = {o.cut.id: o for o in plan.outputs[video] if o.page_image == "thumbnail"}
        assert set(posters) == set(thumbnails) == {cut["id"] for cut in data["cuts"]}
        for cut in data["cuts"]:
            at = posters[cut["id"]].still_at_ms
            assert cut["in_ms"] <= at < cut["out_ms"], (video, cut["id"])
            assert thumbnails[cut["id"]].still_at_ms == at
            assert _file(demo_site, cut["poster"]).read_bytes()[:3] == b"\xff\xd8\xff"
            thumbnail = _file(demo_site, cut["thumbnail"]).read_bytes()
            assert thumbnail[:4] == b"RIFF" and thumbnail[8:12] == b"WEBP"
            assert (cut["thumbnail"]["width"], cut["thumbnail"]["height"]) == (256, 144)
            assert cut["thumbnail"]["bytes"] < cut["poster"]["bytes"] / 4
        assert len({cut["poster"]["url"] for cut in data["cuts"]}) == len(data["cuts"])
        assert len({cut["thumbnail"]["url"] for cut in data["cuts"]}) == len(data["cuts"])
        for lang in ("en", "fr"):
            html = (demo_site.output / lang / "news" / PAGES[video] / "index.html").read_text()
            for cut in data["cuts"]:
                section = html.split(f'id="dl-{cut["id"]}"', 1)[1].split("</h3>")[0]
                assert re.search(
                    rf'<img class="version-poster" src="{cut["thumbnail"]["url"]}"', section
                )


def test_the_player_shows_a_light_poster_and_previews_keep_the_jpeg(demo_site: Project):
    """The player's poster is the full version's frame as WebP, a fraction of the JPEG that
    link previews (og:image), feeds and search keep, since not every reader of those takes
    WebP."""
    for video in VIDEOS:
        full = _manifest(demo_site, video)["cuts"][0]
        light, jpeg = full["player_poster"], full["poster"]
        assert _file(demo_site, light).read_bytes()[8:12] == b"WEBP"
        assert (light["width"], light["height"]) == (jpeg["width"], jpeg["height"])
        assert light["bytes"] < 0.7 * jpeg["bytes"]
        html = (demo_site.output / "en" / "news" / PAGES[video] / "index.html").read_text()
        assert f'poster="{light["url"]}"' in html
        assert re.search(rf'<meta property="og:image" content="[^"]*{jpeg["url"]}"', html)


def test_the_ladder_costs_at_most_twice_the_largest_public_rendition(demo_site: Project):
    for video in VIDEOS:
        data = _manifest(demo_site, video)
        public = [f for f in data["cuts"][0]["files"] if f["access"] == "public"]
        largest = max(f["bytes"] for f in public)
        stream = data["stream"]
        ladder = sum(r["file"]["bytes"] for r in stream["rungs"]) + stream["audio"]["file"]["bytes"]
        # players start with the first: the 540p rung, capped at 2 Mb/s (Apple's default)
        assert [r["preset"] for r in stream["rungs"]] == [
            "stream-540p", "web", "mobile", "stream-234p",
        ]  # fmt: skip
        assert ladder <= 2 * largest, (video, ladder / largest)


def test_the_demo_plan_says_which_cuts_are_assembled(demo_site: Project):
    settings = demo_site.media_settings()
    plan = pipeline.plan(settings)
    assert plan.jobs == [], "the demo is built"
    outputs = plan.outputs[VIDEOS[0]]
    methods = {(o.cut.id, o.preset.name): o.method for o in outputs}
    assert methods[("rutte-soundbite", "web")] == "smart"
    assert methods[("rutte-soundbite", "mobile")] == "smart"
    assert methods[("rutte-soundbite", "broadcast")] == "encode"
    assert methods[("rutte-soundbite", "audio")] == "encode"
    assert {o.method for o in outputs if o.stream} == {"cmaf-video", "cmaf-audio"}
