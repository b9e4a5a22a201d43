"""Recording: a video's files laid into the site's output, and its `manifest.json` written.

Files are hard-linked from the cache (copied where the file system cannot link) at the paths
`media.record` derives; each cut's captions are written beside them, the press kit is made or
taken from the cache, and the record of it all (`record.Video`) is written last, as
`media/<id>/manifest.json`, with the JSON Schema beside the manifests.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import msgspec

from newsreel.media import captions, record
from newsreel.media.cache import MediaCache, link_or_copy, write_atomic
from newsreel.media.errors import MediaError, problem
from newsreel.media.manifests import VideoManifest
from newsreel.media.plan import PlannedOutput
from newsreel.media.presskit import build_press_kit
from newsreel.media.sources import Source


def record_video(
    manifest: VideoManifest,
    source: Source,
    outputs: list[PlannedOutput],
    cache: MediaCache,
    output_dir: Path,
    languages: tuple[str, ...],
) -> record.Video:
    """Lay out one video's files from the cache, then write and return its record."""
    files: dict[str, list[record.MediaFile]] = {}
    posters: dict[str, record.MediaFile] = {}
    for output in outputs:
        entry = _lay_out(manifest, output, cache, output_dir)
        if output.poster:
            posters[output.cut.id] = entry
        if output.listed:
            files.setdefault(output.cut.id, []).append(entry)
    cuts = []
    for cut in manifest.all_cuts():
        out_ms = cut.out_ms if cut.out_ms is not None else source.info.duration_ms
        cuts.append(
            record.Cut(
                id=cut.id,
                title=cut.title,
                in_ms=cut.in_ms,
                out_ms=out_ms,
                files=files.get(cut.id, []),
                poster=posters.get(cut.id),
                captions=_write_captions(manifest, cut.id, cut.in_ms, out_ms, source, output_dir),
            )
        )
    video = record.Video(
        id=manifest.id,
        languages=list(languages),
        title=manifest.title,
        date=manifest.date,
        location=manifest.location,
        credit=manifest.credit,
        rights=manifest.rights,
        duration_ms=source.info.duration_ms,
        fps=float(source.info.fps or Fraction(25)),
        source=record.Source(
            sha256=source.sha256, width=source.info.width, height=source.info.height
        ),
        shots=list(manifest.shots),
        cuts=cuts,
        transcript={
            lang: [record.TranscriptLine(at_ms=cue.start_ms, text=cue.text) for cue in cues]
            for lang, cues in source.cues.items()
        },
    )
    video = msgspec.structs.replace(video, press_kit=build_press_kit(video, output_dir, cache))
    write_atomic(output_dir / record.manifest_path(video.id), record.encode(video))
    return video


def write_schema(output_dir: Path) -> None:
    """The JSON Schema of the manifests, beside them, for newsroom tools."""
    write_atomic(output_dir / record.schema_path(), record.encode_schema())


def _lay_out(
    manifest: VideoManifest, output: PlannedOutput, cache: MediaCache, output_dir: Path
) -> record.MediaFile:
    found = cache.get(output.key)
    if found is None:  # pragma: no cover - the jobs filled it, or raised
        raise MediaError(
            problem(manifest.path, f"cut {output.cut.id}", f"{output.filename} is missing "
                    "from the media cache", "run the build again")
        )  # fmt: skip
    file, measured = found
    access = output.preset.access
    path = record.file_path(manifest.id, output.key, output.filename, access)
    link_or_copy(file, output_dir / path)
    private = access == "account"
    return record.MediaFile(
        **msgspec.structs.asdict(measured) | {"filename": output.filename},
        url=(
            record.download_route(manifest.id, output.cut.id, output.preset.name)
            if private
            else "/" + path
        ),
        access=access,
        private_path=path if private else None,
        key=output.key,
        preset=output.preset.name,
        kind=output.preset.kind,
        label=output.preset.label,
    )


def _write_captions(
    manifest: VideoManifest,
    cut_id: str,
    in_ms: int,
    out_ms: int,
    source: Source,
    output_dir: Path,
) -> dict[str, record.StoredFile]:
    """The cut's captions per language, content-addressed."""
    written = {}
    for lang, cues in source.cues.items():
        data = captions.to_webvtt(captions.cut_cues(cues, in_ms, out_ms)).encode("utf-8")
        key = captions.digest(data.decode("utf-8"))
        name = record.captions_name(manifest.id, manifest.date, cut_id, lang)
        path = record.file_path(manifest.id, key, name)
        write_atomic(output_dir / path, data)
        written[lang] = record.StoredFile(
            filename=name,
            size=len(data),
            sha256=key,
            mime="text/vtt",
            url="/" + path,
            access="public",
        )
    return written
