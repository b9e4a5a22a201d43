"""Processes: whether one still runs, and the children a stopping build must end itself.

Scratch files in the media cache (`<pid>-...`) and staging folders beside the output
(`.output.building-<pid>`) carry the id of the process that writes them, so the next build can
remove those of processes that are gone. One answer for both, here (`running`).

A SIGTERM sent to a build alone (`docker stop`, systemd, a CI runner) reaches none of its
children, as the terminal's Ctrl+C reaches its whole process group: the ffmpeg encodes and the
Pagefind service each keep a `Children` register, which the stopping build ends.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any


def running(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 checks, sends nothing);
    this process counts, another user's counts, and so does anything that is not a process id
    (left be)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OverflowError:  # no process has so large an id
        return False
    return True


class Children:
    """The child processes of one kind under way in this process (`subprocess.Popen` or
    asyncio's `Process`: anything with `terminate` and `kill`), from any thread."""

    def __init__(self) -> None:
        self._processes: set[Any] = set()
        self._lock = threading.Lock()

    def add(self, process: Any) -> None:
        with self._lock:
            self._processes.add(process)

    def discard(self, process: Any) -> None:
        with self._lock:
            self._processes.discard(process)

    def end(self, kill: bool = False) -> None:
        """Terminate (or `kill`) every one under way; one already gone is no error."""
        with self._lock:
            processes = list(self._processes)
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.kill() if kill else process.terminate()
