"""The `video` object templates get for an article that names a video (`Video: <id>`).

It is read from `output/media/<id>/manifest.json` (`media.record`), which the media pipeline
wrote in the same build, and shaped for one language: labels, rights, human-readable sizes and
durations, and the player's sources, so the templates only lay it out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from babel.numbers import format_decimal

from newsreel.media import record, timecode
from newsreel.site.typography import french_text


@cache
def load_record(media_dir: str, video_id: str) -> record.Video | None:
    """The video's record, or None when the build made no media for it."""
    path = Path(media_dir).parent / record.manifest_path(video_id)
    if not path.exists():
        return None
    return record.read(path)


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


def _file_view(entry: record.MediaFile, lang: str) -> dict[str, Any]:
    width, height = entry.width, entry.height
    label = entry.label.get(lang, entry.label.get("en", ""))
    return {
        **msgspec.structs.asdict(entry),
        "bytes": entry.size,
        "label": french_text(label) if lang == "fr" else label,
        "size": human_size(entry.size, lang),
        "resolution": f"{width}\u00d7{height}" if width and height else "",
        "duration": timecode.short(entry.duration_ms) if entry.duration_ms else "",
        "account": entry.account_only,
    }


def _clock(millis: int) -> str:
    return timecode.format_ms(millis)[:8]


def video_view(video: record.Video, lang: str) -> dict[str, Any]:
    """Everything the article page and the videos index show of one video, in `lang`."""

    def typeset(text: str, text_lang: str = lang) -> str:
        return french_text(text) if text_lang == "fr" else text

    cuts = []
    for cut in video.cuts:
        cuts.append(
            {
                "id": cut.id,
                "title": typeset(cut.title.get(lang, "")),
                "in": _clock(cut.in_ms),
                "out": _clock(cut.out_ms),
                "in_s": cut.in_ms / 1000,
                "duration": timecode.short(cut.duration_ms),
                "duration_s": cut.duration_ms / 1000,
                "duration_iso": timecode.iso_duration(cut.duration_ms),
                "poster": cut.poster.url if cut.poster else None,
                "files": [_file_view(entry, lang) for entry in cut.files],
                "full": cut.is_full,
            }
        )
    public = {f.preset: _file_view(f, lang) for f in video.full.files if not f.account_only}
    shots = []
    for shot in video.shots:
        view: dict[str, Any] = {"at": _clock(shot.at_ms), "at_s": shot.at_ms / 1000}
        if shot.is_soundbite:
            view.update(
                speaker=shot.speaker,
                language=shot.language,
                quote=typeset(shot.quote or "", shot.language or lang),
            )
        else:
            view["text"] = typeset((shot.text or {}).get(lang, ""))
        shots.append(view)
    kit = video.press_kit
    return {
        "id": video.id,
        "title": typeset(video.title.get(lang, "")),
        "date": video.date.isoformat(),
        "location": video.location,
        "rights": typeset(video.rights.get(lang, "")),
        "duration": timecode.short(video.duration_ms),
        "duration_iso": timecode.iso_duration(video.duration_ms),
        "poster": video.poster.url if video.poster else None,
        "stream": video.stream.url if video.stream else None,  # HLS: the player's first choice
        "web": public.get("web"),
        "mobile": public.get("mobile"),
        "shots": shots,
        "cuts": cuts,
        "tracks": [
            {"lang": code, "url": entry.url}
            for code, entry in sorted(video.full.captions.items(), key=lambda item: item[0] != lang)
        ],
        "transcript": [
            {"at": _clock(line.at_ms), "at_s": line.at_ms / 1000, "text": typeset(line.text)}
            for line in video.transcript.get(lang, [])
        ],
        "press_kit": (
            {
                "url": kit.url,
                "filename": kit.filename,
                "sha256": kit.sha256,
                "bytes": kit.size,
                "size": human_size(kit.size, lang),
            }
            if kit
            else None
        ),  # fmt: skip
    }
