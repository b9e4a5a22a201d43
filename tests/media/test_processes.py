"""Builds, gc and ffmpeg processes sharing one cache: nothing removed under a running build,
no encode outliving its build, and what a killed build left swept away by the next."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from newsreel.media import encode
from newsreel.media.cache import MediaCache

from .conftest import build_media, gc_cache


def test_gc_waits_for_a_running_build_and_removes_none_of_its_files(clips: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    encoding, gc_waiting = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def held_back(args, duration_ms, on_progress=None):  # ffmpeg starts once gc has asked
        encoding.set()
        gc_waiting.wait(timeout=10)
        return encode.run(args, duration_ms, on_progress)

    def build() -> None:
        try:
            outcome["videos"] = build_media(clips, tmp_path / "out", cache, runner=held_back)
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcome["error"] = error

    builder = threading.Thread(target=build)
    builder.start()
    assert encoding.wait(timeout=30)
    removed = gc_cache(clips, cache, on_wait=gc_waiting.set)  # returns once the build is done
    builder.join(timeout=60)
    assert gc_waiting.is_set(), "gc said it was waiting for the build"
    assert "error" not in outcome, outcome.get("error")
    assert outcome["videos"]["2025-10-15-test"]["cuts"]
    assert removed == []
    assert not list(cache.glob(".work/*"))


def test_a_build_sweeps_the_scratch_files_of_dead_processes_only(clips: Path, tmp_path: Path):
    cache = MediaCache(tmp_path / "cache")
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = cache.scratch() / f"{finished.pid}-{'a' * 64}-0123456789ab.mp4"
    dead.write_bytes(b"half an encode")
    dead_folder = cache.scratch() / f"{finished.pid}-smart-0123456789ab"
    dead_folder.mkdir()
    (dead_folder / "0-head.mp4").write_bytes(b"an edge")
    alive = cache.scratch() / f"{os.getppid()}-{'b' * 64}-0123456789ab.mp4"  # pytest's parent
    alive.write_bytes(b"being written by another build")
    build_media(clips, tmp_path / "out", tmp_path / "cache")
    assert sorted(p.name for p in (cache.root / ".work").iterdir()) == [alive.name]
