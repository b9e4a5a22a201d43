"""Build the whole site: check the content, run Pelican once per language, swap the result in.

The runs write into a fresh folder beside `output/`; only when every run has succeeded does
that folder replace `output/` (or, for a rebuild of some languages, their `output/<lang>/`),
so a failed build never leaves visitors, or `newsreel serve`, with a half-written site.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from newsreel.site import settings as site_settings
from newsreel.site import validate
from newsreel.site.assets import asset_url, write_fingerprinted_copies
from newsreel.site.syndication import write_sitemaps


class BuildError(Exception):
    """The build stopped; `problems` holds one line per problem, for the editor."""

    def __init__(self, problems: Iterable[str]):
        self.problems = [str(problem) for problem in problems]
        super().__init__("\n".join(self.problems))


@dataclass
class BuildResult:
    """What a build made."""

    output: Path
    languages: list[str]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)
    #: The pages are live as soon as the build returns; each language's search index follows
    #: a moment later, from this thread (join it to wait: `newsreel build` and publish do).
    search_thread: threading.Thread | None = None


@dataclass(frozen=True)
class Project:
    """Where a site's settings, content and output live."""

    root: Path
    settings_file: Path
    output: Path
    cache: Path
    clips: Path

    @classmethod
    def at(
        cls,
        root: Path | str = ".",
        settings_file: str | Path = "pelicanconf.py",
        output: Path | str | None = None,
        cache: Path | str | None = None,
    ) -> Project:
        root = Path(root).resolve()
        return cls(
            root=root,
            settings_file=(root / settings_file).resolve(),
            output=(root / (output or "output")).resolve(),
            cache=(root / (cache or ".cache")).resolve(),
            clips=(root / "clips").resolve(),
        )


def base_settings(project: Project) -> dict[str, Any]:
    """The editor's settings as Pelican reads them, before any language is laid over them."""
    from pelican.settings import read_settings

    return read_settings(str(project.settings_file))


def check_content(project: Project, settings: dict[str, Any] | None = None) -> list[str]:
    """Every editor's mistake in the content, one line each (empty when all is well)."""
    settings = settings or base_settings(project)
    content = Path(settings["PATH"])
    items = validate.collect(content, settings["ARTICLE_PATHS"], settings["PAGE_PATHS"])
    videos = {path.stem for path in project.clips.glob("*.toml") if path.name != "presets.toml"}
    problems = validate.check(
        items, site_settings.languages_of(settings), site_settings.RESERVED_SLUGS, videos
    )
    return [_relative(str(problem), project.root) for problem in problems]


def _relative(line: str, root: Path) -> str:
    return line.replace(str(root) + os.sep, "")


def _cache_key(project: Project) -> str:
    """Pelican's content cache ignores settings and plugin changes; key its folder by them."""
    digest = hashlib.sha256(project.settings_file.read_bytes())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def _run_language(
    settings_file: str, lang: str, output: str, cache: str, first: bool, extra: dict[str, Any]
) -> tuple[list[str], list[str], int]:
    """One Pelican run (in a worker process): returns its errors, warnings and item count."""
    from pelican import Pelican
    from pelican.log import console as pelican_console

    pelican_console.quiet = True  # the parent process reports progress and problems
    collected = _Collector()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(collected)
    pelican_logger.propagate = False
    pelican_logger.setLevel(logging.WARNING)
    settings = site_settings.load_language_settings(
        Path(settings_file),
        lang,
        output_dir=Path(output),
        cache_dir=Path(cache),
        first=first,
        extra=extra,
    )
    from newsreel.site import i18n, video

    i18n.load_translations.cache_clear()  # the worker may have served an earlier build
    video.load_manifest.cache_clear()
    try:
        Pelican(settings).run()
    except Exception as error:  # Pelican raised: report it as the editor's problem, not a trace
        collected.errors.append(f"{lang}: {type(error).__name__}: {error}")
    finally:
        pelican_logger.removeHandler(collected)
    count = len(list(Path(output, lang, "news").glob("*/index.html")))
    return collected.errors, collected.warnings, count


_POOL: ProcessPoolExecutor | None = None
#: How worker processes start (fork measured no faster here, and is unsafe with threads).
START_METHOD = "spawn"  # a fresh interpreter: safe whatever threads this process runs


