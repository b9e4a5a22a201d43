"""The spellings a reader may type that the site writes otherwise, per language.

Read once from `data/spellings.toml` and checked there (a typo in it would quietly stop a
search from finding anything); the search page hands its language's table to its script,
which searches for the site's spelling of each word typed (Pagefind's `processTerm`).
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from newsreel.errors import NewsreelError, Problem

SPELLINGS = Path(__file__).with_name("data") / "spellings.toml"
_WORD = re.compile(r"[a-zà-ÿœæ]+(?:-[a-zà-ÿœæ]+)*")


@functools.cache
def _tables(path: Path = SPELLINGS) -> dict[str, dict[str, str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise NewsreelError(
            Problem(path, "", f"not valid TOML: {error}", "fix the syntax")
        ) from None
    problems = []
    for lang, table in data.items():
        if not isinstance(table, dict):
            problems.append(Problem(path, lang, "not a table", f"write it as [{lang}]"))
            continue
        for typed, written in table.items():
            if not isinstance(written, str) or not _WORD.fullmatch(written):
                problems.append(
                    Problem(path, f"{lang}.{typed}", f"{written!r} is not a lower-case word",
                            'write the site\'s spelling, e.g. defense = "defence"')
                )  # fmt: skip
            elif not _WORD.fullmatch(typed):
                problems.append(
                    Problem(path, f"{lang}.{typed}", "not a lower-case word",
                            "write the spelling a reader types, in lower case")
                )  # fmt: skip
    if problems:
        raise NewsreelError(problems)
    return data


def spellings(lang: str, path: Path = SPELLINGS) -> dict[str, str]:
    """`lang`'s table (typed: written); empty for a language that has none."""
    return dict(_tables(path).get(lang, {}))
