"""The media cache's lock: builds hold it shared, `clips gc` holds it alone.

A build writes its encodes as scratch files under `<cache>/.work` and moves them into the cache
when they are finished; `gc` removes entries no manifest uses and every scratch file. Run at
the same time, gc would delete files ffmpeg is still writing, and the build would fail with an
error that blames the editor's source. So every build holds `<cache>/.lock` shared (builds run
side by side, each writing only its own scratch files) and gc holds it exclusively: it waits
until no build runs, and a build started meanwhile waits for gc.

The lock is `flock(2)`: the kernel drops it when its holder dies, even by SIGKILL, so a killed
build never leaves the cache locked. Where there is no `fcntl` (Windows) builds and gc do not
lock; newsreel builds on Linux and macOS.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


@contextmanager
def _locked(root: Path, mode: int, on_wait: Callable[[], None] | None) -> Iterator[None]:
    with locked_file(root / LOCK_FILE, mode, on_wait):
        yield


@contextmanager
def locked_file(path: Path, mode: int, on_wait: Callable[[], None] | None) -> Iterator[None]:
    """Hold `flock` `mode` on the file at `path` (made if missing); `on_wait` is called first
    when another process holds it. Also the build's lock on its output (`build.site`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(descriptor, mode)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def shared(root: Path, on_wait: Callable[[], None] | None = None) -> AbstractContextManager[None]:
    """Hold the cache of `root` as a build does (`on_wait` is called if gc holds it)."""
    return _locked(root, fcntl.LOCK_SH if fcntl else 0, on_wait)


def exclusive(
    root: Path, on_wait: Callable[[], None] | None = None
) -> AbstractContextManager[None]:
    """Hold the cache of `root` alone, as gc does (`on_wait` is called if a build runs)."""
    return _locked(root, fcntl.LOCK_EX if fcntl else 0, on_wait)


def exclusive_file(
    path: Path, on_wait: Callable[[], None] | None = None
) -> AbstractContextManager[None]:
    """Hold the lock file at `path` alone (`on_wait` is called if another process holds it)."""
    return locked_file(path, fcntl.LOCK_EX if fcntl else 0, on_wait)
