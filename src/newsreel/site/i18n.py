"""Interface strings and dates in the visitor's language.

Templates mark their words with `{% trans %}` / `_()`; the French words live in a gettext
catalogue in the theme (`theme/translations/<lang>/LC_MESSAGES/messages.po`), read with Babel
so no compiled `.mo` file has to be kept in git. Translators type ordinary spaces: every
message is typeset for its language once, as the catalogue is read (`newsreel.typography`).
Dates are formatted by Babel too, because Pelican's strftime-based dates need system locales
that a fresh machine does not have.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from newsreel import typography
from newsreel.typography import typeset_html


@cache
def load_translations(translations_dir: Path, lang: str) -> NullTranslations:
    """The catalogue of `lang`, or the identity translation when the theme has none (English)."""
    po_path = translations_dir / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=lang)
    for message in catalog:
        if isinstance(message.string, tuple):
            message.string = tuple(typeset_html(text, lang) for text in message.string)
        elif message.id:
            message.string = typeset_html(message.string, lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


long_date = typography.format_long_date


def iso_date(value: dt.date | dt.datetime) -> str:
    """The machine-readable form for `<time datetime>`."""
    return value.isoformat()


language_name = typography.language_name
