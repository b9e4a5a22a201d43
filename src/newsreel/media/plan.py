"""Planning: which outputs the videos need, which of them are missing, and why.

A cache key is the SHA-256 of everything that decides an output's bytes: the source's SHA-256,
the normalised preset, the cut range (or the still's frame), the ffmpeg version and the
pipeline version. Every output's folder is named after its key, so the same key is the same
file, on any machine that shares the cache, and it is never encoded twice.

Planning encodes nothing and starts no process: it reads the manifests and presets, inspects
the sources (`media.sources`), and turns what the cache lacks into jobs, each with the reason
it must run (a new cut, a changed preset...), which `newsreel clips plan` shows.

Jobs of four kinds: `renditions` (one process encoding several outputs from the source: all
full-length renditions of a video at once, or a cut encoded whole), `still`, `smart` (a cut
assembled from the full-length rendition: copied GOPs, encoded edges, see `smartcut`; it needs
that rendition first) and `stream` (the full-length renditions of the HLS ladder repackaged as
fragmented MP4: each rung's video, and one rung's audio for all; it needs them first). A cut
whose preset cannot be assembled is encoded whole, and its job's reason says why.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreel.media import record, smartcut
from newsreel.media.cache import MediaCache, SourceHashes
from newsreel.media.errors import MediaError, Problem, problem
from newsreel.media.manifests import FULL, Cut, VideoManifest, load_manifest, manifest_paths
from newsreel.media.presets import Ladder, Preset, load_ladder, load_presets
from newsreel.media.probe import PICTURE_SLACK_MS, MediaInfo
from newsreel.media.reasons import read_index
from newsreel.media.reasons import reason as why
from newsreel.media.sources import Source, SourceProbes, inspect

#: The images pages show of every cut, besides its poster (a JPEG, which feeds, sitemaps, link
#: previews and the press kit carry): record field -> the still preset that makes it. The
#: player's poster, light (WebP: about 40 % of the JPEG), and a thumbnail for lists of versions
#: and cards (a 1280 px poster there weighs ten times what it shows). A preset missing from
#: `presets.toml` is simply not made, and pages show the poster instead.
PAGE_IMAGES = {"player_poster": "player-poster", "thumbnail": "thumbnail"}

#: Bump when the pipeline changes what it writes for the same inputs.
PIPELINE_VERSION = "3"  # 3: keyframes on the grid only; smart cuts; CMAF rungs

#: Bump one of these when only that way of making outputs changes: only its outputs are made
#: again (a repackaging fix must not re-encode a newsroom's shared cache).
METHOD_VERSIONS = {"cmaf-audio": "2"}  # 2: an edit list for the AAC priming
#: Bumped when every still is made otherwise (2: its colours written in BT.601, as image
#: decoders read JPEG and WebP, where the video's BT.709 shifted every poster's reds and greens).
STILL_VERSION = "2"

#: The poster of a cut whose presets hold no still.
DEFAULT_STILL = Preset(
    name="still",
    kind="still",
    access="public",
    extension="jpg",
    container="image2",
    suffix="still",
    label={"en": "Still (JPEG)", "fr": "Image fixe (JPEG)"},
    video={"width": 1280, "height": 720, "quality": 3},
)


@dataclass(frozen=True)
class MediaSettings:
    """Where the media of a project come from and go: the one input of the pipeline."""

    clips: Path
    cache: Path
    languages: tuple[str, ...]
    shared_cache: str | None = None  # s3://bucket/prefix, shared by every build machine
    ffmpeg: str | None = None  # the binary; default: NEWSREEL_FFMPEG, else imageio-ffmpeg's


def cache_key(
    source_sha256: str,
    preset: Preset,
    in_ms: int,
    out_ms: int,
    ffmpeg_version: str,
    still_at_ms: int | None = None,
    method: str = "encode",
    scaled_from: tuple[int, int] | None = None,
    corrections: tuple[str, ...] = (),
) -> str:
    """`method`: how the output is made from its inputs (`encode`, `smart`, `cmaf-video`,
    `cmaf-audio`); `scaled_from`: the size its frames are scaled from (`scaling_base`);
    `corrections`: the fixes of the pipeline that change this output (`corrections`)."""
    parts = [
        f"source={source_sha256}",
        f"preset={preset.normalised()}",
        f"range={in_ms}-{out_ms}",
        f"still={still_at_ms}",
        f"ffmpeg={ffmpeg_version}",
        f"pipeline={PIPELINE_VERSION}",
        f"method={method}",
    ]
    if method in METHOD_VERSIONS:
        parts.append(f"method_version={METHOD_VERSIONS[method]}")
    if preset.kind == "still":
        parts.append(f"still_version={STILL_VERSION}")
    if scaled_from:
        parts.append("scaled_from={}x{}".format(*scaled_from))
    parts += [f"corrected={name}" for name in corrections]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def corrections(preset: Preset, source: MediaInfo) -> tuple[str, ...]:
    """The fixes of the pipeline that change what an output of `source` in `preset` holds,
    for the sources they change only, named in its cache key: what a cache holds of those is
    made again, while every other output keeps its key and file (bumping PIPELINE_VERSION
    would encode every newsroom's whole cache again).

    `display-shape`: an anamorphic source's pictures are fitted by their display shape, where
    they were squeezed (`encode._fitted`). `last-frame`: a source at another frame rate than
    the preset's keeps its last frame (the fps filter's `eof_action`). `deinterlaced`: an
    interlaced source's frames are deinterlaced, where they kept their combs. `sdr`: an HDR
    source's frames are made SDR BT.709, where they kept HDR's. `bt709`: the frames of an SD
    source (BT.601's matrix) or a wide-gamut SDR one (BT.2020) are converted to BT.709, where
    they kept their own colours in files that players take as BT.709. `untagged`: a tagged
    source's outputs leave its tags behind (a phone's recording place among them), where they
    carried them. `paired-sound`: the sound of a source whose stereo mix is two mono tracks is
    both of them, left and right, where it was the left one twice. `sound-padded`:
    the sound of a source whose sound stops before its end is padded with silence to it.
    `rewrapped`: a source without an index (MPEG-TS, MPEG-PS) is read from its Matroska copy
    (`rewrap`), where seeks in it landed between keyframes.
    """
    found = []
    if preset.kind != "audio" and not source.square_pixels:
        found.append("display-shape")
    if preset.kind != "audio" and source.interlaced:
        found.append("deinterlaced")
    if preset.kind != "audio" and source.hdr:
        found.append("sdr")
    elif preset.kind != "audio" and source.colour:
        found.append("bt709")
    if preset.kind == "video" and source.fps != preset.video.get("fps"):
        found.append("last-frame")
    if preset.kind != "still" and source.tagged:
        found.append("untagged")
    if preset.needs_audio and source.paired_sound:
        found.append("paired-sound")
    sound = source.sound_ms
    if preset.needs_audio and sound is not None and sound < source.duration_ms - PICTURE_SLACK_MS:
        found.append("sound-padded")
    if source.indexless:
        found.append("rewrapped")
    return tuple(found)


def enlarged(manifest: VideoManifest, presets: dict[str, Preset], info: MediaInfo) -> list[str]:
    """A warning when the manifest's downloads enlarge its source's picture (a 640x360 phone
    clip in a 1920x1080 broadcast preset): the file is made, as broadcasters' systems want
    that size, but its picture is no sharper than the source's, which the preset's name and
    bit rate promise. The adaptive stream's rungs are left out (a player picks a smaller one)."""
    shown = info.shown_size  # as a player shows it: anamorphic, or an upright phone's
    if shown is None:
        return []
    presets = shaped(presets, info)
    named = {name for cut in manifest.all_cuts() for name in cut.presets}
    larger = [
        presets[name]
        for name in sorted(named)
        if presets[name].kind == "video"
        and min(presets[name].video["width"] / shown[0],
                presets[name].video["height"] / shown[1]) > 1
    ]  # fmt: skip
    if not larger:
        return []
    sizes = ", ".join(f"{p.name} ({p.video['width']}x{p.video['height']})" for p in larger)
    one = len(larger) == 1
    enlarge, those = ("enlarges", "that preset") if one else ("enlarge", "those presets")
    return [
        f"{manifest.path.parent.name}/{manifest.path.name}: source: {manifest.source} is "
        f"{shown[0]}x{shown[1]}, so {sizes} {enlarge} its picture (no sharper than "
        f"the source); use a larger original if there is one, or drop {those}"
    ]


