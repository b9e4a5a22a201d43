"""The `video` object templates get for an article that names a video (`Video: <id>`).

It is read from `output/media/<id>/manifest.json`, which the media pipeline wrote in the same
build, and shaped for one language: labels, rights, human-readable sizes and durations, and the
player's sources, so the templates only lay it out.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from newsreel.media import timecode
from newsreel.site.clip import clip_source
from newsreel.site.typography import french_text


@cache
def load_manifest(media_dir: str, video_id: str) -> dict[str, Any] | None:
    path = Path(media_dir) / video_id / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def human_size(size: int, lang: str) -> str:
    """ "16.1 MB" / "16,1 Mo" (decimal units, as download managers show them)."""
    units = ("B", "kB", "MB", "GB") if lang != "fr" else ("o", "ko", "Mo", "Go")
    value = float(size)
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    digits = "#,##0" if unit == 0 else "#,##0.0"
    return f"{format_decimal(value, format=digits, locale=lang)}\u00a0{units[unit]}"


def _file_view(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    width, height = entry.get("width"), entry.get("height")
    label = entry["label"].get(lang, entry["label"].get("en", ""))
    return {
        **entry,
        "label": french_text(label) if lang == "fr" else label,
        "size": human_size(entry["bytes"], lang),
        "resolution": f"{width}\u00d7{height}" if width and height else "",
        "duration": timecode.short(entry["duration_ms"]) if entry.get("duration_ms") else "",
        "account": entry["access"] == "account",
    }


def video_view(manifest: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the article page, the videos index and the feeds show of one video."""

    def typeset(text: str, text_lang: str = lang) -> str:
        return french_text(text) if text_lang == "fr" else text

    cuts = []
    for cut in manifest["cuts"]:
        files = [_file_view(entry, lang) for entry in cut["files"]]
        cuts.append(
            {
                "id": cut["id"],
                "title": typeset(cut["title"].get(lang, "")),
                "in": cut["in"][:8],
                "out": cut["out"][:8],
                "in_s": cut["in_ms"] / 1000,
                "duration": timecode.short(cut["duration_ms"]),
                "duration_s": cut["duration_ms"] / 1000,
                "duration_iso": timecode.iso_duration(cut["duration_ms"]),
                "poster": cut.get("poster", {}).get("url"),
                "poster_entry": cut.get("poster"),
                "files": files,
                "full": cut["id"] == "full",
            }
        )
    full = manifest["cuts"][0]
    public = {entry["preset"]: entry for entry in full["files"] if entry["access"] == "public"}
    shots = []
    for shot in manifest["shots"]:
        view = {"at": shot["at"][:8], "at_s": shot["at_ms"] / 1000}
        if "quote" in shot:
            view.update(
                speaker=shot["speaker"],
                language=shot["language"],
                quote=typeset(shot["quote"], shot["language"]),
            )
        else:
            view["text"] = typeset(shot["text"].get(lang, ""))
        shots.append(view)
    return {
        "id": manifest["id"],
        "title": typeset(manifest["title"].get(lang, "")),
        "date": manifest["date"],
        "location": manifest.get("location", ""),
        "rights": typeset(manifest["rights"].get(lang, "")),
        "duration": timecode.short(manifest["duration_ms"]),
        "duration_iso": manifest["duration"],
        "poster": (manifest.get("poster") or {}).get("url"),
        "web": public.get("web"),
        "mobile": public.get("mobile"),
        "shots": shots,
        "cuts": cuts,
        "tracks": [
            {"lang": code, "url": entry["url"]}
            for code, entry in sorted(
                manifest["cuts"][0].get("captions", {}).items(), key=lambda item: item[0] != lang
            )
        ],
        "transcript": [
            {
                "at": cue["at"][:8],
                "at_s": timecode.parse(cue["at"]) / 1000,
                "text": typeset(cue["text"]),
            }
            for cue in manifest.get("transcript", {}).get(lang, [])
        ],
        "clip": clip_source(manifest, lang),
        "press_kit": (
            {**manifest["press_kit"], "size": human_size(manifest["press_kit"]["bytes"], lang)}
            if manifest.get("press_kit")
            else None
        ),
    }
