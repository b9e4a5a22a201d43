"""`/` (the language chooser) and `/404.html`: pages of no language, rendered once per build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from newsreel.site.assets import asset_url


def render_root_pages(settings: dict[str, Any], output: Path) -> None:
    """Render the theme's `root.html` and `404.html` into `output`."""
    env = Environment(
        loader=FileSystemLoader(Path(settings["THEME"]) / "templates"),
        autoescape=select_autoescape(),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    theme_prefix = settings.get("THEME_STATIC_DIR", "theme")
    env.globals["asset"] = lambda relative: asset_url(
        Path(settings["THEME"]) / "static", theme_prefix, relative
    )
    context = {
        "SITEURL": settings.get("SITEURL", ""),
        "LANGUAGES": settings.get("NEWSREEL_LANGUAGES", {}),
        "TAGLINE": settings.get("NEWSREEL_TAGLINE", {}),
        "THEME_STATIC_DIR": theme_prefix,
    }
    for template, target in (("root.html", "index.html"), ("404.html", "404.html")):
        (output / target).write_text(env.get_template(template).render(**context), "utf-8")
