"""`newsreel clips plan|build|gc` and `newsreel demo-media`: the media pipeline by hand.

They work on the same project as `newsreel build` (its settings, languages, media cache and
shared cache), through the media pipeline's own functions; here are only the options and what
is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table

from newsreel.cli.console import RichReporter, command, console, out
from newsreel.cli.site import JobsOption, OutputOption, RootOption, SettingsOption
from newsreel.media.plan import MediaPlan
from newsreel.project import Project

app = typer.Typer(
    help="Plan, encode and clean the clips: every video's presets and cuts.",
    no_args_is_help=True,
)


def plan_tables(media_plan: MediaPlan) -> Group:
    """One table per video (every output, cached or not), then the jobs still to run."""
    tables = []
    for video_id, outputs in media_plan.outputs.items():
        table = Table(title=video_id, title_justify="left")
        for column in ("cut", "preset", "access", "file", "status"):
            table.add_column(column, overflow="fold")
        for output in outputs:
            status = "[green]cached[/green]" if output.cached else "[yellow]to encode[/yellow]"
            table.add_row(output.cut.id, output.role, output.preset.access, output.filename, status)
        tables.append(table)
    if media_plan.jobs:
        jobs = Table(title="Jobs to run")
        for column in ("video", "cut", "outputs", "seconds", "why"):
            jobs.add_column(column, justify="right" if column == "seconds" else "left")
        for job in media_plan.jobs:
            names = ", ".join(o.filename for o in job.outputs)
            seconds = f"{job.duration_ms / 1000:g}" if job.kind != "still" else "frame"
            jobs.add_row(job.manifest.id, job.cut.id, names, seconds, job.reason)
        tables.append(jobs)
    return Group(*tables)


@command(app, "plan")
def plan(root: RootOption = Path("."), settings: SettingsOption = "pelicanconf.py") -> None:
    """Show what would be encoded and why; encodes nothing."""
    from newsreel.media import pipeline

    media_plan = pipeline.plan(Project.at(root, settings).media_settings())
    out.print(plan_tables(media_plan))
    for line in media_plan.warnings:
        out.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)
    summary = media_plan.describe().splitlines()[0]
    out.print(summary, style="yellow" if media_plan.jobs else "green", highlight=False)


@command(app, "build")
def build(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
    jobs: JobsOption = None,
) -> None:
    """Encode what is missing into the media cache, and write output/media/ when no site is
    built there yet (the site build does all this too)."""
    project = Project.at(root, settings, output)
    try:
        _build_clips(project, jobs)
    except KeyboardInterrupt:  # Ctrl+C, or SIGTERM (`newsreel.entry`)
        console.print(
            "[yellow]Stopped[/yellow]: the clips encoded so far are kept in the media cache; "
            "the next build goes on from there.",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None  # the shell's code for Ctrl+C


def _build_clips(project: Project, jobs: int | None) -> None:
    import tempfile

    from newsreel.build import output as output_folder
    from newsreel.media.pipeline import build_media

    if (project.output / "index.html").is_file():
        # a live site: its pages link the media they were built with, and manifest.json (which
        # the API's downloads read) must not change under them; the cache takes the new files,
        # and the next build publishes pages and media together
        project.cache.mkdir(parents=True, exist_ok=True)
        aside = tempfile.TemporaryDirectory(dir=project.cache, prefix=".clips-")
        with aside, RichReporter() as reporter:
            videos = build_media(
                project.media_settings(), Path(aside.name), jobs=jobs, reporter=reporter
            )
        console.print(
            f"[green]Media ready[/green] for {len(videos)} videos in the media cache; the site "
            f"in {project.output} is unchanged: [bold]newsreel build[/bold] publishes them"
        )
        return
    # no site there yet: the media go into the output folder, one a build may replace, and
    # then marked as a build's, so that the next `newsreel build` (or `clean`) may replace it
    names = output_folder.built_names(project.settings, project.languages)
    output_folder.check_replaceable(project.output, names)
    with RichReporter() as reporter:
        videos = build_media(project.media_settings(), project.output, jobs=jobs, reporter=reporter)
    output_folder.mark(project.output)
    console.print(
        f"[green]Media ready[/green] for {len(videos)} videos in {project.output / 'media'}"
    )


@command(app, "gc")
def gc(root: RootOption = Path("."), settings: SettingsOption = "pelicanconf.py") -> None:
    """Remove media-cache entries that no manifest uses any more."""
    from newsreel.media.pipeline import gc_cache

    def waiting() -> None:
        console.print(
            "[yellow]A build is using the media cache[/yellow]: waiting for it to finish "
            "before cleaning (Ctrl-C to give up)…"
        )

    removed = gc_cache(Project.at(root, settings).media_settings(), on_wait=waiting)
    console.print(f"Removed {len(removed)} cache entries no manifest uses.")


def demo_media(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    force: Annotated[
        bool, typer.Option("--force", help="Draw them again even if present.")
    ] = False,
) -> None:
    """Draw the demo sources (a slate per shot, 1080p25, stereo) with the bundled ffmpeg."""
    from newsreel.media.demo import ensure_demo_sources

    project = Project.at(root, settings)
    with console.status("Drawing the demo sources…"):
        written = ensure_demo_sources(project.clips, project.languages, force=force)
    for path in written:
        console.print(f"Wrote {path}")
    if not written:
        console.print("The demo sources are already there (use --force to draw them again).")
