"""The benchmarks' own clip manifests still pass the checks every manifest passes.

The benchmarks are run by hand and take minutes; when the manifest rules grow (issue 13 made
location and credit per-language) a benchmark's generated manifest must follow, or the
benchmark stops half-way. Loading them costs nothing, so the test suite does it.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from newsreel.media.manifests import load_manifest
from newsreel.media.presets import load_presets

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "fr")


def _bench(name: str):
    """A benchmark script as a module (its `main()` is not run)."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        spec = importlib.util.spec_from_file_location(
            f"bench_{name}", REPO / "bench" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(REPO / "bench"))
    return module


def _shots(minutes: int) -> str:
    return "\n".join(
        f'[[shots]]\nat = "00:{m:02d}:00"\nen = "Minute {m}"\nfr = "Minute {m}"'
        for m in range(minutes)
    )


@pytest.mark.parametrize(
    ("bench", "video", "text"),
    [
        (
            "media",
            "2025-10-15-long-press-conference",
            lambda b: b.LONG_MANIFEST.format(shots=_shots(10)),
        ),
        ("clip", "2025-10-15-bench-ten-minutes", lambda b: b.manifest_toml()),
    ],
)
def test_a_benchmark_manifest_is_valid(tmp_path: Path, bench: str, video: str, text):
    module = _bench(bench)
    clips = tmp_path / "clips"
    clips.mkdir()
    shutil.copy(REPO / "clips" / "presets.toml", clips / "presets.toml")
    path = clips / f"{video}.toml"
    path.write_text(text(module), encoding="utf-8")
    presets = load_presets(clips / "presets.toml", LANGUAGES)
    manifest = load_manifest(path, presets, LANGUAGES)
    assert manifest.id == video and manifest.location and manifest.credit
