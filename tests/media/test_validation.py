"""Mistakes in presets, manifests and sources: one clear line each, naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreel.media.errors import MediaError

from .conftest import build_media, make_source, plan_media, write_manifest

RIGHTS_THEN_SHA256 = """[rights]
en = "Credit: NATO."
fr = "Mention : OTAN."
sha256 = "abc"
"""


def problems_of(clips: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(MediaError) as raised:
        plan_media(clips, tmp_path / "cache")
    return raised.value.lines()


@pytest.mark.parametrize(
    ("replace", "field", "words"),
    [
        (
            {'presets = ["hd", "web"]': 'presets = ["hd", "4k"]'},
            "cuts['soundbite'].presets[1]",
            "unknown preset '4k'",
        ),
        (
            {'presets = ["hd", "web"]': 'presets = ["hd", "wbe"]'},
            "cuts['soundbite'].presets[1]",
            "unknown preset 'wbe'; did you mean 'web'?",
        ),
        (
            {'in = "00:00:01.040"': 'in = "00:00:03.600"'},
            "cuts['soundbite'].out",
            "is not after in",
        ),
        (
            {'in = "00:00:01.040"': 'in = "1.04s"'},
            "cuts['soundbite'].in",
            """is not a time code; did you mean "00:00:01.040"?""",
        ),
        (
            {'in = "00:00:01.040"': 'in = "0:00:01,04"'},
            "cuts['soundbite'].in",
            """is not a time code; did you mean "00:00:01.040"?""",
        ),
        (
            {'in = "00:00:01.040"': "in = 1.04"},
            "cuts['soundbite'].in",
            """is not a time code; did you mean "00:00:01.040"?""",
        ),
        (
            {'in = "00:00:01.040"': 'in = "00:00:01:01"'},
            "cuts['soundbite'].in",
            "is not a time code; frames are not read: write the time in milliseconds",
        ),
        (
            {'out = "00:00:03.520"': 'out = "00:01:00"'},
            "cuts['soundbite'].out",
            "is past the end of the source (00:00:06.000)",
        ),
        ({'id = "2025-10-15-test"': 'id = "other-id"'}, "id", "differs from the file name"),
        ({', fr = "Essai"': ""}, "title.fr", "missing"),
        # Every table's keys are checked: a key nobody reads is a mistake, not a silent no-op.
        (
            {'en = "Soundbite"': 'en = "Soundbite", es = "x"'},
            "cuts['soundbite'].title.es",
            "unknown field",
        ),
        (
            {'rights = { en = "Credit: NATO.", fr = "Mention : OTAN." }': RIGHTS_THEN_SHA256},
            "rights.sha256",
            "unknown field; keys after [rights] belong to it; move sha256 above the first table",
        ),
        (
            {'title = { en = "Soundbite"': 'poster = "00:00:02"\ntitle = { en = "Soundbite"'},
            "cuts['soundbite'].poster",
            "unknown field; keys after [[cuts]] belong to it; move poster above the first table",
        ),
        (
            {'id = "soundbite"': 'id = "full"'},
            "cuts[0].id",
            "'full' is the full-length version's; give the cut an id of its own",
        ),
        (
            {'presets = ["hd", "web"]': 'presets = "web"'},
            "cuts['soundbite'].presets",
            """a name where a list is needed; write ["web"], in brackets""",
        ),
        ({'id = "2025-10-15-test"\n': ""}, "id", 'missing; add id = "2025-10-15-test"'),
        ({"date = 2025-10-15\n": ""}, "date", "missing; add date = 2025-10-15"),
        (
            {'source = "sources/test.mp4"': 'source = "sources"'},
            "source",
            "sources is a folder; name the video file in it",
        ),
        (
            {'source = "sources/test.mp4"': 'source = "sources/missing.mp4"'},
            "source",
            "sources/missing.mp4 not found",
        ),
        (
            {"date = 2025-10-15": 'date = 2025-10-15\nsha256 = "' + "0" * 64 + '"'},
            "sha256",
            "does not match",
        ),
        # Words a page shows are one text per language, like titles.
        (
            {'location = { en = "Brussels", fr = "Bruxelles" }': 'location = "Brussels"'},
            "location",
            "'Brussels' is one text for every language; write [location] with en = ... and fr",
        ),
        ({'credit = { en = "NATO", fr = "OTAN" }\n': ""}, "credit", "missing; add [credit]"),
        (
            {', fr = "secrétaire général de l’OTAN"': ""},
            "shots[1].role.fr",
            "missing",
        ),
        # A soundbite: the words as spoken, in a language named by its code, translated.
        (
            {'language = "fr"': 'language = "french"'},
            "shots[1].language",
            "'french' is not a language code",
        ),
        (
            {'translation = { en = "Our support for Ukraine is vital." }': ""},
            "shots[1].translation",
            "missing; add [shots[1].translation] with en = ...",
        ),
        (
            {'{ en = "Our support for Ukraine is vital." }': '{ en = "Our support.", fr = "x" }'},
            "shots[1].translation.fr",
            "the quote is already in fr; remove translation.fr",
        ),
    ],
)
def test_manifest_mistakes(clips: Path, tmp_path: Path, replace, field, words):
    write_manifest(clips, **replace)
    problems = problems_of(clips, tmp_path)
    assert len(problems) == 1, problems
    assert f"2025-10-15-test.toml: {field}: " in problems[0]
    assert words in problems[0]
    assert "; " in problems[0], "each problem says how to fix it"


def test_all_problems_of_a_manifest_at_once(clips: Path, tmp_path: Path):
    write_manifest(clips, **{'in = "00:00:01.040"': 'in = "x"', 'fr = "Essai"': 'it = "Prova"'})
    fields = sorted(line.split(": ")[1] for line in problems_of(clips, tmp_path))
    assert fields == ["cuts['soundbite'].in", "title.fr", "title.it"]


def test_a_cut_with_a_bad_id_has_its_other_problems_reported_too(clips: Path, tmp_path: Path):
    bad = {'id = "soundbite"': 'id = "Sound Bite"', 'in = "00:00:01.040"': 'in = "x"'}
    write_manifest(clips, **bad, **{'presets = ["hd", "web"]': 'presets = ["hd", "Web"]'})
    fields = sorted(line.split(": ")[1] for line in problems_of(clips, tmp_path))
    assert fields == ["cuts[0].id", "cuts[0].in", "cuts[0].presets[1]"]


def test_a_manifest_not_in_utf8_is_named_with_its_byte(clips: Path, tmp_path: Path):
    path = write_manifest(clips)
    path.write_bytes(path.read_text("utf-8").replace("’", "'").encode("latin-1"))
    [line] = problems_of(clips, tmp_path)
    assert "2025-10-15-test.toml: is not UTF-8 (byte 0xe9 at position " in line
    assert "; save it as UTF-8" in line


def test_a_manifest_with_a_byte_order_mark_is_read(clips: Path, tmp_path: Path):
    path = write_manifest(clips)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert plan_media(clips, tmp_path / "cache")


def test_corrupt_source(clips: Path, tmp_path: Path):
    (clips / "sources" / "test.mp4").write_bytes(b"not a video at all" * 1000)
    [line] = problems_of(clips, tmp_path)
    assert "source: sources/test.mp4: it is not a readable media file" in line
    assert "Invalid data found when processing input" in line and "Errno" not in line


def test_an_empty_source_is_called_empty(clips: Path, tmp_path: Path):
    (clips / "sources" / "test.mp4").write_bytes(b"")
    [line] = problems_of(clips, tmp_path)
    assert "source: sources/test.mp4: the file is empty (0 bytes); " in line
    assert "Errno" not in line


def test_truncated_source(clips: Path, tmp_path: Path):
    path = clips / "sources" / "test.mp4"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    [line] = problems_of(clips, tmp_path)
    assert "2025-10-15-test.toml: source: sources/test.mp4: it " in line


def test_source_without_audio(clips: Path, tmp_path: Path):
    """Only the audio-only preset is refused: video presets get a silent track."""
    make_source(clips / "sources" / "test.mp4", audio=False)
    [line] = problems_of(clips, tmp_path)
    assert "presets: preset 'audio' is audio only but the source has none; drop that" in line


def test_bad_preset_file(clips: Path, tmp_path: Path):
    text = (clips / "presets.toml").read_text(encoding="utf-8")
    (clips / "presets.toml").write_text(text.replace("width = 256", "width = 255"), "utf-8")
    [line] = problems_of(clips, tmp_path)
    assert "presets.toml: presets.web.video.width: missing or odd" in line


def test_a_still_quality_outside_its_format_range(clips: Path, tmp_path: Path):
    """JPEG's quantiser and WebP's quality run in opposite directions: each is checked in its own
    range, and the message says which."""
    still = """
