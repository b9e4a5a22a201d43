"""Rebuilds after an edit: only the edited language is rebuilt, and only when that is safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SMALL_SITE, write_site
from newsreel.build import build_site
from newsreel.build.watch import ChangeClassifier

LANGS = ["en", "fr"]


def test_body_edit_rebuilds_only_its_language(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    english_page = project.output / "en/news/meeting/index.html"
    english_before = english_page.stat().st_ino

    source = project.root / "content/news/meeting.fr.md"
    classifier = ChangeClassifier(project.root / "content")
    source.write_text(source.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", "utf-8")
    languages = classifier.languages_to_rebuild([source], LANGS)
    assert languages == ["fr"]

    index = project.output / "pagefind/fr/pagefind-entry.json"
    old_index = index.stat().st_mtime_ns
    result = build_site(project, languages=languages, search_index="background")
    assert result.languages == ["fr"]
    assert index.exists(), "the old search index serves while the new one is made"
    result.search_thread.join()
    assert index.stat().st_mtime_ns != old_index, "the search index caught up"
    assert "Un paragraphe ajouté." in (project.output / "fr/news/meeting/index.html").read_text(
        encoding="utf-8"
    )
    assert english_page.stat().st_ino == english_before, "English pages were not rewritten"
    assert (project.output / "index.html").exists() and (project.output / "theme").is_dir()


def test_changes_that_touch_other_pages_rebuild_everything(tmp_path: Path):
    project = write_site(tmp_path / "site", SMALL_SITE)
    content = project.root / "content"
    classifier = ChangeClassifier(content)
    source = content / "news/meeting.fr.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("Réunions", "Sommets"), encoding="utf-8"
    )
    assert classifier.languages_to_rebuild([source], LANGS) == LANGS

    classifier.refresh()
    new = content / "news/new.en.md"
    new.write_text("Title: New\nDate: 2025-10-16\nLang: en\n\nNew.\n", encoding="utf-8")
    assert classifier.languages_to_rebuild([new], LANGS) == LANGS
    assert classifier.languages_to_rebuild([project.root / "theme/x.css"], LANGS) == LANGS


def test_body_only_edit_rewrites_only_the_page_and_feeds(tmp_path: Path):
    files = {
        **SMALL_SITE,
        "news/other.fr.md": "Title: Autre\nDate: 2025-10-14\nLang: fr\nCategory: Réunions\n"
        "Summary: Un résumé.\n\nTexte.\n",
    }
    files["news/meeting.fr.md"] = files["news/meeting.fr.md"].replace(
        "Category:", "Summary: Le résumé.\nCategory:"
    )
    project = write_site(tmp_path / "site", files)
    build_site(project)
    out = project.output
    before = {p: p.stat().st_ino for p in (out / "fr").rglob("*.html")}
    source = project.root / "content/news/meeting.fr.md"
    classifier = ChangeClassifier(project.root / "content")
    source.write_text(source.read_text(encoding="utf-8") + "\nNouveau paragraphe.\n", "utf-8")
    only = classifier.body_only_outputs([source], out)
    assert only == [
        "fr/feeds/atom.xml",
        "fr/feeds/category/reunions.atom.xml",
        "fr/news/meeting/index.html",
    ]
    build_site(project, languages=["fr"], only=only)
    page = out / "fr/news/meeting/index.html"
    assert "Nouveau paragraphe." in page.read_text(encoding="utf-8")
    assert "Nouveau paragraphe." in (out / "fr/feeds/atom.xml").read_text(encoding="utf-8")
    after = {p: p.stat().st_ino for p in (out / "fr").rglob("*.html")}
    assert set(after) == set(before), "every page is still there"
    changed = [p.relative_to(out).as_posix() for p in after if after[p] != before[p]]
    assert changed == ["fr/news/meeting/index.html"]

    source.write_text(source.read_text(encoding="utf-8").replace("Le résumé.", "Autre."), "utf-8")
    assert classifier.body_only_outputs([source], out) is None, "the summary shows in listings"


class _Rebuilds:
    """`watch`'s rebuild, recorded: fails the first time it is called if told to."""

    def __init__(self, fail_first: bool) -> None:
        import threading

        self.calls: list[tuple[list[str], list[str] | None]] = []
        self.fail_first = fail_first
        self.called = threading.Event()

    def __call__(self, languages: list[str], only: list[str] | None) -> bool:
        self.calls.append((languages, only))
        self.called.set()
        return not (self.fail_first and len(self.calls) == 1)

    def wait(self, count: int) -> None:
        import time

        deadline = time.monotonic() + 20
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.calls) >= count, self.calls


