"""Video manifests: one `clips/<video-id>.toml` per source video, checked once, here.

The field names are the media contract of design.md (`id`, `source`, `sha256`, `date`,
`location`, `presets`, `title`, `rights`, `[[shots]]`, `[[cuts]]`). Whatever a page shows as
words has one text per language of the site, checked like `title`: the location, the credit,
a soundbite speaker's role. A soundbite keeps the words as spoken (`quote`, in `language`) and
their translation into every other language of the site, so a page never shows a language its
reader did not choose without saying so. Checks that need the source itself (time codes inside
its duration, audio present) come later, in `media.sources`, once it has been probed.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreel.errors import did_you_mean
from newsreel.media import timecode
from newsreel.media.errors import MediaError, Problem, problem, unknown_keys
from newsreel.media.presets import Preset
from newsreel.media.record import FULL, Shot  # a shot is the same in and out
from newsreel.textfile import read_text
from newsreel.typography import language_name

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INDEX = re.compile(r"\[(?:\d+|'[^']*')\]")
_FIELDS = {
    "": ("id", "source", "sha256", "date", "location", "credit", "presets", "poster", "title",
         "rights", "shots", "cuts", "captions"),
    "shots": ("at", "speaker", "role", "language", "quote", "translation"),  # + text per language
    "cuts": ("id", "in", "out", "presets", "title"),
}  # fmt: skip


@dataclass(frozen=True)
class Cut:
    """A partial version, pre-cut at build time (`full` is the whole source)."""

    id: str
    in_ms: int
    out_ms: int | None  # None: to the end of the source
    presets: tuple[str, ...]
    title: dict[str, str]

    @property
    def duration_ms(self) -> int | None:
        return None if self.out_ms is None else self.out_ms - self.in_ms


@dataclass(frozen=True)
class VideoManifest:
    """What to make of one source video."""

    path: Path
    id: str
    source: str
    sha256: str | None
    date: dt.date
    location: dict[str, str]
    presets: tuple[str, ...]
    title: dict[str, str]
    rights: dict[str, str]
    shots: tuple[Shot, ...]
    cuts: tuple[Cut, ...]
    poster_ms: int | None = None
    captions: dict[str, str] = field(default_factory=dict)  # lang -> WebVTT path (clips/)
    credit: dict[str, str] = field(default_factory=dict)  # lang -> "NATO" / "OTAN"

    @property
    def source_is_remote(self) -> bool:
        return self.source.startswith("s3://")

    @property
    def source_path(self) -> Path:
        """The local source file (for an `s3://` source, see `media.remote.fetch_source`)."""
        return (self.path.parent / self.source).resolve()

    @property
    def full(self) -> Cut:
        return Cut(FULL, 0, None, self.presets, self.title)

    def all_cuts(self) -> list[Cut]:
        """The full-length version first, then the partial ones."""
        return [self.full, *self.cuts]

    def cut(self, cut_id: str) -> Cut:
        return next(cut for cut in self.all_cuts() if cut.id == cut_id)


def manifest_paths(clips_dir: Path) -> list[Path]:
    """Every manifest of the clips folder (all TOML files but presets.toml)."""
    # not hidden files: an editor's lock link (`.#x.toml`) or swap file is no manifest
    found = clips_dir.glob("*.toml")
    return sorted(p for p in found if p.name != "presets.toml" and not p.name.startswith("."))


def load_manifest(
    path: Path, presets: dict[str, Preset], languages: Sequence[str]
) -> VideoManifest:
    """Parse and check one manifest, whose texts must exist in every one of `languages`;
    raises MediaError listing every problem found."""
    try:
        data = tomllib.loads(read_text(path, MediaError))
    except tomllib.TOMLDecodeError as error:
        raise MediaError(problem(path, "toml", str(error), "fix the TOML syntax")) from None
    problems: list[Problem] = []
    manifest = _manifest(path, data, presets, tuple(languages), problems)
    if problems or manifest is None:
        raise MediaError(problems)
    return manifest


def _header(where: str) -> str:
    """How the TOML file heads the table at `where`: `[rights]`, `[[cuts]]`, `[cuts.title]`."""
    plain = _INDEX.sub("", where)
    return f"[[{plain}]]" if "." not in where and plain != where else f"[{plain}]"


def _unknown_in_table(
    path: Path, where: str, table: dict[str, Any], allowed: Sequence[str]
) -> list[Problem]:
    """Unknown keys of the table at `where` (not the top level).

    In TOML every key after a table's header belongs to that table, so a top-level field
    written below `[rights]` becomes `rights.sha256`, and a cut's field below `[cuts.title]`
    becomes `cuts['soundbite'].title.in`: read by nobody, the check it asks for quietly off.
    Such keys get a fix saying where to move them, not a "did you mean".
    """
    header = _header(where)
    owner = where.split("[")[0] if "." in where else ""  # cuts['soundbite'].title: a cut's field?
    found = []
    for key in table:
        if key in allowed:
            continue
        if owner and key in _FIELDS.get(owner, ()):
            fix = f"keys after {header} belong to it; move {key} above {header}"
        elif key in _FIELDS[""]:
            fix = f"keys after {header} belong to it; move {key} above the first table"
        else:
            fix = did_you_mean(key, allowed)
        found.append(problem(path, f"{where}.{key}", "unknown field", fix))
    return found


def _text_by_lang(
    path: Path,
    where: str,
    value: Any,
    languages: Sequence[str],
    problems: list[Problem],
    also: Sequence[str] = (),
) -> dict[str, str]:
    """A text per language (`[title]` with `en` and `fr`), each one present and non-empty, and
    nothing else (keys in `also` are checked by the caller)."""
    table = f"[{where}] with " + " and ".join(f"{lang} = ..." for lang in languages)
    if isinstance(value, str):
        problems.append(
            problem(path, where, f"{value!r} is one text for every language", f"write {table}")
        )
        return {}
    if not isinstance(value, dict):
        problems.append(problem(path, where, "missing", f"add {table}"))
        return {}
    problems += _unknown_in_table(path, where, value, (*languages, *also))
    for lang in languages:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            problems.append(problem(path, f"{where}.{lang}", "missing", f"add {where}.{lang}"))
    return {lang: value[lang] for lang in languages if isinstance(value.get(lang), str)}


def _time(path: Path, where: str, value: Any, problems: list[Problem]) -> int | None:
    if value is None:
        problems.append(problem(path, where, "missing", 'add a time code, e.g. "00:00:12.000"'))
        return None
    if isinstance(value, dt.time) and value.tzinfo is None:  # unquoted: TOML's local time
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + (
            value.microsecond // 1000
        )
    try:
        return timecode.parse(value)
    except ValueError:
        meant = timecode.suggestion(value)
        if meant is not None:
            fix = f'did you mean "{meant}"? (in quotes, HH:MM:SS.mmm)'
        elif timecode.is_frames(value):
            fix = 'frames are not read: write the time in milliseconds, "HH:MM:SS.mmm"'
        else:
            fix = 'write "HH:MM:SS" or "HH:MM:SS.mmm", in quotes'
        problems.append(problem(path, where, f"{value!r} is not a time code", fix))
        return None


def _preset_list(
    path: Path, where: str, value: Any, presets: dict[str, Preset], problems: list[Problem]
) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        problems.append(
            problem(path, where, "a name where a list is needed", f'write ["{value}"], in brackets')
        )
        return ()
    if not isinstance(value, list) or not value:
        problems.append(problem(path, where, "missing or empty", 'list presets, e.g. ["web"]'))
        return ()
    for index, name in enumerate(value):
        if name not in presets:
            problems.append(
                problem(
                    path,
                    f"{where}[{index}]",
                    f"unknown preset {name!r}",
                    f"{did_you_mean(str(name), presets)} (clips/presets.toml)",
                )
            )
    return tuple(name for name in value if name in presets)


def _tables(
    path: Path, where: str, value: Any, extra: tuple[str, ...], problems: list[Problem]
) -> list[dict[str, Any]]:
    """The `[[shots]]` or `[[cuts]]` tables, each checked for unknown fields."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append(
            problem(path, where, "is not a list of tables", f"write [[{where}]] tables")
        )
        return []
    for index, item in enumerate(value):
        place = table_where(where, index, value)
        problems += _unknown_in_table(path, place, item, (*_FIELDS[where], *extra))
    return value


