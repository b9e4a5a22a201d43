"""The build: check the content, make the media, run Pelican per language, swap it all in.

Steps, in order: the content checks (`build.content`: one line per editor's mistake, before
anything is written); the media (`newsreel.media.pipeline`, into the staging folder); one
Pelican run per language (`build.workers`, in parallel); the root pages and fingerprinted
assets; the swap (`build.staging`); then, with the pages live, the search index
(`build.search`) and the sitemaps (`build.sitemaps`). Progress goes to a `Reporter`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from newsreel.build import content, search, workers
from newsreel.build.output import built_names, is_marked, mark
from newsreel.build.root_pages import render_root_pages
from newsreel.build.sitemaps import write_sitemaps
from newsreel.build.staging import carry_over, link_live, staged
from newsreel.errors import NewsreelError, Problem, from_os_error
from newsreel.media.lock import exclusive_file
from newsreel.progress import SILENT, Reporter
from newsreel.project import Project, public_base
from newsreel.site.assets import write_fingerprinted_copies

Search = Literal["wait", "background", "off"]
logger = logging.getLogger(__name__)


class BuildError(NewsreelError):
    """The build stopped; the live site is as it was."""


@dataclass
class BuildResult:
    """What a build made."""

    output: Path
    languages: list[str]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)
    #: The pages are live as soon as the build returns; the search index follows a moment
    #: later, from this thread (`wait_for_search` waits for it: `newsreel build` and publish do).
    search_thread: threading.Thread | None = None
    search_done: threading.Event = field(default_factory=threading.Event)

    def wait_for_search(self) -> None:
        """Return once the search index is in (or failed, or was stopped: `search.stop`).

        Not `Thread.join`: Python 3.11 marks a thread as ended when a Ctrl+C interrupts a join
        of it, and then ends the interpreter under it (its temporary folder removed while it
        wrote there: a traceback)."""
        if self.search_thread is not None:
            self.search_done.wait()


def _pelican_cache(project: Project) -> Path:
    """Pelican's content cache ignores settings and plugin changes; key its folder by them."""
    import newsreel.site

    digest = hashlib.sha256(project.settings_file.read_bytes())
    plugin = Path(newsreel.site.__file__).parent
    for source in sorted([*plugin.glob("*.py"), Path(__file__).with_name("settings.py")]):
        digest.update(source.read_bytes())
    return project.cache / "pelican" / digest.hexdigest()[:12]


def build_site(
    project: Project,
    *,
    languages: Sequence[str] | None = None,
    parallel: bool = True,
    extra_settings: dict[str, Any] | None = None,
    reporter: Reporter = SILENT,
    before_swap: Callable[[Path], None] | None = None,
    media: bool = True,
    media_jobs: int | None = None,
    search_index: Search = "wait",
    only: Sequence[str] | None = None,
) -> BuildResult:
    """Build `languages` (default: all) and swap them into `project.output`.

    `before_swap` may add more to the new folder before it goes live. The search index is made
    once the pages are live: `"wait"` returns when it is in, `"background"` at once (join
    `BuildResult.search_thread`; `newsreel watch` and `serve` do not wait), `"off"` never makes
    it. `only` (a rebuild of some languages) names the output files to render again (see
    `watch.ChangeClassifier.body_only_outputs`); the rest of those languages is carried over
    from the live site as hard links. Raises a NewsreelError (one line per problem), leaving
    the previous output untouched.
    """
    try:
        return _build(
            project, languages, parallel, dict(extra_settings or {}), reporter, before_swap,
            media, media_jobs, search_index, only,
        )  # fmt: skip
    except NewsreelError as error:
        error.relative_to(project.root)
        raise
    except OSError as error:
        raise from_os_error(error, str(project.output)).relative_to(project.root) from error


