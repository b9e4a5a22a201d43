"""The `newsreel` command: build, serve, watch and clean the portal (and, later, publish).

Every command reads the site from the current folder (or `--root`), so editors run it from
their checkout. Mistakes come out as one red line per problem and exit code 1, never as a
Python traceback.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from newsreel.media.commands import clips_app, demo_media
from newsreel.publish.commands import publish
from newsreel.site.build import BuildError, BuildResult, Project, build_site

app = typer.Typer(
    name="newsreel",
    help="Build, serve and publish the bilingual newsreel media portal.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
app.add_typer(clips_app, name="clips")
app.command("demo-media")(demo_media)
app.command("publish")(publish)
JobsOption = Annotated[
    int | None, typer.Option("--jobs", "-j", help="ffmpeg processes at once [default: cores].")
]

RootOption = Annotated[
    Path, typer.Option("--root", help="The site's folder (holds pelicanconf.py and content/).")
]
SettingsOption = Annotated[
    str, typer.Option("--settings", "-s", help="Pelican settings file, relative to the root.")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Where the site is written [default: output].")
]


def _project(root: Path, settings: str, output: Path | None) -> Project:
    if not (root / settings).is_file():
        console.print(
            f"[red]{root / settings}: not found; run newsreel from the site's folder "
            "or pass --root[/red]"
        )
        raise typer.Exit(2)
    return Project.at(root, settings, output)


def run_build(
    project: Project,
    languages: list[str] | None = None,
    jobs: int | None = None,
    wait_for_search: bool = True,
    only: list[str] | None = None,
) -> BuildResult:
    """Build with progress; exit 1 with one line per problem (and no traceback) on failure."""
    from newsreel.media.demo import ensure_demo_sources
    from newsreel.media.errors import MediaError

    try:
        if languages is None and (project.clips / "presets.toml").is_file():
            with console.status("Drawing the demo sources (first run only)…"):
                ensure_demo_sources(project.clips)
        console.print(f"Building {', '.join(languages or ['all languages'])}…")
        result = build_site(
            project,
            languages=languages,
            media_jobs=jobs,
            media_progress=True,
            on_language_done=lambda lang: console.print(f"  [green]✓[/green] {lang}"),
            search="background",
            only=only,
        )
    except (BuildError, MediaError) as error:
        console.print(f"[bold red]Build failed, {project.output} left as it was:[/bold red]")
        for line in error.problems:
            console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for line in result.warnings:
        console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)
    if result.search_thread and wait_for_search:
        with console.status("Indexing for search…"):
            result.search_thread.join()
    items = ", ".join(f"{lang}: {count} items" for lang, count in result.items.items())
    console.print(
        f"[green]Built[/green] {', '.join(result.languages)} ({items}) into {result.output} "
        f"in {result.seconds:.1f} s"
    )
    return result


@app.command()
def build(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
    jobs: JobsOption = None,
) -> None:
    """Build the whole site, both languages, with every clip, into [bold]output/[/bold].

    The content and the clip manifests are checked first; on any mistake the build stops with
    one line per problem and the previous output stays as it was. Clips already in the media
    cache are not encoded again.
    """
    run_build(_project(root, settings, output), jobs=jobs)


@app.command()
def serve(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    do_build: Annotated[
        bool, typer.Option("--build/--no-build", help="Build the site before serving it.")
    ] = True,
    do_watch: Annotated[
        bool, typer.Option("--watch/--no-watch", help="Rebuild when content or theme change.")
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="A reverse proxy (address or network) whose X-Forwarded-For is believed; "
            "repeatable. Off by default: only the socket's address counts.",
        ),
    ] = None,
) -> None:
    """Serve the site and its API on http://127.0.0.1:8000 (HTTP Range, so videos seek).

    The function answers at [bold]/api[/bold] in the same process, with SQLite
    ([bold]var/newsreel.db[/bold]) and e-mails written to [bold]var/outbox/[/bold] (codes are
    also printed here). Builds first unless [bold]--no-build[/bold]; with [bold]--watch[/bold]
    it also rebuilds on every change, as [bold]newsreel watch[/bold] does.
    """
    import logging

    import uvicorn

    from newsreel.api.app import create_app as create_api
    from newsreel.api.config import ApiConfig
    from newsreel.site.serve import create_app

    project = _project(root, settings, output)
    if do_build:
        run_build(project, wait_for_search=False)  # the index follows while we serve
    elif not project.output.is_dir():
        console.print(f"[red]{project.output}: not built yet; run newsreel build first[/red]")
        raise typer.Exit(1)
    stop = threading.Event()
    if do_watch:
        threading.Thread(target=_watch_forever, args=(project, stop), daemon=True).start()
    site_url = f"http://{host}:{port}"
    try:
        api_config = ApiConfig.local(
            project.root, project.output, site_url=site_url, trusted_proxies=trusted_proxy or ()
        )
    except ValueError as error:  # a --trusted-proxy that is not an address
        console.print(f"[red]--trusted-proxy: {error}[/red]")
        raise typer.Exit(2) from None
    api = create_api(api_config)
    mail_log = logging.getLogger("newsreel.api.mail")
    mail_log.setLevel(logging.INFO)
    mail_log.addHandler(logging.StreamHandler())
    console.print(
        f"Serving {project.output} on [bold]{site_url}/[/bold], API at /api (Ctrl+C stops)"
    )
    console.print(f"E-mails go to {project.root / 'var' / 'outbox'}; codes are printed here.")
    try:
        uvicorn.run(create_app(project.output, api), host=host, port=port, log_level="warning")
    finally:
        stop.set()
        api_config.jobs.close()  # send what is still queued


def _watch_forever(project: Project, stop: threading.Event | None = None) -> None:
    from newsreel.site import watch as site_watch
    from newsreel.site.build import base_settings
    from newsreel.site.settings import languages_of

    settings = base_settings(project)
    all_languages = languages_of(settings)

    def rebuild(languages: list[str], only: list[str] | None) -> None:
        try:
            partial = languages if languages != all_languages else None
            run_build(project, partial, wait_for_search=False, only=only if partial else None)
        except typer.Exit:
            console.print("[yellow]Waiting for the next change…[/yellow]")

    paths = [Path(settings["PATH"]), Path(settings["THEME"]), project.settings_file, project.clips]
    site_watch.watch(
        paths, Path(settings["PATH"]), all_languages, rebuild, project.output, stop_event=stop
    )


@app.command()
def watch(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
) -> None:
    """Build, then rebuild on every change to content, theme or settings.

    An edit to one item rebuilds only its language, and Pelican's content cache re-reads only
    the files that changed. Combine with [bold]newsreel serve --no-build[/bold] in another
    terminal, or use [bold]newsreel serve --watch[/bold].
    """
    project = _project(root, settings, output)
    try:
        run_build(project)
    except typer.Exit:
        console.print("[yellow]Fix the problems above; watching for changes…[/yellow]")
    console.print("Watching for changes (Ctrl+C stops)")
    with contextlib.suppress(KeyboardInterrupt):
        _watch_forever(project)


@app.command()
def clean(
    root: RootOption = Path("."),
    output: OutputOption = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Also remove the media cache (clips re-encode).")
    ] = False,
) -> None:
    """Remove the built site and Pelican's cache (and with --all the media cache too)."""
    project = Project.at(root, output=output)
    targets = [project.output, project.cache / "pelican"]
    if everything:
        targets.append(project.cache)
    for target in targets:
        if target.exists():
            shutil.rmtree(target)
            console.print(f"Removed {target}")


def main() -> None:  # pragma: no cover - console script entry point
    app()
