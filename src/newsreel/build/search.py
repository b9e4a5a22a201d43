"""Search: a Pagefind index per language, made once the pages are live.

Each language's index lives in `pagefind/<lang>/`, outside `<lang>/`, so a rebuild of a
language swaps its pages at once and its index a moment later (`refresh`), without copying the
old index around: the old one serves until the new one is renamed in. Pagefind is driven
through its Python API (`pagefind.index`), one backing service for all the languages.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from newsreel.build.staging import replace_folder
from newsreel.progress import SILENT, Reporter

#: What each language's index holds: its news items and pages, not the listings.
PAGES = "{lang}/{{news/*,*}}/index.html"
logger = logging.getLogger(__name__)


def index_folder(site: Path, lang: str) -> Path:
    return site / "pagefind" / lang


async def _write_indexes(site: Path, targets: dict[str, Path]) -> None:
    from pagefind.service import PagefindService

    service = await PagefindService().launch()
    try:
        for lang, target in targets.items():
            index = await service.create_index({"output_path": str(target)})
            await index.add_directory(str(site), glob=PAGES.format(lang=lang))
            await index.write_files(output_path=str(target))
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
