"""The `video` object templates get for an article that names a video (`Video: <id>`).

It is read from `output/media/<id>/manifest.json`, which the media pipeline wrote in the same
build, and shaped for one language: every text in that language and typeset for it (a soundbite
spoken in another language comes translated, with the words as spoken beside), sizes and
durations a reader cannot misread ("151,3 Mo", "1 min 14 s"), the player's sources, and the
download panel's rows, so the templates only lay it out.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from newsreel.media import timecode
from newsreel.typography import format_duration, format_size, language_name, typeset


@cache
def load_manifest(media_dir: str, video_id: str) -> dict[str, Any] | None:
    path = Path(media_dir) / video_id / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _file_view(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    """One format of a version: the chooser shows its name and size, the line under it the
    resolution and the rest of its label."""
    width, height = entry.get("width"), entry.get("height")
    label = entry["label"].get(lang) or entry["label"].get("en", "")
    name, _, details = label.partition(":")
    resolution = f"{width}\u00d7{height}" if width and height and entry["kind"] != "audio" else ""
    size = format_size(entry["bytes"], lang)
    name = typeset(name.strip(), lang)
    return {
        **entry,
        "label": typeset(label, lang),
        "name": name,
        "details": " · ".join(filter(None, (resolution, typeset(details.strip(), lang)))),
        "size": size,
        "resolution": resolution,
        "option": f"{name} · {size}",
        "duration": format_duration(entry["duration_ms"], lang) if entry.get("duration_ms") else "",
        "account": entry["access"] == "account",
    }


def _cut_view(cut: dict[str, Any], lang: str) -> dict[str, Any]:
    files = [_file_view(entry, lang) for entry in cut["files"]]
    public = [index for index, entry in enumerate(files) if not entry["account"]]
    return {
        "id": cut["id"],
        "title": typeset(cut["title"].get(lang, ""), lang),
        "in": cut["in"][:8],
        "out": cut["out"][:8],
        "in_s": cut["in_ms"] / 1000,
        "duration": format_duration(cut["duration_ms"], lang),
        "duration_s": cut["duration_ms"] / 1000,
        "duration_iso": timecode.iso_duration(cut["duration_ms"]),
        "poster": cut.get("poster", {}).get("url"),
        "poster_entry": cut.get("poster"),
        "files": files,
        "chosen": public[0] if public else 0,  # what the format chooser shows first
        "full": cut["id"] == "full",
    }


def _shot_view(shot: dict[str, Any], lang: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "at": shot["at"][:8],
        "at_s": shot["at_ms"] / 1000,
        "text": typeset(shot["text"].get(lang, ""), lang),
    }
    if "quote" in shot:
        spoken = shot["language"]
        view.update(
            soundbite=True,
            speaker=shot["speaker"],
            role=typeset(shot.get("role", {}).get(lang, ""), lang),
            spoken=spoken,
            spoken_name=language_name(spoken, lang),
            translated=spoken != lang,
            original=typeset(shot["quote"], spoken),
        )
    return view


def video_view(manifest: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the article page, the videos index and the feeds show of one video."""
    full = manifest["cuts"][0]
    public = {entry["preset"]: entry for entry in full["files"] if entry["access"] == "public"}
    cuts = [_cut_view(cut, lang) for cut in manifest["cuts"]]
    return {
        "id": manifest["id"],
        "title": typeset(manifest["title"].get(lang, ""), lang),
        "date": manifest["date"],
        "location": typeset(manifest["location"].get(lang, ""), lang),
        "credit": manifest.get("credit", {}).get(lang, ""),
        "rights": typeset(manifest["rights"].get(lang, ""), lang),
        "duration": format_duration(manifest["duration_ms"], lang),
        "duration_iso": manifest["duration"],
        "poster": (manifest.get("poster") or {}).get("url"),
        "web": public.get("web"),
        "mobile": public.get("mobile"),
        "shots": [_shot_view(shot, lang) for shot in manifest["shots"]],
        "cuts": cuts,
        "checksums": [
            {"filename": entry["filename"], "sha256": entry["sha256"]}
            for cut in cuts
            for entry in cut["files"]
        ],
        "tracks": [
            {"lang": code, "url": entry["url"]}
            for code, entry in sorted(
                full.get("captions", {}).items(), key=lambda item: item[0] != lang
            )
        ],
        "transcript": [
            {
                "at": cue["at"][:8],
                "at_s": timecode.parse(cue["at"]) / 1000,
                "text": typeset(cue["text"].replace("\n", " "), lang),
            }
            for cue in manifest.get("transcript", {}).get(lang, [])
        ],
        "press_kit": (
            {**manifest["press_kit"], "size": format_size(manifest["press_kit"]["bytes"], lang)}
            if manifest.get("press_kit")
            else None
        ),
    }
