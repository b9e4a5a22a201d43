"""The `video` object templates get for an article that names a video (`Video: <id>`).

It is read from `output/media/<id>/manifest.json` (`media.record`), which the media pipeline
wrote in the same build, and shaped for one language: every text in that language and typeset
for it (a soundbite spoken in another language comes translated, with the words as spoken
beside), sizes and durations a reader cannot misread ("151,3 Mo", "1 min 14 s"), the player's
sources, and the download panel's rows, so the templates only lay it out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from newsreel.media import record, timecode
from newsreel.site.clip import clip_source
from newsreel.typography import format_duration, format_size, language_name, typeset


@cache
def load_record(media_dir: str, video_id: str) -> record.Video | None:
    """The video's record, or None when the build made no media for it."""
    path = Path(media_dir).parent / record.manifest_path(video_id)
    if not path.exists():
        return None
    return record.read(path)


def _clock(millis: int) -> str:
    return timecode.format_ms(millis)[:8]


def _file_view(entry: record.MediaFile, lang: str) -> dict[str, Any]:
    """One format of a version: the chooser shows its name and size, the line under it the
    resolution and the rest of its label."""
    label = entry.label.get(lang) or entry.label.get("en", "")
    name, _, details = label.partition(":")
    width, height = entry.width, entry.height
    resolution = f"{width}\u00d7{height}" if width and height and entry.kind != "audio" else ""
    size = format_size(entry.size, lang)
    name = typeset(name.strip(), lang)
    details = typeset(details.strip(), lang)
    said = resolution if resolution not in details else ""  # a still's label names its size
    return {
        **msgspec.structs.asdict(entry),
        "bytes": entry.size,
        "label": typeset(label, lang),
        "name": name,
        "details": " · ".join(filter(None, (said, details))),
        "size": size,
        "resolution": resolution,
        "option": f"{name} · {size}",
        "duration": format_duration(entry.duration_ms, lang) if entry.duration_ms else "",
        "account": entry.account_only,
    }


def _url(entry: record.StoredFile | record.Presentation | None) -> str | None:
    return entry.url if entry else None


def _cut_view(cut: record.Cut, lang: str) -> dict[str, Any]:
    files = [_file_view(entry, lang) for entry in cut.files]
    public = [index for index, entry in enumerate(files) if not entry["account"]]
    return {
        "id": cut.id,
        "title": typeset(cut.title.get(lang, ""), lang),
        "in": _clock(cut.in_ms),
        "out": _clock(cut.out_ms),
        "in_s": cut.in_ms / 1000,
        "duration": format_duration(cut.duration_ms, lang),
        "duration_s": cut.duration_ms / 1000,
        "duration_iso": timecode.iso_duration(cut.duration_ms),
        "poster": _url(cut.poster),
        "thumbnail": _url(cut.thumbnail or cut.player_poster or cut.poster),
        "files": files,
        "chosen": public[0] if public else 0,  # what the format chooser shows first
        "full": cut.is_full,
    }


def _shot_view(shot: record.Shot, lang: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "at": _clock(shot.at_ms),
        "at_s": shot.at_ms / 1000,
        "text": typeset(shot.text.get(lang, ""), lang),
    }
    if shot.is_soundbite:
        spoken = shot.language or lang
        view.update(
            soundbite=True,
            speaker=shot.speaker,
            role=typeset(shot.role.get(lang, ""), lang),
            spoken=spoken,
            spoken_name=language_name(spoken, lang),
            translated=spoken != lang,
            original=typeset(shot.quote or "", spoken),
        )
    return view


#: What a page says of a picture whose size is not known: the presets' 16:9.
_USUAL_SIZE = (1280, 720)


def _size(entry: record.MediaFile | None) -> tuple[int, int] | None:
    return (entry.width, entry.height) if entry and entry.width and entry.height else None


def _shape(video: record.Video) -> dict[str, Any]:
    """The player's shape: that of the full-length files it plays (the public ones, before an
    account-only one a preset may have kept 16:9), so an upright (phone) video plays upright,
    not in a 16:9 box between bars."""
    files = sorted(video.full.files, key=lambda entry: entry.account_only)
    found = [size for entry in files if entry.kind == "video" and (size := _size(entry))]
    width, height = found[0] if found else _USUAL_SIZE
    return {"width": width, "height": height, "upright": height > width}


def video_view(video: record.Video, lang: str) -> dict[str, Any]:
    """Everything the article page and the videos index show of one video, in `lang`."""
    public = {f.preset: _file_view(f, lang) for f in video.full.files if not f.account_only}
    cuts = [_cut_view(cut, lang) for cut in video.cuts]
    kit = video.press_kit
    return {
        "id": video.id,
        "title": typeset(video.title.get(lang, ""), lang),
        "date": video.date.isoformat(),
        "location": typeset(video.location.get(lang, ""), lang),
        "credit": video.credit.get(lang, ""),
        "rights": typeset(video.rights.get(lang, ""), lang),
        "duration": format_duration(video.duration_ms, lang),
        "duration_iso": timecode.iso_duration(video.duration_ms),
        "poster": _url(video.poster),  # the JPEG: link previews (og:image), feeds
        "poster_size": _size(video.poster) or _USUAL_SIZE,
        "player_poster": _url(video.full.player_poster or video.poster),  # the light one pages show
        "thumbnail": _url(video.full.thumbnail),  # cards, beside the player's poster
        "stream": _url(video.stream),  # HLS: the player's first choice
        "shape": _shape(video),
        "web": public.get("web"),
        "mobile": public.get("mobile"),
        "shots": [_shot_view(shot, lang) for shot in video.shots],
        "cuts": cuts,
        "checksums": [
            {"filename": entry["filename"], "sha256": entry["sha256"]}
            for cut in cuts
            for entry in cut["files"]
        ],
        "tracks": [
            {"lang": code, "url": entry.url}
            for code, entry in sorted(video.full.captions.items(), key=lambda item: item[0] != lang)
        ],
        "transcript": [
            {
                "at": _clock(line.at_ms),
                "at_s": line.at_ms / 1000,
                "text": typeset(line.text.replace("\n", " "), lang),
            }
            for line in video.transcript.get(lang, [])
        ],
        "clip": clip_source(video, lang),
        "press_kit": (
            {
                "url": kit.url,
                "filename": kit.filename,
                "sha256": kit.sha256,
                "bytes": kit.size,
                "size": format_size(kit.size, lang),
            }
            if kit
            else None
        ),  # fmt: skip
    }
