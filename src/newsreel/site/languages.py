"""One Pelican run per language: keep the run's language native, link the others.

Every run reads all content, so that each item knows its translations; then only the items in
the run's own language stay "native" (listed, paginated, written), and the rest are kept as
translations, whose URLs the language switcher and `hreflang` alternates point at.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pelican.utils import order_content


def keep_native(items: list[Any], translations: list[Any], lang: str, order_by: str):
    """Split a generator's content into the run language's items and everyone else's."""
    everything = list(items) + list(translations)
    native = [item for item in everything if item.lang == lang]
    others = [item for item in everything if item.lang != lang]
    return order_content(native, order_by), others


def listing_url(lang: str, kind: str, slug: str | None = None) -> str:
    """URL of a language's listing page (home, archives, a category...), as the runs write it."""
    if kind == "index":
        return f"{lang}/"
    if slug is None:
        return f"{lang}/{kind}/"
    return f"{lang}/{kind}/{slug}/"


def taxonomy_counterparts(
    native: list[Any], others: list[Any], attr: str
) -> dict[str, dict[str, str]]:
    """For each category or tag of the run, its best match in each other language.

    A French category is matched to the English category most of its items' translations are
    filed under, and likewise for tags (by overlap of the item sets), so editors keep writing
    category and tag names in their own language with nothing to declare.
    Returns slug -> {lang: slug}.
    """
    kind_is_list = attr == "tags"

    def terms(item: Any) -> list[Any]:
        value = getattr(item, attr, None)
        if value is None:
            return []
        return list(value) if kind_is_list else [value]

    members: dict[str, set[int]] = defaultdict(set)  # "lang:slug" -> ids of items in it
    for item in others:
        for term in terms(item):
            members[f"{item.lang}:{term.slug}"].add(id(item))

    by_term: dict[str, list[Any]] = defaultdict(list)
    for item in native:
        for term in terms(item):
            by_term[term.slug].append(item)

    result: dict[str, dict[str, str]] = {}
    for slug, items in by_term.items():
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        translated: dict[str, set[int]] = defaultdict(set)
        for item in items:
            for translation in getattr(item, "translations", []):
                translated[translation.lang].add(id(translation))
                for term in terms(translation):
                    votes[translation.lang][term.slug] += 1
        best: dict[str, str] = {}
        for lang, counter in votes.items():
            mine = translated[lang]
            scores = {
                candidate: _overlap(members.get(f"{lang}:{candidate}", set()), mine)
                for candidate in counter
            }
            best[lang] = max(counter, key=lambda c, s=scores, n=counter: (s[c], n[c], c))
        result[slug] = best
    return result


def translation_map(item: Any) -> dict[str, Any]:
    """lang -> the item in that language (itself included)."""
    found = {translation.lang: translation for translation in getattr(item, "translations", [])}
    found[item.lang] = item
    return found


def _overlap(group: set[int], other: set[int]) -> float:
    """Jaccard index of two item sets: 1.0 when a term covers exactly the same items."""
    union = group | other
    return len(group & other) / len(union) if union else 0.0
