"""`newsreel build`, `serve`, `watch` and `clean`: the site from the command line.

Every command reads the site from the current folder (or `--root`), so editors run it from
their checkout. The work itself is the build layer's (`newsreel.build`); here are only the
options, the progress bars and the messages.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from newsreel.build import BuildResult, build_site, search
from newsreel.build import output as output_folder
from newsreel.build.settings import served_overrides
from newsreel.build.site import Search, StoppedWhenLive
from newsreel.cli.console import RichReporter, console
from newsreel.entry import StopAsked, stop_asked
from newsreel.errors import NewsreelError, Problem
from newsreel.project import Project

RootOption = Annotated[
    Path, typer.Option("--root", help="The site's folder (holds pelicanconf.py and content/).")
]
SettingsOption = Annotated[
    str, typer.Option("--settings", "-s", help="Pelican settings file, relative to the root.")
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Where the site is written (default: output/)."),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="ffmpeg processes at once (default: one per CPU core)."),
]


def draw_demo_sources(project: Project) -> None:
    """The demo's source videos, drawn when missing (development commands only, never publish)."""
    if not project.has_media:
        return
    from newsreel.media.demo import ensure_demo_sources

    with console.status("Drawing the demo sources (first run only)…"):
        ensure_demo_sources(project.clips, project.languages, skip_mistakes=True)


def run_build(
    project: Project,
    languages: list[str] | None = None,
    jobs: int | None = None,
    search_index: Search = "wait",
    only: list[str] | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> BuildResult:
    """Build with progress bars; a NewsreelError (one line per problem) on failure."""
    console.print(f"Building {', '.join(languages or ['all languages'])}…")
    with RichReporter() as reporter:
        try:
            result = build_site(
                project,
                languages=languages,
                media_jobs=jobs,
                reporter=reporter,
                search_index="background" if search_index != "off" else "off",
                only=only,
                extra_settings=extra_settings,
            )
        except NewsreelError:
            console.print(
                f"[bold red]Build failed, {project.output} left as it was:[/bold red]",
                soft_wrap=True,
            )
            raise
        except StoppedWhenLive:
            console.print(
                f"[yellow]Stopped[/yellow] once the new pages of {project.output} were live: "
                "its search index may be behind them; build again to finish it.",
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
        except KeyboardInterrupt:
            console.print(
                f"[yellow]Stopped[/yellow]: {project.output} left as it was; the clips encoded "
                "so far are kept in the media cache, the next build goes on from there.",
                soft_wrap=True,
            )
            raise typer.Exit(130) from None  # the shell's code for Ctrl+C
        for line in result.warnings:
            reporter.warn(line)
        if result.search_thread and search_index == "wait":
            try:
                result.wait_for_search()
            except KeyboardInterrupt:
                search.stop()  # what SIGTERM to this process alone did not reach
                result.wait_for_search()  # the previous index stays, the scratch goes
                console.print(
                    f"[yellow]Stopped[/yellow] while indexing for search: {project.output} is "
                    "built, its search index may be incomplete; build again to finish it.",
                    soft_wrap=True,
                )
                raise typer.Exit(130) from None
    items = ", ".join(f"{lang}: {count} items" for lang, count in result.items.items())
    console.print(
        f"[green]Built[/green] {', '.join(result.languages)} ({items}) into {result.output} "
        f"in {result.seconds:.1f} s"
    )
    return result


def build(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
    jobs: JobsOption = None,
) -> None:
    """Build the whole site, both languages, with every clip, into `output/`.

    The content and the clip manifests are checked first; on any mistake the build stops with
    one line per problem and the previous output stays as it was. Clips already in the media
    cache are not encoded again.
    """
    project = Project.at(root, settings, output)
    draw_demo_sources(project)
    run_build(project, jobs=jobs)


def serve(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 or :: for every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8000,
    site_url: Annotated[
        str | None,
        typer.Option(
            "--site-url",
            help="The site's public root, for the pages' absolute links (language alternates, "
            "feeds, sitemaps), links in e-mails and the API's allowed origin "
            "(e.g. https://news.example.org behind a proxy). Default: the address served, "
            "this machine's LAN address when serving on every interface.",
        ),
    ] = None,
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
            help="A reverse proxy (address or network) whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed; repeatable. Off by default: only the socket's "
            "address counts.",
        ),
    ] = None,
) -> None:
    """Serve the site and its API on http://127.0.0.1:8000 (HTTP Range, so videos seek).

    The function answers at `/api` in the same process, with SQLite
    (`var/newsreel.db`) and e-mails written to `var/outbox/` (codes are
    also printed here). Builds first unless `--no-build`; with `--watch`
    it also rebuilds on every change, as `newsreel watch` does.
    """
    import logging

    from newsreel.api.app import create_app as create_api
    from newsreel.api.config import ApiConfig
    from newsreel.serve import (
        checked_site_url,
        create_app,
        listen,
        local_urls,
        server_config,
        stoppable_server,
        trusted_proxies,
    )

    project = Project.at(root, settings, output)
    # every option is checked, and the port taken, before minutes of building
    public = checked_site_url(site_url) if site_url is not None else None
    try:
        trusted = trusted_proxies(trusted_proxy or ())
    except ValueError as error:
        raise NewsreelError(
            Problem(
                "--trusted-proxy", "", str(error), "give an IP address or network, e.g. 127.0.0.1"
            )
        ) from None
    if not do_build and not project.output.is_dir():
        raise NewsreelError(
            Problem(project.output, "", "not built yet", "run newsreel build first")
        )
    sock = listen(host, port)
    try:
        port = sock.getsockname()[1]  # the one picked, for --port 0
        urls = local_urls(host, port)
        served = public or urls[0]  # for e-mailed links, and every absolute URL of the pages
        # (the settings are read only when something is built: --no-build serves what is there)
        overrides = served_overrides(project.settings, served) if do_build or do_watch else None
        api_config = ApiConfig.local(project.root, project.output, site_url=served)  # var/ too
        if do_build:
            draw_demo_sources(project)
            # the index follows while we serve
            run_build(project, search_index="background", extra_settings=overrides)
        stop = threading.Event()
        if do_watch:
            threading.Thread(
                target=_watch_forever, args=(project, stop, overrides), daemon=True
            ).start()
        api = create_api(api_config)
        logging.getLogger("newsreel.api.mail").setLevel(logging.INFO)
        shown = " and ".join(f"[bold]{url}/[/bold]" for url in urls)
        console.print(
            f"Serving {project.output} on {shown}, API at /api (Ctrl+C stops)", soft_wrap=True
        )
        if public and public not in urls:
            console.print(f"Links in e-mails point to [bold]{public}/[/bold]")
        built_for = output_folder.built_for(project.output)
        if not do_build and built_for and built_for != served:
            console.print(
                f"[yellow]The pages were built for {built_for}/: their absolute links "
                f"(languages, feeds, sitemaps) point there; serve with --build to build them "
                f"for {served}/[/yellow]",
                soft_wrap=True,
            )
        console.print(f"E-mails go to {project.root / 'var' / 'outbox'}; codes are printed here.")
        # X-Forwarded-For and -Proto believed from the --trusted-proxy peers only
        server = stoppable_server(
            server_config(create_app(project.output, api), trusted, log_level="warning"),
            stop_asked,
        )
        try:
            server.run(sockets=[sock])
            if stop_asked():  # one uvicorn never saw: it stopped at its start (above)
                raise KeyboardInterrupt
        finally:
            stop.set()
            api_config.jobs.close()  # send what is still queued
    finally:
        sock.close()


