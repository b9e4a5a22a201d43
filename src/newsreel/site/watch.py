"""Rebuild on change, doing as little as the change needs.

An edit to one news item rebuilds only its language (with Pelican's content cache, only that
file is read again); a new, deleted or renamed file, a changed slug, category or tag, or any
change to the theme or settings rebuilds everything, since other pages link to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from newsreel.site import validate

#: Front-matter fields whose change alters pages other than the item's own.
_LINKING_FIELDS = ("slug", "lang", "translation", "category", "tags", "status", "date")


def _fingerprint(path: Path) -> tuple[str, ...] | None:
    try:
        meta = validate.read_front_matter(path)
    except (OSError, UnicodeDecodeError):
        return None
    return tuple(meta.get(name, "") for name in _LINKING_FIELDS)


class ChangeClassifier:
    """Remembers the linking front matter of every item, to tell a local edit from a wide one."""

    def __init__(self, content_dir: Path):
        self.content_dir = content_dir
        self.known: dict[Path, tuple[str, ...] | None] = {}
        self.refresh()

    def refresh(self) -> None:
        self.known = {path: _fingerprint(path) for path in self.content_dir.rglob("*.md")}

    def languages_to_rebuild(self, changed: Iterable[Path], all_languages: list[str]) -> list[str]:
        """The languages a set of changed files needs rebuilt (all of them when in doubt)."""
        wanted: set[str] = set()
        for path in changed:
            path = path.resolve()
            if path.suffix != ".md" or not path.is_relative_to(self.content_dir.resolve()):
                return list(all_languages)
            if path not in self.known or not path.exists():
                return list(all_languages)
            fingerprint = _fingerprint(path)
            if fingerprint != self.known[path] or fingerprint is None:
                return list(all_languages)
            lang = fingerprint[1]
            if lang not in all_languages:
                return list(all_languages)
            wanted.add(lang)
        return [lang for lang in all_languages if lang in wanted] or list(all_languages)


def watch(
    paths: list[Path],
    content_dir: Path,
    languages: list[str],
    rebuild: Callable[[list[str]], None],
    stop_event=None,
) -> None:
    """Call `rebuild(languages)` after each batch of changes under `paths`, until stopped."""
    from watchfiles import watch as watch_changes

    classifier = ChangeClassifier(content_dir.resolve())
    existing = [str(path) for path in paths if path.exists()]
    for changes in watch_changes(*existing, stop_event=stop_event):
        changed = [Path(name) for _, name in changes if not Path(name).name.startswith(".")]
        if not changed:
            continue
        rebuild(classifier.languages_to_rebuild(changed, languages))
        classifier.refresh()
