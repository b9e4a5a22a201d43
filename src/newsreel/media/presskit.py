"""The press kit of a video: one zip a newsroom can take whole.

It holds the public renditions of every cut, the stills and posters, the shot list and the
transcript (the soundbites) as text in both languages, the terms of use, and a `SHA256SUMS`
file. Its name comes from a cache key over everything it holds, so it is built once, cached
like any other output, and never changes under the same name.

Each language's texts read as written for it: dates, places, durations and typography in that
language, soundbites with the language spoken and, when it is another, their translation. The
sentences are data (`presskit.toml`), whole, never glued from pieces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from newsreel.media.cache import MediaCache, link_or_copy
from newsreel.media.errors import MediaError, problem
from newsreel.media.plan import PIPELINE_VERSION
from newsreel.media.presets import LANGUAGES
from newsreel.typography import format_duration, format_long_date, language_name, typeset

WORDING = Path(__file__).with_name("presskit.toml")


@cache
def wording() -> dict[str, dict[str, str]]:
    """The kit's sentences by language (`presskit.toml`), every key in every language."""
    data = tomllib.loads(WORDING.read_text(encoding="utf-8"))
    keys = set().union(*(data.get(lang, {}) for lang in LANGUAGES))
    missing = [
        f"{lang}.{key}" for lang in LANGUAGES for key in sorted(keys - set(data.get(lang, {})))
    ]
    if missing:
        raise MediaError(problem(WORDING, ", ".join(missing), "missing", "add the sentence"))
    return data


def _say(lang: str, key: str, **values: str) -> str:
    """One sentence of the kit in `lang`, filled in and typeset."""
    return typeset(wording()[lang][key].format(**values), lang)


def texts(video: dict[str, Any]) -> dict[str, str]:
    """The text files of the kit, by name: shot list, transcript and terms, per language."""
    files = {}
    for lang in LANGUAGES:
        date = format_long_date(dt.date.fromisoformat(video["date"]), lang)
        head = [
            typeset(video["title"][lang], lang),
            _say(lang, "dateline", location=video["location"][lang], date=date),
            _say(lang, "duration", duration=format_duration(video["duration_ms"], lang)),
        ]
        if video.get("credit"):
            head.append(_say(lang, "credit", credit=video["credit"][lang]))
        shots = [*head, "", _say(lang, "shot_list"), ""]
        transcript = [*head[:2], "", _say(lang, "transcript")]
        for shot in video["shots"]:
            at = shot["at"][:8]
            if "quote" not in shot:
                shots.append(f"{at}  {typeset(shot['text'][lang], lang)}")
                continue
            speaker = shot["speaker"]
            if shot.get("role"):
                speaker = wording()[lang]["speaker"].format(
                    speaker=speaker, role=shot["role"][lang]
                )
            spoken = language_name(shot["language"], lang)
            shots.append(f"{at}  " + _say(lang, "soundbite", speaker=speaker, language=spoken))
            transcript += ["", f"{at}  " + _say(lang, "spoken", speaker=speaker, language=spoken)]
            transcript.append(_say(lang, "quote", words=shot["quote"]))
            if shot["language"] != lang:
                transcript.append(_say(lang, "translation", words=shot["text"][lang]))
        files[f"shot-list.{lang}.txt"] = "\n".join(shots) + "\n"
        files[f"transcript.{lang}.txt"] = "\n".join(transcript) + "\n"
        terms = typeset(video["rights"][lang], lang)
        files[f"rights.{lang}.txt"] = f"{_say(lang, 'terms')}\n\n{terms}\n"
    return files


def _members(video: dict[str, Any], output: Path) -> list[tuple[str, Path, str]]:
    """(name in the zip, file, sha256) of every public file of every cut, posters included."""
    members: dict[str, tuple[str, Path, str]] = {}
    for cut in video["cuts"]:
        entries = [entry for entry in cut["files"] if entry["access"] == "public"]
        if cut.get("poster"):
            entries.append(cut["poster"])
        entries += list(cut.get("captions", {}).values())
        for entry in entries:
            members[entry["filename"]] = (
                entry["filename"],
                output / entry["url"].lstrip("/"),
                entry["sha256"],
            )
    return sorted(members.values())


def kit_key(video: dict[str, Any], output: Path) -> str:
    digest = hashlib.sha256(f"press-kit pipeline={PIPELINE_VERSION}\n".encode())
    for name, _, sha in _members(video, output):
        digest.update(f"{name} {sha}\n".encode())
    digest.update(json.dumps(texts(video), sort_keys=True).encode())
    return digest.hexdigest()


def build_press_kit(video: dict[str, Any], output: Path, cache: MediaCache) -> dict[str, Any]:
    """Make (or take from the cache) the video's press kit; returns its manifest entry."""
    key = kit_key(video, output)
    filename = f"{video['date'].replace('-', '')}-{video['id'].split('-', 3)[-1]}-press-kit.zip"
    found = cache.get(key)
    if found is None:
        scratch = cache.scratch() / f"{key}.zip"
        sums = []
        stamp = tuple(int(part) for part in video["date"].split("-")) + (0, 0, 0)

        def member(name: str, compress: int) -> zipfile.ZipInfo:
            """Fixed dates and modes, so the same kit is the same bytes on any machine."""
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = compress
            info.external_attr = 0o644 << 16
            return info

        with zipfile.ZipFile(scratch, "w") as archive:
            for name, path, sha in _members(video, output):
                archive.writestr(member(f"media/{name}", zipfile.ZIP_STORED), path.read_bytes())
                sums.append(f"{sha}  media/{name}")
            for name, text in texts(video).items():
                data = text.encode("utf-8")
                archive.writestr(member(name, zipfile.ZIP_DEFLATED), data)
                sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
            archive.writestr(member("SHA256SUMS", zipfile.ZIP_DEFLATED), "\n".join(sums) + "\n")
        meta = {
            "filename": filename,
            "bytes": scratch.stat().st_size,
            "sha256": hashlib.sha256(scratch.read_bytes()).hexdigest(),
            "mime": "application/zip",
        }
        cache.put(key, scratch, meta)
        found = cache.get(key)
    file, meta = found
    relative = Path("media") / video["id"] / key[:16] / filename
    link_or_copy(file, output / relative)
    return {**meta, "filename": filename, "url": "/" + relative.as_posix(), "key": key}