def scaling_base(
    preset: Preset, presets: Iterable[Preset], source: MediaInfo
) -> tuple[int, int] | None:
    """The size whose frames a video preset is scaled from, or None: from the source itself.

    Scaling (Lanczos) from a full-size source is the dearest filter of a build: from 1080p,
    the four smaller sizes of the repository's presets cost a fifth of the full-length encode.
    So a preset is scaled from the frames of the largest other preset (of those the video is
    encoded in at full length, `presets`) that is strictly between it and the source, with the
    same shape (no bars to scale twice) and the same frame rate:
    from 1080p, 540p, 360p and 234p are scaled from 720p (measured: 55-60 dB PSNR against
    scaling from the source, no visible difference); from 4K, everything from 1080p. Never
    from a size larger than the source (upscaled frames scaled down again would lose detail).
    A pure function of the presets and the source, so that every command that makes a
    preset's frames (full length, a smart cut's edges, a cut encoded whole) makes the same
    pixels; it is part of the output's cache key (so a larger preset added to a video can
    make its smaller ones again, and `clips plan` says why: "scaled from other frames").
    """
    if preset.kind != "video" or not source.width or not source.height:
        return None
    width, height = preset.video["width"], preset.video["height"]
    fps = preset.video.get("fps")
    candidates = [
        (other.video["width"], other.video["height"])
        for other in presets
        if other.kind == "video"
        and other.video.get("fps") == fps
        and width < other.video["width"] < source.width
        and height < other.video["height"] < source.height
        and other.video["width"] * height == other.video["height"] * width
        and other.video["width"] * source.height == other.video["height"] * source.width
    ]
    return max(candidates, key=lambda size: size[0] * size[1], default=None)