def _watching(project, rebuilds):
    import threading
    import time

    from newsreel.build.watch import watch

    stop = threading.Event()
    paths = [project.root / "content", project.settings_file]
    thread = threading.Thread(
        target=watch,
        args=(paths, project.root / "content", LANGS, rebuilds, project.output),
        kwargs={"stop_event": stop},
        daemon=True,
    )
    thread.start()
    time.sleep(0.5)  # the watcher is set up
    return stop, thread


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:  # saved in place, as many editors do
        file.write(text)


def test_after_a_failed_rebuild_the_next_one_builds_everything(tmp_path: Path):
    """An English fix after a failure must also build the French edit saved while the build
    was failing: the rebuild after a failure is a whole one."""
    project = write_site(tmp_path / "site", SMALL_SITE)
    rebuilds = _Rebuilds(fail_first=True)
    stop, thread = _watching(project, rebuilds)
    try:
        _append(project.root / "content/news/meeting.fr.md", "\nUn paragraphe.\n")
        rebuilds.wait(1)
        assert rebuilds.calls[0][0] == ["fr"]
        _append(project.root / "content/news/meeting.en.md", "\nA paragraph.\n")
        rebuilds.wait(2)
        assert rebuilds.calls[1] == (LANGS, None), "everything, after the failure"
        _append(project.root / "content/news/meeting.en.md", "\nOne more.\n")
        rebuilds.wait(3)
        assert rebuilds.calls[2][0] == ["en"], "back to one language once a build succeeded"
    finally:
        stop.set()
        thread.join(10)


def test_settings_saved_by_rename_are_still_watched(tmp_path: Path):
    """vim, Emacs and `sed -i` write a new file and rename it over the settings: the watch
    follows the new file, and sees the edits after it."""
    import os

    project = write_site(tmp_path / "site", SMALL_SITE)
    rebuilds = _Rebuilds(fail_first=False)
    stop, thread = _watching(project, rebuilds)
    settings = project.settings_file
    try:
        replacement = settings.with_name(".settings.swp")
        replacement.write_text(settings.read_text("utf-8") + "\n# 1\n", "utf-8")
        os.replace(replacement, settings)
        rebuilds.wait(1)
        for number in (2, 3):
            _append(settings, f"\n# {number}\n")
            rebuilds.wait(number)
        assert all(call == (LANGS, None) for call in rebuilds.calls)
    finally:
        stop.set()
        thread.join(10)


def test_an_edit_saved_while_the_watch_follows_a_renamed_settings_file_is_built(tmp_path: Path):
    """The settings replaced by a rename, then edited again while that rebuild runs (before
    the watch follows the new file): the edit is built too, not lost with the old watcher."""
    import os

    project = write_site(tmp_path / "site", SMALL_SITE)
    settings = project.settings_file

    class _EditDuringFirst(_Rebuilds):
        def __call__(self, languages, only):
            if not self.calls:
                _append(settings, "\n# saved during the rebuild\n")
            return super().__call__(languages, only)

    rebuilds = _EditDuringFirst(fail_first=False)
    stop, thread = _watching(project, rebuilds)
    try:
        replacement = settings.with_name(".settings.swp")
        replacement.write_text(settings.read_text("utf-8") + "\n# 1\n", "utf-8")
        os.replace(replacement, settings)
        rebuilds.wait(2)
        assert rebuilds.calls[1] == (LANGS, None)
    finally:
        stop.set()
        thread.join(10)


