"""Rebuild on change, doing as little as the change needs.

An edit to one news item rebuilds only its language (with Pelican's content cache, only that
file is read again); a new, deleted or renamed file, a changed slug, category or tag, or any
change to the theme or settings rebuilds everything, since other pages link to it.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from newsreel.errors import NewsreelError
from newsreel.site.frontmatter import read_front_matter

#: Front-matter fields whose change alters pages other than the item's own.
_LINKING_FIELDS = ("slug", "lang", "translation", "category", "tags", "status", "date")


def _front_matter(path: Path) -> dict[str, str] | None:
    try:
        return read_front_matter(path)
    except (OSError, NewsreelError):
        return None


def _fingerprint(meta: dict[str, str] | None) -> tuple[str, ...] | None:
    """The fields of a front matter whose change alters other pages (None: unreadable)."""
    if meta is None:
        return None
    return tuple(meta.get(name, "") for name in _LINKING_FIELDS)


class ChangeClassifier:
    """Remembers the front matter of every item, to tell a local edit from a wide one."""

    def __init__(self, content_dir: Path, article_paths: tuple[str, ...] = ("news",)):
        self.content_dir = content_dir
        self.article_paths = article_paths
        self.known: dict[Path, tuple[str, ...] | None] = {}
        self.front_matter: dict[Path, dict[str, str]] = {}
        self.refresh()

    def refresh(self) -> None:
        self.front_matter = {path: _front_matter(path) for path in self.content_dir.rglob("*.md")}
        self.known = {path: _fingerprint(meta) for path, meta in self.front_matter.items()}

    def body_only_outputs(self, changed: Iterable[Path], output: Path) -> list[str] | None:
        """The output files a body-only edit changes, or None when more may have changed.

        A body-only edit leaves the whole front matter as it was, and the item has its own
        `Summary:`: then no listing, link or title elsewhere changes, only the item's page and
        (for a news item) its language's feeds, which carry the full text.
        """
        outputs: list[str] = []
        for path in changed:
            path = path.resolve()
            meta = self.front_matter.get(path)
            if meta is None or _front_matter(path) != meta or not meta.get("summary"):
                return None
            lang = meta.get("lang", "")
            slug = meta.get("slug") or path.stem.rsplit(".", 1)[0]
            relative = path.relative_to(self.content_dir.resolve())
            if relative.parts[0] in self.article_paths:
                page = f"{lang}/news/{slug}/index.html"
                outputs += [page, f"{lang}/feeds/atom.xml"]
                needle = f"/{lang}/news/{slug}/"
                for feed in (output / lang / "feeds" / "category").glob("*.atom.xml"):
                    if needle in feed.read_text(encoding="utf-8"):
                        outputs.append(feed.relative_to(output).as_posix())
            else:
                page = f"{lang}/{slug}/index.html"
                outputs.append(page)
            if not (output / page).exists():
                return None
        return sorted(set(outputs))

    def languages_to_rebuild(
        self, changed: Iterable[Path], all_languages: Sequence[str]
    ) -> list[str]:
        """The languages a set of changed files needs rebuilt (all of them when in doubt)."""
        wanted: set[str] = set()
        for path in changed:
            path = path.resolve()
            if path.suffix != ".md" or not path.is_relative_to(self.content_dir.resolve()):
                return list(all_languages)
            if path not in self.known or not path.exists():
                return list(all_languages)
            fingerprint = _fingerprint(_front_matter(path))
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
    languages: Sequence[str],
    rebuild: Callable[[list[str], list[str] | None], bool],
    output: Path,
    stop_event=None,
    failed: bool = False,
) -> None:
    """Call `rebuild(languages, only)` after each batch of changes under `paths`, until stopped.

    `only` lists the output files to rewrite when the batch is body-only edits (else None).
    `rebuild` says whether it succeeded: after a failure (or with `failed`, when the build
    before the watch failed), the next rebuild is a whole one, since what changed while the
    build was failing (the other language's fix, say) was not built.
    A file watched by its path (the settings) that an editor saves by writing a new file and
    renaming it over the old one is watched again, as the new file.
    """
    from watchfiles import watch as watch_changes

    classifier = ChangeClassifier(content_dir.resolve())
    built: dict[Path, _Stamp] | None = None  # the files as the last rebuild read them
    while not (stop_event and stop_event.is_set()):
        files = {path: _identity(path) for path in paths if path.is_file()}
        existing = [str(path) for path in paths if path.exists()]
        restarted = built is not None
        for changes in watch_changes(
            *existing, stop_event=stop_event, rust_timeout=_FIRST_LOOK_MS, yield_on_timeout=True
        ):
            changed = [Path(name) for _, name in changes if not Path(name).name.startswith(".")]
            if restarted:
                # Saved between the last rebuild and this watcher: no event will say so.
                restarted = False
                now = _stamps(paths)
                changed += [
                    path for path in now.keys() | built.keys() if now.get(path) != built.get(path)
                ]
            if not changed:
                continue
            if failed:
                wanted, only = list(languages), None
            else:
                wanted = classifier.languages_to_rebuild(changed, languages)
                whole = wanted == list(languages)
                only = None if whole else classifier.body_only_outputs(changed, output)
            built = _stamps(paths)
            failed = not rebuild(wanted, only)
            classifier.refresh()
            if any(_identity(path) != seen for path, seen in files.items()):
                break  # replaced by a rename: watch the file now at that path
        else:
            return


#: How long the first look for changes waits, so that a restarted watch soon checks what was
#: saved while it was not watching.
_FIRST_LOOK_MS = 200

#: What tells one save of a file from another: its inode, modification time and size.
_Stamp = tuple[int, int, int]


def _stamps(paths: Iterable[Path]) -> dict[Path, _Stamp]:
    """Every visible file at or under `paths`, with its stamp."""
    found: dict[Path, _Stamp] = {}
    for path in paths:
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if any(part.startswith(".") for part in file.relative_to(path).parts):
                continue
            try:
                found_stat = file.stat()
            except OSError:
                continue
            if stat.S_ISREG(found_stat.st_mode):
                found[file] = (found_stat.st_ino, found_stat.st_mtime_ns, found_stat.st_size)
    return found


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino
