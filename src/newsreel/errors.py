"""The one error family for what people cause: editors, operators, whoever runs a command.

A `NewsreelError` carries one `Problem` per thing to fix, each naming the file or resource, the
field and the fix, so every command can print it as one line per problem and exit 2, without a
traceback (`--verbose` adds the traceback and the debug log). Bugs are other exceptions: they
keep their traceback.

Paths are kept as paths and shown relative to the current folder when printed, so a problem
reads `clips/x.toml: cuts['soundbite'].out: ...` wherever the project lives.
"""

from __future__ import annotations

import dataclasses
import difflib
import errno
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing a person must fix: where, which field, what is wrong, and how to fix it."""

    where: str | Path
    field: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        parts = [shown(self.where)] if str(self.where) else []
        if self.field:
            parts.append(self.field)
        text = ": ".join([*parts, self.message])
        return f"{text}; {self.fix}" if self.fix else text


def shown(where: str | Path) -> str:
    """A path relative to the current folder when it lies under it; anything else as it is."""
    if isinstance(where, Path):
        try:
            return str(where.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(where)
    return where


class NewsreelError(Exception):
    """Something a person caused and can fix; `problems` holds one `Problem` each."""

    def __init__(self, problems: Problem | str | Iterable[Problem | str]):
        if isinstance(problems, Problem | str):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem("", "", str(p)) for p in problems
        ]
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The problems as the lines a person reads."""
        return [str(problem) for problem in self.problems]

    def relative_to(self, root: Path) -> NewsreelError:
        """The same error with the paths under `root` written relative to it (a project's
        files read `content/x.md`, wherever the project lives)."""

        def local(where: str | Path) -> str | Path:
            if isinstance(where, Path) and where.is_absolute() and where.is_relative_to(root):
                return where.relative_to(root).as_posix()
            return where

        self.problems = [dataclasses.replace(p, where=local(p.where)) for p in self.problems]
        self.args = ("\n".join(self.lines()),)
        return self


def problem(where: str | Path, field: str, message: str, fix: str) -> Problem:
    """One problem naming the file or resource, the field and the fix."""
    return Problem(where, field, message, fix)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`did you mean 'crf'?` for a near miss, else the list of what is allowed."""
    choices = sorted(choices)
    close = difflib.get_close_matches(value, choices, n=1)
    return f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(choices)}"


def unknown_keys(
    where: str | Path, section: str, data: Mapping[str, Any], allowed: Iterable[str]
) -> list[Problem]:
    """Problems for keys nobody reads (`cfr` for `crf`): a typo must not be silently ignored."""
    allowed = sorted(allowed)
    return [
        Problem(
            where,
            f"{section}.{key}" if section else key,
            "unknown field",
            did_you_mean(key, allowed),
        )
        for key in data
        if key not in allowed
    ]


def from_os_error(error: OSError, what: str = "") -> NewsreelError:
    """A full disk, a read-only or missing folder: one line naming the path and the fix."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        error = _first_of_copy(error)  # copytree's list of every file that failed: the first
    path = error.filename or what or "file system"
    reason = error.strerror or str(error)
    where = Path(os.fsdecode(path)) if isinstance(path, str | bytes) else str(path)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space on that disk, or build into another folder (--output)"
    elif error.errno == errno.EROFS:
        fix = "the disk is mounted read-only: build into another folder (--output)"
    elif error.errno in (errno.EACCES, errno.EPERM):
        fix = _permission_fix(where)
    elif error.errno in (errno.EXDEV, errno.EBUSY):  # a mount point cannot be renamed
        fix = (
            "the output folder is a mount point (a volume), which a build cannot replace: "
            "build into a folder inside it (--output <folder>/site)"
        )
    elif error.errno == errno.ENOENT:
        fix = "check that the path exists"
    else:
        fix = "check the path, its permissions and the free space"
    return NewsreelError(Problem(where, "", reason.rstrip("."), fix))


def _first_of_copy(error: shutil.Error) -> OSError:
    """An OSError for the first failure `shutil.copytree` listed (source, target, reason)."""
    source, target, why = error.args[0][0]
    found = re.match(r"\[Errno (\d+)\] ([^:]+)", str(why))
    number, text = (int(found.group(1)), found.group(2)) if found else (None, str(why))
    return OSError(number, text, target or source)


def _permission_fix(where: Path | str) -> str:
    """Whether the file must be readable or its folder writable, as far as can be told."""
    path = Path(where)
    if path.is_file() and not os.access(path, os.R_OK):
        return f"make it readable (chmod a+r {path.name})"
    folder = path if path.is_dir() else path.parent
    return (
        f"make the folder writable (chmod u+w {folder.name or folder}), "
        "or build into another folder (--output)"
    )
