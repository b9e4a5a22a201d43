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


def _terminate(_signal: int, _frame: object) -> None:
    """SIGTERM, raised where Ctrl+C would be: every path that stops on Ctrl+C stops on it."""
    global _terminated
    _terminated = True
    raise KeyboardInterrupt


def main() -> None:
    code: int | str | None = 0
    try:  # a Ctrl+C from here on ends in the `except` below, quietly
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
