"""Captions: validated at build time, cut to match each cut, offered on the page and in the kit."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from newsreel.media.errors import MediaError

from .conftest import build_media, plan_media, write_manifest

VTT = """WEBVTT

00:00:00.500 --> 00:00:02.000
Exterior

00:00:03.000 --> 00:00:05.500
Notre soutien à l’Ukraine est vital.
"""


def with_captions(clips: Path, text: str = VTT) -> None:
    (clips / "captions").mkdir(exist_ok=True)
    (clips / "captions" / "test.fr.vtt").write_text(text, encoding="utf-8")
    write_manifest(
        clips,
        **{"date = 2025-10-15": 'date = 2025-10-15\ncaptions = { fr = "captions/test.fr.vtt" }'},
    )


def test_captions_are_cut_with_each_cut(clips: Path, tmp_path: Path):
    with_captions(clips)
    out = tmp_path / "out"
    video = build_media(clips, out, tmp_path / "cache")["2025-10-15-test"]
    full, cut = video["cuts"]
    assert (out / full["captions"]["fr"]["url"].lstrip("/")).read_text("utf-8") == (
        "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nExterior\n\n"
        "00:00:03.000 --> 00:00:05.500\nNotre soutien à l’Ukraine est vital.\n"
    )
    # the cut runs 00:00:01.040 to 00:00:03.520: both cues overlap it, shifted and clipped
    assert (out / cut["captions"]["fr"]["url"].lstrip("/")).read_text("utf-8") == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:00.960\nExterior\n\n"
        "00:00:01.960 --> 00:00:02.480\nNotre soutien à l’Ukraine est vital.\n"
    )
    assert video["transcript"]["fr"][1] == {
        "at_ms": 3000,
        "text": "Notre soutien à l’Ukraine est vital.",
    }
    kit = out / video["press_kit"]["url"].lstrip("/")
    with zipfile.ZipFile(kit) as archive:
        assert "media/20251015-test-soundbite.fr.vtt" in archive.namelist()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not a caption file", "is not valid WebVTT"),
        (VTT.replace("00:00:05.500", "00:00:09.000"), "cue 2 ends at 00:00:09.000, past the end"),
        # SubRip's comma: webvtt-py would drop the cue without a word
        (
            VTT.replace("00:00:03.000 -->", "00:00:03,000 -->"),
            "test.fr.vtt: line 6: '00:00:03,000 --> 00:00:05.500' is not a cue timing; "
            "use a full stop before the milliseconds: 00:00:03.000",
        ),
        (
            VTT.replace("00:00:03.000 -->", "3s -->"),
            "line 6: '3s --> 00:00:05.500' is not a cue timing; write it as HH:MM:SS.mmm",
        ),
    ],
)
def test_bad_captions_are_refused(clips: Path, tmp_path: Path, text: str, words: str):
    with_captions(clips, text)
    with pytest.raises(MediaError) as raised:
        plan_media(clips, tmp_path / "cache")
    [line] = raised.value.lines()
    assert "2025-10-15-test.toml: captions.fr: " in line and words in line


def test_captions_not_in_utf8_are_named_with_their_byte(clips: Path, tmp_path: Path):
    with_captions(clips)
    (clips / "captions" / "test.fr.vtt").write_bytes(VTT.encode("utf-8").replace(
        "’".encode(), b"'").replace("à".encode(), "à".encode("latin-1")))  # fmt: skip
    with pytest.raises(MediaError) as raised:
        plan_media(clips, tmp_path / "cache")
    [line] = raised.value.lines()
    assert "2025-10-15-test.toml: captions.fr: test.fr.vtt is not UTF-8 (byte 0xe0 at " in line
    assert "line 7); save it as UTF-8" in line


def test_captions_with_a_byte_order_mark_keep_every_cue(clips: Path, tmp_path: Path):
    with_captions(clips)
    vtt = clips / "captions" / "test.fr.vtt"
    vtt.write_bytes(b"\xef\xbb\xbf" + vtt.read_bytes())
    video = build_media(clips, tmp_path / "out", tmp_path / "cache")["2025-10-15-test"]
    assert [cue["at_ms"] for cue in video["transcript"]["fr"]] == [500, 3000]
