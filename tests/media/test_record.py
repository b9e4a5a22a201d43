"""manifest.json's one home: paths and names derived once, and the JSON form round-trips."""

from __future__ import annotations

import datetime as dt

import pytest

from newsreel.media import record

DATE = dt.date(2025, 10, 15)


@pytest.mark.parametrize(
    ("video_id", "stem"),
    [
        ("2025-10-15-defence-ministers-meet", "20251015-defence-ministers-meet"),
        ("summit-opening-remarks", "20251015-summit-opening-remarks"),
        ("2025-10-15", "20251015-2025-10-15"),
    ],
)  # fmt: skip
def test_every_download_of_a_video_shares_one_stem(video_id: str, stem: str):
    assert record.download_stem(video_id, DATE) == stem
    assert record.download_name(video_id, DATE, "full", "720p", "mp4") == f"{stem}-720p.mp4"
    assert (
        record.download_name(video_id, DATE, "q-and-a", "web", "mp4") == f"{stem}-q-and-a-web.mp4"
    )
    assert record.press_kit_name(video_id, DATE) == f"{stem}-press-kit.zip"
    assert record.captions_name(video_id, DATE, "q-and-a", "fr") == f"{stem}-q-and-a.fr.vtt"


def test_paths_public_private_and_routes():
    key = "ab" * 32
    assert record.file_path("v", key, "f.mp4") == f"media/v/{key[:16]}/f.mp4"
    assert record.file_path("v", key, "f.mp4", "account") == f"_private/media/v/{key[:16]}/f.mp4"
    assert record.manifest_path("v") == "media/v/manifest.json"
    assert record.download_route("v", "full", "broadcast") == "/api/download/v/full/broadcast"


def test_the_json_form_round_trips_and_says_its_version():
    web = record.MediaFile(
        filename="x-web.mp4", size=10, sha256="0" * 64, mime="video/mp4", url="/media/v/k/x.mp4",
        access="public", preset="web", kind="video", label={"en": "Web", "fr": "Web"},
        width=1280, height=720, duration_ms=6000,
    )  # fmt: skip
    video = record.Video(
        id="v", languages=["en", "fr"], title={"en": "T", "fr": "T"}, date=DATE,
        location={"en": "Brussels", "fr": "Bruxelles"},
        rights={"en": "R", "fr": "R"}, duration_ms=6000, fps=25.0,
        source=record.Source(sha256="1" * 64),
        cuts=[record.Cut(id="full", title={"en": "T", "fr": "T"}, in_ms=0, out_ms=6000,
                         files=[web])],
    )  # fmt: skip
    data = record.encode(video)
    assert record.decode(data) == video
    assert f'"schema_version": {record.SCHEMA_VERSION}'.encode() in data
    assert b'"$schema": "/media/manifest.schema.json"' in data
    assert video.file("full", "web") is web and video.file("full", "broadcast") is None
    assert record.encode(video) == data, "the same record, the same bytes"


def test_foreign_json_is_refused_in_one_line():
    with pytest.raises(record.RecordError) as raised:
        record.decode(b"[1, 2]", "x/manifest.json")
    [line] = raised.value.lines()
    assert line.startswith("x/manifest.json: ") and line.endswith(
        "rebuild the site with this version of newsreel"
    )
