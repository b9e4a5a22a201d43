"""The plugin inside a plain `Pelican(...).run()`, in this process, one language at a time."""

from __future__ import annotations

from pathlib import Path

from pelican import Pelican

from conftest import SMALL_SITE, write_site
from newsreel.build.settings import load_language_settings


def run_language(root: Path, lang: str, output: Path) -> None:
    settings = load_language_settings(
        root / "pelicanconf.py", lang, output_dir=output, cache_dir=root / ".cache", first=True
    )
    Pelican(settings).run()


def test_each_run_writes_only_its_language(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    out = tmp_path / "out"
    run_language(project.root, "fr", out)
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.html"))
    assert "fr/news/meeting/index.html" in written
    assert "fr/about/index.html" in written
    assert not [name for name in written if name.startswith("en/")]

    html = (out / "fr/news/meeting/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert (
        '<link rel="alternate" hreflang="en" href="http://127.0.0.1:8000/en/news/meeting/">' in html
    )
    assert "15 octobre 2025" in html
    assert "Actualités" in html and "Skip to" not in html

    run_language(project.root, "en", out)
    html = (out / "en/news/meeting/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "15 October 2025" in html
    assert 'href="/fr/news/meeting/" hreflang="fr"' in html


def test_every_page_names_its_one_address_and_the_version_for_other_readers(tmp_path: Path):
    """rel=canonical on every page with an address of its own (none on "page not found"), and
    hreflang="x-default" (the site's first language) wherever a page has translations."""
    import re

    project = write_site(tmp_path / "site", SMALL_SITE)
    out = tmp_path / "out"
    run_language(project.root, "fr", out)
    base = "http://127.0.0.1:8000"

    def head(name: str) -> str:
        return (out / name).read_text(encoding="utf-8").split("</head>")[0]

    def canonical(name: str) -> list[str]:
        return re.findall(r'<link rel="canonical" href="([^"]+)">', head(name))

    assert canonical("fr/news/meeting/index.html") == [f"{base}/fr/news/meeting/"]
    assert canonical("fr/index.html") == [f"{base}/fr/"]
    assert canonical("fr/search/index.html") == [f"{base}/fr/search/"]
    assert canonical("fr/404.html") == [], "a 'not found' answer has no address of its own"
    article = head("fr/news/meeting/index.html")
    assert f'<link rel="alternate" hreflang="x-default" href="{base}/en/news/meeting/">' in article
    assert "x-default" not in head("fr/404.html")


def test_a_listings_later_page_is_its_own_address_and_declares_no_translation(tmp_path: Path):
    """Page 2 of a listing is canonical to itself (not to page 1), and its hreflang links
    would have pointed at the other language's page 1, which is not its translation."""
    files = {
        **SMALL_SITE,
        "news/other.fr.md": "Title: Autre\nDate: 2025-10-14\nLang: fr\n\nTexte.\n",
    }
    project = write_site(tmp_path / "site", files, settings_extra="DEFAULT_PAGINATION = 1")
    out = tmp_path / "out"
    run_language(project.root, "fr", out)
    pages = sorted(p.relative_to(out).as_posix() for p in (out / "fr").rglob("index.html"))
    later = next(name for name in pages if "/2/" in name)
    head = (out / later).read_text(encoding="utf-8").split("</head>")[0]
    assert f'<link rel="canonical" href="http://127.0.0.1:8000/{later[:-10]}">' in head
    assert "hreflang" not in head
    first = (out / "fr/index.html").read_text(encoding="utf-8").split("</head>")[0]
    assert 'hreflang="en"' in first and 'hreflang="x-default"' in first


def test_an_article_without_a_video_is_shared_with_the_sites_card(tmp_path: Path):
    """A link to an article with no poster still shows a picture when shared (Open Graph,
    Twitter) and in structured data: the site's card, a 1200 x 630 PNG that is served."""
    import json
    import re

    from newsreel.build import build_site

    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    out = project.output
    html = (out / "en/news/meeting/index.html").read_text(encoding="utf-8")
    card = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/theme/img/share\.[0-9a-f]{10}\.png", card)
    assert f'<meta name="twitter:image" content="{card}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["image"] == card and "video" not in data
    png = (out / card.removeprefix("http://127.0.0.1:8000/")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 630)
