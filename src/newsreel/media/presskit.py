"""The press kit of a video: one zip a newsroom can take whole.

It holds the public renditions of every cut, the stills and posters, the shot list and the
transcript (the soundbites) as text in both languages, the terms of use, and a `SHA256SUMS`
file. Its name comes from a cache key over everything it holds, so it is built once, cached
like any other output, and never changes under the same name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from newsreel.media import record, timecode
from newsreel.media.cache import MediaCache, link_or_copy, sha256_file

#: Bump when the kit's layout or texts change for the same files.
KIT_VERSION = "2"
_HEADINGS = {
    "en": ("SHOT LIST", "TRANSCRIPT (SOUNDBITES)", "TERMS OF USE", "Soundbite"),
    "fr": ("LISTE DES PLANS", "TRANSCRIPTION (CITATIONS)", "CONDITIONS D’UTILISATION", "Citation"),
}


def texts(video: record.Video) -> dict[str, str]:
    """The text files of the kit, by name."""
    files = {}
    for lang in video.languages:
        shots_title, transcript_title, rights_title, soundbite = _HEADINGS.get(
            lang, _HEADINGS["en"]
        )
        place = f"{video.date.isoformat()} — {video.location}"
        lines = [video.title[lang], place, "", shots_title]
        transcript = [transcript_title]
        for shot in video.shots:
            at = timecode.format_ms(shot.at_ms)[:8]
            if shot.is_soundbite:
                lines.append(f"{at}  {soundbite}: {shot.speaker} ({shot.language})")
                transcript += ["", f"{at}  {shot.speaker} ({shot.language})", shot.quote or ""]
            else:
                lines.append(f"{at}  {(shot.text or {}).get(lang, '')}")
        files[f"shot-list.{lang}.txt"] = "\n".join(lines) + "\n"
        files[f"transcript.{lang}.txt"] = "\n".join(transcript) + "\n"
        files[f"rights.{lang}.txt"] = f"{rights_title}\n\n{video.rights[lang]}\n"
    return files


def _members(video: record.Video, output: Path) -> list[tuple[str, Path, str]]:
    """(name in the zip, file, sha256) of every public file of every cut, posters included."""
    members: dict[str, tuple[str, Path, str]] = {}
    for cut in video.cuts:
        entries: list[record.StoredFile] = [f for f in cut.files if not f.account_only]
        if cut.poster:
            entries.append(cut.poster)
        entries += list(cut.captions.values())
        for entry in entries:
            members[entry.filename] = (entry.filename, output / entry.path, entry.sha256)
    return sorted(members.values())


def kit_key(video: record.Video, output: Path) -> str:
    digest = hashlib.sha256(f"press-kit version={KIT_VERSION}\n".encode())
    for name, _, sha in _members(video, output):
        digest.update(f"{name} {sha}\n".encode())
    digest.update(json.dumps(texts(video), sort_keys=True).encode())
    return digest.hexdigest()


def build_press_kit(video: record.Video, output: Path, cache: MediaCache) -> record.StoredFile:
    """Make (or take from the cache) the video's press kit; returns its record."""
    key = kit_key(video, output)
    filename = record.press_kit_name(video.id, video.date)
    found = cache.get(key)
    if found is None:
        scratch = cache.scratch_file(key, "zip")
        try:
            _write_zip(video, output, scratch)
            meta = record.Measured(
                filename=filename,
                size=scratch.stat().st_size,
                sha256=sha256_file(scratch),
                mime="application/zip",
            )
            cache.put(key, scratch, meta)
        finally:
            scratch.unlink(missing_ok=True)
        found = cache.get(key)
    file, meta = found
    path = record.file_path(video.id, key, filename)
    link_or_copy(file, output / path)
    return record.StoredFile(
        filename=filename,
        size=meta.size,
        sha256=meta.sha256,
        mime=meta.mime,
        url="/" + path,
        access="public",
        key=key,
    )


def _write_zip(video: record.Video, output: Path, target: Path) -> None:
    """The kit's bytes: fixed dates and modes, so the same kit is the same file anywhere."""
    stamp = (video.date.year, video.date.month, video.date.day, 0, 0, 0)

    def member(name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = compress
        info.external_attr = 0o644 << 16
        return info

    sums = []
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for name, path, sha in _members(video, output):
            with (
                path.open("rb") as source,
                archive.open(
                    member(f"media/{name}", zipfile.ZIP_STORED), "w", force_zip64=True
                ) as sink,
            ):
                shutil.copyfileobj(source, sink, 1 << 20)
            sums.append(f"{sha}  media/{name}")
        for name, text in texts(video).items():
            data = text.encode("utf-8")
            archive.writestr(member(name, zipfile.ZIP_DEFLATED), data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
        archive.writestr(member("SHA256SUMS", zipfile.ZIP_DEFLATED), "\n".join(sums) + "\n")
