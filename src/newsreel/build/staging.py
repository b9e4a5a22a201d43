"""Staging and the atomic swap: a build never leaves a half-written site behind.

Every build writes into a fresh folder beside `output/`. Only when the whole build has
succeeded does that folder replace `output/` (or, for a rebuild of some languages, their
`output/<lang>/`), in one step where Linux can swap two paths (`renameat2`), so the folder a
server reads is never missing, else with two renames; on any failure it is removed and the
live site stays as it was, for visitors and for `newsreel serve` alike.

The output folder itself is replaced only when a build may (`output.check_replaceable`: it
carries the marker every build leaves, or is empty, or holds only what a build makes), and
what a killed build left beside it (`.output.building-<pid>`, `.output.old-<pid>`) is swept by
the next one, once no process has that id.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from newsreel.build.output import check_replaceable
from newsreel.processes import running

logger = logging.getLogger(__name__)

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
            remove_or_warn(path)
            removed.append(path)
    return removed


def remove_or_warn(path: Path) -> None:
    """Remove `path` (a folder a build is done with); when something in it cannot be removed
    (a folder made read-only), say so, naming it, instead of leaving it behind in silence."""
    failures: list[str] = []

    def note(_function: object, failed: str, error: BaseException) -> None:
        failures.append(f"{failed}: {getattr(error, 'strerror', None) or error}")

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=note)
    else:  # pragma: no cover - Python 3.11
        shutil.rmtree(path, onerror=lambda function, failed, info: note(function, failed, info[1]))
    if path.exists():
        logger.warning(
            "%s: left by a build and cannot be removed (%s); remove it by hand "
            "(chmod -R u+w, then rm -r)", path, failures[0] if failures else "unknown reason"
        )  # fmt: skip


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


#: `renameat2`'s flag that swaps two paths in one step (Linux 3.15+, on ext4, xfs, btrfs,
#: tmpfs and overlayfs; glibc 2.28+).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    return function


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step (each then names what the other did); False where
    the system or the file system cannot, and nothing changed."""
    function = _renameat2()
    if function is None:
        return False
    done = function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if done == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False  # not here: the caller renames twice
    raise OSError(error, os.strerror(error), str(first), None, str(second))


def _put_in_place(fresh: Path, target: Path, old: Path) -> None:
    """`fresh` at `target`, and what was there at `old`: in one step where the system can swap
    two paths, so `target` is never missing (a server reading it would answer 404 in
    between); else with two renames."""
    shutil.rmtree(old, ignore_errors=True)
    if target.exists() and exchange(fresh, target):
        fresh.rename(old)  # the old content, now at `fresh`; `target` is already the new one
        return
    if target.exists():
        target.rename(old)
    fresh.rename(target)


def replace_folder(fresh: Path, target: Path) -> None:
    """Put `fresh` where `target` is, then drop the old one."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    _put_in_place(fresh, target, old)
    remove_or_warn(old)


def _swap(staging: Path, output: Path, languages: Sequence[str] | None) -> None:
    if languages is None:
        replace_folder(staging, output)
        return
    for lang in languages:
        old = output / f".{lang}.old-{os.getpid()}"
        _put_in_place(staging / lang, output / lang, old)
        # the old pages are no longer served: remove them without keeping the editor waiting
        threading.Thread(target=shutil.rmtree, args=(old, True), daemon=False).start()
