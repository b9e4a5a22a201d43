"""The per-language Pelican runs, in worker processes kept between builds.

Each language is one Pelican run (see `build.settings`), in a process of its own so the two
run in parallel, one per core. The processes are started once and kept: `newsreel watch`
rebuilds without paying for a new interpreter and a fresh import of Pelican each time. A run
reports what Pelican logged (errors and warnings), never prints.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreel.build import settings as pelican_settings
from newsreel.build.templates import template_problem
from newsreel.errors import NewsreelError, from_os_error

#: How worker processes start (fork measured no faster here, and is unsafe with threads).
START_METHOD = "spawn"
#: How often a worker checks that the build that started it is still there.
PARENT_CHECK_S = 1.0
_POOL: ProcessPoolExecutor | None = None


@dataclass(frozen=True)
class LanguageRun:
    """One language's Pelican run: what to build, and where."""

    settings_file: str
    lang: str
    output: str
    cache: str
    first: bool  # also copies the static files, which belong to no language
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    lang: str
    errors: list[str]
    warnings: list[str]
    items: int


def run_language(run: LanguageRun) -> RunResult:
    """One Pelican run (in a worker process)."""
    from pelican import Pelican
    from pelican.log import console as pelican_console

    pelican_console.quiet = True  # the parent process reports progress and problems
    collected = _Collector()
    loggers = [logging.getLogger("pelican"), logging.getLogger("newsreel.site")]
    saved = [(logger.propagate, logger.level) for logger in loggers]
    for logger in loggers:  # Pelican's log and our plugin's, collected rather than printed
        logger.addHandler(collected)
        logger.propagate = False
        logger.setLevel(logging.WARNING)
    settings = pelican_settings.load_language_settings(
        Path(run.settings_file),
        run.lang,
        output_dir=Path(run.output),
        cache_dir=Path(run.cache),
        first=run.first,
        extra=run.extra,
    )
    from newsreel.site import i18n, video

    i18n.load_translations.cache_clear()  # the worker may have served an earlier build
    video.load_record.cache_clear()
    try:
        Pelican(settings).run()
    except NewsreelError as error:  # raised by our plugin: already one line per problem
        collected.errors += error.lines()
    except OSError as error:  # a full disk, a read-only folder: the operator's to fix
        collected.errors += from_os_error(error).lines()
    except Exception as error:  # Pelican raised: report it as the editor's problem, not a trace
        problem = template_problem(error)
        collected.errors.append(
            str(problem) if problem else f"{run.lang}: {type(error).__name__}: {error}"
        )
    finally:
        for logger, (propagate, level) in zip(loggers, saved, strict=True):
            logger.removeHandler(collected)
            logger.propagate, logger.level = propagate, level
    count = len(list(Path(run.output, run.lang, "news").glob("*/index.html")))
    return RunResult(run.lang, collected.errors, collected.warnings, count)


def _start_worker(parent: int) -> None:
    """A worker leaves Ctrl+C to its parent, which ends it (`abort`): a terminal sends SIGINT
    to the whole process group, and a worker interrupted on its own printed a traceback.

    And it ends with its parent however the parent ends: a build killed outright (kill -9, the
    out-of-memory killer) left its workers and their resource tracker running for ever, about
    180 MB each time. Not `PR_SET_PDEATHSIG`: it follows the thread that started the worker,
    and `newsreel watch` builds in a thread of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        # `parent` is the build's pid, given by the build: a worker still starting when the
        # build was killed has been reparented already, and `os.getppid()` would not tell
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)  # reparented: the build that started it is gone

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()


def submit(run: LanguageRun, workers: int) -> Future[RunResult]:
    """Start `run` in the kept pool of `workers` processes."""
    global _POOL
    if _POOL is None or getattr(_POOL, "_broken", False):
        context = multiprocessing.get_context(START_METHOD)
        _POOL = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
    return _POOL.submit(run_language, run)


def abort() -> None:
    """End the worker processes now, runs under way included (the build was interrupted: they
    must not write on into its staging folder once it is removed)."""
    global _POOL
    if _POOL is not None:
        for process in list(getattr(_POOL, "_processes", {}).values()):
            process.terminate()
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None


def stop() -> None:
    """End the kept worker processes (the benchmarks start each round from fresh ones)."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = one_line(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {record.exc_info[1]}"
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(message)


def one_line(message: str) -> str:
    """A message Pelican logged over several lines, whole, on one.

    Pelican lists the files a warning is about one per line after the text (`All items ("2")
    ... are translations: ` then the paths); the first line alone names no file.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    head = lines[0] if lines[0].endswith(":") else lines[0] + ":"
    return f"{head} {', '.join(lines[1:])}"
