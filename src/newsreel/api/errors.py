"""API errors: a stable code, a 4xx status and a sentence in the visitor's language.

Messages are data (`messages.toml`), checked once when the module loads: every code must have
a message in every language. They are typeset for their language as they are read
(`newsreel.typography`), so translators type ordinary spaces.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from newsreel.typography import typeset

LANGUAGES = ("en", "fr")


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
        if code not in messages():
            raise KeyError(f"no message for error code {code!r} in messages.toml")
        self.code = code
        self.status = status
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, lang: str) -> dict[str, Any]:
        return {"error": self.code, "message": message(self.code, lang), **self.extra}


@cache
def messages() -> dict[str, dict[str, str]]:
    path = Path(__file__).with_name("messages.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for code, texts in data.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise ValueError(f"{path}: [{code}]: no message in {', '.join(missing)}; add them")
    return {
        code: {lang: typeset(text, lang) for lang, text in texts.items()}
        for code, texts in data.items()
    }


def message(code: str, lang: str) -> str:
    texts = messages()[code]
    return texts.get(lang) or texts["en"]
