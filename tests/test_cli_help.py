"""Every command's `--help` works and reads right: flags shown as flags, not as options that take
a value (`--verbose <bool>` had a reviewer type `--verbose true`, which fails)."""

from __future__ import annotations

import re

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
