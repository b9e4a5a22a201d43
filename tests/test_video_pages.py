"""The demo video on its article page, the videos index, and the player in Chromium."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from conftest import vnu_errors
from newsreel.project import Project

MEETING = "defence-ministers-meet-in-brussels"
VIDEO = "2025-10-15-defence-ministers-press-conference"


def manifest(project: Project) -> dict:
    return json.loads((project.output / "media" / VIDEO / "manifest.json").read_text("utf-8"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_article_shows_player_shots_rights_and_downloads(demo_site: Project, lang: str):
    html = (demo_site.output / lang / "news" / MEETING / "index.html").read_text("utf-8")
    data = manifest(demo_site)
    full = data["cuts"][0]
    web = next(f for f in full["files"] if f["preset"] == "web")
    mobile = next(f for f in full["files"] if f["preset"] == "mobile")
    assert re.search(r'<video id="player" controls preload="metadata"[^>]* poster="/media/', html)
    assert f'<source src="{mobile["url"]}" type="video/mp4" media="(max-width: 640px)">' in html
    assert f'<source src="{web["url"]}" type="video/mp4">' in html
    assert html.count('class="seek"') >= len(data["shots"])
    assert 'data-seek="32.0"' in html
    # The soundbite, spoken in English, in the page's language: as spoken, or translated with
    # the words as spoken one click away.
    speaker = {"en": "Mark Rutte, NATO Secretary General", "fr": "Mark Rutte, secrétaire général"}
    assert speaker[lang] in html
    if lang == "en":
        assert '<blockquote lang="en"><p>NATO is a defensive alliance' in html
        assert "(in English)" in html and "Original words" not in html
    else:
        assert '<blockquote lang="fr"><p>L’OTAN est une alliance défensive' in html
        assert "(en anglais\u202f; traduction)" in html
        assert '<blockquote lang="en"><p>NATO is a defensive alliance' in html
    assert data["rights"][lang].split(" ")[0] in html
    for cut in data["cuts"]:
        for entry in cut["files"]:
            assert entry["sha256"] in html
            if entry["access"] == "public":
                assert f'href="{entry["url"]}" download="{entry["filename"]}"' in html
            else:  # handed out by the function: the link asks to log in, then points there
                back = f"/{lang}/news/{MEETING}/%23dl-{cut['id']}-{entry['preset']}"
                assert f'?return_to={back}" data-download="{entry["url"]}"' in html
    account = "Sign in to download" if lang == "en" else "Connectez-vous pour télécharger"
    assert account in html
    size = "MB" if lang == "en" else "Mo"
    assert re.search(rf"\d[\d.,]*\u00a0{size}", html)
    assert "20251015-defence-ministers-press-conference-rutte-soundbite-720p.mp4" in html
    kit = data["press_kit"]
    assert f'href="{kit["url"]}" download="{kit["filename"]}"' in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_videos_index_lists_every_video(demo_site: Project, lang: str):
    html = (demo_site.output / lang / "videos" / "index.html").read_text("utf-8")
    assert html.count('class="video-card"') == 2
    assert f'href="/{lang}/news/{MEETING}/"' in html
    assert "1\u00a0min" in html and ("15 October 2025" in html or "15 octobre 2025" in html)
    assert html.count('<img src="/media/') == 2


def test_video_pages_are_valid_html(demo_site: Project):
    pages = [demo_site.output / lang / "news" / MEETING / "index.html" for lang in ("en", "fr")]
    pages += [demo_site.output / lang / "videos" / "index.html" for lang in ("en", "fr")]
    assert vnu_errors(pages) == ""


def test_private_renditions_are_not_served(demo_site: Project, demo_server: str):
    data = manifest(demo_site)
    private = next(f for f in data["cuts"][0]["files"] if f["access"] == "account")
    assert (demo_site.output / private["private_path"]).exists()
    response = httpx.get(f"{demo_server}/{private['private_path']}")
    assert response.status_code == 404


def test_player_plays_and_time_codes_seek(browser, demo_server: str, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{demo_server}/en/news/{MEETING}/")
    page.evaluate("document.getElementById('player').muted = true")
    page.get_by_role("button", name="Play from 00:00:32").click()
    page.wait_for_function(
        "() => { const v = document.getElementById('player');"
        " return v.videoWidth > 0 && v.currentTime > 32.2 && !v.paused; }",
        timeout=20000,
    )
    current = page.evaluate("document.getElementById('player').currentTime")
    assert 32 <= current < 40
    page.screenshot(path=str(artifacts / "video-article-en-1280.png"))
    context.close()
