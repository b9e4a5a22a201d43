"""What the command line shows: one error path, `--verbose`, and progress drawn with rich.

Every command is registered through `command()`, which gives it a `--verbose` option and runs
it inside the one error path: a `NewsreelError` (anything a person caused and can fix: an
editor's mistake, a missing bucket, a full disk, missing credentials) is printed as one red
line per problem and the command exits with status 2; `--verbose` adds the traceback and the
debug log (every ffmpeg command). Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from newsreel.errors import NewsreelError, from_os_error

console = Console(stderr=True)
#: What commands print for people to read on standard output (tables, plans).
out = Console()
EXIT_PROBLEM = 2

VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Show the debug log (every ffmpeg command) and tracebacks."
    ),
]


def setup_logging(verbose: bool) -> None:
    """Our log on standard error: INFO lines as they are (the local server's mail codes), and
    with --verbose every DEBUG line too (each ffmpeg command), one per line, never wrapped."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s")
    )
    root = logging.getLogger("newsreel")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def report(error: NewsreelError, verbose: bool) -> None:
    if verbose:
        console.print("".join(traceback.format_exception(error)), markup=False, highlight=False)
    for line in error.lines():
        console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)


def _translated(error: BaseException) -> NewsreelError | None:
    """Operators' failures that arrive as other exceptions, in our one family."""
    if isinstance(error, NewsreelError):
        return error
    if isinstance(error, OSError):
        return from_os_error(error)
    if "botocore" in sys.modules:
        from newsreel.cloud import explain

        return explain(error)
    return None


def command(app: typer.Typer, name: str | None = None, **options: Any) -> Callable:
    """Register `function` on `app` with `--verbose` and the one error path."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
            setup_logging(verbose)
            try:
                return function(*args, **kwargs)
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except Exception as error:
                translated = _translated(error)
                if translated is None:
                    raise
                report(translated, verbose)
                raise typer.Exit(EXIT_PROBLEM) from None

        signature = inspect.signature(function, eval_str=True)
        verbose = inspect.Parameter(
            "verbose", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=VerboseOption
        )
        run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), verbose])
        run.__annotations__ = {**function.__annotations__, "verbose": VerboseOption}
        return app.command(name, **options)(run)

    return decorate


class RichReporter:
    """A `progress.Reporter` drawn with rich: a bar per task, notes and warnings above them."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, task: str, description: str, total: float | None = None) -> None:
        with self.lock:
            self.tasks[task] = self.progress.add_task(description, total=total)

    def update(self, task: str, completed: float) -> None:
        with self.lock:
            if task in self.tasks:
                self.progress.update(self.tasks[task], completed=completed)

    def finish(self, task: str) -> None:
        with self.lock:
            found = self.tasks.pop(task, None)
            if found is not None:
                self.progress.remove_task(found)

    def note(self, message: str) -> None:
        self.progress.console.print(f"  {message}", highlight=False)

    def warn(self, message: str) -> None:
        self.progress.console.print(message, style="yellow", markup=False, highlight=False)
