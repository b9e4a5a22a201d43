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

The same pages must give the same index, byte for byte, or every publish re-uploads it and
invalidates it (issue 14). Pagefind 1.5 writes its fragments and word chunks in a stable order,
but the filter chunks and the list of filters in `pagefind.<hash>.pf_meta` come out of Rust
hash maps, in a new order on every run, and their file names are hashes of those bytes. So
`stabilise` rewrites them in sorted order under names derived from the sorted bytes and points
`pagefind-entry.json` at the new meta file. The files are gzip (no timestamp) of a
`pagefind_dcd` signature and CBOR, which cbor2 reads and writes exactly as Pagefind's minicbor
does. Anything that does not look like that layout is left as Pagefind wrote it, with a
warning: the index still works, it only churns.

Pagefind's Python wrapper waits for ever on a service process that has ended (Ctrl+C reaches
it with the rest of the terminal's process group; the out-of-memory killer may pick it): its
reader stops, and every request pending on it is never answered. A `newsreel build` then hung
after its pages were live, and `newsreel watch` did not stop on Ctrl+C (the index is made in a
thread the interpreter waits for). So every request is raced against the process's exit
(`_answered`), and an ended service fails the index in one line, the previous index staying.
A build stopped while it indexes ends Pagefind itself (`stop`): a SIGTERM to the build alone
(`docker stop`, a CI runner) reaches no Pagefind, which indexed on after the build had ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from newsreel.build.staging import replace_folder
from newsreel.media.lock import exclusive_file
from newsreel.processes import Children
from newsreel.progress import SILENT, Reporter
from newsreel.typography import map_text

#: What each language's index holds: its news items and pages, not the listings.
PAGES = "{lang}/{{news/*,*}}/index.html"
logger = logging.getLogger(__name__)
_T = TypeVar("_T")
ENTRY = "pagefind-entry.json"
_SIGNATURE = b"pagefind_dcd"
# pf_meta: [version, pages, index chunks, filters [[name, hash]], sorts [[name, pages]], ...]
_META_FILTERS, _META_SORTS = 3, 4


def index_folder(site: Path, lang: str) -> Path:
    return site / "pagefind" / lang


def pages_for_index(site: Path, lang: str, into: Path) -> None:
    """Copy `lang`'s indexed pages from `site` into `into` (same paths), apostrophes plain."""
    for page in [*(site / lang).glob("news/*/index.html"), *(site / lang).glob("*/index.html")]:
        target = into / page.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        html = page.read_text(encoding="utf-8")
        target.write_text(map_text(html, lambda text: text.replace("’", "'")), encoding="utf-8")


class PagefindEnded(Exception):
    """Pagefind's service process ended while newsreel waited for an answer."""

    def __init__(self, returncode: int | None):
        stopped = returncode in (-2, -15, 130)  # Ctrl+C, or `stop`
        how = "was interrupted" if stopped else f"ended (exit code {returncode})"
        super().__init__(f"the Pagefind process {how} before the index was written")


async def _answered(service: Any, request: Awaitable[_T]) -> _T:
    """`request`'s answer, or PagefindEnded if the service process ends first (writing to
    a process that is ending breaks the pipe: that is its end too)."""
    backend = service._backend  # the wrapper's own process: nothing public tells its end
    answer, ended = asyncio.ensure_future(request), asyncio.ensure_future(backend.wait())
    await asyncio.wait({answer, ended}, return_when=asyncio.FIRST_COMPLETED)
    if answer.done() and not isinstance(answer.exception(), ConnectionError):
        ended.cancel()
        return answer.result()
    answer.cancel()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ended, timeout=5)
    raise PagefindEnded(backend.returncode)


#: The Pagefind processes under way in this process, for `stop`.
_RUNNING = Children()


def stop() -> None:
    """End every Pagefind process under way: their indexes fail in one line, the previous
    ones staying (the build is stopping)."""
    _RUNNING.end()


async def _write_indexes(site: Path, targets: dict[str, Path]) -> None:
    from pagefind.service import PagefindService

    service = await PagefindService().launch()
    _RUNNING.add(service._backend)
    try:
        for lang, target in targets.items():
            with tempfile.TemporaryDirectory() as scratch:  # the pages as the index reads them
                pages_for_index(site, lang, Path(scratch))
                output = str(target.resolve())
                index = await _answered(service, service.create_index({"output_path": output}))
                await _answered(service, index.add_directory(scratch, glob=PAGES.format(lang=lang)))
                await _answered(service, index.write_files(output_path=output))
                await _answered(service, index.delete_index())
    finally:
        # what the wrapper's close() does, without waiting 5 s for answers an ended process
        # will never give (every request above has its answer or has failed)
        service._poll_task.cancel()
        with contextlib.suppress(ProcessLookupError):
            service._backend.terminate()
        await service._backend.wait()
        _RUNNING.discard(service._backend)


def write_indexes(site: Path, targets: dict[str, Path], reporter: Reporter = SILENT) -> None:
    """Index each language's pages of `site` into its target folder, in a stable form."""
    asyncio.run(_write_indexes(site, targets))
    for lang, target in targets.items():
        try:
            stabilise(target)
        except UnknownLayout as error:
            reporter.warn(
                f"search index ({lang}): left as Pagefind wrote it ({error}), so publishes "
                "will upload it again each time; newsreel expects Pagefind 1.3 to 1.x"
            )


