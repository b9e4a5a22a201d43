"""The media cache: finished outputs, stored by cache key, shared by every build.

An entry is `<cache>/<key[:2]>/<key>/<filename>` plus `meta.json` (the measured figures). The
file is moved in first and `meta.json` last, both with atomic renames, so an entry with
`meta.json` is always complete: a killed build leaves, at worst, stray scratch files in `.work`,
each named after the process that wrote it (`<pid>-...`), so the next build removes those of
dead processes (`sweep_scratch`) and leaves those of builds still running.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec

from newsreel.media.record import Measured
from newsreel.processes import running

_CHUNK = 1 << 20
_META = msgspec.json.Decoder(Measured)


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it: once, at import
    os.umask(mask)
    return mask


#: The mode an ordinary `open()` gives a new file. Temporary files are made `0600`, and a
#: site file left so (or hard-linked from a cache entry made so) answers 500 when the web
#: server runs as another user than the build.
FILE_MODE = 0o666 & ~_umask()


def encode_meta(meta: Measured) -> bytes:
    """A cache entry's `meta.json` (the same in the local and the shared cache)."""
    return msgspec.json.encode(meta)


def decode_meta(data: bytes) -> Measured:
    return _META.decode(data)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())  # on disk before its name is: a power cut keeps old or new
        temporary = Path(handle.name)
    os.chmod(temporary, FILE_MODE)
    os.replace(temporary, path)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def link_or_copy(source: Path, target: Path) -> None:
    """Put `source` at `target` atomically, as a hard link when the file system allows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copy2(source, temporary)
    os.replace(temporary, target)


class MediaCache:
    """Finished outputs by cache key."""

    def __init__(self, root: Path):
        self.root = root

    def entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> tuple[Path, Measured] | None:
        """The cached file and its figures, or None when the key was never finished, or when
        its file no longer has the size it was measured at (cut short by a full disk or a
        power cut, or edited in place): it is made again rather than published under the
        size and SHA-256 `manifest.json` gives downloaders. (Comparing the size is a `stat`;
        hashing every file at every build would read gigabytes.)"""
        try:
            meta = decode_meta((self.entry(key) / "meta.json").read_bytes())
        except (FileNotFoundError, msgspec.DecodeError):
            return None
        file = self.entry(key) / meta.filename
        try:
            intact = file.stat().st_size == meta.size
        except OSError:
            return None
        return (file, meta) if intact else None

    def put(self, key: str, produced: Path, meta: Measured) -> Path:
        """Move a finished file into the cache; `meta.json` is written last."""
        entry = self.entry(key)
        entry.mkdir(parents=True, exist_ok=True)
        target = entry / meta.filename
        os.chmod(produced, FILE_MODE)  # a download from the shared cache comes as 0600
        _fsync(produced)  # its bytes on disk before meta.json says the entry is complete
        os.replace(produced, target)
        write_atomic(entry / "meta.json", encode_meta(meta))
        return target

    def scratch(self) -> Path:
        """A folder for files being encoded (same file system as the cache: renames work)."""
        path = self.root / ".work"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def scratch_name(self, tag: str) -> Path:
        """A new path in the scratch folder, owned by this process (`<pid>-<tag>-<random>`):
        no other process writes it, and `sweep_scratch` knows whose it is."""
        return self.scratch() / f"{os.getpid()}-{tag}-{uuid.uuid4().hex[:12]}"

    def scratch_file(self, key: str, extension: str) -> Path:
        """A file name no other process (two builds sharing the cache) writes at the same time."""
        path = self.scratch_name(key)
        return path.with_name(f"{path.name}.{extension}")

    def sweep_scratch(self) -> list[Path]:
        """Remove the scratch files and folders of processes that are no longer running (a
        killed build's); those of running builds, and names of no known owner, stay."""
        folder = self.root / ".work"
        if not folder.is_dir():
            return []
        removed = []
        for path in folder.iterdir():
            owner = owner_of(path.name)
            if owner is None or running(owner):  # this process's own counts as running
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
        return removed

    def keys(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if p.is_dir())

    def gc(self, keep: Iterable[str]) -> list[Path]:
        """Remove every entry whose key is not in `keep`, and every scratch file; returns the
        entries removed. Only under the exclusive lock (`media.lock`): no build is running."""
        keep = set(keep)
        removed = []
        for key in self.keys():
            if key not in keep:
                shutil.rmtree(self.entry(key))
                removed.append(self.entry(key))
        shutil.rmtree(self.root / ".work", ignore_errors=True)
        return removed


def owner_of(name: str) -> int | None:
    """The process id a scratch name starts with (`<pid>-...`), or None."""
    head, dash, _ = name.partition("-")
    return int(head) if dash and head.isdigit() else None


def read_memo(path: Path) -> dict[str, Any]:
    """What a memo file of the cache remembers (`sources.json`, `tools.json`, `probes.json`):
    {} when it is missing, cut short or not a JSON object, so that everything in it is found
    again rather than trusted."""
    try:
        known = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return known if isinstance(known, dict) else {}


class SourceHashes:
    """SHA-256 of sources, remembered by path, size and mtime (sources are large)."""

    def __init__(self, cache_root: Path):
        self.path = cache_root / "sources.json"
        self.known: dict[str, dict[str, Any]] = read_memo(self.path)

    def sha256(self, source: Path) -> str:
        stat = source.stat()
        stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        remembered = self.known.get(str(source))
        if remembered and all(remembered.get(k) == v for k, v in stamp.items()):
            return remembered["sha256"]
        digest = sha256_file(source)
        self.known[str(source)] = {**stamp, "sha256": digest}
        write_atomic(self.path, json.dumps(self.known, indent=2).encode())
        return digest


class ToolVersions:
    """ffmpeg's version string, remembered by binary path, size and mtime.

    The version is part of every cache key, but asking for it starts a process; remembering it
    means a build whose outputs are all cached starts no ffmpeg process at all.
    """

    def __init__(self, cache_root: Path):
        self.path = cache_root / "tools.json"
        self.known: dict[str, dict[str, Any]] = read_memo(self.path)

    def version(self, exe: str, ask: Callable[[str], str]) -> str:
        """The remembered version of `exe`, or `ask(exe)` when the binary changed."""
        resolved = shutil.which(exe) or exe
        stat = Path(resolved).stat()
        stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        remembered = self.known.get(resolved)
        if remembered and all(remembered.get(k) == v for k, v in stamp.items()):
            return remembered["version"]
        version = ask(exe)
        self.known[resolved] = {**stamp, "version": version}
        write_atomic(self.path, json.dumps(self.known, indent=2).encode())
        return version
