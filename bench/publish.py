"""Publish benchmark: the demo plus N generated items per language, to moto's server over HTTP.

Three publishes of the same site, each as `newsreel publish` does it (build, then preflight,
plan and upload), against a moto server in its own process on loopback:

1. **first**: into empty buckets;
2. **no change**: the site built again from the same content, published again;
3. **one edit**: one English item's body changed, built, published.

For each: the build's and the publish's wall time, the objects and bytes uploaded, the paths
invalidated. For the one-edit publish it also compares the uploads with the files whose bytes
really changed between the two builds, and lists them.

Targets (issue 14): the no-change publish uploads 0 objects and takes <= 0.1 x the first
publish; the one-edit publish uploads exactly the objects whose bytes changed. Prints a table,
the targets (PASS/FAIL) and, last, one JSON line of all figures. Exits 0 either way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from publish.stack import create_distribution  # noqa: E402 - the tests' distribution
from site_build import generate  # noqa: E402 - the site benchmark's generated items

from newsreel.build import build_site  # noqa: E402
from newsreel.media.demo import ensure_demo_sources  # noqa: E402
from newsreel.project import Project  # noqa: E402
from newsreel.publish import run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NO_CHANGE_TARGET = 0.1
EDITED = "news/item-{number}.en.md"
console = Console()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    """moto's server in its own process (so it does not share our interpreter's lock)."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("moto's server did not start")


def make_targets() -> run.Targets:
    from newsreel import cloud

    s3, suffix = cloud.client("s3"), uuid.uuid4().hex[:8]
    names = (f"bench-site-{suffix}", f"bench-private-{suffix}")
    for name in names:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return run.Targets(*names, create_distribution(cloud.client("cloudfront"), suffix))


def make_site(root: Path, items: int) -> Project:
    """The generated items and pages, then the demo's own items, pages and clips on top."""
    generate(root, items)
    for folder in ("news", "pages"):
        for source in (REPO / "content" / folder).glob("*.md"):
            shutil.copy(source, root / "content" / folder / source.name)
    (root / "clips").symlink_to(REPO / "clips")
    shutil.copy(REPO / "publishconf.py", root / "publishconf.py")
    project = Project.at(root, "publishconf.py", cache=REPO / ".cache")
    ensure_demo_sources(project.clips, project.languages)
    return project


def digests(output: Path) -> dict[str, str]:
    return {
        p.relative_to(output).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in output.rglob("*")
        if p.is_file()
    }


def publish_once(project: Project, targets: run.Targets, name: str) -> dict:
    started = time.perf_counter()
    build_site(project)
    built = time.perf_counter()
    run.preflight(targets)
    planned = run.plan(project, targets)
    run.carry_out(planned)
    done = time.perf_counter()
    uploads = planned.plan.uploads
    return {
        "scenario": name,
        "build_s": round(built - started, 2),
        "publish_s": round(done - built, 2),
        "objects": len(uploads),
        "bytes": planned.plan.upload_bytes,
        "skipped": len(planned.plan.skipped),
        "invalidation_paths": len(planned.invalidation_paths),
        "uploaded": sorted(upload.key for upload in uploads),
        "paths": planned.invalidation_paths,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000, help="generated items per language")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temp dir)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="newsreel-bench-publish-"))
    server, endpoint = start_moto()
    credentials = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    os.environ.update({**credentials, "AWS_DEFAULT_REGION": "eu-west-1",
                       "AWS_ENDPOINT_URL": endpoint})  # fmt: skip
    load = [os.getloadavg()[0]]
    try:
        project = make_site(root / "site", args.items)
        console.print(f"[bold]Publish benchmark[/bold]: demo + {args.items} items per language")
        build_site(project)  # warm-up, untimed: encodes the demo's media if the cache lacks it
        targets = make_targets()
        first = publish_once(project, targets, "first")
        before = digests(project.output)
        same = publish_once(project, targets, "no change")
        edited = root / "site" / "content" / EDITED.format(number=f"{args.items // 2:04d}")
        edited.write_text(edited.read_text("utf-8") + "\n\nOne more sentence.\n", "utf-8")
        edit = publish_once(project, targets, "one edit")
        after = digests(project.output)
        load.append(os.getloadavg()[0])
        changed = sorted(k for k in after if before.get(k) != after[k])
        report(args.items, first, same, edit, changed, load)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def report(
    items: int, first: dict, same: dict, edit: dict, changed: list[str], load: list[float]
) -> None:
    table = Table(title=f"newsreel publish, demo + {items} items per language, moto over HTTP")
    for column in ("scenario", "build s", "publish s", "objects", "bytes", "skipped", "paths"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for row in (first, same, edit):
        table.add_row(row["scenario"], f"{row['build_s']:.2f}", f"{row['publish_s']:.2f}",
                      f"{row['objects']:,}", f"{row['bytes']:,}", f"{row['skipped']:,}",
                      str(row["invalidation_paths"]))  # fmt: skip
    console.print(table)
    uploaded = set(edit["uploaded"])
    private_changed = [k for k in changed if k.startswith("_private/")]
    console.print(f"One edit: {len(changed)} files changed bytes, {len(uploaded)} uploaded:")
    for key in changed:
        console.print(f"  {'uploaded' if key in uploaded else 'NOT uploaded'}  {key}")
    for key in sorted(uploaded - set(changed)):
        console.print(f"  uploaded, bytes unchanged  {key}")
    console.print("Invalidated: " + ", ".join(edit["paths"]))
    ratio = same["publish_s"] / first["publish_s"]
    total_ratio = (same["build_s"] + same["publish_s"]) / (first["build_s"] + first["publish_s"])
    checks = {
        "no-change publish uploads 0 objects": same["objects"] == 0,
        f"no-change publish <= {NO_CHANGE_TARGET} x first ({ratio:.3f})": ratio <= NO_CHANGE_TARGET,
        "one-edit publish uploads exactly the changed files": uploaded == set(changed),
    }
    for label, ok in checks.items():
        console.print(f"{'[green]PASS[/green]' if ok else '[red]FAIL[/red]'}  {label}")
    console.print(f"(build included: no change / first = {total_ratio:.3f})")
    console.print(f"Load average (1 min) at start and end: {load[0]:.1f}, {load[-1]:.1f}")
    figures = {
        "benchmark": "publish",
        "items_per_language": items,
        "scenarios": [
            {k: v for k, v in row.items() if k not in ("uploaded", "paths")}
            for row in (first, same, edit)
        ],  # fmt: skip
        "one_edit_uploaded": edit["uploaded"],
        "one_edit_changed": changed,
        "one_edit_private_changed": private_changed,
        "one_edit_paths": edit["paths"],
        "no_change_over_first_publish": round(ratio, 4),
        "no_change_over_first_with_build": round(total_ratio, 4),
        "targets_met": all(checks.values()),
        "load_average": [round(value, 1) for value in load],
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