def _watch_forever(
    project: Project,
    stop: threading.Event | StopAsked | None = None,
    extra_settings: dict[str, Any] | None = None,
    built: bool = True,
) -> None:
    from newsreel.build import watch as site_watch

    every = list(project.languages)

    def rebuild(languages: list[str], only: list[str] | None) -> bool:
        partial = languages if languages != every else None
        try:
            project.reread_settings()  # an edit that broke them: said here, as a build says it
            run_build(
                project,
                partial,
                search_index="background",
                only=only if partial else None,
                extra_settings=extra_settings,
            )
        except NewsreelError as error:
            for line in error.lines():
                console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
        except typer.Exit:  # stopped (Ctrl+C, SIGTERM) mid-rebuild: so is the watch
            raise
        except Exception as error:  # noqa: BLE001 - watch goes on; the details with --verbose
            logging.getLogger(__name__).debug("rebuild failed", exc_info=True)
            console.print(f"Build failed: {type(error).__name__}: {error}", style="red",
                          markup=False, highlight=False, soft_wrap=True)  # fmt: skip
        else:
            return True
        console.print("[yellow]Waiting for the next change…[/yellow]")
        return False

    paths = [project.content, project.theme, project.settings_file, project.clips]
    site_watch.watch(
        paths, project.content, every, rebuild, project.output, stop_event=stop, failed=not built
    )


def watch(
    root: RootOption = Path("."),
    settings: SettingsOption = "pelicanconf.py",
    output: OutputOption = None,
) -> None:
    """Build, then rebuild on every change to content, theme or settings.

    An edit to one item rebuilds only its language, and Pelican's content cache re-reads only
    the files that changed. Combine with `newsreel serve --no-build` in another
    terminal, or use `newsreel serve --watch`.
    """
    project = Project.at(root, settings, output)
    draw_demo_sources(project)
    built = True
    try:
        run_build(project)
    except NewsreelError as error:
        built = False
        for line in error.lines():
            console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
        console.print("[yellow]Fix the problems above; watching for changes…[/yellow]")
    console.print("Watching for changes (Ctrl+C stops)")
    try:
        _watch_forever(project, StopAsked(), built=built)  # a stop whose KeyboardInterrupt
        raise KeyboardInterrupt  # was lost ends the watch too (`newsreel.entry`)
    except KeyboardInterrupt:  # the shell's status for a stopped command, as every other gives
        raise typer.Exit(130) from None


def clean(
    root: RootOption = Path("."),
    output: OutputOption = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Also remove the media cache (clips re-encode).")
    ] = False,
) -> None:
    """Remove the built site and Pelican's cache (and with --all the media cache too).

    The output folder is removed only when a build made it (it carries `.newsreel-output`, or
    holds nothing but what a build writes); anything else is refused, with what it holds.
    """
    project = Project.at(root, output=output)
    try:
        names = output_folder.built_names(project.settings, project.languages)
    except NewsreelError:  # broken settings: still clean, but only what carries the marker
        names = frozenset()
    output_folder.check_replaceable(project.output, names)
    targets = [project.output, project.cache / "pelican"]
    if everything:
        targets.append(project.cache)
    for target in targets:
        if target.exists():
            shutil.rmtree(target)
            console.print(f"Removed {target}")
