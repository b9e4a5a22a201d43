"""`newsreel serve` never serves `_private/`, under any spelling of the path.

Raw HTTP over a socket: a client library would normalise `/./` or `//` before sending them.
"""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsreel.serve import create_app

from .servers import serving

SECRET = b"BROADCAST-MASTER-" + b"x" * 64
HIDDEN = b"NEVER-PUBLISHED"
SPELLINGS = [
    "/_private/media/v/hd.mp4",
    "//_private/media/v/hd.mp4",
    "///_private/media/v/hd.mp4",
    "/./_private/media/v/hd.mp4",
    "/%2e/_private/media/v/hd.mp4",
    "/%2E/_private/media/v/hd.mp4",
    "/x/../_private/media/v/hd.mp4",
    "/x/%2e%2e/_private/media/v/hd.mp4",
    "/media/../_private/media/v/hd.mp4",
    "/%5f%70rivate/media/v/hd.mp4",
    "/_private%2fmedia%2fv%2fhd.mp4",
    "/_PRIVATE/media/v/hd.mp4",
    "/_private/./media/v/hd.mp4",
    "/_private//media/v/hd.mp4",
    "/en/../_private/media/v/hd.mp4",
    "/linked/hd.mp4",  # a symlink into _private/
    "/_private/",
    "/_private",
]


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), answer


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    output: Path = tmp_path_factory.mktemp("site") / "output"
    (output / "_private" / "media" / "v").mkdir(parents=True)
    (output / "_private" / "media" / "v" / "hd.mp4").write_bytes(SECRET)
    (output / "media").mkdir()
    (output / "en").mkdir()
    (output / "x").mkdir()
    (output / "media" / "web.mp4").write_bytes(b"public")
    (output / "404.html").write_text("<h1>Not found</h1>", encoding="utf-8")
    (output / "index.html").write_text("<h1>Home</h1>", encoding="utf-8")
    (output / "en" / "index.html").write_text("<h1>English</h1>", encoding="utf-8")
    (output / "linked").symlink_to(output / "_private" / "media" / "v")
    (output / "en" / ".sitemap.json").write_bytes(HIDDEN)
    (output / ".newsreel-output").write_bytes(HIDDEN)
    (output / "pagefind" / ".en.new").mkdir(parents=True)
    (output / "pagefind" / ".en.new" / "pagefind-entry.json").write_bytes(HIDDEN)
    (output / "pagefind" / ".en.new" / "index.html").write_bytes(HIDDEN)
    with serving(create_app(output)) as base:
        yield base


@pytest.mark.parametrize("target", SPELLINGS)
def test_private_files_are_never_served(site, target):
    status, answer = raw_get(site, target)
    assert SECRET not in answer
    assert status in (400, 404), (target, status)


def test_public_files_still_are(site):
    for target, page in (("/", b"<h1>Home</h1>"), ("/en/", b"<h1>English</h1>")):
        status, answer = raw_get(site, target)  # the folders' pages: the root's too
        assert status == 200 and answer.endswith(page), target
    status, answer = raw_get(site, "/media/web.mp4")
    assert status == 200 and answer.endswith(b"public")
    status, answer = raw_get(site, "/x/../media/web.mp4")
    assert status == 200 and answer.endswith(b"public")


@pytest.mark.parametrize(
    "target",
    [
        "/en/.sitemap.json",
        "/en/%2esitemap.json",
        "/en/./.sitemap.json",
        "/.newsreel-output",
        "/x/../.newsreel-output",
        "/pagefind/.en.new/pagefind-entry.json",
        "/pagefind/.en.new/",
        "/pagefind/%2Een.new/pagefind-entry.json",
    ],
)
def test_hidden_files_are_not_served_as_the_cdn_never_has_them(site, target):
    """`newsreel publish` leaves dot-files and dot-folders out: a page that needed one would
    work under `newsreel serve` and break on the CDN, so they are not served here either."""
    status, answer = raw_get(site, target)
    assert HIDDEN not in answer
    assert status == 404, (target, status)