def presentation_key(rung_keys: list[str], caption_digests: list[str]) -> str:
    """An HLS presentation's key (its folder): every rung's key and every caption's digest."""
    parts = [f"rung={key}" for key in rung_keys] + [f"captions={d}" for d in caption_digests]
    return hashlib.sha256("\n".join([*parts, f"pipeline={PIPELINE_VERSION}"]).encode()).hexdigest()


def output_filename(manifest: VideoManifest, cut: Cut, preset: Preset, poster: bool) -> str:
    """A name a downloader recognises: `20251015-defence-ministers-rutte-soundbite-1080p.mp4`."""
    suffix = "poster" if poster else preset.suffix
    return record.download_name(manifest.id, manifest.date, cut.id, suffix, preset.extension)


@dataclass(frozen=True)
class PlannedOutput:
    """One output file: a cut of a video in a preset."""

    video_id: str
    cut: Cut
    preset: Preset
    key: str
    filename: str
    in_ms: int
    out_ms: int
    still_at_ms: int | None = None
    cached: bool = False
    poster: bool = False  # the cut's poster image (also a download when its preset is listed)
    listed: bool = True  # offered in the download panel
    page_image: str = ""  # an image pages show: a field of `PAGE_IMAGES`
    stream: bool = False  # a fragmented MP4 rung of the HLS presentation
    method: str = "encode"  # how: encode (from the source), smart, cmaf-video, cmaf-audio
    scaled_from: tuple[int, int] | None = None  # see `scaling_base`
    corrections: tuple[str, ...] = ()  # see `corrections`

    @property
    def role(self) -> str:
        """What it is, as `clips plan` lists it: the preset's name, or what else it is for."""
        if self.stream:
            return f"{self.preset.name} (HLS {'audio' if self.method == 'cmaf-audio' else 'video'})"
        if self.poster and not self.listed:
            return "(poster)"
        if self.page_image and not self.listed:
            return f"({self.page_image.replace('_', ' ')})"
        return self.preset.name if self.listed else f"{self.preset.name} (for HLS)"

    @property
    def index_id(self) -> str:
        """Its name in the cache's index, which remembers what made it (for the reasons)."""
        if self.poster and not self.listed:
            return f"{self.video_id}/{self.cut.id}/poster"
        if self.page_image and not self.listed:
            return f"{self.video_id}/{self.cut.id}/{self.page_image}"
        return f"{self.video_id}/{self.cut.id}/{self.preset.name}" + (
            f"/{self.method}" if self.stream else ""
        )


