"""A broken theme template is named with its line and the fix, once, never as a traceback; a
template missing from the theme fails the build instead of taking Pelican's plain one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, SMALL_SITE, write_site
from newsreel.build import BuildError, build_site


def _site_with_theme(tmp_path: Path, change) -> tuple[object, Path]:
    theme = tmp_path / "site" / "theme"
    shutil.copytree(REPO / "theme", theme)
    change(theme / "templates")
    project = write_site(tmp_path / "site", SMALL_SITE, settings_extra="THEME = 'theme'")
    return project, theme


def _break_line(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _failure(project) -> list[str]:
    with pytest.raises(BuildError) as raised:
        build_site(project)
    return raised.value.lines()


def _title_written(tmp_path: Path, written: str) -> tuple[object, int]:
    """A site whose article template writes the title as `written`; the line it is on."""
    line = {}

    def change(templates: Path) -> None:
        line["n"] = _break_line(templates / "article.html", "{{ article.title }}", written)

    project, _ = _site_with_theme(tmp_path, change)
    return project, line["n"]


def test_a_template_syntax_error_names_the_template_and_line(tmp_path: Path):
    project, line = _title_written(tmp_path, "{{ article.title }")
    assert _failure(project) == [  # one line, though both languages' runs failed on it
        f"theme/templates/article.html: line {line}: unexpected '}}'; "
        "fix the template's syntax ({% ... %}, {{ ... }})"
    ]


def test_an_error_while_rendering_names_the_template_and_line(tmp_path: Path):
    project, line = _title_written(tmp_path, "{{ article.title.no.such }}")
    (problem,) = _failure(project)
    assert problem.startswith(f"theme/templates/article.html: line {line}: UndefinedError:")
    assert "'no'" in problem and problem.endswith("; fix the template")


def test_a_template_missing_from_the_theme_fails_the_build(tmp_path: Path):
    project, _ = _site_with_theme(tmp_path, lambda templates: (templates / "tag.html").unlink())
    assert _failure(project) == [
        "theme/templates/tag.html: missing from the theme (Pelican would make these pages with "
        "its own plain theme); restore it (git checkout), or add it to the theme"
    ]
    assert not (project.output / "en").exists(), "no page of Pelican's plain theme went out"
