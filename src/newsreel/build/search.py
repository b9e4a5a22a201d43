"""Search: a Pagefind index per language, made once the pages are live.

Each language's index lives in `pagefind/<lang>/`, outside `<lang>/`, so a rebuild of a
language swaps its pages at once and its index a moment later (`refresh`), without copying the
old index around: the old one serves until the new one is renamed in. Pagefind is driven
through its Python API (`pagefind.index`), one backing service for all the languages.

Pagefind splits a word at a plain apostrophe but not at the typographic one the site prints
(U+2019), so "l’OTAN" would be one word and a reader typing "OTAN" would miss every page that
only says "l’OTAN". The index is therefore made from copies of the pages whose text has plain
apostrophes (attributes, which hold the filters, stay as they are); the search page's script
typesets what it shows again with the site's own rules (`newsreel.typography`).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from newsreel.build.staging import replace_folder
from newsreel.progress import SILENT, Reporter
from newsreel.typography import map_text

#: What each language's index holds: its news items and pages, not the listings.
PAGES = "{lang}/{{news/*,*}}/index.html"
logger = logging.getLogger(__name__)


def index_folder(site: Path, lang: str) -> Path:
    return site / "pagefind" / lang


def pages_for_index(site: Path, lang: str, into: Path) -> None:
    """Copy `lang`'s indexed pages from `site` into `into` (same paths), apostrophes plain."""
    for page in [*(site / lang).glob("news/*/index.html"), *(site / lang).glob("*/index.html")]:
        target = into / page.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        html = page.read_text(encoding="utf-8")
        target.write_text(map_text(html, lambda text: text.replace("’", "'")), encoding="utf-8")


async def _write_indexes(site: Path, targets: dict[str, Path]) -> None:
    from pagefind.service import PagefindService

    service = await PagefindService().launch()
    try:
        for lang, target in targets.items():
            with tempfile.TemporaryDirectory() as scratch:  # the pages as the index reads them
                pages_for_index(site, lang, Path(scratch))
                index = await service.create_index({"output_path": str(target.resolve())})
                await index.add_directory(scratch, glob=PAGES.format(lang=lang))
                await index.write_files(output_path=str(target.resolve()))
                await index.delete_index()
    finally:
        await service.close()


def write_indexes(site: Path, targets: dict[str, Path]) -> None:
    """Index each language's pages of `site` into its target folder."""
    asyncio.run(_write_indexes(site, targets))


def refresh(site: Path, languages: Sequence[str], reporter: Reporter = SILENT) -> None:
    """Re-index `languages` beside the live ones, then rename each new index in."""
    fresh = {lang: site / "pagefind" / f".{lang}.new" for lang in languages}
    for folder in fresh.values():
        shutil.rmtree(folder, ignore_errors=True)
    reporter.start("search", "Indexing for search")
    try:
        write_indexes(site, fresh)
    except Exception as error:  # noqa: BLE001 - the pages are live; say so, keep the old index
        reporter.warn(f"search index: Pagefind failed ({error}); the previous index stays")
        for folder in fresh.values():
            shutil.rmtree(folder, ignore_errors=True)
        return
    finally:
        reporter.finish("search")
    for lang, folder in fresh.items():
        replace_folder(folder, index_folder(site, lang))
    logger.debug("search indexes of %s are in", ", ".join(languages))
