"""`newsreel publish`: check the targets, build with the production settings, send what changed."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from newsreel.cli.console import RichReporter, console, out
from newsreel.cli.site import RootOption, run_build
from newsreel.project import Project
from newsreel.publish.plan import GRACE_S

if TYPE_CHECKING:
    from newsreel.publish.run import Publish

#: Rows of the plan shown by a real publish (--dry-run shows them all).
SHOWN_ROWS = 40


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def publish(
    root: RootOption = Path("."),
    settings: Annotated[
        str, typer.Option("--settings", "-s", help="Production settings file.")
    ] = "publishconf.py",
    bucket: Annotated[
        str | None, typer.Option(help="Site bucket (default: NEWSREEL_BUCKET in the settings).")
    ] = None,
    private_bucket: Annotated[
        str | None,
        typer.Option(help="Bucket of account-only files (default: NEWSREEL_PRIVATE_BUCKET)."),
    ] = None,
    distribution: Annotated[
        str | None,
        typer.Option(
            help="CloudFront distribution to invalidate (default: NEWSREEL_DISTRIBUTION_ID)."
        ),
    ] = None,
    delete: Annotated[
        bool,
        typer.Option(
            "--delete",
            help="Also delete what vanished from output/: pages at once; media, assets, "
            f"manifests and search files {GRACE_S // 60} minutes after they vanished (cached "
            "pages may still name them).",
        ),
    ] = False,
    force_delete: Annotated[
        bool,
        typer.Option(
            "--force-delete",
            help="Let --delete remove more than half of a bucket's objects (refused otherwise: "
            "that is what publishing the wrong folder does).",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the plan (uploads, skips, deletions); touch nothing: the build goes to "
            "a scratch folder, removed after, so output/ stays as it is (with --no-build, the "
            "plan is of output/ as it is, which must be a production build).",
        ),
    ] = False,
    check_headers: Annotated[
        bool,
        typer.Option(
            "--check-headers",
            help="Read the headers of every unchanged object and correct those that are not "
            "newsreel's (Content-Type, Cache-Control), as after a change by hand. A publish "
            "does so by itself, once, when newsreel's header rules changed.",
        ),
    ] = False,
    do_build: Annotated[
        bool,
        typer.Option(
            "--build/--no-build",
            help="Build first. --no-build sends output/ as it is: it must be a build made with "
            "these settings (newsreel build --settings publishconf.py), or nothing is sent.",
        ),
    ] = True,
) -> None:
    """Build with publishconf.py and upload output/ to S3, then invalidate CloudFront.

    First it checks the buckets, the credentials, the region and the distribution (reads
    only). Then only changed files go up, in an order that keeps the live site whole if the
    publish stops half-way: media and fingerprinted files first, pages and feeds after them,
    the search entries last; deletions only with `--delete`, after everything; one
    invalidation of the replaced pages and files. Unchanged objects whose Content-Type or
    Cache-Control are not newsreel's are corrected in place, when newsreel's rules changed
    since the last publish or with `--check-headers`. Account-only files (output/_private/)
    go to the private bucket only. A publish that stopped (killed, network down) is finished
    by the next one.

    Nothing is sent from an output/ that is missing, empty or not a build's, or that was built
    for another address than the settings' SITEURL (a development build: `newsreel build` or
    `serve`); and `--delete` stops before deleting more than half of a bucket's objects unless
    `--force-delete` is given. `--dry-run` builds into a scratch folder, so output/ stays as it
    was.
    """
    from newsreel.publish import run

    project = Project.at(root, settings)
    targets = run.targets_for(project, bucket, private_bucket, distribution)
    if not do_build:
        run.check_output(project)  # said at once, before the checks that take seconds
    with console.status("Checking the buckets, credentials, region and distribution…"):
        run.preflight(targets)
    with _built(project, do_build, dry_run) as built:
        with RichReporter() as reporter:
            reporter.start("compare", f"Comparing {built.output.name}/ with the buckets…")
            publish = run.plan(built, targets, delete, check_headers=check_headers,
                               reporter=reporter)  # fmt: skip
            reporter.finish("compare")
        _show(publish, dry_run, force_delete)
        if dry_run:
            return
        try:
            with RichReporter() as reporter:
                invalidation = run.carry_out(publish, reporter, force_delete)
        except KeyboardInterrupt:
            console.print(
                "[yellow]Stopped[/yellow] part-way: the live site is whole (every page's files "
                "went up before it), and the publish state says what is left; run the same "
                "newsreel publish again to finish it.",
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
    if targets.distribution:
        console.print(
            f"Invalidation {invalidation} sent" if invalidation else "Nothing to invalidate"
        )
    console.print("[green]Published.[/green]")


@contextlib.contextmanager
def _built(project: Project, do_build: bool, dry_run: bool) -> Iterator[Project]:
    """The project whose output is to be published: built first unless --no-build; for a dry
    run, built into a scratch folder beside output/ (removed after; a killed one is swept by the
    next build), so that a dry run leaves output/ as it was."""
    if not do_build:
        yield project
        return
    if not dry_run:
        run_build(project)
        yield project
        return
    scratch = project.output.with_name(f".{project.output.name}.dry-run-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        built = Project.at(project.root, project.settings_file, scratch / "output")
        console.print(f"Dry run: building into {scratch.name}/ (output/ is left as it is)")
        run_build(built)
        yield built
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _show(publish: Publish, dry_run: bool, force_delete: bool) -> None:
    """The plan: a table of what goes (all of it for a dry run), then one line of totals."""
    targets = publish.targets
    plan = publish.plan
    paths = publish.invalidation_paths if targets.distribution else []
    rows = plan.ordered_uploads()
    shown = rows if dry_run else rows[:SHOWN_ROWS]
    table = Table(title=f"Publish to s3://{targets.bucket}" + (" (dry run)" if dry_run else ""))
    for column in ("action", "key", "size", "why"):  # folded, not cut short: keys are long
        table.add_column(column, overflow="fold", no_wrap=column in ("action", "size"))
    for upload in shown:
        where = "private" if upload.bucket != targets.bucket else "upload"
        table.add_row(where, upload.key, human(upload.size), upload.reason)
    if len(rows) > len(shown):
        table.add_row("…", f"{len(rows) - len(shown)} more (--dry-run lists them all)", "", "")
    fixes = plan.corrections
    for fix in fixes if dry_run else fixes[:SHOWN_ROWS]:
        where = "headers" + (" (private)" if fix.bucket != targets.bucket else "")
        table.add_row(where, fix.key, human(fix.size), f"was {fix.was}")
    if not dry_run and len(fixes) > SHOWN_ROWS:
        table.add_row("…", f"{len(fixes) - SHOWN_ROWS} more (--dry-run lists them all)", "", "")
    for deletion in plan.deletions:
        table.add_row("[red]delete[/red]", deletion.key, "", "not in output/")
    if plan.uploads or plan.deletions or fixes:
        out.print(table)
    kept = sum(len(keys) for keys in plan.kept.values())
    console.print(
        f"{len(plan.uploads)} to upload ({human(plan.upload_bytes)}), {len(plan.skipped)} "
        f"unchanged, {len(fixes)} files' headers to correct, {len(plan.deletions)} to delete, "
        f"{len(paths)} paths to invalidate; {kept} left over from earlier publishes (--delete "
        "removes them once no cached page can name them)"
    )
    if plan.headers_read:
        console.print(
            f"Read the headers of the {plan.headers_read} unchanged files ({plan.headers_why}): "
            f"{len(fixes)} differ from newsreel's and {'would be' if dry_run else 'are'} "
            "corrected in place (same bytes).",
            style="dim",
            markup=False,
            soft_wrap=True,
        )
    if dry_run:
        console.print(
            "A dry run only reads: whether these credentials may write is known when publishing.",
            style="dim",
        )
    too_many = publish.too_many_deletions()
    if dry_run and too_many and not force_delete:
        console.print(
            f"A publish would stop here: {too_many}", style="yellow", markup=False, soft_wrap=True
        )
