"""`newsreel publish`: build with the production settings, then send what changed to S3."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

console = Console(stderr=True)


def human(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} B"  # pragma: no cover


def publish(
    root: Annotated[Path, typer.Option("--root", help="The site's folder.")] = Path("."),
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
            help="CloudFront distribution to invalidate [default: NEWSREEL_DISTRIBUTION_ID]."
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
    [bold]--delete[/bold], after everything; one invalidation of the changed pages and feeds.
    Account-only files (output/_private/) go to the private bucket only.
    """
    import boto3

    from newsreel.cli import _project, run_build
    from newsreel.publish.plan import make_plan
    from newsreel.publish.sync import apply, invalidate
    from newsreel.site.build import base_settings

    project = _project(root, settings, None)
    if do_build:
        run_build(project)
    conf = base_settings(project)
    bucket = bucket or conf.get("NEWSREEL_BUCKET")
    private_bucket = private_bucket or conf.get("NEWSREEL_PRIVATE_BUCKET")
    distribution = distribution or conf.get("NEWSREEL_DISTRIBUTION_ID")
    if not bucket:
        console.print(f"[red]{settings}: NEWSREEL_BUCKET: not set; set it or pass --bucket[/red]")
        raise typer.Exit(2)
    s3 = boto3.client("s3")
    plan = make_plan(project.output, s3, bucket, private_bucket, delete=delete)

    table = Table(title=f"Publish to s3://{bucket}" + (" (dry run)" if dry_run else ""))
    for column in ("action", "key", "size", "why"):
        table.add_column(column)
    for upload in plan.ordered_uploads():
        where = "private" if upload.bucket != bucket else "upload"
        table.add_row(where, upload.key, human(upload.size), upload.reason)
    for deletion in plan.deletions:
        table.add_row("[red]delete[/red]", deletion.key, "", "not in output/")
    if plan.uploads or plan.deletions:
        Console().print(table)
    console.print(
        f"{len(plan.uploads)} to upload ({human(plan.upload_bytes)}), {len(plan.skipped)} "
        f"unchanged, {len(plan.deletions)} to delete, "
        f"{len(plan.invalidation_paths())} paths to invalidate"
    )
    if dry_run:
        return
    columns = (TextColumn("Uploading"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bars:
        task = bars.add_task("upload", total=plan.upload_bytes or 1)
        apply(plan, s3, on_progress=lambda size: bars.advance(task, size))
    if distribution:
        invalidation = invalidate(plan, boto3.client("cloudfront"), distribution)
        console.print(
            f"Invalidation {invalidation} sent" if invalidation else "Nothing to invalidate"
        )
    console.print("[green]Published.[/green]")
