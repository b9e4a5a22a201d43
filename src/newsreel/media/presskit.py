"""The press kit of a video: one zip a newsroom can take whole.

It holds the public renditions of every cut, the stills and posters, the shot list and the
transcript (the soundbites) as text in every language of the video, the terms of use, and a
`SHA256SUMS` file. Its name comes from a cache key over everything it holds, so it is built
once, cached like any other output, and never changes under the same name.

Each language's texts read as written for it: dates, places, durations and typography in that
language, soundbites with the language spoken and, when it is another, their translation. The
sentences are data (`presskit.toml`), whole, never glued from pieces.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
import zipfile
from functools import cache
from pathlib import Path

from newsreel.media import record, timecode
from newsreel.media.cache import MediaCache, link_or_copy, sha256_file
from newsreel.media.errors import MediaError, problem
from newsreel.typography import format_duration, format_long_date, language_name, typeset

#: Bump when the kit's layout or texts change for the same files.
KIT_VERSION = "3"
WORDING = Path(__file__).with_name("presskit.toml")


@cache
def wording() -> dict[str, dict[str, str]]:
    """The kit's sentences by language (`presskit.toml`), every key in every language."""
    data = tomllib.loads(WORDING.read_text(encoding="utf-8"))
    keys = set().union(*data.values())
    missing = [f"{lang}.{key}" for lang in data for key in sorted(keys - set(data[lang]))]
    if missing:
        raise MediaError(problem(WORDING, ", ".join(missing), "missing", "add the sentence"))
    return data


def _say(lang: str, key: str, **values: str) -> str:
    """One sentence of the kit in `lang`, filled in and typeset."""
    sentences = wording().get(lang)
    if sentences is None:
        raise MediaError(
            problem(WORDING, f"[{lang}]", "no sentences in this language of the site",
                    f"add a [{lang}] table with every key of [en]")
        )  # fmt: skip
    return typeset(sentences[key].format(**values), lang)


def texts(video: record.Video) -> dict[str, str]:
    """The text files of the kit, by name: shot list, transcript and terms, per language."""
    files = {}
    for lang in video.languages:
        date = format_long_date(video.date, lang)
        head = [
            typeset(video.title[lang], lang),
            _say(lang, "dateline", location=video.location[lang], date=date),
            _say(lang, "duration", duration=format_duration(video.duration_ms, lang)),
        ]
        if video.credit:
            head.append(_say(lang, "credit", credit=video.credit[lang]))
        shots = [*head, "", _say(lang, "shot_list"), ""]
        transcript = [*head[:2], "", _say(lang, "transcript")]
        for shot in video.shots:
            at = timecode.format_ms(shot.at_ms)[:8]
            if not shot.is_soundbite:
                shots.append(f"{at}  {typeset(shot.text[lang], lang)}")
                continue
            speaker = shot.speaker or ""
            if shot.role:
                speaker = wording()[lang]["speaker"].format(speaker=speaker, role=shot.role[lang])
            spoken = language_name(shot.language or lang, lang)
            shots.append(f"{at}  " + _say(lang, "soundbite", speaker=speaker, language=spoken))
            transcript += ["", f"{at}  " + _say(lang, "spoken", speaker=speaker, language=spoken)]
            transcript.append(_say(lang, "quote", words=shot.quote or ""))
            if shot.language != lang:
                transcript.append(_say(lang, "translation", words=shot.text[lang]))
        files[f"shot-list.{lang}.txt"] = "\n".join(shots) + "\n"
        files[f"transcript.{lang}.txt"] = "\n".join(transcript) + "\n"
        terms = typeset(video.rights[lang], lang)
        files[f"rights.{lang}.txt"] = f"{_say(lang, 'terms')}\n\n{terms}\n"
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
