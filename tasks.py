#!/usr/bin/env python3
"""The site's task runner: `python3 tasks.py serve`, `python3 tasks.py test`, ...

It first makes sure the project's virtual environment (`.venv/`) exists and holds what the
task needs, installing it when missing (and, for `test`, the system's Chromium and Java and the
npm tools the tests use), then runs the task inside it. The verbs are those of the `newsreel`
command, plus `test` and `bench`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Annotated

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
SYSTEM_PACKAGES_FOR_TESTS = {"chromium": "chromium", "java": "default-jre-headless", "npm": "npm"}


def _say(message: str) -> None:
    print(f"\033[1m[tasks]\033[0m {message}", flush=True)


def _run(*command: str | Path, **kwargs) -> None:
    """Run a step; one that fails ends the task with its status and one line, not a traceback
    (the step has already said what went wrong)."""
    result = subprocess.run([str(part) for part in command], **kwargs)
    if result.returncode:
        name = " ".join(str(part) for part in command[:4])
        _say(f"stopped: `{name}` failed (exit status {result.returncode})")
        sys.exit(result.returncode)


def _apt_install(packages: list[str]) -> None:
    if not packages:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"[tasks] please install these system packages first: {' '.join(packages)}")
    _say(f"installing system packages: {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run("apt-get", "update", "-qq", env=env)
    _run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages, env=env)


def _ensure_venv(extras: str) -> None:
    """Create `.venv` and install the package (with `extras`) when pyproject.toml changed."""
    if not VENV_PYTHON.exists():
        _say("creating the virtual environment .venv")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except (subprocess.CalledProcessError, OSError):
            version = f"python{sys.version_info.major}.{sys.version_info.minor}"
            _apt_install([f"{version}-venv"])
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = VENV / f".installed{extras}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    _say(f"installing newsreel{extras} and its dependencies into .venv")
    _run(VENV_PYTHON, "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(VENV_PYTHON, "-m", "pip", "install", "-q", "-e", f"{ROOT}{extras}")
    stamp.write_text(wanted)


def _ensure_test_tools() -> None:
    """Chromium (Debian's: Playwright cannot download its own here), Java for vnu, npm tools."""
    missing = [pkg for tool, pkg in SYSTEM_PACKAGES_FOR_TESTS.items() if not shutil.which(tool)]
    _apt_install(missing)
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / ".installed"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        _say("installing the npm test tools (Nu Html Checker, axe-core)")
        _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=ROOT)
        stamp.write_text(wanted)


def _bootstrap() -> None:
    """Re-run this script inside `.venv`, after making sure it holds what the task needs."""
    task = sys.argv[1] if len(sys.argv) > 1 else ""
    extras = "[test]" if task in ("test", "bench") else ""
    if Path(sys.prefix).resolve() != VENV.resolve():
        _ensure_venv(extras)
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    if task == "test":
        _ensure_test_tools()


if __name__ == "__main__":
    _bootstrap()

import typer  # noqa: E402  (installed by the bootstrap above)

from newsreel import cli  # noqa: E402

app = typer.Typer(
    help="The newsreel site's tasks: the `newsreel` commands, plus test and bench.",
    rich_markup_mode="markdown",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for command in cli.app.registered_commands:
    app.registered_commands.append(command)
for group in cli.app.registered_groups:
    app.registered_groups.append(group)


@app.command()
def test(
    pytest_args: Annotated[
        list[str] | None, typer.Argument(help="Extra arguments for pytest.")
    ] = None,
) -> None:
    """Lint, then run the whole test suite (real ffmpeg, Chromium, SMTP, moto), on every core
    up to four: one pytest-xdist worker a core, each test file whole on one worker, and every
    file that uses the demo site on the same one (`tests/conftest.py`). `test -- -n 0` runs it
    in one process (pytest's options after `--`)."""
    os.chdir(ROOT)
    _say("ruff check")
    _run(VENV_PYTHON, "-m", "ruff", "check", ".")
    _run(VENV_PYTHON, "-m", "ruff", "format", "--check", ".")
    args = list(pytest_args or [])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(4, cores or 1)
    if workers > 1 and not any(arg.startswith(("-n", "--numprocesses")) for arg in args):
        args = ["-n", str(workers), "--dist", "loadgroup", *args]
        _say(f"pytest ({workers} workers)")
    else:
        _say("pytest")
    result = subprocess.run([str(VENV_PYTHON), "-m", "pytest", *args])
    raise typer.Exit(result.returncode)


@app.command()
def bench(
    items: int = typer.Option(1000, help="News items per language."),
) -> None:
    """Run the site-build benchmark (ours vs plain Pelican, and Hugo when installed)."""
    os.chdir(ROOT)
    result = subprocess.run([str(VENV_PYTHON), "bench/site_build.py", "--items", str(items)])
    raise typer.Exit(result.returncode)


if __name__ == "__main__":
    app()