def _build(
    project: Project,
    languages: Sequence[str] | None,
    parallel: bool,
    extra: dict[str, Any],
    reporter: Reporter,
    before_swap: Callable[[Path], None] | None,
    media: bool,
    media_jobs: int | None,
    search_index: Search,
    only: Sequence[str] | None,
) -> BuildResult:
    started = time.perf_counter()
    # the editor's settings as the runs see them (serve rebases the site's address: see
    # `settings.served_overrides`); NEWSREEL_* entries added below are the runs' alone
    settings = {**project.settings, **extra}
    problems = content.check_content(project) + (_manifest_problems(project) if media else [])
    if problems:  # the items' and the manifests' problems together: one round, not two
        raise BuildError(problems)
    logger.debug("content checked: no problems")
    every = list(project.languages)
    wanted = [lang for lang in every if lang in (languages or every)]
    partial = set(wanted) != set(every) and project.output.is_dir()
    if not partial:
        wanted = every
    if partial and only:
        extra["NEWSREEL_ONLY"] = list(only)
    result = BuildResult(project.output, wanted, 0.0)
    logger.debug(
        "building %s into %s (%s)", wanted, project.output, "partial" if partial else "all"
    )

    # one build of the project at a time, across processes (a `watch` and a `build`, a
    # double-click): two swapped in whichever finished last, and shared the search index's
    # scratch folders (the lock in the project's cache, not beside the output it replaces)
    def waiting() -> None:
        reporter.note("Another build of this site is under way: waiting for it to finish")

    with exclusive_file(project.cache / "build.lock", on_wait=waiting):
        names = built_names(settings, every)
        with staged(project.output, wanted if partial else None, names) as staging:
            extra["NEWSREEL_MEDIA_DIR"] = str((project.output if partial else staging) / "media")
            if partial and only:
                link_live(project.output, staging, wanted, only)
            if media and project.has_media and not partial:
                _build_media(project, staging, media_jobs, reporter)
            _run_languages(project, wanted, partial, staging, extra, parallel, reporter, result)
            if not partial:
                render_root_pages(settings, staging)
                write_fingerprinted_copies(staging / settings.get("THEME_STATIC_DIR", "theme"))
                carry_over(project.output / "pagefind", staging / "pagefind")
                # swapped in with the pages: a build stopped just after the swap left none
                write_sitemaps(staging, every, public_base(settings))
                mark(staging)  # a build's output: the next one may replace it, publish may send it
            if before_swap:
                before_swap(staging)
            logger.debug("swapping the new build in")
        try:
            if not is_marked(project.output):
                mark(project.output)  # an output built before the marker existed, adopted
            if search_index != "off" and extra.get("NEWSREEL_SEARCH", True):
                _index_in_background(project, wanted, reporter, result)
                if search_index == "wait":
                    result.wait_for_search()
                    result.search_thread = None
            if partial:  # every language's entries: the others' are in the live site
                write_sitemaps(project.output, every, public_base(settings))
        except KeyboardInterrupt as stop:
            raise StoppedWhenLive from stop
    result.seconds = time.perf_counter() - started
    return result


class StoppedWhenLive(KeyboardInterrupt):
    """The build was stopped once its pages were live: its search index (and, for some
    languages rebuilt, the sitemaps) may be behind them until the next build."""


def _index_in_background(
    project: Project, wanted: list[str], reporter: Reporter, result: BuildResult
) -> None:
    """Re-index `wanted` from a thread of its own (`BuildResult.wait_for_search`)."""

    def index() -> None:
        try:
            search.refresh(project.output, wanted, reporter, project.cache / "search.lock")
        finally:
            result.search_done.set()

    result.search_thread = threading.Thread(target=index, daemon=False)
    result.search_thread.start()


def _run_languages(
    project: Project,
    wanted: list[str],
    partial: bool,
    staging: Path,
    extra: dict[str, Any],
    parallel: bool,
    reporter: Reporter,
    result: BuildResult,
) -> None:
    """One Pelican run per language; a BuildError with everything they logged as errors."""
    cache = _pelican_cache(project)
    runs = [
        workers.LanguageRun(
            str(project.settings_file), lang, str(staging), str(cache),
            first=index == 0 and not partial, extra=extra,
        )
        for index, lang in enumerate(wanted)
    ]  # fmt: skip
    if parallel:
        futures = [workers.submit(run, len(project.languages)) for run in runs]
        try:
            outcomes = iter([future.result() for future in futures])
        except KeyboardInterrupt:  # the workers would write on into a staging being removed
            workers.abort()
            raise
    else:
        outcomes = (workers.run_language(run) for run in runs)
    errors: list[str] = []
    for outcome in outcomes:
        # every run reads every language's items, so a warning about one comes from each run:
        # each is said once
        errors += [line for line in outcome.errors if line not in errors]
        for line in outcome.warnings:
            line = content.relative(line, project.root)
            if line not in result.warnings:
                result.warnings.append(line)
        result.items[outcome.lang] = outcome.items
        reporter.note(f"✗ {outcome.lang}" if outcome.errors else f"✓ {outcome.lang}")
    if errors:
        raise BuildError(content.relative(line, project.root) for line in errors)


def _manifest_problems(project: Project) -> list[Problem]:
    """Every problem of the presets, the manifests and their sources (a cut past the end of
    its video included), found before anything is built."""
    if not project.has_media:
        return []
    from newsreel.media.plan import problems_before_encoding

    return problems_before_encoding(project.media_settings())


def _build_media(project: Project, staging: Path, jobs: int | None, reporter: Reporter) -> None:
    """Every clip the site shows, encoded (or taken from a cache) into the staging folder."""
    from newsreel.media.pipeline import build_media

    build_media(project.media_settings(), staging, jobs=jobs, reporter=reporter)
