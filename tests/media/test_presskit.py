"""The press kit: every public file of every cut, the texts, checksums; built once."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from .conftest import build_media, gc_cache


def test_press_kit_holds_public_files_texts_and_checksums(clips: Path, tmp_path: Path):
    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    kit = video["press_kit"]
    assert kit["filename"] == "20251015-test-press-kit.zip"
    path = out / kit["url"].lstrip("/")
    assert path.stat().st_size == kit["bytes"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == kit["sha256"]
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        public = {
            entry["filename"]
            for cut in video["cuts"]
            for entry in [*cut["files"], cut["poster"]]
            if entry["access"] == "public"
        }
        assert {f"media/{name}" for name in public} <= names
        assert not [name for name in names if name.endswith("-hd.mp4")], "account-only stays out"
        for text in ("shot-list.en.txt", "shot-list.fr.txt", "transcript.fr.txt", "rights.en.txt"):
            assert text in names
        assert "Mention\u00a0: OTAN." in archive.read("rights.fr.txt").decode()
        sums = archive.read("SHA256SUMS").decode().splitlines()
        assert len(sums) == len(names) - 1
        for line in sums:
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_press_kit_texts_read_as_written_in_each_language(clips: Path, tmp_path: Path):
    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    with zipfile.ZipFile(out / video["press_kit"]["url"].lstrip("/")) as archive:
        read = {name: archive.read(name).decode() for name in archive.namelist() if ".txt" in name}
    assert read["shot-list.fr.txt"].splitlines()[:4] == [
        "Essai",
        "Bruxelles, 15 octobre 2025",
        "Durée\u00a0: 6\u00a0s",
        "Mention obligatoire\u00a0: OTAN",
    ]
    assert read["shot-list.en.txt"].splitlines()[1] == "Brussels, 15 October 2025"
    assert (
        "00:00:03  Citation\u00a0: Mark Rutte, secrétaire général de l’OTAN (en français)"
        in read["shot-list.fr.txt"]
    )
    assert "Soundbite: Mark Rutte, NATO Secretary General (in French)" in read["shot-list.en.txt"]
    # The words as spoken in every file, and a translation where the file's language differs.
    assert "«\u00a0Notre soutien à l’Ukraine est vital.\u00a0»" in read["transcript.fr.txt"]
    assert "Traduction" not in read["transcript.fr.txt"]
    assert "“Notre soutien à l’Ukraine est vital.”" in read["transcript.en.txt"]
    assert "Translation: “Our support for Ukraine is vital.”" in read["transcript.en.txt"]


def test_press_kit_is_the_same_bytes_again_and_survives_gc(clips: Path, tmp_path: Path):
    from newsreel.media import record
    from newsreel.media.cache import MediaCache
    from newsreel.media.presskit import build_press_kit

    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache1")["2025-10-15-test"]
    typed = record.read(out / "media/2025-10-15-test/manifest.json")
    again = build_press_kit(typed, out, MediaCache(tmp_path / "elsewhere"))
    assert (again.sha256, again.url) == (
        video["press_kit"]["sha256"],
        video["press_kit"]["url"],
    )
    gc_cache(clips, tmp_path / "cache1")
    rebuilt = build_media(clips, tmp_path / "c", tmp_path / "cache1")
    assert rebuilt["2025-10-15-test"]["press_kit"]["url"] == video["press_kit"]["url"]