#: One re-index at a time: quick saves under `newsreel watch` start one per rebuild, and they
#: share each language's `.new` folder (one removed another's files mid-index, and said that
#: Pagefind had failed). Each waits its turn and indexes the pages live by then.
_REFRESHING = threading.Lock()


def refresh(
    site: Path, languages: Sequence[str], reporter: Reporter = SILENT, lock: Path | None = None
) -> None:
    """Re-index `languages` beside the live ones, then rename each new index in. With `lock`
    (a file), one re-index at a time across processes too: two builds' indexes shared the
    `.new` folders."""
    with _REFRESHING, exclusive_file(lock) if lock else contextlib.nullcontext():
        _refresh(site, languages, reporter)


def _refresh(site: Path, languages: Sequence[str], reporter: Reporter) -> None:
    fresh = {lang: site / "pagefind" / f".{lang}.new" for lang in languages}
    for folder in fresh.values():
        shutil.rmtree(folder, ignore_errors=True)
    reporter.start("search", "Indexing for search")
    try:
        write_indexes(site, fresh, reporter)
    except Exception as error:  # noqa: BLE001 - the pages are live; say so, keep the old index
        ended = isinstance(error, PagefindEnded)  # with the terminal's Ctrl+C, or killed
        said = f"not made ({error})" if ended else f"Pagefind failed ({error})"
        reporter.warn(f"search index: {said}; the previous index stays")
        for folder in fresh.values():
            shutil.rmtree(folder, ignore_errors=True)
        return
    finally:
        reporter.finish("search")
    for lang, folder in fresh.items():
        replace_folder(folder, index_folder(site, lang))
    logger.debug("search indexes of %s are in", ", ".join(languages))


# -- stable bytes --------------------------------------------------------------------------------


class UnknownLayout(Exception):
    """Pagefind's files are not laid out as this module expects (another Pagefind version)."""


def _read(path: Path) -> Any:
    import cbor2

    try:
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(_SIGNATURE):
            raise UnknownLayout(f"{path.name} has no {_SIGNATURE.decode()} signature")
        return cbor2.loads(data[len(_SIGNATURE) :])
    except (OSError, EOFError, ValueError) as error:  # gzip and cbor2 errors are among these
        raise UnknownLayout(f"{path.name}: {error}") from error


def _pairs(value: Any, what: str) -> list[list[Any]]:
    """A CBOR array of [key, value] pairs, or UnknownLayout."""
    if not isinstance(value, list) or not all(
        isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) for item in value
    ):
        raise UnknownLayout(f"{what} is not a list of [name, value] pairs")
    return value


def _named(old_name: str, data: bytes) -> str:
    """`en_5525196` -> `en_<as many hex digits of data's SHA-256>`: named from its bytes."""
    prefix, _, old_hash = old_name.rpartition("_")
    return f"{prefix}_{hashlib.sha256(data).hexdigest()[: len(old_hash)]}"


def stabilise(folder: Path) -> None:
    """Rewrite the hash-map-ordered parts of a Pagefind index in sorted order (see above).

    Everything is read and checked first; only then are files written, so an index of an
    unexpected layout (UnknownLayout) is left exactly as Pagefind wrote it.
    """
    import cbor2

    def encode(value: Any) -> bytes:
        return _SIGNATURE + cbor2.dumps(value)

    entry_path = folder / ENTRY
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    writes: dict[Path, bytes] = {}
    removals: set[Path] = set()
    for language in entry["languages"].values():
        meta_path = folder / f"pagefind.{language['hash']}.pf_meta"
        meta = _read(meta_path)
        if not isinstance(meta, list) or len(meta) <= _META_SORTS:
            raise UnknownLayout(f"{meta_path.name} is not the list Pagefind 1.x writes")
        renamed = {}
        for _, chunk in _pairs(meta[_META_FILTERS], "the filter list"):
            path = folder / "filter" / f"{chunk}.pf_filter"
            values = _read(path)
            if not isinstance(values, list) or len(values) != 2:
                raise UnknownLayout(f"{path.name} is not [filter, values]")
            values[1] = sorted(_pairs(values[1], path.name), key=lambda pair: pair[0])
            data = encode(values)
            renamed[chunk] = _named(chunk, data)
            writes[folder / "filter" / f"{renamed[chunk]}.pf_filter"] = data
            removals.add(path)
        meta[_META_FILTERS] = sorted(
            ([name, renamed[chunk]] for name, chunk in meta[_META_FILTERS]),
            key=lambda pair: pair[0],
        )
        meta[_META_SORTS] = sorted(_pairs(meta[_META_SORTS], "the sort list"), key=lambda p: p[0])
        data = encode(meta)
        language["hash"] = _named(language["hash"], data)
        writes[folder / f"pagefind.{language['hash']}.pf_meta"] = data
        removals.add(meta_path)
    for path in removals - set(writes):
        path.unlink()
    for path, data in writes.items():
        path.write_bytes(gzip.compress(data, mtime=0))
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    entry_path.write_text(text, encoding="utf-8")
