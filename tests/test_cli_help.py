"""Every command's `--help` works and reads right: flags shown as flags, not as options that take
a value (`--verbose <bool>` had a reviewer type `--verbose true`, which fails)."""

from __future__ import annotations

import re

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
    time.sleep(after_s)
    started.send_signal(signal.SIGINT)
    said = started.communicate(timeout=60)[0].decode()
    assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
    # ended by Python as Ctrl+C ends a command (130), or, on a busy machine, by the signal
    # itself, before the interpreter had set its handler (-2: the shell says 130 too)
    assert started.returncode in (130, -signal.SIGINT), (started.returncode, said)