def test_watch_says_a_broken_settings_file_in_one_line_and_stops_cleanly(tmp_path: Path):
    """A typo saved in the settings while `newsreel watch` runs: one line naming the file and
    the fix, watch goes on and builds once it is fixed; Ctrl+C from the terminal (SIGINT to
    the whole process group, workers included) ends it without a traceback."""
    import os
    import select
    import signal
    import subprocess
    import time

    from conftest import NEWSREEL

    project = write_site(tmp_path / "site", SMALL_SITE)
    watching = subprocess.Popen(
        [NEWSREEL, "watch", "--root", str(project.root)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
    )  # fmt: skip
    said = b""

    def read_until(text: bytes, after: int) -> None:
        nonlocal said
        deadline = time.monotonic() + 90
        while text not in said[after:] and time.monotonic() < deadline:
            if watching.poll() is not None:
                break
            if select.select([watching.stdout], [], [], 1)[0]:
                said += watching.stdout.read1(4096)
        assert text in said[after:], said.decode()

    try:
        read_until(b"Watching for changes", 0)
        time.sleep(1.5)  # said just before the watcher is set up
        settings = project.settings_file
        good = settings.read_text("utf-8")
        mark = len(said)
        _append(settings, '\nSITENAME = "broken\n')
        read_until(b"Waiting for the next change", mark)
        assert b"cannot be read (SyntaxError" in said[mark:] and b"fix the Python" in said[mark:]
        assert watching.poll() is None, "watch goes on"
        mark = len(said)
        settings.write_text(good + "\n", "utf-8")
        read_until(b"Built", mark)
        time.sleep(0.5)
    finally:
        os.killpg(watching.pid, signal.SIGINT)
        said += watching.communicate(timeout=30)[0]
    text = said.decode()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert watching.returncode == 130, "the shell's status for a command stopped by Ctrl+C"


def test_quick_saves_index_one_after_another_without_a_false_failure(tmp_path: Path):
    """Each rebuild under `watch` re-indexes in the background; several at once shared one
    folder and said "Pagefind failed" while nothing had. They now take turns."""
    import threading

    from newsreel.build import search
    from newsreel.progress import Silent

    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    warnings: list[str] = []

    class Recording(Silent):  # the silent reporter, its warnings kept
        def warn(self, message: str) -> None:
            warnings.append(message)

    runs = [
        threading.Thread(target=search.refresh, args=(project.output, ["en"], Recording()))
        for _ in range(4)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(120)
    assert warnings == []
    assert (project.output / "pagefind/en/pagefind-entry.json").is_file()
    assert not list((project.output / "pagefind").glob(".*.new"))


@pytest.mark.parametrize(
    ("ending", "said"),
    [("kill -INT $$", "was interrupted"), ("exit 3", "ended (exit code 3)")],
    ids=["ctrl-c", "killed"],
)
def test_a_pagefind_that_ends_mid_index_fails_the_index_in_one_line_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str, said: str
):
    """Pagefind's wrapper waited for ever on a service that had ended (Ctrl+C reaches it with
    the terminal's process group; the out-of-memory killer may pick it): a build hung after
    its pages were live, and `watch` did not stop on Ctrl+C. Now the index fails in one line
    and the previous one stays."""
    import threading

    from newsreel.build import search
    from newsreel.progress import Silent

    project = write_site(tmp_path / "site", SMALL_SITE)
    build_site(project)
    before = sorted(p.name for p in (project.output / "pagefind/en").rglob("*"))
    dying = tmp_path / "pagefind"  # answers nothing: reads the first request, then ends
    dying.write_text(f"#!/bin/sh\nhead -c 1 >/dev/null\n{ending}\n", "utf-8")
    dying.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(dying))
    warnings: list[str] = []

    class Recording(Silent):
        def warn(self, message: str) -> None:
            warnings.append(message)

    run = threading.Thread(
        target=search.refresh, args=(project.output, ["en"], Recording()), daemon=True
    )
    run.start()
    run.join(30)
    assert not run.is_alive(), "the index waited for ever on an ended Pagefind"
    assert warnings == [
        f"search index: not made (the Pagefind process {said} before the index was written); "
        "the previous index stays"
    ]
    assert sorted(p.name for p in (project.output / "pagefind/en").rglob("*")) == before
    assert not list((project.output / "pagefind").glob(".*.new"))


def test_a_stop_during_a_rebuild_ends_the_watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Ctrl+C (or SIGTERM) while `watch` rebuilds: the build says it stopped, and the watch
    ends with it. It took the build's stop for a failed build ("Build failed: Exit: 130") and
    waited for the next change: the first Ctrl+C did not stop it."""
    import typer

    from newsreel.build import watch as site_watch
    from newsreel.cli import site as cli_site

    project = write_site(tmp_path / "site", SMALL_SITE)

    def stopped(*args, **kwargs):  # what `run_build` raises when Ctrl+C reaches it
        raise typer.Exit(130)

    def one_change(paths, content, languages, rebuild, output, **options) -> None:
        rebuild(list(languages), None)

    monkeypatch.setattr(cli_site, "run_build", stopped)
    monkeypatch.setattr(site_watch, "watch", one_change)
    with pytest.raises(typer.Exit) as ended:
        cli_site._watch_forever(project)
    assert ended.value.exit_code == 130
