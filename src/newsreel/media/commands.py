"""`newsreel clips ...` and `newsreel demo-media`: the media pipeline from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from newsreel.media.errors import MediaError

clips_app = typer.Typer(
    help="Plan, encode and clean the clips: every video's presets and cuts.",
    no_args_is_help=True,
)
console = Console(stderr=True)

ClipsOption = Annotated[Path, typer.Option("--clips", help="Folder of presets.toml and manifests.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="The site's output folder.")]
CacheOption = Annotated[Path, typer.Option("--cache", help="The media cache folder.")]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="ffmpeg processes at once (default: one per CPU core)."),
]


def fail(error: MediaError) -> typer.Exit:
    """Print a media error as red one-liners and return the exit to raise."""
    for line in error.problems:
        console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


@clips_app.command("plan")
def plan(
    clips: ClipsOption = Path("clips"),
    output: OutputOption = Path("output"),
    cache: CacheOption = Path(".cache/media"),
) -> None:
    """Show what would be encoded and why; encodes nothing."""
    from newsreel.media.run import plan_media

    try:
        media_plan = plan_media(clips, output, cache)
    except MediaError as error:
        raise fail(error) from None
    out = Console()
    out.print(media_plan.table())
    if media_plan.jobs:
        out.print(media_plan.jobs_table())
    summary = media_plan.describe().splitlines()[0]
    out.print(summary, style="yellow" if media_plan.jobs else "green", highlight=False)


@clips_app.command("build")
def build(
    clips: ClipsOption = Path("clips"),
    output: OutputOption = Path("output"),
    cache: CacheOption = Path(".cache/media"),
    jobs: JobsOption = None,
) -> None:
    """Encode what is missing and write output/media/ (the site build does this too)."""
    from newsreel.media.run import build_media

    try:
        videos = build_media(clips, output, cache, jobs=jobs)
    except MediaError as error:
        raise fail(error) from None
    console.print(f"[green]Media ready[/green] for {len(videos)} videos in {output / 'media'}")


@clips_app.command("gc")
def gc(
    clips: ClipsOption = Path("clips"),
    cache: CacheOption = Path(".cache/media"),
) -> None:
    """Remove cache entries that no manifest uses any more."""
    from newsreel.media.run import gc_cache

    try:
        removed = gc_cache(clips, cache)
    except MediaError as error:
        raise fail(error) from None
    console.print(f"Removed {len(removed)} cache entries no manifest uses.")


def demo_media(
    clips: ClipsOption = Path("clips"),
    force: Annotated[
        bool, typer.Option("--force", help="Draw them again even if present.")
    ] = False,
) -> None:
    """Generate the demo sources (slates per shot, 1080p25, stereo) with the bundled ffmpeg."""
    from newsreel.media.demo import ensure_demo_sources

    try:
        with console.status("Drawing the demo sources…"):
            written = ensure_demo_sources(clips, force=force)
    except MediaError as error:
        raise fail(error) from None
    for path in written:
        console.print(f"Wrote {path}")
    if not written:
        console.print("The demo sources are already there (use --force to draw them again).")
