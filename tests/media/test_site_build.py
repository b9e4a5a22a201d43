"""The media pipeline inside `newsreel build`: videos on pages, mistakes stop the whole build."""

from __future__ import annotations

import pytest

from conftest import item
from newsreel.build import BuildError, build_site
from newsreel.errors import NewsreelError

from .conftest import write_manifest


def test_build_encodes_clips_and_shows_them(site_with_video):
    build_site(site_with_video)
    out = site_with_video.output
    assert (out / "media/2025-10-15-test/manifest.json").exists()
    html = (out / "fr/news/clip/index.html").read_text("utf-8")
    assert '<video id="player"' in html and "Liste des plans" in html
    assert "20251015-test-soundbite-web.mp4" in html


def test_a_broken_manifest_stops_the_build_and_keeps_the_site(site_with_video):
    build_site(site_with_video)
    page = site_with_video.output / "en/news/clip/index.html"
    before = page.read_text("utf-8")
    write_manifest(site_with_video.clips, cut_out="00:09:00.000")
    with pytest.raises(NewsreelError) as raised:
        build_site(site_with_video)
    [line] = raised.value.lines()
    assert line.startswith(
        "clips/2025-10-15-test.toml: cuts['soundbite'].out: 00:09:00.000 is past the end"
    )
    assert page.read_text("utf-8") == before


def test_a_cut_past_the_end_comes_with_the_items_mistakes_in_one_round(site_with_video):
    """What only the source shows (a cut past its end) is found with the items' mistakes,
    before anything is built: an editor fixes both at once, not one build after the other."""
    write_manifest(site_with_video.clips, cut_out="00:09:00.000")
    page = site_with_video.root / "content/news/clip.en.md"
    page.write_text(item("With video", "en", video="2025-10-15-test").replace(
        "Date: ", "Date: 15/10/2025 "), encoding="utf-8")  # fmt: skip
    with pytest.raises(BuildError) as raised:
        build_site(site_with_video)
    lines = raised.value.lines()
    assert any(line.startswith("content/news/clip.en.md: date:") for line in lines), lines
    assert any("cuts['soundbite'].out: 00:09:00.000 is past the end" in line for line in lines)
    assert not site_with_video.output.exists()  # nothing built, nothing encoded


def test_a_source_is_probed_once_whatever_asks(site_with_video, monkeypatch):
    """A probe decodes the end of the file: the check before a build and the build's plan
    share one, and the next build (the same bytes) makes none."""
    from newsreel.media import sources

    probed: list[str] = []
    real = sources.probe_source
    monkeypatch.setattr(
        sources, "probe_source", lambda path: probed.append(path.name) or real(path)
    )
    build_site(site_with_video, search_index="off")
    assert probed == ["test.mp4"]
    build_site(site_with_video, search_index="off")
    assert probed == ["test.mp4"]
    # the same name, other bytes (the editor replaced the file): probed again, and refused
    (site_with_video.clips / "sources" / "test.mp4").write_bytes(b"not a video")
    with pytest.raises(BuildError) as raised:
        build_site(site_with_video, search_index="off")
    assert probed == ["test.mp4", "test.mp4"]
    assert "sources/test.mp4: it is not a readable media file" in raised.value.lines()[0]


def test_an_unknown_video_is_an_editors_mistake(site_with_video):
    path = site_with_video.root / "content/news/clip.en.md"
    path.write_text(item("With video", "en", video="no-such-video"), encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build_site(site_with_video)
    assert raised.value.lines() == [
        "content/news/clip.en.md: video: no manifest clips/no-such-video.toml; "
        "add the manifest, or use the id of one in clips/"
    ]


HARD_TITLE = 'Kyiv & "Brussels" <Council> — Рада, 北约'


def test_feeds_and_sitemaps_keep_any_title_intact(site_with_video):
    """Quotes, ampersands, angle brackets and non-Latin text survive every XML output."""
    import xml.etree.ElementTree as ElementTree

    import feedparser

    title = f"title = {{ en = '{HARD_TITLE}', fr = 'Essai' }}"
    write_manifest(site_with_video.clips, **{'title = { en = "Test", fr = "Essai" }': title})
    page = site_with_video.root / "content/news/clip.en.md"
    page.write_text(item('A & "B" — 北约', "en", video="2025-10-15-test"), encoding="utf-8")
    build_site(site_with_video, search_index="off")
    out = site_with_video.output
    feed = feedparser.parse((out / "en/feeds/videos.rss").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    entry = feed.entries[0]  # the video's item; its public cuts follow, each an item
    assert entry.title == 'A & "B" — 北约'
    rss = ElementTree.parse(out / "en/feeds/videos.rss").getroot()
    media_title = rss.find(".//{http://search.yahoo.com/mrss/}title")
    assert media_title is not None and media_title.text == HARD_TITLE
    raw = (out / "en/feeds/videos.rss").read_text("utf-8")
    assert "<Council>" not in raw and "&lt;Council&gt;" in raw
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "video": "http://www.google.com/schemas/sitemap-video/1.1"}  # fmt: skip
    videos = ElementTree.parse(out / "sitemap-video.xml").getroot()
    titles = [e.text for e in videos.iterfind("s:url/video:video/video:title", ns)]
    assert HARD_TITLE in titles
    atom = feedparser.parse((out / "en/feeds/atom.xml").read_bytes())
    assert not atom.bozo and atom.entries[0].title == 'A & "B" — 北约'
    ElementTree.parse(out / "sitemap.xml")  # well-formed


def test_manifests_follow_their_published_json_schema(site_with_video):
    import json

    import jsonschema

    from newsreel.media import record

    build_site(site_with_video, search_index="off")
    out = site_with_video.output
    schema = json.loads((out / "media/manifest.schema.json").read_text("utf-8"))
    manifest = json.loads((out / "media/2025-10-15-test/manifest.json").read_text("utf-8"))
    jsonschema.validate(manifest, schema)
    assert manifest["$schema"] == "/media/manifest.schema.json"
    assert manifest["schema_version"] == record.SCHEMA_VERSION
    broken = dict(manifest, cuts=[{**manifest["cuts"][0], "in_ms": "zero"}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: {**m, "schema_version": 0}, "schema_version: 0, but this version of newsreel"),
        (
            lambda m: {k: v for k, v in m.items() if k != "schema_version"},
            "schema_version: missing",
        ),
        (lambda m: {**m, "cuts": "none"}, "cuts: Expected `array`, got `str`"),
    ],
)
def test_an_old_or_foreign_manifest_is_refused_in_one_line(site_with_video, change, words):
    import json

    build_site(site_with_video, search_index="off")
    path = site_with_video.output / "media/2025-10-15-test/manifest.json"
    path.write_text(json.dumps(change(json.loads(path.read_text("utf-8")))), "utf-8")
    with pytest.raises(NewsreelError) as raised:  # a rebuild of one language reads it
        build_site(site_with_video, languages=["fr"], search_index="off")
    [line] = raised.value.lines()
    assert words in line and "rebuild the site with this version of newsreel" in line
