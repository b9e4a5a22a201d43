"""The output folder: a build replaces it whole and `clean` removes it, so neither may touch a
folder that is not a build's (`newsreel build -o .` once replaced a whole project, .git and all).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsreel.build import build_site
from newsreel.build.output import MARKER
from newsreel.build.staging import sweep_leftovers
from newsreel.cli import app
from newsreel.errors import NewsreelError
from newsreel.project import Project

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "300", "NO_COLOR": "1"})
    return result.exit_code, result.output


def snapshot(root: Path) -> set[str]:
    """Every path under `root` except what builds make, to show nothing was lost."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if not p.relative_to(root).as_posix().startswith(("output", ".cache"))
    }


@pytest.mark.parametrize(
    ("output", "said"),
    [
        (".", "--output: . is the project's folder"),
        ("content", "is the content folder"),
        ("content/news", "lies inside the content folder (content/)"),
        (".git", "is the project's git repository"),
        (".cache", "is the cache folder"),
        (".cache/site", "lies inside the cache folder"),
        ("clips", "is the clips folder"),
        ("var", "local server's folder"),
        ("..", "holds the project's folder"),
    ],
)
def test_an_output_over_the_projects_sources_is_refused_before_anything(
    small_site, monkeypatch, output, said
):
    (small_site.root / ".git").mkdir()
    (small_site.root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = snapshot(small_site.root)
    monkeypatch.chdir(small_site.root)
    for command in ("build", "clean"):
        code, printed = run(command, "--output", output)
        assert code == 2, printed
        assert said in printed and "--output output (the default)" in printed, printed
        assert "Traceback" not in printed and "Built" not in printed and "Removed" not in printed
    assert snapshot(small_site.root) == before, "nothing of the project may go"
    with pytest.raises(NewsreelError, match="--output"):
        Project.at(small_site.root, output=output)


def test_the_theme_and_content_the_settings_name_are_sources_too(tmp_path):
    from conftest import SMALL_SITE, write_site

    project = write_site(tmp_path / "site", SMALL_SITE, 'PATH = "articles"')
    (project.root / "articles").mkdir()
    with pytest.raises(NewsreelError, match="is the content folder"):
        Project.at(project.root, output="articles")
    with pytest.raises(NewsreelError, match="is the theme folder"):
        Project.at(project.root, output=project.theme)  # the repository's, named in the settings


def test_a_folder_of_someone_elses_files_is_neither_replaced_nor_removed(small_site, tmp_path):
    elsewhere = tmp_path / "documents"
    (elsewhere / "letters").mkdir(parents=True)
    (elsewhere / "notes.txt").write_text("mine")
    for command in ("build", "clean"):
        code, printed = run(command, "--root", str(small_site.root), "--output", str(elsewhere))
        assert code == 2, printed
        assert "holds files no newsreel build made (letters, notes.txt)" in printed, printed
        assert "give --output a new or empty folder" in printed and MARKER in printed
    assert (elsewhere / "notes.txt").read_text() == "mine" and (elsewhere / "letters").is_dir()
    assert not list(tmp_path.glob(".documents*")), "nothing built beside it either"
    a_file = tmp_path / "notes.md"
    a_file.write_text("mine")
    code, printed = run("build", "--root", str(small_site.root), "--output", str(a_file))
    assert code == 2 and "is a file, not a site's output folder" in printed, printed
    assert a_file.read_text() == "mine"


def test_every_build_marks_its_output_and_clean_removes_it(small_site, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, printed = run("build", "--root", str(small_site.root), "--output", str(empty))
    assert code == 0, printed
    assert (empty / MARKER).is_file(), "an empty folder is a build's to fill"
    code, printed = run("clean", "--root", str(small_site.root), "--output", str(empty))
    assert code == 0 and not empty.exists(), printed


def test_an_output_built_before_the_marker_is_adopted_but_not_with_files_of_its_own(small_site):
    build_site(small_site)
    output = small_site.output
    (output / MARKER).unlink()  # as every build made it before the marker existed
    build_site(small_site)
    assert (output / MARKER).is_file(), "adopted: it holds only what a build makes"
    (output / MARKER).unlink()
    (output / "drafts.docx").write_text("mine")
    with pytest.raises(NewsreelError, match=r"holds files no newsreel build made \(drafts.docx\)"):
        build_site(small_site)
    assert (output / "drafts.docx").read_text() == "mine"
    code, printed = run("clean", "--root", str(small_site.root))
    assert code == 2 and (output / "drafts.docx").exists(), printed


def busy_site(root: Path, items: int = 150) -> Project:
    """A site with enough pages that its Pelican runs are still under way a moment after
    the build says it is building."""
    from conftest import item, write_site

    files = {
        f"news/item-{number}.en.md": item(f"Item {number}", "en", "Text. " * 200)
        for number in range(items)
    }
    return write_site(root, files)


def start_build(project: Project) -> tuple[subprocess.Popen, bytes]:
    """`newsreel build` of `project` in a process of its own, once it says it is building;
    and what it has said so far."""
    import select
    import time

    from conftest import NEWSREEL

    build = subprocess.Popen(
        [NEWSREEL, "build", "--root", str(project.root)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "300", "NO_COLOR": "1"},
    )  # fmt: skip
    said = b""
    deadline = time.monotonic() + 60
    while b"Building" not in said and time.monotonic() < deadline:
        if select.select([build.stdout], [], [], 1)[0]:
            said += build.stdout.read1(4096)
    return build, said


def test_a_build_sweeps_what_killed_builds_left_but_not_a_running_ones(small_site):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        parent = small_site.output.parent
        left = [parent / f".output.building-{dead.pid}", parent / f".output.old-{dead.pid}"]
        running = parent / f".output.building-{alive.pid}"
        other = parent / f".elsewhere.building-{dead.pid}"  # another output's: not ours to sweep
        for folder in [*left, running, other]:
            (folder / "en").mkdir(parents=True)
        build_site(small_site)
        assert not [p for p in left if p.exists()], "a killed build's leftovers are swept"
        assert running.is_dir(), "a running build's staging is never touched"
        assert other.is_dir()
        inside = small_site.output / f".en.old-{dead.pid}"
        inside.mkdir()
        assert sweep_leftovers(small_site.output) == [inside]
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.parametrize(("stop", "status"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_build_stopped_says_so_and_leaves_nothing_behind(tmp_path, stop, status):
    """SIGINT to the build alone (as `kill -INT` sends it), or SIGTERM (`docker stop`,
    systemd, a CI runner's timeout): it says it stopped and that the output is as it was,
    with the status a shell gives the signal; its Pelican workers stop writing, no staging
    folder stays beside the output, and nothing else is printed. Python's default for SIGTERM
    ended it on the spot: the staging folder stayed, and the workers' resource tracker warned
    of leaked semaphores."""
    import signal
    import time

    project = busy_site(tmp_path / "site")
    build, said = start_build(project)
    time.sleep(0.3)
    build.send_signal(getattr(signal, stop))
    said += build.communicate(timeout=60)[0]
    text = said.decode()
    assert build.returncode == status, text
    assert f"Stopped: {project.output} left as it was" in text, text
    assert "Traceback" not in text and "semaphore" not in text, text
    time.sleep(1)  # a worker left running would write on into its staging folder
    assert not project.output.exists()
    assert not list(project.output.parent.glob(".output.*")), text


def test_a_build_stopped_with_sigterm_while_it_indexes_ends_pagefind_and_its_scratch(tmp_path):
    """SIGTERM while the search index is made: Pagefind, which no terminal signalled, ends
    with the build, the previous index stays and no half-made one is left. The index went on
    in a thread Python no longer waited for (its join interrupted), and the interpreter ended
    under it: `.en.new` stayed, and its temporary pages were removed under it (a traceback)."""
    import signal
    import time

    project = busy_site(tmp_path / "site", items=300)
    build_site(project)
    before = (project.output / "pagefind" / "en" / "pagefind-entry.json").read_bytes()
    build, said = start_build(project)
    deadline = time.monotonic() + 60
    while not (project.output / "pagefind" / ".en.new").exists():
        assert time.monotonic() < deadline and build.poll() is None, said
        time.sleep(0.005)
    build.send_signal(signal.SIGTERM)
    said += build.communicate(timeout=30)[0]
    text = said.decode()
    assert build.returncode == 143, text
    assert "Stopped while indexing for search" in text, text
    assert "Traceback" not in text, text
    assert not list((project.output / "pagefind").glob(".*")), "a half-made index stayed"
    assert (project.output / "pagefind" / "en" / "pagefind-entry.json").read_bytes() == before


def test_a_build_killed_outright_takes_its_workers_with_it(tmp_path):
    """kill -9 of the build process alone (the out-of-memory killer does no better): its
    Pelican workers, which would otherwise run on for ever, end within seconds."""
    import signal
    import time

    project = busy_site(tmp_path / "site")
    build, _ = start_build(project)

    def workers() -> list[int]:
        found = []
        for task in Path("/proc").iterdir():
            if not task.name.isdigit():
                continue
            try:
                command = (task / "cmdline").read_bytes()
                parent = int((task / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if b"multiprocessing" in command and parent == build.pid:
                found.append(int(task.name))
        return found

    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline:
        seen.update(workers())
        time.sleep(0.05)
    assert seen, "the build started its workers"
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while (left := [pid for pid in seen if Path(f"/proc/{pid}").exists()]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    for pid in left:  # do not leave them to the next test either
        subprocess.run(["kill", "-9", str(pid)], check=False)
    assert not left, "workers outlived the build"


def test_two_builds_at_once_take_turns(tmp_path):
    """A second build started while one runs (a `watch` and a `build`, a double-click) waits
    for it, and says so: both end well, and neither search index is lost."""
    from conftest import NEWSREEL

    project = busy_site(tmp_path / "site", items=400)
    first, said = start_build(project)  # the first one is building
    command = [NEWSREEL, "build", "--root", str(project.root)]
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "300", "NO_COLOR": "1"}
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    said_first = (said + first.communicate(timeout=300)[0]).decode()
    assert first.returncode == 0 and second.returncode == 0, (said_first, second.stdout)
    both = said_first + second.stdout + second.stderr
    assert "Another build of this site is under way: waiting for it to finish" in both, both
    assert "Pagefind failed" not in both and "Traceback" not in both, both
    index = project.output / "pagefind" / "en" / "pagefind-entry.json"
    assert index.is_file()
    assert not list((project.output / "pagefind").glob(".*.new")), "no half-made index is left"


def test_clips_build_then_build_and_clean_work(small_site):
    """`clips build` writes output/media/ alone: the folder is a build's, which the next build
    replaces and clean removes (it was refused: no index.html, no marker)."""
    import shutil

    (small_site.root / "clips").mkdir()
    shutil.copy(REPO / "clips" / "presets.toml", small_site.root / "clips" / "presets.toml")
    root = str(small_site.root)
    code, said = run("clips", "build", "--root", root)
    assert code == 0, said
    assert (small_site.output / "media").is_dir() and (small_site.output / MARKER).is_file()
    code, said = run("build", "--root", root)
    assert code == 0, said
    assert (small_site.output / "index.html").is_file()
    code, said = run("clean", "--root", root)
    assert code == 0, said
    assert not small_site.output.exists()


def test_clips_build_refuses_a_folder_of_someone_elses(small_site, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    code, said = run("clips", "build", "--root", str(small_site.root), "--output", str(theirs))
    assert code == 2 and "holds files no newsreel build made (notes.txt)" in said, said
    assert sorted(p.name for p in theirs.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("languages", [None, ["fr"]])
def test_the_served_folder_is_never_missing_while_a_build_goes_live(
    small_site, monkeypatch, languages
):
    """A server reads `output/` (or `output/fr/`) on every request: the new build takes its
    place in one step, so no request between two renames finds it missing (404)."""
    build_site(small_site)
    served = small_site.output if languages is None else small_site.output / "fr"
    missing_after: list[str] = []
    rename = Path.rename

    def watched(self: Path, target):
        result = rename(self, target)
        if not served.exists():
            missing_after.append(f"{self.name} -> {Path(target).name}")
        return result

    monkeypatch.setattr(Path, "rename", watched)
    before = (served / "fr/index.html" if languages is None else served / "index.html").stat()
    build_site(small_site, languages=languages)
    after = (served / "fr/index.html" if languages is None else served / "index.html").stat()
    assert after.st_ino != before.st_ino, "the new build is live"
    assert missing_after == []


def test_two_folders_are_swapped_in_one_step(tmp_path):
    from newsreel.build.staging import exchange

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/from-a").touch()
    assert exchange(tmp_path / "a", tmp_path / "b")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
    assert not list((tmp_path / "a").iterdir())
    with pytest.raises(FileNotFoundError):
        exchange(tmp_path / "a", tmp_path / "missing")


def test_a_leftover_that_cannot_be_removed_is_named(tmp_path, monkeypatch, caplog):
    """A stopped build's folder made read-only (chmod 555 by its owner) cannot be removed:
    the build says so, naming it and the fix, where it stayed behind in silence for ever."""
    import errno
    import os

    from newsreel.build.staging import remove_or_warn

    stuck = tmp_path / ".output.old-12345"
    (stuck / "en").mkdir(parents=True)
    real_rmdir = os.rmdir

    def refuse(path, *args, **kwargs):
        if Path(path) == stuck:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "rmdir", refuse)
    with caplog.at_level("WARNING", logger="newsreel"):
        remove_or_warn(stuck)
    assert stuck.exists() and not (stuck / "en").exists()
    [record] = [r for r in caplog.records if r.levelname == "WARNING"]
    message = record.getMessage()
    assert str(stuck) in message and "Permission denied" in message
    assert "remove it by hand" in message


def test_a_build_stopped_once_live_says_so_and_its_sitemaps_went_live_with_it(
    small_site: Project, monkeypatch: pytest.MonkeyPatch
):
    """Stopped just after the swap, a build said "left as it was" of a site whose new pages
    were live, and the new site had no sitemap.xml until the next build: the sitemaps are now
    written before the swap, and the stop says the pages are live."""
    from newsreel.build import site

    build_site(small_site)
    (small_site.content / "news" / "meeting.en.md").write_text(
        (small_site.content / "news" / "meeting.en.md").read_text("utf-8") + "\nMore.\n", "utf-8"
    )

    def stopped(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(site, "_index_in_background", stopped)
    result = CliRunner().invoke(app, ["build", "--root", str(small_site.root)])
    said = " ".join(result.output.split())
    assert result.exit_code == 130, result.output
    assert f"Stopped once the new pages of {small_site.output} were live" in said, said
    assert "left as it was" not in said
    assert "More." in (small_site.output / "en/news/meeting/index.html").read_text("utf-8")
    for name in ("sitemap.xml", "sitemap-video.xml", "robots.txt"):
        assert (small_site.output / name).is_file(), name


def test_clips_build_stopped_says_so(small_site: Project, monkeypatch: pytest.MonkeyPatch):
    """Ctrl+C (or SIGTERM) while `newsreel clips build` encodes: one line saying it stopped
    and what is kept, the shell's status for it; it printed nothing but a blank line."""
    from newsreel.media import pipeline

    def stopped(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "build_media", stopped)
    result = CliRunner().invoke(app, ["clips", "build", "--root", str(small_site.root)])
    said = " ".join(result.output.split())
    assert result.exit_code == 130, result.output
    assert "Stopped: the clips encoded so far are kept in the media cache" in said, said
    assert "Traceback" not in said
