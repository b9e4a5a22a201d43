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
