"""What the search index reads: each language's pages, as Pagefind should see them.

Pagefind splits a word at a plain apostrophe but not at the typographic one the site prints
(U+2019), so "l’OTAN" or "d’Eastern" would each be one word, and a reader typing "OTAN" would
miss every page that only says "l’OTAN". The index is therefore made from copies of the pages
whose text has plain apostrophes (attributes, which hold the filters, stay as they are); the
search page's script typesets what it shows again with the site's own rules
(`newsreel.typography`), so readers see typographic apostrophes in the results.
"""

from __future__ import annotations

from pathlib import Path

from newsreel.typography import map_text

#: The pages of a language that the index holds: news items and pages, not listings.
GLOB = "{lang}/{{news/*,*}}/index.html"


def pages_for_index(site: Path, lang: str, into: Path) -> None:
    """Copy `lang`'s indexed pages from `site` into `into` (same paths), apostrophes plain."""
    for page in [*(site / lang).glob("news/*/index.html"), *(site / lang).glob("*/index.html")]:
        target = into / page.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        html = page.read_text(encoding="utf-8")
        target.write_text(map_text(html, lambda text: text.replace("’", "'")), encoding="utf-8")
