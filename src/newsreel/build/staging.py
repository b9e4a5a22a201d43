"""Staging and the atomic swap: a build never leaves a half-written site behind.

Every build writes into a fresh folder beside `output/`. Only when the whole build has
succeeded does that folder replace `output/` (or, for a rebuild of some languages, their
`output/<lang>/`), with renames; on any failure it is removed and the live site stays as it
was, for visitors and for `newsreel serve` alike.

The output folder itself is replaced only when a build may (`output.check_replaceable`: it
carries the marker every build leaves, or is empty, or holds only what a build makes), and
what a killed build left beside it (`.output.building-<pid>`, `.output.old-<pid>`) is swept by
the next one, once no process has that id.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from newsreel.build.output import check_replaceable
from newsreel.processes import running

#: What a build (or a dry-run publish) leaves beside `output/` when it is killed, and a rebuild
#: of one language inside it: `.output.building-<pid>`, `.output.old-<pid>`, `.en.old-<pid>`.
LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:building|old|dry-run)-(?P<pid>\d+)$")


@contextmanager
def staged(
    output: Path, languages: Sequence[str] | None = None, built_names: Collection[str] = ()
) -> Iterator[Path]:
    """A folder to build into, swapped in for `output` (or just its `languages`) when the block
    ends without error, and removed in every case.

    Refuses (a NewsreelError, before anything is built) an `output` a build may not replace:
    see `output.check_replaceable`, to which `built_names` (the languages, the static folders)
    are what a build writes at the top of its output. First sweeps what killed builds left.
    """
    check_replaceable(output, built_names)
    sweep_leftovers(output)
    staging = output.with_name(f".{output.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        check_replaceable(output, built_names)  # minutes later: what if something moved in
        _swap(staging, output, languages)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def sweep_leftovers(output: Path) -> list[Path]:
    """Remove what killed builds left beside `output` (and inside it, from rebuilds of one
    language), and return it; never what a running process (another build) is working in.

    A process id is only known on this machine: builds on other machines into one shared
    folder are not supported (nor were they ever safe: the swap is a rename)."""
    found = [
        path
        for path in output.parent.glob(f".{output.name}.*-*")
        if (match := LEFTOVER.match(path.name)) and match["name"] == output.name
    ]
    if output.is_dir():
        found += [path for path in output.glob(".*.old-*") if LEFTOVER.match(path.name)]
    removed = []
    for path in found:
        pid = int(LEFTOVER.match(path.name)["pid"])  # type: ignore[index]
        if not running(pid):  # this process's own counts as running
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def link_live(
    output: Path, staging: Path, languages: Sequence[str], rewrite: Sequence[str]
) -> None:
    """The live pages of `languages`, hard-linked into staging, minus the files to rewrite."""
    for lang in languages:
        shutil.copytree(output / lang, staging / lang, copy_function=os.link)
    for relative in rewrite:
        (staging / relative).unlink(missing_ok=True)


def carry_over(source: Path, target: Path) -> None:
    """Hard-link a live folder (the search index) into the new build: it serves until the new
    one is in."""
    if source.is_dir():
        shutil.copytree(source, target, copy_function=os.link)


def replace_folder(fresh: Path, target: Path) -> None:
    """Put `fresh` where `target` is, with renames only, then drop the old one."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _swap(staging: Path, output: Path, languages: Sequence[str] | None) -> None:
    if languages is None:
        replace_folder(staging, output)
        return
    for lang in languages:
        old = output / f".{lang}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        if (output / lang).exists():
            (output / lang).rename(old)
        (staging / lang).rename(output / lang)
        # the old pages are no longer served: remove them without keeping the editor waiting
        threading.Thread(target=shutil.rmtree, args=(old, True), daemon=False).start()
