"""The `newsreel` command's entry point, kept free of imports.

Importing the command (Typer, Pelican's settings, Rich...) takes about half a second, and a
Ctrl+C in that time came out as a Python traceback ending in `KeyboardInterrupt`. Here it ends
the command quietly, with the status a shell expects of an interrupted command (130), as it
does once the command runs (`newsreel.cli.console.command` says what was left as it was).

SIGTERM (`docker stop`, systemd, a CI runner's timeout, `kill`) stops the command as Ctrl+C
does, with status 143: Python's default for it ends the process on the spot, without its
`finally` blocks, so a build left its staging folder and the Pelican workers' semaphores (their
resource tracker then printed a warning about them), `serve` dropped the e-mails still queued,
and no line said what was left. Once the command has stopped, a further SIGINT or SIGTERM (a
second Ctrl+C, `timeout`'s signal to the group) is ignored while the interpreter ends: one
landing there, as it joined the kept Pelican workers, printed a traceback.

A stop's KeyboardInterrupt can be lost: raised inside a weakref callback or a `__del__` (the
import system's module locks have one), Python only prints "Exception ignored … KeyboardInterrupt"
and goes on, and a `newsreel serve` told to stop while it started served on. Every stop is
therefore remembered (`stop_asked`), for the commands that run until stopped to look at where
they wait, and such a lost one is not printed.

SIGUSR1 (`kill -USR1 <pid>`) prints where every thread of a running command is, to stderr,
and the command goes on: what an operator sends a command that seems stuck, before stopping
it (the standard library's `faulthandler`; costs nothing until the signal comes).
"""

from __future__ import annotations

import faulthandler
import signal
import sys

#: 128 + SIGINT: what a shell reports for a command stopped by Ctrl+C.
INTERRUPTED = 130
#: 128 + SIGTERM: what a shell reports for a command stopped by SIGTERM.
TERMINATED = 143


_terminated = False
_stop_asked = False


def stop_asked() -> bool:
    """Whether Ctrl+C or SIGTERM has reached the command (its KeyboardInterrupt may have been
    lost on the way: see above)."""
    return _stop_asked


class StopAsked:
    """`stop_asked` as the event that `watchfiles` and threads wait on."""

    def is_set(self) -> bool:
        return _stop_asked


def _interrupt(_signal: int, _frame: object) -> None:
    """Ctrl+C, as Python's own handler takes it, remembered."""
    global _stop_asked
    _stop_asked = True
    raise KeyboardInterrupt


def _terminate(signal_number: int, frame: object) -> None:
    """SIGTERM, raised where Ctrl+C would be: every path that stops on Ctrl+C stops on it."""
    global _terminated
    _terminated = True
    _interrupt(signal_number, frame)


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """Python's report of an exception it could not raise, but for a stop's (remembered)."""
    if not (_stop_asked and isinstance(unraisable.exc_value, KeyboardInterrupt)):
        sys.__unraisablehook__(unraisable)


def main() -> None:
    code: int | str | None = 0
    try:  # a Ctrl+C from here on ends in the `except` below, quietly
        sys.unraisablehook = _unraisable
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _terminate)
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        from newsreel.cli import app

        app()
    except KeyboardInterrupt:
        code = INTERRUPTED
    except SystemExit as ended:
        code = ended.code
    finally:
        for ending in (signal.SIGINT, signal.SIGTERM):
            signal.signal(ending, signal.SIG_IGN)
    sys.exit(TERMINATED if _terminated and code == INTERRUPTED else code)