@dataclass
class Job:
    """One ffmpeg process (after a loudness pass, for broadcast) making one or more outputs."""

    manifest: VideoManifest
    source: Path
    cut: Cut
    outputs: list[PlannedOutput]
    reason: str
    kind: str = "renditions"  # or "still", "smart", "stream"
    fps: object = None
    #: smart and stream jobs: output key -> key of the full-length rendition it is made from
    inputs: dict[str, str] = field(default_factory=dict)
    #: the source has no audio: its outputs' audio tracks are silence (`encode._silence`)
    silent: bool = False
    #: what the source's frames need to be BT.709 SDR (`MediaInfo.colour`, `encode._fitted`)
    colour: str | None = None
    #: the source's sound is a stereo pair of mono tracks (`MediaInfo.paired_sound`)
    paired: bool = False

    @property
    def needs(self) -> set[str]:
        """Keys that must be in the cache before this job can run."""
        return set(self.inputs.values())

    @property
    def duration_ms(self) -> int:
        first = self.outputs[0]
        return 1000 if self.kind == "still" else first.out_ms - first.in_ms

    def describe(self) -> str:
        names = ", ".join(o.preset.name for o in self.outputs)
        how = {"smart": " (smart cut)", "stream": " (HLS packaging)"}.get(self.kind, "")
        return f"{self.manifest.id} / {self.cut.id}: {names}{how}"


@dataclass
class MediaPlan:
    """Everything a build needs: per video, its source and outputs; and the jobs still to run."""

    manifests: list[VideoManifest]
    ffmpeg_version: str
    outputs: dict[str, list[PlannedOutput]] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    ladder: Ladder | None = None
    presets: dict[str, Preset] = field(default_factory=dict)  # all of `presets.toml`
    #: what a person should look at, though nothing stops the build (`enlarged`)
    warnings: list[str] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {o.key for outputs in self.outputs.values() for o in outputs}

    @property
    def encodes(self) -> int:
        """How many output files the jobs will write."""
        return sum(len(job.outputs) for job in self.jobs)

    def describe(self) -> str:
        """The plan in plain text, one line per job and why it must run."""
        total = sum(len(outputs) for outputs in self.outputs.values())
        if not self.jobs:
            return f"All {total} outputs are in the cache: nothing to encode."
        lines = [f"{self.encodes} of {total} outputs to encode, in {len(self.jobs)} jobs:"]
        lines += [f"- {job.describe()} ({job.reason})" for job in self.jobs]
        return "\n".join(lines)


def load_all(settings: MediaSettings) -> tuple[dict[str, Preset], list[VideoManifest]]:
    """Presets and every manifest; all problems of all files in one MediaError."""
    presets, manifests, problems = _read_all(settings)
    if problems:
        raise MediaError(problems)
    return presets, manifests


def problems_before_encoding(settings: MediaSettings) -> list[Problem]:
    """Every problem a build would stop on before it encodes anything: the presets', the
    manifests', and their sources' (missing, corrupt, time codes past their end, captions
    that do not fit), for every video at once.

    A build asks before it builds a page, so that an editor hears of a cut past the end of
    its source with the items' mistakes, in one round, not after fixing those. Probes are
    remembered (`SourceProbes`): the build's own plan does not make them again.
    """
    try:
        presets, manifests, problems = _read_all(settings)
    except MediaError as error:  # the presets: no manifest can be read without them
        return list(error.problems)
    hashes, probes = SourceHashes(settings.cache), SourceProbes(settings.cache)
    for manifest in manifests:
        try:
            inspect(manifest, presets, settings.cache, hashes, probes, settings.ffmpeg)
        except MediaError as error:
            problems += error.problems
    return problems


def _read_all(
    settings: MediaSettings,
) -> tuple[dict[str, Preset], list[VideoManifest], list[Problem]]:
    """Presets (MediaError if they have problems), the manifests that could be read, and the
    problems of all of them."""
    presets = load_presets(settings.clips / "presets.toml", settings.languages)
    manifests: list[VideoManifest] = []
    problems: list[Problem] = []
    for path in manifest_paths(settings.clips):
        try:
            manifests.append(load_manifest(path, presets, settings.languages))
        except MediaError as error:
            problems += error.problems
    for manifest in manifests:
        for cut in manifest.all_cuts():
            where = "presets" if cut.id == FULL else f"cuts.{cut.id}.presets"
            problems += [
                problem(manifest.path, where, f"{name!r} is a stream-only preset",
                        "name a public or account preset; the ladder is in presets.toml")
                for name in cut.presets if presets[name].access == "stream"
            ]  # fmt: skip
    return presets, manifests, problems


#: Says, for a key the local cache lacks, whether another cache (the shared one) had it and
#: copied it in.
Fetch = Callable[[str], bool]


