"""Fingerprinted theme assets: `theme/css/site.css` is also `theme/css/site.<hash>.css`.

Pages link the fingerprinted name, so the CDN may keep assets for a year (immutable): a
changed file gets a new name, and the pages that need it are republished with it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from functools import cache
from pathlib import Path

_FINGERPRINTED = re.compile(r"\.[0-9a-f]{10}\.\w+$")


def fingerprint(path: Path) -> str:
    """The first 10 hex digits of the file's SHA-256 (remembered while the file is unchanged)."""
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@cache
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def fingerprinted_name(relative: str, digest: str) -> str:
    stem, dot, suffix = relative.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{relative}.{digest}"


def asset_url(static_dir: Path, theme_prefix: str, relative: str) -> str:
    """The site path of a theme asset under its fingerprinted name (no leading slash)."""
    return f"{theme_prefix}/{fingerprinted_name(relative, fingerprint(static_dir / relative))}"


def write_fingerprinted_copies(theme_output: Path) -> None:
    """Next to each copied theme file, its fingerprinted twin (same bytes)."""
    if not theme_output.is_dir():
        return
    for path in sorted(p for p in theme_output.rglob("*") if p.is_file()):
        if _FINGERPRINTED.search(path.name):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        twin = path.with_name(fingerprinted_name(path.name, digest))
        if not twin.exists():
            shutil.copy2(path, twin)
