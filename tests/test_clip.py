"""Issue 15, "Make your own clip": in and out points in the player, the clip made in Chromium
from byte ranges of a published rendition, checked with PyAV against that rendition's frames.

The server is `newsreel serve`'s app on the demo site, metered (tests/traffic.py): it counts the
bytes it sends per path and adds the production Content-Security-Policy to every answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from traffic import Traffic, metered_server

from conftest import REPO
from newsreel.site.build import Project

VIDEO = "2025-10-15-defence-ministers-press-conference"
PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(scope="module")
def site(demo_site: Project, tmp_path_factory) -> Iterator[tuple[str, Traffic, Path]]:
    var = tmp_path_factory.mktemp("clip-server")
    with metered_server(demo_site.output, var) as (url, traffic):
        yield url, traffic, var


def manifest(project: Project) -> dict:
    return json.loads((project.output / "media" / VIDEO / "manifest.json").read_text("utf-8"))


def full_file(project: Project, preset: str) -> dict:
    return next(f for f in manifest(project)["cuts"][0]["files"] if f["preset"] == preset)


def file_path(project: Project, entry: dict) -> Path:
    return project.output / (entry.get("private_path") or entry["url"].lstrip("/"))


def test_vendored_mediabunny_is_the_locked_npm_build():
    lock = json.loads((REPO / "package-lock.json").read_text("utf-8"))
    locked = lock["packages"]["node_modules/mediabunny"]["version"]
    package = REPO / "node_modules" / "mediabunny"
    assert json.loads((package / "package.json").read_text("utf-8"))["version"] == locked
    assert (
        json.loads((REPO / "package.json").read_text("utf-8"))["devDependencies"]["mediabunny"]
        == locked
    )
    vendor = REPO / "theme" / "static" / "vendor" / "mediabunny"
    built = (package / "dist" / "bundles" / "mediabunny.min.mjs").read_bytes()
    assert (vendor / "mediabunny.min.js").read_bytes() == built
    assert (vendor / "LICENSE").read_bytes() == (package / "LICENSE").read_bytes()


def test_the_download_route_hands_out_links_that_serve_ranges(site, demo_site: Project):
    from test_account_pages import latest_code

    url, _, var = site
    broadcast = full_file(demo_site, "broadcast")
    route = f"/api/download/{VIDEO}/full/broadcast"
    wants_json = {"Accept": "application/json"}
    address = "range-reader@example.org"
    with httpx.Client(base_url=url, headers={"Origin": url}) as client:
        assert client.get(route, headers=wants_json).status_code == 401
        client.post("/api/account/register", json={"email": address, "password": PASSWORD})
        verified = client.post(
            "/api/account/verify", json={"email": address, "code": latest_code(var, address)}
        )
        assert verified.status_code == 200
        handed = client.get(route, headers=wants_json)
        assert handed.status_code == 200 and handed.headers["cache-control"] == "no-store"
        link = handed.json()
        assert link["expires_in"] == 300 and link["filename"] == broadcast["filename"]
        assert client.get(route).status_code == 302  # links and download managers: unchanged
        part = httpx.get(url + link["url"], headers={"Range": "bytes=1000-1999"})  # no cookie
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{broadcast['bytes']}"
    with file_path(demo_site, broadcast).open("rb") as original:
        original.seek(1000)
        assert part.content == original.read(1000)
