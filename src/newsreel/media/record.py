"""`manifest.json`: the record of one video's published files, and where they live.

It is the contract between the media pipeline, which writes it, and everything that reads a
build's media: the video pages, the feeds, the press kit, the function (account-only
downloads) and the visitor's own clip. So it has one typed home, here: frozen records, their
JSON form with a schema version, a JSON Schema published beside the manifests
(`/media/manifest.schema.json`) for newsroom tools, and, in one place, the URL layout, the
private folder and the download names. An old or foreign `manifest.json` is refused with one
line saying why, never half-read.

Nothing here lists the site's languages: a record carries the languages it was written in.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import msgspec

from newsreel.errors import NewsreelError, Problem

#: Bump when a change to the records means an older reader would misread a manifest.
SCHEMA_VERSION = 2
SCHEMA_FILE = "manifest.schema.json"
MEDIA_DIR = "media"
#: Account-only files: beside the site's files in `output/`, never served as files (the
#: function hands them out), and published to the private bucket only.
PRIVATE_DIR = "_private"
FULL = "full"

Access = Literal["public", "account"]
Kind = Literal["video", "audio", "still"]
Texts = dict[str, str]  # language code -> text

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


class RecordError(NewsreelError):
    """A `manifest.json` that this version of newsreel cannot read."""


# -- the layout: every path, URL and download name, derived here and nowhere else --------------


def manifest_path(video_id: str) -> str:
    """Where a video's manifest lives, in `output/` and in the site bucket."""
    return f"{MEDIA_DIR}/{video_id}/manifest.json"


def schema_path() -> str:
    return f"{MEDIA_DIR}/{SCHEMA_FILE}"


def file_path(video_id: str, key: str, filename: str, access: Access = "public") -> str:
    """A file's path in `output/`: content-addressed by its cache key, so it never changes.

    Public files sit under `media/`; account-only ones under `_private/media/`.
    """
    path = f"{MEDIA_DIR}/{video_id}/{key[:16]}/{filename}"
    return f"{PRIVATE_DIR}/{path}" if access == "account" else path


#: The HLS presentation's files, inside its own content-addressed folder.
MASTER_PLAYLIST = "master.m3u8"


def rung_names(suffix: str) -> tuple[str, str, str]:
    """A rung's fMP4 file, its media playlist and its I-frame playlist (relative names)."""
    return f"{suffix}.mp4", f"{suffix}.m3u8", f"{suffix}-iframes.m3u8"


def audio_names() -> tuple[str, str]:
    """The shared audio rendition's fMP4 file and its playlist (relative names)."""
    return "audio.mp4", "audio.m3u8"


def subtitle_names(lang: str) -> tuple[str, str]:
    """A subtitle rendition's WebVTT file and its playlist (relative names)."""
    return f"subtitles-{lang}.vtt", f"subtitles-{lang}.m3u8"


def download_route(video_id: str, cut_id: str, preset: str) -> str:
    """The function's route that hands out an account-only file."""
    return f"/api/download/{video_id}/{cut_id}/{preset}"


def download_stem(video_id: str, date: dt.date, cut_id: str = FULL) -> str:
    """`20251015-defence-ministers-press-conference[-rutte-soundbite]`: what every download
    of a video (renditions, captions, press kit) is named after."""
    parts = [date.strftime("%Y%m%d"), _DATE_PREFIX.sub("", video_id)]
    if cut_id != FULL:
        parts.append(cut_id)
    return "-".join(parts)


def download_name(video_id: str, date: dt.date, cut_id: str, suffix: str, extension: str) -> str:
    """`20251015-defence-ministers-press-conference-rutte-soundbite-1080p.mp4`."""
    return f"{download_stem(video_id, date, cut_id)}-{suffix}.{extension}"


def captions_name(video_id: str, date: dt.date, cut_id: str, lang: str) -> str:
    return f"{download_stem(video_id, date, cut_id)}.{lang}.vtt"


def press_kit_name(video_id: str, date: dt.date) -> str:
    return f"{download_stem(video_id, date)}-press-kit.zip"


# -- the records ---------------------------------------------------------------------------------


class Fragment(msgspec.Struct, frozen=True, array_like=True):
    """One movie fragment (moof + mdat) of a CMAF file: one GOP, starting with its IDR frame."""

    offset: int  # where its moof box starts
    size: int  # moof + mdat
    start: float  # seconds from the start of the presentation
    duration: float  # seconds
    iframe_size: int  # from its moof through the end of its IDR frame


