"""API errors: a stable code, a 4xx status and a sentence in the visitor's language.

Messages are data (`messages.toml`), checked when first read: every code must have a message
in every language the catalogue is written in, and those are the function's languages (a test
holds them equal to the site's, `NEWSREEL_LANGUAGES`). They are typeset for their language as
they are read (`newsreel.typography`), so translators type ordinary spaces.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

MESSAGES = Path(__file__).with_name("messages.toml")


class ApiError(Exception):
    """An answer of `{"error": code, "message": ...}` with a 4xx status."""

    def __init__(
        self,
        code: str,
        status: int = 400,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(code)
        if code not in _catalogue():
            raise KeyError(f"no message for error code {code!r} in messages.toml")
        self.code = code
        self.status = status
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, lang: str) -> dict[str, Any]:
        return {"error": self.code, "message": message(self.code, lang), **self.extra}


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    data = tomllib.loads(MESSAGES.read_text(encoding="utf-8"))
    languages = list(next(iter(data.values()), {}))
    for code, texts in data.items():
        missing = [lang for lang in languages if not texts.get(lang)]
        extra = [lang for lang in texts if lang not in languages]
        if missing or extra:
            raise ValueError(
                f"{MESSAGES}: [{code}]: messages in {', '.join(texts)}, not "
                f"{', '.join(languages)}; write one in each of {', '.join(languages)}"
            )
    return data


def languages() -> tuple[str, ...]:
    """The languages of the catalogue: those the function answers in."""
    return tuple(next(iter(_catalogue().values()), {}))


@cache
def messages() -> dict[str, dict[str, str]]:
    """Every message by code and language, typeset for its language."""
    from newsreel.typography import typeset  # with the first error, not at cold start

    return {
        code: {lang: typeset(text, lang) for lang, text in texts.items()}
        for code, texts in _catalogue().items()
    }


def message(code: str, lang: str) -> str:
    texts = messages()[code]
    return texts.get(lang) or texts["en"]
