"""Recording: a video's files laid into the site's output, and its `manifest.json` written.

Files are hard-linked from the cache (copied where the file system cannot link) at the paths
`media.record` derives; each cut's captions are written beside them, the press kit is made or
taken from the cache, and the record of it all (`record.Video`) is written last, as
`media/<id>/manifest.json`, with the JSON Schema beside the manifests.

The HLS presentation gets a folder of its own, named after everything in it (every rung's
key, every caption's digest): its fMP4 rungs linked from the cache, and the playlists written
from their measured indexes (`hls`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import msgspec

from newsreel.media import captions, hls, record
from newsreel.media.cache import MediaCache, link_or_copy, write_atomic
from newsreel.media.errors import MediaError, problem
from newsreel.media.manifests import VideoManifest
from newsreel.media.plan import PlannedOutput, presentation_key
from newsreel.media.presets import Ladder
from newsreel.media.presskit import build_press_kit
from newsreel.media.probe import MediaInfo
from newsreel.media.sources import Source


def record_video(
    manifest: VideoManifest,
    source: Source,
    outputs: list[PlannedOutput],
    cache: MediaCache,
    output_dir: Path,
    languages: tuple[str, ...],
    ladder: Ladder | None = None,
) -> record.Video:
    """Lay out one video's files from the cache, then write and return its record."""
    files: dict[str, list[record.MediaFile]] = {}
    posters: dict[str, record.MediaFile] = {}
    images: dict[str, dict[str, record.MediaFile]] = {}  # cut id -> record field -> file
    for output in outputs:
        if not (output.listed or output.poster or output.page_image):  # the stream's: see below
            continue
        entry = _lay_out(manifest, output, cache, output_dir)
        if output.poster:
            posters[output.cut.id] = entry
        if output.page_image:
            images.setdefault(output.cut.id, {})[output.page_image] = entry
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
                **images.get(cut.id, {}),
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
        source=record.Source(sha256=source.sha256, **_shown(source.info)),
        shots=list(manifest.shots),
        cuts=cuts,
        transcript={
            lang: [record.TranscriptLine(at_ms=cue.start_ms, text=cue.text) for cue in cues]
            for lang, cues in source.cues.items()
        },
    )
    rungs = [o for o in outputs if o.stream]
    stream = _presentation(manifest, source, rungs, cache, output_dir, ladder) if rungs else None
    kit = build_press_kit(video, output_dir, cache)
    video = msgspec.structs.replace(video, press_kit=kit, stream=stream)
    write_atomic(output_dir / record.manifest_path(video.id), record.encode(video))
    return video


def write_schema(output_dir: Path) -> None:
    """The JSON Schema of the manifests, beside them, for newsroom tools."""
    write_atomic(output_dir / record.schema_path(), record.encode_schema())


def _lay_out(
    manifest: VideoManifest, output: PlannedOutput, cache: MediaCache, output_dir: Path
) -> record.MediaFile:
    file, measured = _found(manifest, output, cache)
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


def _found(manifest: VideoManifest, output: PlannedOutput, cache: MediaCache):
    found = cache.get(output.key)
    if found is None:  # pragma: no cover - the jobs filled it, or raised
        raise MediaError(
            problem(manifest.path, f"cut {output.cut.id}", f"{output.filename} is missing "
                    "from the media cache", "run the build again")
        )  # fmt: skip
    return found


def _presentation(
    manifest: VideoManifest,
    source: Source,
    rungs: list[PlannedOutput],
    cache: MediaCache,
    output_dir: Path,
    ladder: Ladder | None,
) -> record.Presentation:
    """The HLS presentation of the full length: rungs linked, playlists written."""
    assert ladder is not None
    seconds = ladder.segment_seconds
    subtitles_text = {lang: hls.subtitle_vtt(cues) for lang, cues in sorted(source.cues.items())}
    digests = [captions.digest(text) for text in subtitles_text.values()]
    key = presentation_key([o.key for o in rungs], digests)

    def place(name: str, data: bytes | None = None, file: Path | None = None) -> str:
        path = record.file_path(manifest.id, key, name)
        if file is not None:
            link_or_copy(file, output_dir / path)
        else:
            write_atomic(output_dir / path, data or b"")
        return "/" + path

    made = []
    audio = None
    for output in rungs:
        file, measured = _found(manifest, output, cache)
        if output.method == "cmaf-audio":
            assert measured.cmaf is not None, "the audio is measured with its fragments"
            media_name, playlist_name = record.audio_names()
            peak, average, _ = hls.bandwidths(measured.cmaf, seconds)
            playlist = hls.media_playlist(media_name, measured.cmaf, seconds).encode()
            audio = record.AudioTrack(
                preset=output.preset.name, playlist=place(playlist_name, playlist),
                file=_stored(measured, place(media_name, file=file)),
                codecs=measured.codecs or "", channels=measured.channels or 2,
                bandwidth=peak, average_bandwidth=average,
            )  # fmt: skip
            continue
        assert measured.cmaf is not None, "a rung is measured with its fragments"
        media_name, playlist_name, iframes_name = record.rung_names(output.preset.suffix)
        peak, average, iframe_peak = hls.bandwidths(measured.cmaf, seconds)
        made.append(
            record.Rung(
                preset=output.preset.name,
                playlist=place(playlist_name, hls.media_playlist(
                    media_name, measured.cmaf, seconds).encode()),
                iframes=place(iframes_name, hls.iframe_playlist(
                    media_name, measured.cmaf).encode()),
                file=_stored(measured, place(media_name, file=file)),
                width=measured.width or 0,
                height=measured.height or 0,
                fps=measured.fps or 0.0,
                codecs=measured.codecs or "",
                bandwidth=peak,
                average_bandwidth=average,
                iframe_bandwidth=iframe_peak,
            )
        )  # fmt: skip
    duration = source.info.duration_ms / 1000
    subtitles = []
    for lang, text in subtitles_text.items():
        vtt_name, playlist_name = record.subtitle_names(lang)
        data = text.encode("utf-8")
        stored = record.StoredFile(
            filename=vtt_name, size=len(data), sha256=captions.digest(text), mime="text/vtt",
            url=place(vtt_name, data), access="public",
        )  # fmt: skip
        playlist = place(playlist_name, hls.subtitle_playlist(vtt_name, duration).encode())
        subtitles.append(record.Subtitles(lang=lang, playlist=playlist, file=stored))
    master_path = record.file_path(manifest.id, key, record.MASTER_PLAYLIST)
    stream = record.Presentation(
        url="/" + master_path, key=key, segment_seconds=seconds, rungs=made, audio=audio,
        subtitles=subtitles,
    )  # fmt: skip
    write_atomic(output_dir / master_path, hls.master_playlist(stream, _names(stream)).encode())
    return stream


def _stored(measured: record.Measured, url: str) -> record.StoredFile:
    return record.StoredFile(
        filename=measured.filename, size=measured.size, sha256=measured.sha256,
        mime=measured.mime, url=url, access="public",
    )  # fmt: skip


def _names(stream: record.Presentation) -> dict[str, str]:
    """Each subtitle language's name in that language (`English`, `Français`)."""
    from babel import Locale

    return {
        s.lang: Locale.parse(s.lang).get_display_name(s.lang).capitalize() for s in stream.subtitles
    }


def _shown(info: MediaInfo) -> dict[str, int]:
    """The source's width and height in `manifest.json`: as it is shown (`shown_size`), not
    as it is stored (an upright phone video read as landscape, 16:9 SD as 5:4)."""
    size = info.shown_size
    return {"width": size[0], "height": size[1]} if size else {}
