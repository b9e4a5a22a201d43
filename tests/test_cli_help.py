"""Every command's `--help` works and reads right: flags shown as flags, not as options that take
a value (`--verbose <bool>` had a reviewer type `--verbose true`, which fails)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from newsreel.cli import app


def commands(group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):  # a group (clips)
            yield from commands(command, (*prefix, name))


def test_every_help_shows_flags_without_a_value():
    root = typer.main.get_command(app)
    names = list(commands(root))
    assert {("build",), ("serve",), ("publish",), ("clips", "plan")} <= set(names)
    runner = CliRunner()
    for name in [(), *names]:
        result = runner.invoke(app, [*name, "--help"], env={"COLUMNS": "160"})
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output
        assert "<bool>" not in result.output, (name, result.output)
        help_line = next(line for line in result.output.splitlines() if "--help" in line)
        assert re.search(r"--help\s+Show this message", help_line), (name, help_line)


@pytest.mark.parametrize("after_s", [0.05, 0.15, 0.3])
def test_ctrl_c_while_the_command_starts_is_no_traceback(tmp_path, after_s: float):
    """Importing the command takes about half a second: Ctrl+C then ends it quietly too."""
    import signal
    import subprocess
    import time

    from conftest import NEWSREEL

    started = subprocess.Popen(
        [NEWSREEL, "build", "--root", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )  # fmt: skip
    # counted from the moment the command's own code runs (`entry.main` catches SIGTERM
    # first): before it the interpreter itself is starting (tens of milliseconds, more on a
    # busy machine), where a Ctrl+C is Python's own traceback whatever a program does
    deadline = time.monotonic() + 30
    while not _catches(started.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(after_s)
    started.send_signal(signal.SIGINT)
    said = started.communicate(timeout=60)[0].decode()
    assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
    assert started.returncode == 130, (started.returncode, said)


def _catches(pid: int, signal_number: int) -> bool:
    """Whether process `pid` has a handler of its own for a signal (its status's SigCgt)."""
    status = Path(f"/proc/{pid}/status").read_text("ascii")
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal_number - 1) & 1)


def test_a_stop_whose_interrupt_is_lost_is_remembered_and_not_printed(monkeypatch, capsys):
    # a KeyboardInterrupt raised inside a __del__ or a weakref callback (the import system's
    # module locks have one) cannot propagate: Python printed "Exception ignored … Traceback …
    # KeyboardInterrupt" and went on, and `newsreel serve` served on after a SIGTERM
    import signal
    import sys

    from newsreel import entry

    monkeypatch.setattr(entry, "_stop_asked", False)
    monkeypatch.setattr(sys, "unraisablehook", entry._unraisable)

    class Dropping:
        def __del__(self):
            entry._interrupt(signal.SIGINT, None)

    Dropping()
    assert entry.stop_asked() and entry.StopAsked().is_set()
    assert "KeyboardInterrupt" not in capsys.readouterr().err


def test_serve_stops_once_started_when_a_stop_came_before_uvicorn_took_the_signals(tmp_path):
    import threading

    from newsreel.serve import create_app, server_config, stoppable_server

    config = server_config(create_app(tmp_path), host="127.0.0.1", port=0, log_level="warning")
    server = stoppable_server(config, lambda: True)
    running = threading.Thread(target=server.run, daemon=True)
    running.start()
    running.join(timeout=20)
    assert server.started and not running.is_alive(), "it served on"
    # and without a stop, it serves until told
    server = stoppable_server(config, lambda: False)
    running = threading.Thread(target=server.run, daemon=True)
    running.start()
    time.sleep(1)
    assert server.started and running.is_alive()
    server.should_exit = True
    running.join(timeout=20)
    assert not running.is_alive()
