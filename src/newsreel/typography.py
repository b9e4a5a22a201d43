"""Typography and figures for people, per language: one place for every output.

French is the portal's own language, and a press office reads it closely. Its typesetting
wants unbreakable spaces where editors type ordinary ones: before `:` (U+00A0) and before
`; ! ?` (U+202F), inside `« »`, and between a number and its unit or word (`20 Mbit/s`,
`48 kHz`, `151,3 Mo`, `{seconds} s`, `30 minutes`), so that no line starts with a lone `»`,
`?` or unit; and in every language the apostrophe is the typographic one (`l’OTAN`,
`NATO’s`). Pages, search results, feeds, e-mails, API messages, press-kit texts and captions
all go through `typeset` (plain text) or `typeset_html` (markup), so the rules live here once.
This module is neutral: the site plugin, the media pipeline and the API import it, and it
imports none of them.

Figures are formatted here too, with Babel (no system locale needed): sizes in decimal units as
download managers show them, durations with SI symbols ("1 min", "14 s", "1 h 02 min"), dates.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
from collections.abc import Callable

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

NBSP = "\u00a0"  # espace insécable: before « : », inside « », between a number and its unit
NNBSP = "\u202f"  # espace fine insécable: before ; ! ?

_SPACES = "[ \u00a0\u202f]"
_TAG = re.compile(r"(<[^>]*>)")
_VERBATIM = re.compile(r"<(/?)(code|pre|kbd|samp|script|style|textarea)\b", re.IGNORECASE)
#: Unit symbols that follow a number (or a `{placeholder}` that stands for one).
UNITS = (
    "Tbit/s", "Gbit/s", "Mbit/s", "kbit/s", "bit/s", "Gb/s", "Mb/s", "kb/s",
    "To", "Go", "Mo", "ko", "TB", "GB", "MB", "kB",
    "MHz", "kHz", "Hz", "LUFS", "LU", "dBTP", "dB", "ms", "min", "h", "s", "px", "%",
    # and the words a count is written with in our texts ("valable 10 minutes")
    "secondes", "seconds", "minutes", "heures", "hours", "jours", "days",
    "caractères", "characters", "chiffres", "digits",
)  # fmt: skip
#: The rules as (pattern, literal replacement) pairs, in the regular-expression syntax Python
#: and JavaScript share: applied here, and handed as data to the one script that typesets in
#: the browser (search results, whose excerpts Pagefind rebuilds with plain spaces).
_LETTER = "[A-Za-zÀ-ÖØ-öø-ÿŒœ]"
COMMON_RULES = (
    (r"(?<=[0-9}]) (?=(?:" + "|".join(re.escape(u) for u in UNITS) + r")(?![\w/]))", NBSP),
    (rf"(?<={_LETTER})'(?={_LETTER})", "’"),  # the typographic apostrophe: l’OTAN, NATO’s
)
FRENCH_RULES = (
    (rf"«{_SPACES}*", "«" + NBSP),
    (rf"{_SPACES}*»", NBSP + "»"),
    # `^`: a text node may start right after an inline element (`<a>…</a> : suite`)
    (rf"(?:(?<=\S)|^){_SPACES}+(?=:(?:\s|$|<))", NBSP),
    (rf"(?:(?<=\S)|^){_SPACES}+(?=[;!?])", NNBSP),
    *COMMON_RULES,
)
_COMPILED = {
    rules: tuple((re.compile(pattern), replacement) for pattern, replacement in rules)
    for rules in (COMMON_RULES, FRENCH_RULES)
}


def rules(lang: str) -> tuple[tuple[str, str], ...]:
    """The typesetting rules of `lang`, as (pattern, replacement) pairs."""
    return FRENCH_RULES if lang == "fr" else COMMON_RULES


#: A character every rule needs (a digit or `}` before a unit, an apostrophe, a guillemet,
#: `: ; ! ?`): text without one is left as it is, without running the rules. Most text nodes
#: of a page or an e-mail are the white space between its tags.
_ANY_RULE_NEEDS = re.compile(r"[0-9}'«»:;!?]")


def _apply(rule_set: tuple[tuple[str, str], ...], text: str) -> str:
    if not _ANY_RULE_NEEDS.search(text):
        return text
    for pattern, replacement in _COMPILED[rule_set]:
        text = pattern.sub(replacement, text)
    return text


def french_text(text: str) -> str:
    """Typeset one run of French plain text (no markup)."""
    return _apply(FRENCH_RULES, text)


def common_text(text: str) -> str:
    """What every language wants: a number held to its unit (`20 Mbit/s`), apostrophes."""
    return _apply(COMMON_RULES, text)


def typeset(text: str, lang: str) -> str:
    """Plain text in `lang`, typeset: French rules for French, the common ones for all."""
    if not text:
        return text
    return _apply(rules(lang), text)


def map_text(markup: str, rule: Callable[[str], str]) -> str:
    """`rule` applied to the text nodes of an HTML fragment, outside verbatim elements."""
    out: list[str] = []
    verbatim_depth = 0
    for part in _TAG.split(markup):
        if part.startswith("<") and part.endswith(">"):
            match = _VERBATIM.match(part)
            if match:
                verbatim_depth = max(verbatim_depth + (-1 if match.group(1) else 1), 0)
            out.append(part)
        elif verbatim_depth:
            out.append(part)
        else:
            out.append(rule(part))
    return "".join(out)


def typeset_html(markup: str, lang: str) -> str:
    """The text nodes of an HTML fragment, typeset; tags and verbatim elements left alone."""
    if not markup:
        return markup
    return map_text(markup, lambda text: typeset(text, lang))


def french_html(markup: str) -> str:
    """`typeset_html` for French (Pelican hands the plugin French content only)."""
    return typeset_html(markup, "fr")


_ASCII_SPACE = re.compile(r"[ \t\r\n\f]+")


def plain_text(markup: str) -> str:
    """Text of an HTML fragment (a Markdown-made summary), for meta tags, JSON-LD and feeds,
    keeping non-breaking spaces (Jinja's `striptags` turns them into ordinary ones). Its
    entities are decoded: the result is text, which the templates escape (autoescape)."""
    text = html_module.unescape(_TAG.sub("", str(markup or "")))
    return _ASCII_SPACE.sub(" ", text).strip()


_SIZE_UNITS = {"en": ("B", "kB", "MB", "GB", "TB"), "fr": ("o", "ko", "Mo", "Go", "To")}


def as_heading(text: str) -> str:
    """A term (a tag such as "ministres de la Défense") as its page's heading: a capital first
    letter, as a heading takes in both languages; the rest as the editor wrote it (Jinja's
    `capitalize` would lower the "D" of "Défense")."""
    return text[:1].upper() + text[1:]


def format_size(size: int, lang: str) -> str:
    """ "16.1 MB" / "16,1 Mo": decimal units, one decimal above the byte, as download
    managers show them."""
    units = _SIZE_UNITS.get(lang, _SIZE_UNITS["en"])
    value = float(size)
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    number = format_decimal(value, format="#,##0" if unit == 0 else "#,##0.0", locale=lang)
    return f"{number}{NBSP}{units[unit]}"


def format_duration(millis: int, lang: str) -> str:
    """ "14 s", "1 min", "1 min 14 s", "1 h 02 min": SI symbols, unbreakable, never a clock
    reading that could be taken for minutes or hours. Seconds are dropped past an hour."""
    seconds = round(millis / 1000)
    if seconds >= 3600:
        hours, rest = divmod(round(seconds / 60), 60)
        return f"{_number(hours, lang)}{NBSP}h{NBSP}{rest:02d}{NBSP}min"
    minutes, seconds = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(f"{_number(minutes, lang)}{NBSP}min")
    if seconds or not minutes:
        parts.append(f"{seconds}{NBSP}s")
    return NBSP.join(parts)


def _number(value: int, lang: str) -> str:
    return format_decimal(value, locale=lang)


def format_long_date(value: dt.date | dt.datetime, lang: str) -> str:
    """ "15 October 2025" / "15 octobre 2025"; in French the first of a month is an ordinal,
    "1er octobre 2025" (Babel's patterns have no ordinal day, so it is written here)."""
    pattern = "d'er' MMMM y" if lang.startswith("fr") and value.day == 1 else "d MMMM y"
    return format_date(value, format=pattern, locale=lang)


def language_name(code: str, lang: str) -> str:
    """The name of language `code` as written in `lang`: "French", "anglais"."""
    return Locale.parse(lang).languages.get(code, code)