def plan_media(
    settings: MediaSettings, ffmpeg_version: str, fetch: Fetch | None = None
) -> MediaPlan:
    """What would be encoded and why; encodes nothing. Raises MediaError with every problem.

    `fetch` (the shared cache) is asked for each missing output before it is planned.
    """
    presets, manifests = load_all(settings)
    path = settings.clips / "presets.toml"
    ladder = load_ladder(path, presets, smartcut.KEYFRAME_EVERY_S)
    cache = MediaCache(settings.cache)
    hashes, probes = SourceHashes(settings.cache), SourceProbes(settings.cache)
    index = read_index(settings.cache)
    plan = MediaPlan(manifests, ffmpeg_version, ladder=ladder, presets=presets)
    problems: list[Problem] = []
    for manifest in manifests:
        try:
            source = inspect(manifest, presets, settings.cache, hashes, probes, settings.ffmpeg)
        except MediaError as error:
            problems += error.problems
            continue
        plan.sources[manifest.id] = source
        plan.warnings += enlarged(manifest, presets, source.info)
        _plan_video(plan, manifest, presets, source, cache, index, fetch)
    if problems:
        raise MediaError(problems)
    return plan


def _poster_at(manifest: VideoManifest, in_ms: int, out_ms: int, full: bool) -> int:
    if full and manifest.poster_ms is not None:
        return manifest.poster_ms
    return in_ms + (out_ms - in_ms) // (3 if full else 2)


def _plan_video(
    plan: MediaPlan,
    manifest: VideoManifest,
    presets: dict[str, Preset],
    source: Source,
    cache: MediaCache,
    index: dict[str, Any],
    fetch: Fetch | None,
) -> None:
    outputs: list[PlannedOutput] = []
    presets = shaped(presets, source.info)
    poster_preset = presets.get("still", DEFAULT_STILL.shaped_for(source.info.shown_size))
    page_images = {
        image: presets[name]
        for image, name in PAGE_IMAGES.items()
        if name in presets and presets[name].kind == "still"
    }
    image_of = {preset.name: image for image, preset in page_images.items()}
    rungs = plan.ladder.rungs if plan.ladder else ()
    full_keys: dict[str, str] = {}
    fps = source.info.fps
    for cut in manifest.all_cuts():
        is_full = cut.id == FULL
        out_ms = cut.out_ms if cut.out_ms is not None else source.info.duration_ms
        still_at = _poster_at(manifest, cut.in_ms, out_ms, is_full)
        planned = functools.partial(
            _planned, plan, manifest, cut, (cut.in_ms, out_ms, still_at), source, cache, fetch
        )
        refusals = {
            name: smartcut.refusal(presets[name], manifest.presets)
            for name in cut.presets
            if not is_full
        }
        renditions = [
            planned(presets[name], presets[name] == poster_preset, True,
                    method="encode" if is_full or refusals[name] else "smart",
                    page_image=image_of.get(name, ""))
            for name in cut.presets
        ]  # fmt: skip
        if is_full:  # the ladder's rungs the manifest does not offer as downloads
            renditions += [planned(presets[name], False, False) for name in rungs
                           if name not in cut.presets]  # fmt: skip
            full_keys = {o.preset.name: o.key for o in renditions if o.preset.kind == "video"}
        if not any(o.poster for o in renditions):
            renditions.append(planned(poster_preset, True, False))
        for image, preset in page_images.items():
            if image == "player_poster" and not is_full:
                continue  # the player plays the full version; cuts are listed (thumbnails)
            if not any(o.page_image == image for o in renditions):
                renditions.append(planned(preset, False, False, page_image=image))
        outputs += renditions
        missing = [o for o in renditions if not o.cached]
        whole = [o for o in missing if o.preset.kind != "still" and o.method == "encode"]
        smart = [o for o in missing if o.method == "smart"]
        silent, colour = not source.info.has_audio, source.info.colour
        # what every job making sound and pictures of this source needs to know of it
        sourced = {"silent": silent, "colour": colour, "paired": source.info.paired_sound}
        if whole:
            reason = why(whole, index, source.sha256, plan.ffmpeg_version, refusals)
            reason += _silent_note(whole, silent)
            plan.jobs.append(Job(manifest, source.path, cut, whole, reason, fps=fps, **sourced))
        if smart:
            reason = why(smart, index, source.sha256, plan.ffmpeg_version, refusals)
            reason += _silent_note(smart, silent)
            inputs = {o.key: full_keys[o.preset.name] for o in smart}
            plan.jobs.append(
                Job(manifest, source.path, cut, smart, reason, "smart", fps, inputs, **sourced)
            )
        stills = [o for o in missing if o.preset.kind == "still"]  # one frame: one process
        if stills:
            reason = why(stills, index, source.sha256, plan.ffmpeg_version)
            plan.jobs.append(
                Job(manifest, source.path, cut, stills, reason, "still", fps, colour=colour)
            )
    outputs += _plan_stream(plan, manifest, presets, source, full_keys, cache, index, fetch)
    plan.outputs[manifest.id] = outputs


