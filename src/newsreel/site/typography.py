"""French typography for HTML the editors did not have to fuss over.

Editors type ordinary spaces; French typesetting wants them unbreakable inside « » and before
the high punctuation : ; ! ?, so that a line never starts with a lone "»" or "?". Only text
between tags is touched, never markup, attribute values, code or scripts.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"  # espace insécable: before « : » and inside « »
NNBSP = "\u202f"  # espace fine insécable: before ; ! ?

_TAG = re.compile(r"(<[^>]*>)")
_VERBATIM = re.compile(r"<(/?)(code|pre|kbd|samp|script|style|textarea)\b", re.IGNORECASE)
_OPENING_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING_QUOTE = re.compile(r"[ \u00a0\u202f]*»")
_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]+:(?=\s|$|<)")
_HIGH = re.compile(r"(?<=\S)[ \u00a0\u202f]+([;!?])")


def french_text(text: str) -> str:
    """Typeset one run of French plain text (no markup)."""
    text = _OPENING_QUOTE.sub("«" + NBSP, text)
    text = _CLOSING_QUOTE.sub(NBSP + "»", text)
    text = _COLON.sub(NBSP + ":", text)
    return _HIGH.sub(NNBSP + r"\1", text)


def french_html(html: str) -> str:
    """Typeset the text nodes of an HTML fragment, leaving tags and verbatim elements alone."""
    if not html:
        return html
    out: list[str] = []
    verbatim_depth = 0
    for part in _TAG.split(html):
        if part.startswith("<") and part.endswith(">"):
            match = _VERBATIM.match(part)
            if match:
                verbatim_depth += -1 if match.group(1) else 1
                verbatim_depth = max(verbatim_depth, 0)
            out.append(part)
        elif verbatim_depth:
            out.append(part)
        else:
            out.append(french_text(part))
    return "".join(out)


_ASCII_SPACE = re.compile(r"[ \t\r\n\f]+")


def plain_text(html: str) -> str:
    """Text of an HTML fragment, for titles and meta tags, keeping non-breaking spaces
    (Jinja's `striptags` turns them into ordinary ones)."""
    import html as html_module

    text = html_module.unescape(_TAG.sub("", str(html or "")))
    return _ASCII_SPACE.sub(" ", text).strip()
