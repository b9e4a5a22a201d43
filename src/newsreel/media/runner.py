"""Running ffmpeg: the binary, its version, one process with progress, and its errors.

Kept apart from `encode` (which only builds commands) so that the pipeline's one way of
starting a process is small enough to read at a glance; `encode` re-exports these names.

An ffmpeg process dies with the build that started it: on Linux it is started through
util-linux's `setpriv --pdeathsig KILL`, which asks the kernel for SIGKILL when its parent goes
(`prctl(PR_SET_PDEATHSIG)`, kept across the exec of ffmpeg), so a build killed outright (SIGKILL,
the out-of-memory killer, a CI timeout) leaves no encode running on, filling the cache's scratch
folder. A wrapper rather than a `preexec_fn`: that would run Python between fork and exec while
the pipeline's other threads run (unsafe), and make every start a full fork of the process.
The kernel's "parent" is the thread that started the child; the pipeline's threads each wait
for their ffmpeg. The request only holds from the moment `setpriv` makes it: a build killed
between the fork and that moment would leave an orphan that the kernel never signals, so
`setpriv` runs a `sh` that checks its parent is still the build (`$PPID`, read after the request)
before it becomes ffmpeg. Without `setpriv` (other systems) nothing is asked.

A build that stops (Ctrl+C, SIGTERM) ends its encodes itself (`stop_running`): the terminal's
Ctrl+C reaches ffmpeg with the rest of its process group, but a SIGTERM sent to the build alone
(`docker stop`, systemd, a CI runner) does not, and the build waited for every encode under way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import cache

from newsreel.processes import Children


class EncodeError(Exception):
    """ffmpeg failed; the message carries the end of its error output."""


#: The ffmpeg processes under way in this process (`run`), for `stop_running`.
_RUNNING = Children()


def stop_running() -> None:
    """Kill every ffmpeg process `run` has under way (their scratch files are removed by the
    jobs that started them, which fail)."""
    _RUNNING.end(kill=True)


def ffmpeg_exe(override: str | None = None) -> str:
    """The ffmpeg binary: an explicit one, else `NEWSREEL_FFMPEG`, else imageio-ffmpeg's."""
    if override:
        return override
    if os.environ.get("NEWSREEL_FFMPEG"):
        return os.environ["NEWSREEL_FFMPEG"]
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffmpeg_version(exe: str) -> str:
    """The first line of `ffmpeg -version`: part of every cache key."""
    result = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True)
    if result.returncode != 0:
        raise EncodeError(f"{exe} -version failed: {result.stderr.strip()[-300:]}")
    return result.stdout.splitlines()[0].strip()


Progress = Callable[[float], None]
#: Runs one ffmpeg command (reporting progress 0..1) and returns its stderr; injectable so
#: tests can count, or refuse, every process the pipeline starts.
Runner = Callable[[list[str], int | None, Progress | None], str]


def parse_loudness(stderr: str) -> dict[str, str]:
    """loudnorm's measurement: the JSON object it prints last on stderr."""
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S)
    if not match:
        raise EncodeError("loudnorm printed no measurement")
    return json.loads(match.group(0))


def measure_loudness(
    args: list[str],
    runner: Runner | None = None,
    duration_ms: int | None = None,
    on_progress: Progress | None = None,
) -> dict[str, str]:
    """Run the first loudnorm pass (through `runner`) and return its measurements."""
    return parse_loudness((runner or run)(args, duration_ms, on_progress))


@cache
def _death_wrapper() -> tuple[str, ...]:
    """`setpriv` and `sh` on Linux, else nothing: see `_die_with_parent`."""
    setpriv, shell = shutil.which("setpriv"), shutil.which("sh")
    if not sys.platform.startswith("linux") or not setpriv or not shell:
        return ()
    # $0 is the build's pid: a parent already gone means the kernel will never send the signal
    check = 'test "$PPID" = "$0" || exit 137; exec "$@"'
    return (setpriv, "--pdeathsig", "KILL", "--", shell, "-c", check)


def _die_with_parent() -> tuple[str, ...]:
    """What to start a child through so that it gets SIGKILL when this process dies (Linux)."""
    wrapper = _death_wrapper()
    return (*wrapper, str(os.getpid())) if wrapper else ()


def run(
    args: list[str],
    duration_ms: int | None = None,
    on_progress: Progress | None = None,
) -> str:
    """Run ffmpeg, reporting progress (0..1) from `-progress pipe:1`; returns its stderr."""
    process = subprocess.Popen(
        [*_die_with_parent(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    _RUNNING.add(process)
    try:
        return _finish(process, duration_ms, on_progress)
    finally:
        _RUNNING.discard(process)


def _finish(
    process: subprocess.Popen, duration_ms: int | None, on_progress: Progress | None
) -> str:
    """Read `process`'s progress and errors until it ends; its stderr, or EncodeError."""
    stderr_lines: list[str] = []

    def drain_stderr() -> None:  # a full pipe would block ffmpeg: read it as it comes
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)
            del stderr_lines[:-200]

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    assert process.stdout is not None
    for line in process.stdout:
        if on_progress and duration_ms and line.startswith("out_time_us="):
            value = line.split("=", 1)[1].strip()
            if value.isdigit():
                on_progress(min(1.0, int(value) / 1000 / duration_ms))
    code = process.wait()
    reader.join(timeout=5)
    stderr = "".join(stderr_lines)
    if code != 0:
        raise EncodeError(_tail(stderr))
    if on_progress:
        on_progress(1.0)
    return stderr


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return " | ".join(lines[-3:])[-500:] or "ffmpeg failed"