def table_where(kind: str, index: int, tables: Sequence[dict[str, Any]]) -> str:
    """How problems name the `index`-th `[[kind]]` table: by its id where it has one of its own,
    `cuts['soundbite']`, which the editor finds in the file; else by its place, `cuts[2]`
    (counted from 0)."""
    table_id = tables[index].get("id")
    ids = [table.get("id") for table in tables]
    own = isinstance(table_id, str) and _ID.match(table_id) and table_id != FULL
    if own and ids.count(table_id) == 1:
        return f"{kind}['{table_id}']"
    return f"{kind}[{index}]"


def _manifest(
    path: Path,
    data: dict[str, Any],
    presets: dict[str, Preset],
    languages: tuple[str, ...],
    problems: list[Problem],
) -> VideoManifest | None:
    problems += unknown_keys(path, "", data, _FIELDS[""])
    video_id = data.get("id")
    if video_id is None:
        problems.append(problem(path, "id", "missing", f'add id = "{path.stem}" (its file name)'))
    elif not isinstance(video_id, str) or not _ID.match(video_id):
        problems.append(
            problem(path, "id", f"{video_id!r} is not an id", "use lowercase words and hyphens")
        )
    elif video_id != path.stem:
        problems.append(
            problem(
                path,
                "id",
                f"{video_id!r} differs from the file name",
                f"rename to {video_id}.toml or fix the id",
            )
        )
    source = data.get("source")
    if not isinstance(source, str) or not source:
        problems.append(
            problem(path, "source", "missing", "give the source file, relative to clips/")
        )
    sha256 = data.get("sha256")
    if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.match(sha256)):
        problems.append(problem(path, "sha256", "not 64 hex digits", "fix it or remove the line"))
    date = data.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    if date is None:
        problems.append(problem(path, "date", "missing", "add date = 2025-10-15 (no quotes)"))
    elif not isinstance(date, dt.date):
        problems.append(problem(path, "date", f"{date!r} is not a date", "write date = 2025-10-15"))
    location = _text_by_lang(path, "location", data.get("location"), languages, problems)
    credit = _text_by_lang(path, "credit", data.get("credit"), languages, problems)
    title = _text_by_lang(path, "title", data.get("title"), languages, problems)
    rights = _text_by_lang(path, "rights", data.get("rights"), languages, problems)
    full_presets = _preset_list(path, "presets", data.get("presets"), presets, problems)
    poster_ms = _time(path, "poster", data["poster"], problems) if "poster" in data else None
    captions = data.get("captions", {})
    if not isinstance(captions, dict):
        problems.append(problem(path, "captions", "is not a table", "write [captions] en = ..."))
        captions = {}
    for lang, value in captions.items():
        if lang in _FIELDS[""]:
            problems += _unknown_in_table(path, "captions", {lang: value}, languages)
        elif lang not in languages or not isinstance(value, str):
            problems.append(
                problem(path, f"captions.{lang}", "not a language of the site with a file path",
                        f"use {' or '.join(languages)} = \"captions/<file>.vtt\"")
            )  # fmt: skip

    shots: list[Shot] = []
    for index, shot in enumerate(
        _tables(path, "shots", data.get("shots", []), languages, problems)
    ):
        where = f"shots[{index}]"
        at_ms = _time(path, f"{where}.at", shot.get("at"), problems)
        if "quote" in shot:
            soundbite = _soundbite(path, where, shot, languages, problems)
            if at_ms is not None and soundbite is not None:
                text, speaker, spoken, quote, role = soundbite
                shots.append(
                    Shot(at_ms=at_ms, text=text, speaker=speaker, language=spoken, quote=quote,
                         role=role)
                )  # fmt: skip
        else:
            text = _text_by_lang(
                path, where, {k: shot.get(k) for k in languages}, languages, problems
            )
            if at_ms is not None:
                shots.append(Shot(at_ms=at_ms, text=text))
    if any(a.at_ms > b.at_ms for a, b in zip(shots, shots[1:], strict=False)):
        problems.append(problem(path, "shots", "not in time order", "sort the shots by 'at'"))

    cuts: list[Cut] = []
    seen: set[str] = {FULL}
    cut_tables = _tables(path, "cuts", data.get("cuts", []), (), problems)
    for index, cut in enumerate(cut_tables):
        where = table_where("cuts", index, cut_tables)
        cut_id = cut.get("id")
        valid_id = isinstance(cut_id, str) and bool(_ID.match(cut_id))
        if not valid_id:  # the cut's other fields are still checked: every problem at once
            problems.append(
                problem(
                    path,
                    f"{where}.id",
                    "missing" if cut_id is None else f"{cut_id!r} is not an id",
                    "use lowercase words and hyphens",
                )
            )
        elif cut_id == FULL:
            problems.append(
                problem(
                    path,
                    f"{where}.id",
                    f"{FULL!r} is the full-length version's",
                    "give the cut an id of its own",
                )
            )
        elif cut_id in seen:
            problems.append(
                problem(
                    path, f"{where}.id", f"{cut_id!r} is used twice", "give each cut its own id"
                )
            )
        if valid_id:
            seen.add(cut_id)
        in_ms = _time(path, f"{where}.in", cut.get("in"), problems)
        out_ms = _time(path, f"{where}.out", cut.get("out"), problems)
        if in_ms is not None and out_ms is not None and in_ms >= out_ms:
            problems.append(
                problem(
                    path,
                    f"{where}.out",
                    f"{cut.get('out')} is not after in ({cut.get('in')})",
                    "make out later than in",
                )
            )
        cut_presets = _preset_list(path, f"{where}.presets", cut.get("presets"), presets, problems)
        cut_title = _text_by_lang(path, f"{where}.title", cut.get("title"), languages, problems)
        if valid_id and in_ms is not None and out_ms is not None:
            cuts.append(Cut(cut_id, in_ms, out_ms, cut_presets, cut_title))
    if problems:
        return None
    return VideoManifest(
        path=path,
        id=video_id,
        source=source,
        sha256=sha256,
        date=date,
        location=location,
        presets=full_presets,
        title=title,
        rights=rights,
        shots=tuple(shots),
        cuts=tuple(cuts),
        poster_ms=poster_ms,
        captions=dict(captions),
        credit=credit,
    )


