"""How long work tells what it is doing, without printing: a small reporter interface.

Library code (the build, the media pipeline, publishing) reports tasks and their progress to a
`Reporter`; only the command line draws them (with rich, see `newsreel.cli.console`). Tests and
benchmarks pass nothing and get `SILENT`. Reporters are called from worker threads too, so an
implementation must be thread-safe (rich's Progress is).
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def start(self, task: str, description: str, total: float | None = None) -> None:
        """A task begins; `total` is in the task's own units (None: no bar, a spinner)."""

    def update(self, task: str, completed: float) -> None:
        """How much of `total` is done."""

    def finish(self, task: str) -> None:
        """The task ended (done or abandoned)."""

    def note(self, message: str) -> None:
        """A line of news: a language built, a file written."""

    def warn(self, message: str) -> None:
        """Something a person should look at, though the work went on."""


class Silent:
    """A reporter that reports nothing."""

    def start(self, task: str, description: str, total: float | None = None) -> None:
        pass

    def update(self, task: str, completed: float) -> None:
        pass

    def finish(self, task: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass


SILENT: Reporter = Silent()