def _silent_note(outputs: list[PlannedOutput], silent: bool) -> str:
    """What `clips plan` adds to a job's reason when its source has no audio."""
    if silent and any(o.preset.needs_audio for o in outputs):
        return "; the source has no audio: a silent track in each preset's format"
    return ""


def _plan_stream(
    plan: MediaPlan,
    manifest: VideoManifest,
    presets: dict[str, Preset],
    source: Source,
    full_keys: dict[str, str],
    cache: MediaCache,
    index: dict[str, Any],
    fetch: Fetch | None,
) -> list[PlannedOutput]:
    """The ladder's rungs as fragmented MP4, repackaged from the full-length renditions."""
    if not plan.ladder:
        return []
    full = manifest.full
    span = (0, source.info.duration_ms, 0)
    rungs = [
        _planned(plan, manifest, full, span, source, cache, fetch, presets[name], False, False,
                 method="cmaf-video")
        for name in plan.ladder.rungs
    ] + [_planned(plan, manifest, full, span, source, cache, fetch, presets[plan.ladder.audio],
                  False, False, method="cmaf-audio")]  # fmt: skip
    missing = [o for o in rungs if not o.cached]
    if missing:
        reason = why(missing, index, source.sha256, plan.ffmpeg_version)
        inputs = {o.key: full_keys[o.preset.name] for o in missing}
        plan.jobs.append(
            Job(manifest, source.path, full, missing, reason, "stream", source.info.fps, inputs)
        )
    return rungs


def _full_length_presets(plan: MediaPlan, manifest: VideoManifest, info: MediaInfo) -> list[Preset]:
    """The presets a video is encoded in at full length, as made of its source `info`: its own
    and the ladder's rungs."""
    rungs = plan.ladder.rungs if plan.ladder else ()
    names = dict.fromkeys([*manifest.presets, *rungs])
    presets = shaped(plan.presets, info)
    return [presets[name] for name in names if name in presets]


def shaped(presets: dict[str, Preset], source: MediaInfo) -> dict[str, Preset]:
    """`presets` as they are made of `source`: their boxes turned upright for an upright one
    (`Preset.shaped_for`)."""
    shown = source.shown_size
    return {name: preset.shaped_for(shown) for name, preset in presets.items()}


def _planned(
    plan: MediaPlan,
    manifest: VideoManifest,
    cut: Cut,
    span: tuple[int, int, int],
    source: Source,
    cache: MediaCache,
    fetch: Fetch | None,
    preset: Preset,
    poster: bool,
    listed: bool,
    method: str = "encode",
    page_image: str = "",
) -> PlannedOutput:
    """One output of a cut; `span` is (in, out, poster frame) in milliseconds."""
    in_ms, out_ms, still_at = span
    at = still_at if preset.kind == "still" else None
    base = scaling_base(preset, _full_length_presets(plan, manifest, source.info), source.info)
    fixes = corrections(preset, source.info)
    key = cache_key(
        source.sha256, preset, in_ms, out_ms, plan.ffmpeg_version, at, method, base, fixes
    )
    if method == "cmaf-video":
        name = record.rung_names(preset.suffix)[0]
    elif method == "cmaf-audio":
        name = record.audio_names()[0]
    else:
        name = output_filename(manifest, cut, preset, poster and not listed)
    cached = cache.get(key) is not None or (fetch is not None and fetch(key))
    return PlannedOutput(
        manifest.id, cut, preset, key, name, in_ms, out_ms, at, cached, poster, listed,
        page_image=page_image, stream=method.startswith("cmaf"), method=method,
        scaled_from=base, corrections=fixes,
    )  # fmt: skip
