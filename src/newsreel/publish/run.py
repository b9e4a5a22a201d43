"""A publish, as one use case: where to, what changed, then upload and invalidate.

The command line (`newsreel publish`) builds the site with the production settings, then calls
these in order; a NewsreelError (a missing setting, bucket or credentials) ends it in one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsreel import cloud
from newsreel.errors import NewsreelError, Problem
from newsreel.progress import SILENT, Reporter
from newsreel.project import Project
from newsreel.publish.plan import PublishPlan, make_plan
from newsreel.publish.sync import apply, invalidate


@dataclass(frozen=True)
class Targets:
    """Where a publish goes: the site bucket, the private bucket, the CDN distribution."""

    bucket: str
    private_bucket: str | None = None
    distribution: str | None = None


def targets_for(
    project: Project,
    bucket: str | None = None,
    private_bucket: str | None = None,
    distribution: str | None = None,
) -> Targets:
    """The targets given, else those of the settings (NEWSREEL_BUCKET, ...)."""
    settings = project.settings
    bucket = bucket or settings.get("NEWSREEL_BUCKET")
    if not bucket:
        raise NewsreelError(
            Problem(project.settings_file, "NEWSREEL_BUCKET", "not set", "set it or pass --bucket")
        )
    return Targets(
        bucket,
        private_bucket or settings.get("NEWSREEL_PRIVATE_BUCKET") or None,
        distribution or settings.get("NEWSREEL_DISTRIBUTION_ID") or None,
    )


def plan(project: Project, targets: Targets, delete: bool = False) -> PublishPlan:
    """What would be uploaded, skipped and deleted; touches nothing."""
    s3 = cloud.client("s3")
    return make_plan(project.output, s3, targets.bucket, targets.private_bucket, delete=delete)


def carry_out(
    publish_plan: PublishPlan, targets: Targets, reporter: Reporter = SILENT
) -> str | None:
    """Upload, delete, then invalidate; returns the invalidation's id (None: nothing to do)."""
    reporter.start("upload", "Uploading", publish_plan.upload_bytes or 1)
    sent = 0

    def progress(size: int) -> None:
        nonlocal sent
        sent += size
        reporter.update("upload", sent)

    try:
        apply(publish_plan, cloud.client("s3"), on_progress=progress)
    finally:
        reporter.finish("upload")
    if not targets.distribution:
        return None
    return invalidate(publish_plan, cloud.client("cloudfront"), targets.distribution)
