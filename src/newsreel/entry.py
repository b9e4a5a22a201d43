"""The `newsreel` command's entry point, kept free of imports.

Importing the command (Typer, Pelican's settings, Rich...) takes about half a second, and a
Ctrl+C in that time came out as a Python traceback ending in `KeyboardInterrupt`. Here it ends
the command quietly, with the status a shell expects of an interrupted command (130), as it
does once the command runs (`newsreel.cli.console.command` says what was left as it was).
"""

from __future__ import annotations

import sys

#: 128 + SIGINT: what a shell reports for a command stopped by Ctrl+C.
INTERRUPTED = 130


def main() -> None:
    try:
        from newsreel.cli import app

        app()
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
