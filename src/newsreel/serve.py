"""Serve the built site locally, as the CDN would: static files, HTTP Range, a 404 page.

Range support matters: a `<video>` can only seek when the server answers `206 Partial Content`
(Python's `http.server` does not), and hls.js reads the HLS rungs by byte ranges. The API is
mounted under `/api` in the same process, so the pages call it on their own origin, as they do
behind CloudFront. HLS playlists go out as `application/vnd.apple.mpegurl`, compressed (Apple's
authoring specification; CloudFront compresses that type too); media files never are. A Range
header that cannot be read is ignored (RFC 9110 §14.2): the whole file, not a 400.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from newsreel.api.ranges import IgnoreUnreadableRange
from newsreel.media.record import PRIVATE_DIR

# whatever the machine's mime.types says: the types players and CloudFront expect
mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("image/webp", ".webp")


class SiteFiles(StaticFiles):
    """StaticFiles that tells browsers to revalidate, so a rebuild shows at the next reload.

    `/_private/` holds the account-only renditions: never served as files, only through the
    API's signed download links (as on the CDN, where that prefix is not an origin path). Not
    under any spelling of the path either (issue 10: `//_private/`, `/./_private/`,
    `/%2e/_private/`, `/x/../_private/` used to be served): the check is made on the file the
    path resolves to, after every normalisation and symlink, not on the path as typed.
    """

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if PRIVATE_DIR.casefold() in (part.casefold() for part in Path(path).parts):
            return "", None
        full_path, stat = super().lookup_path(path)
        if full_path:
            private = [os.path.realpath(os.path.join(d, PRIVATE_DIR)) for d in self.all_directories]
            real = os.path.realpath(full_path)
            if any(real == root or real.startswith(root + os.sep) for root in private):
                return "", None
        return full_path, stat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)

    async def get_response(self, path: str, scope: Scope) -> Response:
        """A missing page under `/<lang>/` gets that language's own 404 page."""
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404:
                raise
            response = None
        language = _LANGUAGE_FOLDER.match(path)
        if (response is None or response.status_code == 404) and language:
            page = Path(str(self.directory)) / language.group(1) / "404.html"
            if page.is_file():
                return FileResponse(page, status_code=404)
        if response is None:
            raise HTTPException(status_code=404)
        return response


_LANGUAGE_FOLDER = re.compile(r"^/?([a-z]{2})(?:/|$)")


def create_app(output: Path, api: ASGIApp | None = None) -> Starlette:
    """The local server: the API (when given) at `/api`, the site's files everywhere else."""
    routes: list[BaseRoute] = []
    if api is not None:
        routes.append(Mount("/api", app=api))
    routes.append(Mount("/", app=SiteFiles(directory=output, html=True, check_dir=False)))
    # compressed like the CDN does (CloudFront `Compress: true`); a Range header that cannot
    # be read is ignored (the whole file), not answered 400
    middleware = [Middleware(GZipMiddleware, minimum_size=1024), Middleware(IgnoreUnreadableRange)]
    return Starlette(routes=routes, middleware=middleware)