[presets.thumbnail]
kind = "still"
extension = "webp"
label.en = "Thumbnail"
label.fr = "Vignette"
[presets.thumbnail.video]
width = 256
height = 144
quality = 150
"""
    with (clips / "presets.toml").open("a", encoding="utf-8") as presets:
        presets.write(still)
    [line] = problems_of(clips, tmp_path)
    assert "presets.toml: presets.thumbnail.video.quality: not a whole number from 0 to 100" in line


def test_a_number_written_in_quotes_says_to_remove_them(clips: Path, tmp_path: Path):
    presets = clips / "presets.toml"
    presets.write_text(presets.read_text("utf-8").replace("crf = 28", 'crf = "28"'), "utf-8")
    [line] = problems_of(clips, tmp_path)
    assert "video.crf: not a whole number; write crf = 28, without quotes" in line


def test_nothing_half_written_when_a_source_is_bad(clips: Path, tmp_path: Path):
    build_media(clips, tmp_path / "out", tmp_path / "cache")
    before = sorted(p for p in (tmp_path / "out").rglob("*"))
    write_manifest(clips, **{'out = "00:00:03.520"': 'out = "00:00:09.000"'})
    with pytest.raises(MediaError):
        build_media(clips, tmp_path / "out", tmp_path / "cache")
    assert sorted(p for p in (tmp_path / "out").rglob("*")) == before


def test_a_rate_ffmpeg_cannot_read_and_a_misspelt_kind(clips: Path, tmp_path: Path):
    """Said before any encode, naming the field, not as an ffmpeg failure blamed on every
    manifest."""
    text = (clips / "presets.toml").read_text(encoding="utf-8")
    text = text.replace('bitrate = "128k"', 'bitrate = "128 kbit"', 1)
    head, _, tail = text.rpartition('kind = "video"')  # another preset's kind
    text = head + 'kind = "vidoe"' + tail
    (clips / "presets.toml").write_text(text, "utf-8")
    lines = problems_of(clips, tmp_path)
    assert any("bitrate: '128 kbit' is not a rate ffmpeg reads" in line and '"20M"' in line
               for line in lines), lines  # fmt: skip
    assert any("kind: 'vidoe' is not a kind; did you mean 'video'?" in line for line in lines)


def test_a_cut_is_named_by_its_id_and_two_cuts_with_one_id_by_their_place(
    clips: Path, tmp_path: Path
):
    """An editor finds `cuts['soundbite']` in the file; with two cuts called alike, their
    places tell them apart."""
    path = write_manifest(clips, **{'in = "00:00:01.040"': 'in = "x"'})
    (problem,) = problems_of(clips, tmp_path)
    assert ": cuts['soundbite'].in: 'x' is not a time code" in problem
    text = path.read_text("utf-8")
    cut = text[text.index("[[cuts]]") :]
    path.write_text(text + "\n" + cut, encoding="utf-8")
    fields = sorted(line.split(": ")[1] for line in problems_of(clips, tmp_path))
    assert fields == ["cuts[0].in", "cuts[1].id", "cuts[1].in"]
