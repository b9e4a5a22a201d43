"""Lighthouse audit of the article page with video, against issue 6's targets.

Builds nothing: it serves the current `output/` (run `python3 tasks.py build` first) with
`newsreel serve`'s app on a free loopback port, runs Lighthouse (npm) with the machine's
Chromium, and reports the four category scores and what the article page transfers without its
video. Targets: performance >= 95, accessibility 100, best practices >= 95, SEO 100; the page
without its video <= 60 KB. Prints a table and, last, one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 100}
PAGE_BUDGET_BYTES = 60 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(output: Path, port: int):
    import uvicorn

    from newsreel.serve import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(output), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server


def lighthouse_bin() -> Path:
    binary = REPO / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "lighthouse"],
            cwd=REPO,
            check=True,
        )
    return binary


def chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit("Chromium not found: apt-get install chromium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="/en/news/defence-ministers-meet-in-brussels/")
    parser.add_argument("--output", type=Path, default=REPO / "output")
    args = parser.parse_args()
    port = free_port()
    server = serve(args.output, port)
    report_path = Path(tempfile.mkdtemp()) / "report.json"
    try:
        subprocess.run(
            [str(lighthouse_bin()), f"http://127.0.0.1:{port}{args.page}", "--quiet",
             "--output=json", f"--output-path={report_path}",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
             "--only-categories=performance,accessibility,best-practices,seo"],
            check=True, env={**os.environ, "CHROME_PATH": chromium()},
        )  # fmt: skip
    finally:
        server.should_exit = True
    report = json.loads(report_path.read_text(encoding="utf-8"))
    scores = {key: round(report["categories"][key]["score"] * 100) for key in TARGETS}
    requests = report["audits"]["network-requests"]["details"]["items"]
    without_video = sum(
        item.get("transferSize", 0)
        for item in requests
        if item.get("resourceType") != "Media" and not item["url"].endswith((".mp4", ".m4a"))
    )
    table = Table(title=f"Lighthouse, {args.page}")
    for column in ("category", "score", "target", ""):
        table.add_column(column)
    for key, target in TARGETS.items():
        verdict = "PASS" if scores[key] >= target else "FAIL"
        table.add_row(key, str(scores[key]), f">= {target}", verdict)
    page_verdict = "PASS" if without_video <= PAGE_BUDGET_BYTES else "FAIL"
    table.add_row("bytes without video", f"{without_video / 1024:.1f} KB", "<= 60 KB", page_verdict)
    Console().print(table)
    failing = {
        k: a["title"]
        for k, a in report["audits"].items()
        if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") == "binary"
    }
    for key, title in sorted(failing.items())[:15]:
        print(f"  not passed: {key}: {title}")
    print(json.dumps({**scores, "bytes_without_video": without_video,
                      "lighthouse": report.get("lighthouseVersion")}))  # fmt: skip


if __name__ == "__main__":
    main()