def _workers(count: int) -> ProcessPoolExecutor:
    """Worker processes, started once and kept: `newsreel watch` rebuilds without paying for
    a new Python and a fresh import of Pelican each time."""
    global _POOL
    if _POOL is None or getattr(_POOL, "_broken", False):
        context = multiprocessing.get_context(START_METHOD)
        _POOL = ProcessPoolExecutor(max_workers=count, mp_context=context)
    return _POOL


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {record.exc_info[1]}"
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(message)


def build_site(
    project: Project,
    *,
    languages: list[str] | None = None,
    parallel: bool = True,
    extra_settings: dict[str, Any] | None = None,
    on_language_done: Callable[[str], None] | None = None,
    before_swap: Callable[[Path], None] | None = None,
    media: bool = True,
    media_jobs: int | None = None,
    media_progress: bool = False,
    search: str = "wait",
    only: list[str] | None = None,
) -> BuildResult:
    """Build `languages` (default: all) and swap them into `project.output`.

    `before_swap` may add more to the new folder (the media pipeline does) before it goes live.
    The search index is made once the pages are live: `search="wait"` returns when it is in,
    `"background"` at once (with `BuildResult.search_thread` to join; `newsreel watch` and
    `serve` use it), `"off"` never makes it. `only` (for a rebuild of some languages) names the
    output files to render again (see `watch.ChangeClassifier.body_only_outputs`); the rest of
    those languages is carried over from the live site as hard links.
    Raises `BuildError` with one line per problem, leaving the previous output untouched.
    """
    started = time.perf_counter()
    search_thread: threading.Thread | None = None
    settings = base_settings(project)
    problems = check_content(project, settings)
    if problems:
        raise BuildError(problems)
    all_languages = site_settings.languages_of(settings)
    wanted = [lang for lang in all_languages if lang in (languages or all_languages)]
    partial = set(wanted) != set(all_languages) and project.output.is_dir()
    if not partial:
        wanted = all_languages

    staging = project.output.with_name(f".{project.output.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    cache = project.cache / "pelican" / _cache_key(project)
    extra = dict(extra_settings or {})
    if partial and only:
        extra["NEWSREEL_ONLY"] = list(only)
    has_media = media and (project.clips / "presets.toml").is_file()
    extra["NEWSREEL_MEDIA_DIR"] = str((project.output if partial else staging) / "media")
    jobs = [
        (str(project.settings_file), lang, str(staging), str(cache), index == 0 and not partial)
        for index, lang in enumerate(wanted)
    ]
    errors: list[str] = []
    warnings: list[str] = []
    counts: dict[str, int] = {}
    try:
        if partial and only:
            _link_live_languages(project.output, staging, wanted, only)
        if has_media and not partial:
            shared = settings.get("NEWSREEL_MEDIA_CACHE") or None
            _build_media(project, staging, media_jobs, media_progress, shared)
        if parallel:
            pool = _workers(len(all_languages))
            futures = {pool.submit(_run_language, *job, extra): job[1] for job in jobs}
            for future, lang in futures.items():
                run_errors, run_warnings, counts[lang] = future.result()
                errors += run_errors
                warnings += run_warnings
                if on_language_done:
                    on_language_done(lang)
        else:
            for job in jobs:
                run_errors, run_warnings, counts[job[1]] = _run_language(*job, extra)
                errors += run_errors
                warnings += run_warnings
                if on_language_done:
                    on_language_done(job[1])
        if errors:
            raise BuildError(_relative(line, project.root) for line in errors)
        if not partial:
            render_root_pages(settings, staging)
            write_fingerprinted_copies(staging / settings.get("THEME_STATIC_DIR", "theme"))
            _carry_over(project.output / "pagefind", staging / "pagefind")
        if before_swap:
            before_swap(staging)
        _swap(staging, project.output, wanted if partial else None)
        if search != "off" and _search_wanted(extra_settings):
            search_thread = threading.Thread(
                target=_refresh_search, args=(project.output, wanted), daemon=False
            )
            search_thread.start()
            if search == "wait":
                search_thread.join()
                search_thread = None
        base = (settings.get("SITEURL") or settings.get("FEED_DOMAIN") or "").rstrip("/")
        write_sitemaps(project.output, all_languages, base)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(
        search_thread=search_thread,
        output=project.output,
        languages=wanted,
        seconds=time.perf_counter() - started,
        warnings=[_relative(line, project.root) for line in warnings],
        items=counts,
    )


def _build_media(
    project: Project, staging: Path, jobs: int | None, progress: bool, shared: str | None
) -> None:
    """Every clip the site shows, encoded (or taken from a cache) into the staging folder."""
    from newsreel.media.errors import MediaError
    from newsreel.media.run import build_media

    try:
        build_media(
            project.clips,
            staging,
            project.cache / "media",
            jobs=jobs,
            progress=progress,
            shared_cache=shared,
        )
    except MediaError as error:
        raise BuildError(_relative(line, project.root) for line in error.problems) from None


def index_for_search(site: Path, lang: str, into: Path | None = None) -> str | None:
    """Pagefind's index of one language's pages, in `pagefind/<lang>/`; an error or None.

    The index lives outside `<lang>/`, so a rebuild of a language swaps its pages at once and
    its index a moment later, without copying the old index around.
    """
    import subprocess
    import tempfile

    from pagefind.service import _must_get_executable  # the binary the wheel ships

    from newsreel.site import search

    with tempfile.TemporaryDirectory() as scratch:  # the pages as the index should read them
        search.pages_for_index(site, lang, Path(scratch))
        result = subprocess.run(
            [str(_must_get_executable()), "--site", scratch,
             "--glob", search.GLOB.format(lang=lang),  # items and pages, not listings
             "--output-path", str(Path(into or site / "pagefind" / lang).resolve()), "--quiet"],
            capture_output=True, text=True,
        )  # fmt: skip
    if result.returncode != 0:
        return f"{lang}: search index: pagefind failed: {result.stderr.strip()[-400:]}"
    return None


def _link_live_languages(output: Path, staging: Path, languages: list[str], only: list[str]):
    """The live pages of `languages`, hard-linked into staging, minus the files to rewrite."""
    for lang in languages:
        shutil.copytree(output / lang, staging / lang, copy_function=os.link)
    for relative in only:
        (staging / relative).unlink(missing_ok=True)


def _carry_over(source: Path, target: Path) -> None:
    """Hard-link the live search index into the new build: it serves until the new one is in."""
    if source.is_dir():
        shutil.copytree(source, target, copy_function=os.link)


def _search_wanted(extra: dict[str, Any] | None) -> bool:
    return (extra or {}).get("NEWSREEL_SEARCH", True)


def _refresh_search(output: Path, languages: list[str]) -> None:
    """Re-index the rebuilt languages, then swap each new index in with a rename."""
    for lang in languages:
        fresh = output / "pagefind" / f".{lang}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        if index_for_search(output, lang, into=fresh) is None:
            target = output / "pagefind" / lang
            old = output / "pagefind" / f".{lang}.old"
            shutil.rmtree(old, ignore_errors=True)
            if target.exists():
                target.rename(old)
            fresh.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            shutil.rmtree(fresh, ignore_errors=True)


def _swap(staging: Path, output: Path, languages: list[str] | None) -> None:
    """Put the new build live with renames only, then drop the old one."""
    if languages is None:
        old = output.with_name(f".{output.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if output.exists():
            output.rename(old)
        staging.rename(output)
        shutil.rmtree(old, ignore_errors=True)
        return
    for lang in languages:
        old = output / f".{lang}.old"
        shutil.rmtree(old, ignore_errors=True)
        if (output / lang).exists():
            (output / lang).rename(old)
        (staging / lang).rename(output / lang)
        # the old pages are no longer served: remove them without keeping the editor waiting
        threading.Thread(target=shutil.rmtree, args=(old, True), daemon=False).start()


def render_root_pages(settings: dict[str, Any], output: Path) -> None:
    """`/` (the language chooser) and `/404.html` belong to no language: render them once."""
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
        "THEME_STATIC_DIR": settings.get("THEME_STATIC_DIR", "theme"),
    }
    for template, target in (("root.html", "index.html"), ("404.html", "404.html")):
        (output / target).write_text(env.get_template(template).render(**context), "utf-8")