def _soundbite(
    path: Path,
    where: str,
    shot: dict[str, Any],
    languages: tuple[str, ...],
    problems: list[Problem],
) -> tuple[dict[str, str], str, str, str, dict[str, str]] | None:
    """(text by language, speaker, language, quote, role) of a `[[shots]]` soundbite."""
    before = len(problems)
    speaker, spoken, quote = shot.get("speaker"), shot.get("language"), shot.get("quote")
    if not isinstance(speaker, str) or not speaker.strip():
        problems.append(
            problem(path, f"{where}.speaker", "missing", 'name who speaks, e.g. "Mark Rutte"')
        )
    if not isinstance(quote, str) or not quote.strip():
        problems.append(problem(path, f"{where}.quote", "empty", "write the words as spoken"))
    if not isinstance(spoken, str) or language_name(spoken, "en") == spoken:
        problems.append(
            problem(path, f"{where}.language", f"{spoken!r} is not a language code",
                    'give the language spoken as a code, e.g. "en" (English) or "fr" (French)')
        )  # fmt: skip
        spoken = None
    role = (
        _text_by_lang(path, f"{where}.role", shot["role"], languages, problems)
        if "role" in shot
        else {}
    )
    others = tuple(lang for lang in languages if lang != spoken)
    translation = shot.get("translation")
    if isinstance(translation, dict) and spoken in translation:
        problems.append(
            problem(path, f"{where}.translation.{spoken}", f"the quote is already in {spoken}",
                    f"remove translation.{spoken}")
        )  # fmt: skip
    if spoken is not None and others:
        translation = _text_by_lang(
            path, f"{where}.translation", translation, others, problems, also=(spoken,)
        )
    if len(problems) > before or spoken is None:
        return None
    text = {lang: quote if lang == spoken else translation[lang] for lang in languages}
    return text, speaker, spoken, quote, role
