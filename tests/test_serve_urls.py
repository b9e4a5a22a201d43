"""`newsreel serve` builds the pages for the address it serves: on another port than 8000 (or
on the LAN, or behind --site-url) the language alternates, og:url, feeds and sitemaps point
there, while `newsreel build` keeps the settings' own; the Pelican cache is the same for both."""

from __future__ import annotations

import re
import signal
import time
import urllib.request
from pathlib import Path

from conftest import SMALL_SITE, free_port, start_serve, stop_process, write_site
from newsreel.build import build_site
from newsreel.build.settings import served_overrides
from newsreel.project import Project


def fetch(url: str) -> str:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def absolute_urls(html: str) -> dict[str, list[str]]:
    return {
        "hreflang": re.findall(r'<link rel="alternate" hreflang="[a-z-]+" href="([^"]+)"', html),
        "og:url": re.findall(r'<meta property="og:url" content="([^"]+)"', html),
        "canonical": re.findall(r'<link rel="canonical" href="([^"]+)"', html),
    }


def test_serve_on_another_port_builds_pages_whose_urls_point_at_it(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    port = free_port()
    while port == 8000:
        port = free_port()
    here = f"http://127.0.0.1:{port}"
    server, _ = start_serve(project.root, "--port", str(port))
    try:
        html = fetch(f"{here}/fr/news/meeting/")
        urls = absolute_urls(html)
        # en, fr, and x-default: the site's first language
        english, french = f"{here}/en/news/meeting/", f"{here}/fr/news/meeting/"
        assert urls["hreflang"] == [english, french, english]
        assert urls["og:url"] == urls["canonical"] == [french]
        home = absolute_urls(fetch(f"{here}/en/"))
        assert home["hreflang"] == [f"{here}/en/", f"{here}/fr/", f"{here}/en/"]
        assert home["canonical"] == [f"{here}/en/"]
        assert f"<link>{here}/fr/</link>" in fetch(f"{here}/fr/feeds/videos.rss")
        atom = fetch(f"{here}/fr/feeds/atom.xml")
        assert f'href="{here}/fr/news/meeting/"' in atom and ":8000" not in atom
        assert f"<loc>{here}/fr/news/meeting/</loc>" in fetch(f"{here}/sitemap.xml")
        assert f"Sitemap: {here}/sitemap.xml" in fetch(f"{here}/robots.txt")
    finally:
        stop_process(server)
    caches = list((project.cache / "pelican").iterdir())

    # `newsreel build` keeps the settings' address, with the same Pelican cache (reading the
    # content does not depend on the address: serving on another port re-reads nothing)
    build_site(project)
    html = (project.output / "fr/news/meeting/index.html").read_text("utf-8")
    assert absolute_urls(html)["og:url"] == ["http://127.0.0.1:8000/fr/news/meeting/"]
    assert list((project.cache / "pelican").iterdir()) == caches

    # serving those pages elsewhere without building them says so
    server, lines = start_serve(project.root, "--no-build", "--port", str(free_port()))
    stop_process(server)
    assert any("were built for http://127.0.0.1:8000/" in line for line in lines), lines


def test_settings_with_a_site_url_are_served_from_the_server_they_are_previewed_on():
    assert served_overrides({"SITEURL": ""}, "http://10.0.0.5:8790") == {
        "FEED_DOMAIN": "http://10.0.0.5:8790"
    }
    assert served_overrides({"SITEURL": "https://multimedia.example.org"}, "http://x:1") == {
        "FEED_DOMAIN": "http://x:1",
        "SITEURL": "http://x:1",
    }
    assert Project.at(Path(__file__).parents[1]).public_base == "http://127.0.0.1:8000"


def test_sigusr1_shows_where_every_thread_is_and_serve_goes_on(tmp_path: Path):
    """What an operator sends a command that seems stuck: every thread's stack, on stderr,
    and the command runs on."""
    project = write_site(tmp_path / "site", SMALL_SITE)
    port = free_port()
    server, _ = start_serve(project.root, "--port", str(port))
    try:
        server.send_signal(signal.SIGUSR1)
        time.sleep(1)
        assert fetch(f"http://127.0.0.1:{port}/en/").startswith("<!DOCTYPE html>")
    finally:
        stop_process(server)
    said = server.stdout.read().decode()
    assert "Thread 0x" in said and "(most recent call first)" in said, said
    assert "newsreel/cli/site.py" in said, said
    assert server.returncode == 130, said
