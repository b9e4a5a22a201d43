"""`newsreel publish`: build with the production settings, then send what changed to S3."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from newsreel.cli.console import RichReporter, console, out
from newsreel.cli.site import RootOption, run_build
from newsreel.project import Project


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
        bool, typer.Option("--delete", help="Also delete objects that vanished from output/.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print the plan (uploads, skips, deletions); touch nothing."
        ),
    ] = False,
    do_build: Annotated[bool, typer.Option("--build/--no-build", help="Build first.")] = True,
) -> None:
    """Build with publishconf.py and upload output/ to S3, then invalidate CloudFront.

    Only changed files go up; media and assets first, pages and feeds last; deletions only with
    `--delete`, after everything; one invalidation of the changed pages and feeds.
    Account-only files (output/_private/) go to the private bucket only.
    """
    from newsreel.publish import run

    project = Project.at(root, settings)
    targets = run.targets_for(project, bucket, private_bucket, distribution)
    if do_build:
        run_build(project)
    plan = run.plan(project, targets, delete)
    table = Table(title=f"Publish to s3://{targets.bucket}" + (" (dry run)" if dry_run else ""))
    for column in ("action", "key", "size", "why"):
        table.add_column(column)
    for upload in plan.ordered_uploads():
        where = "private" if upload.bucket != targets.bucket else "upload"
        table.add_row(where, upload.key, human(upload.size), upload.reason)
    for deletion in plan.deletions:
        table.add_row("[red]delete[/red]", deletion.key, "", "not in output/")
    if plan.uploads or plan.deletions:
        out.print(table)
    console.print(
        f"{len(plan.uploads)} to upload ({human(plan.upload_bytes)}), {len(plan.skipped)} "
        f"unchanged, {len(plan.deletions)} to delete, "
        f"{len(plan.invalidation_paths())} paths to invalidate"
    )
    if dry_run:
        return
    with RichReporter() as reporter:
        invalidation = run.carry_out(plan, targets, reporter)
    if targets.distribution:
        console.print(
            f"Invalidation {invalidation} sent" if invalidation else "Nothing to invalidate"
        )
    console.print("[green]Published.[/green]")
