"""Builds, gc and ffmpeg processes sharing one cache: nothing removed under a running build,
no encode outliving its build, and what a killed build left swept away by the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newsreel.media import encode, rewrap
from newsreel.media.cache import MediaCache
from newsreel.media.encode import ffmpeg_exe

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


def test_gc_removes_the_partial_copies_of_dead_processes_only(clips: Path, tmp_path: Path):
    # a build killed while it copied an MPEG-TS source into Matroska (`rewrap`) leaves a
    # partial copy; another build may be making one now
    folder = tmp_path / "cache" / rewrap.FOLDER
    folder.mkdir(parents=True)
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = folder / f"{finished.pid}-{'a' * 64}.part"
    alive = folder / f"{os.getppid()}-{'b' * 64}.part"  # pytest's parent
    unused = folder / f"{'c' * 64}.mkv"  # the copy of a source no manifest names
    for path in (dead, alive, unused):
        path.write_bytes(b"packets")
    removed = gc_cache(clips, tmp_path / "cache")
    assert {dead, unused} <= set(removed) and alive not in removed
    assert sorted(p.name for p in folder.iterdir()) == [alive.name]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:  # a thread that ended since the folder was listed
            continue
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_ffmpeg_dies_with_a_build_killed_outright(tmp_path: Path):
    endless = [ffmpeg_exe(), "-hide_banner", "-f", "lavfi", "-i", "testsrc2=s=64x36:r=25",
               "-f", "null", "-"]  # fmt: skip
    script = "import sys; from newsreel.media.runner import run; run(sys.argv[1:])"
    build = subprocess.Popen([sys.executable, "-c", script, *endless])
    ffmpeg: list[int] = []
    try:
        assert _until(lambda: bool(ffmpeg.extend(_children(build.pid)) or ffmpeg))
        assert _running(ffmpeg[0])
        build.send_signal(signal.SIGKILL)
        build.wait()
        assert _until(lambda: not _running(ffmpeg[0])), "ffmpeg outlived its build"
    finally:
        build.kill()
        for pid in ffmpeg:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_an_encode_started_as_its_build_dies_never_runs(tmp_path: Path):
    """The kernel's request only holds once made: a child whose build was gone by then (killed
    between fork and request, reparented) must stop rather than encode for no one."""
    from newsreel.media.runner import _death_wrapper

    assert _death_wrapper(), "setpriv and sh are on every Debian machine"
    ran = tmp_path / "ran"
    orphaned = subprocess.run([*_death_wrapper(), "1", "touch", str(ran)])
    assert orphaned.returncode == 137 and not ran.exists()
    adopted = subprocess.run([*_death_wrapper(), str(os.getpid()), "touch", str(ran)])
    assert adopted.returncode == 0 and ran.exists()


def test_a_build_stopped_while_it_encodes_ends_its_encodes_and_starts_no_more(
    clips: Path, tmp_path: Path
):
    """A stop that reaches the build alone (SIGTERM from `docker stop`, `kill -INT`): ffmpeg
    gets no signal of its own. The build stops within seconds, the encode under way ends
    with it, the jobs queued behind it never start, and no scratch file stays. It used to
    wait for the encode, then run every queued one: minutes of encoding after a Ctrl+C."""
    from newsreel.media import pipeline

    from .conftest import media_settings

    started: list[list[str]] = []
    busy = [ffmpeg_exe(), "-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=s=64x36:r=25",
            "-t", "8", "-f", "null", "-"]  # fmt: skip

    def slow(args, duration_ms, on_progress=None):  # every job takes seconds
        started.append(args)
        if len(started) == 1:  # the stop, once the first encode runs
            main = threading.main_thread().ident
            threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT)).start()
        return encode.run(busy, None, None)

    settings = media_settings(clips, tmp_path / "cache")
    others = set(_children(os.getpid()))  # the session's servers, browsers...
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        pipeline.build_media(settings, tmp_path / "out", jobs=1, runner=slow)
    assert time.monotonic() - began < 5, "the build waited for its encodes"
    assert len(started) == 1, "jobs queued behind the stopped one were started"
    left = [pid for pid in set(_children(os.getpid())) - others if _running(pid)]
    assert not left, "an encode outlived its build"
    assert not list((tmp_path / "cache").glob(".work/*"))
