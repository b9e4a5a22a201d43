"""Operators' failures (a full disk, a mount point, permissions) as one line with the fix."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from newsreel.errors import from_os_error


def test_a_failed_copy_of_many_files_is_one_line_naming_the_first():
    failures = [
        (f"/site/output/pagefind/f{n}.pf", f"/site/.output.building-1/pagefind/f{n}.pf",
         "[Errno 18] Invalid cross-device link: 'a' -> 'b'")
        for n in range(60)
    ]  # fmt: skip
    lines = from_os_error(shutil.Error(failures)).lines()
    assert len(lines) == 1 and len(lines[0]) < 300, lines
    assert lines[0].startswith("/site/.output.building-1/pagefind/f0.pf: Invalid cross-device link")
    assert "mount point" in lines[0] and "--output" in lines[0]


def test_a_busy_mount_point_says_what_to_do():
    error = OSError(errno.EBUSY, "Device or resource busy", "/site/output")
    (line,) = from_os_error(error).lines()
    assert line.startswith("/site/output: Device or resource busy; the output folder is a mount")


def test_a_read_only_disk_and_a_full_one(tmp_path: Path):
    (read_only,) = from_os_error(OSError(errno.EROFS, "Read-only file system", "/x")).lines()
    assert "mounted read-only" in read_only
    (full,) = from_os_error(OSError(errno.ENOSPC, "No space left on device", "/x")).lines()
    assert "free some space" in full


def test_a_folder_that_cannot_be_written_names_the_folder(tmp_path: Path):
    folder = tmp_path / "cache"
    folder.mkdir()
    error = OSError(errno.EACCES, "Permission denied", str(folder / "new-file"))
    (line,) = from_os_error(error).lines()
    assert "make the folder writable (chmod u+w cache)" in line
