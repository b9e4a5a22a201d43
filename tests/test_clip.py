"""Issue 15, "Make your own clip": in and out points in the player, the clip made in Chromium
from byte ranges of a published rendition, checked with PyAV against that rendition's frames.
"""

from __future__ import annotations

import json

from conftest import REPO


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