class CmafIndex(msgspec.Struct, frozen=True, kw_only=True):
    """Where a CMAF file's parts lie: what its HLS playlists address by byte ranges."""

    init_size: int  # ftyp + moov, from byte 0
    fragments: list[Fragment]


class Measured(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A finished file as measured from its bytes (what the media cache remembers of it)."""

    filename: str  # the name it downloads under
    size: int = msgspec.field(name="bytes")
    sha256: str
    mime: str
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    fps: float | None = None
    video_bitrate: int | None = None
    audio_bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    codecs: str | None = None  # RFC 6381, e.g. `avc1.64001f,mp4a.40.2`
    cmaf: CmafIndex | None = None  # a fragmented MP4 rendition of the adaptive stream


class StoredFile(Measured, frozen=True, kw_only=True, omit_defaults=True):
    """A file the build published, with what a downloader checks: size and SHA-256."""

    url: str  # the public URL, or the function's route for an account-only file
    access: Access  # required, so the JSON always says it
    private_path: str | None = None  # account-only: its path under output/ and the bucket
    key: str | None = None  # the cache key that made it

    @property
    def path(self) -> str:
        """Its path in `output/` (and in the bucket it is published to)."""
        return self.private_path or self.url.lstrip("/")

    @property
    def account_only(self) -> bool:
        return self.access == "account"


class MediaFile(StoredFile, frozen=True, kw_only=True, omit_defaults=True):
    """One rendition (or poster) of one cut in one preset."""

    preset: str
    kind: Kind
    label: Texts


class Cut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The full-length version (`full`) or a partial one, with its files per preset."""

    id: str
    title: Texts
    in_ms: int
    out_ms: int
    files: list[MediaFile]
    poster: MediaFile | None = None
    player_poster: MediaFile | None = None  # the poster as the player shows it, light
    thumbnail: MediaFile | None = None  # the poster, small: lists and cards show this one
    captions: dict[str, StoredFile] = {}

    @property
    def duration_ms(self) -> int:
        return self.out_ms - self.in_ms

    @property
    def is_full(self) -> bool:
        return self.id == FULL

    def file(self, preset: str) -> MediaFile | None:
        return next((entry for entry in self.files if entry.preset == preset), None)


class Shot(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One line of the shot list: a description, or a soundbite.

    `text` holds what the line says in each language of the site: the description, or for a
    soundbite its words (the `quote` itself in the `language` spoken, a translation in the
    others). A soundbite also names its `speaker` and, per language, the speaker's `role`.
    """

    at_ms: int
    text: Texts = {}
    speaker: str | None = None
    language: str | None = None
    quote: str | None = None
    role: Texts = {}

    @property
    def is_soundbite(self) -> bool:
        return self.quote is not None


class TranscriptLine(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    at_ms: int
    text: str


class Source(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The source video: its bytes' SHA-256, and its picture's size as a player shows it (an
    upright phone video upright, anamorphic SD at its display shape), not as it is stored."""

    sha256: str
    width: int | None = None
    height: int | None = None


class AudioTrack(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The adaptive stream's audio: one fragmented MP4 file every rung plays beside its video."""

    preset: str  # the rung it was taken from
    playlist: str  # URL of its media playlist
    file: StoredFile
    codecs: str
    channels: int
    bandwidth: int  # peak segment bit rate, measured (bit/s)
    average_bandwidth: int


class Rung(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One variant of the adaptive stream: a fragmented MP4 file (video) and its two playlists.

    Its `bandwidth` figures are its video's; the master playlist adds the audio's."""

    preset: str
    playlist: str  # URL of its media playlist
    iframes: str  # URL of its I-frame playlist
    file: StoredFile  # the fMP4 file the playlists address by byte ranges
    width: int
    height: int
    fps: float
    codecs: str
    bandwidth: int  # peak segment bit rate, measured (bit/s)
    average_bandwidth: int  # measured over the whole file (bit/s)
    iframe_bandwidth: int  # peak I-frame bit rate, measured (bit/s)


class Subtitles(msgspec.Struct, frozen=True, kw_only=True):
    """The captions of one language, as a subtitle rendition of the adaptive stream."""

    lang: str
    playlist: str  # URL of its playlist
    file: StoredFile  # the WebVTT file it lists


class Presentation(msgspec.Struct, frozen=True, kw_only=True):
    """A video's HLS presentation (fMP4, byte ranges): the player's first choice."""

    url: str  # the multivariant (master) playlist
    key: str  # names its folder: every rung's key and every caption's digest
    segment_seconds: int
    rungs: list[Rung]
    audio: AudioTrack | None = None
    subtitles: list[Subtitles] = []


class Video(msgspec.Struct, frozen=True, kw_only=True):
    """Everything published of one source video: the root of `manifest.json`."""

    schema_url: str = msgspec.field(name="$schema", default=f"/{MEDIA_DIR}/{SCHEMA_FILE}")
    schema_version: int = SCHEMA_VERSION
    id: str
    languages: list[str]
    title: Texts
    date: dt.date
    location: Texts
    credit: Texts = {}
    rights: Texts
    duration_ms: int
    fps: float
    source: Source
    shots: list[Shot] = []
    cuts: list[Cut]
    transcript: dict[str, list[TranscriptLine]] = {}
    press_kit: StoredFile | None = None
    stream: Presentation | None = None  # adaptive streaming (HLS) of the full length

    @property
    def full(self) -> Cut:
        return self.cuts[0]

    @property
    def poster(self) -> MediaFile | None:
        return self.full.poster

    def cut(self, cut_id: str) -> Cut | None:
        return next((cut for cut in self.cuts if cut.id == cut_id), None)

    def file(self, cut_id: str, preset: str) -> MediaFile | None:
        cut = self.cut(cut_id)
        return cut.file(preset) if cut else None

    def files(self) -> list[StoredFile]:
        """Every file the record points at: renditions, posters, captions, press kit."""
        found: dict[str, StoredFile] = {}
        for cut in self.cuts:
            images = (cut.poster, cut.player_poster, cut.thumbnail)
            for entry in [*cut.files, *images, *cut.captions.values()]:
                if entry is not None:
                    found.setdefault(entry.path, entry)
        if self.press_kit:
            found.setdefault(self.press_kit.path, self.press_kit)
        if self.stream:
            parts = [*self.stream.rungs, *self.stream.subtitles]
            for part in [*parts, *([self.stream.audio] if self.stream.audio else [])]:
                found.setdefault(part.file.path, part.file)
        return list(found.values())


# -- the JSON form ---------------------------------------------------------------------------------


class _Header(msgspec.Struct):
    schema_version: int | None = None


_DECODER = msgspec.json.Decoder(Video)
_HEADER = msgspec.json.Decoder(_Header)
_ENCODER = msgspec.json.Encoder()


def encode(video: Video) -> bytes:
    """The manifest's bytes: indented UTF-8 JSON, the same for the same record."""
    return msgspec.json.format(_ENCODER.encode(video), indent=2) + b"\n"


def decode(data: bytes, where: str | Path = "manifest.json") -> Video:
    """The record in `data`; a RecordError (one line) when it is old, foreign or damaged."""
    fix = "rebuild the site with this version of newsreel"
    try:
        version = _HEADER.decode(data).schema_version
    except msgspec.DecodeError as error:
        raise RecordError(Problem(where, "", f"not a newsreel manifest ({error})", fix)) from None
    if version != SCHEMA_VERSION:
        said = f"{'missing' if version is None else version}, but this version of newsreel reads"
        raise RecordError(Problem(where, "schema_version", f"{said} {SCHEMA_VERSION}", fix))
    try:
        return _DECODER.decode(data)
    except msgspec.ValidationError as error:
        message, _, field = str(error).partition(" - at `$.")
        raise RecordError(Problem(where, field.rstrip("`") or "", message, fix)) from None


def read(path: Path) -> Video:
    """The record in a `manifest.json` file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(
            Problem(path, "", "not found", "build the site first (newsreel build)")
        ) from None
    return decode(data, path)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of `manifest.json`, published beside the manifests."""
    schema = msgspec.json.schema(Video)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"/{MEDIA_DIR}/{SCHEMA_FILE}",
        "title": "newsreel video manifest",
        "description": (
            f"The files published for one video (schema version {SCHEMA_VERSION}): every cut "
            "and preset with its URL, size, SHA-256 and measured figures."
        ),
        **schema,
    }


def encode_schema() -> bytes:
    return msgspec.json.format(msgspec.json.encode(json_schema()), indent=2) + b"\n"
