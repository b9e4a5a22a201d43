"""Serve the built site locally, as the CDN would: static files, HTTP Range, a 404 page.

Range support matters: a `<video>` can only seek when the server answers `206 Partial Content`
(Python's `http.server` does not), and hls.js reads the HLS rungs by byte ranges. The API is
mounted under `/api` in the same process, so the pages call it on their own origin, as they do
behind CloudFront. HLS playlists go out as `application/vnd.apple.mpegurl`, compressed (Apple's
authoring specification; CloudFront compresses that type too); media files never are. A Range
header that cannot be read is ignored (RFC 9110 §14.2): the whole file, not a 400.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from newsreel import content_types
from newsreel.api.ranges import IgnoreUnreadableRange
from newsreel.errors import NewsreelError, Problem
from newsreel.media.record import PRIVATE_DIR
from newsreel.publish import is_hidden

if TYPE_CHECKING:
    import uvicorn

# whatever the machine's mime.types says: the types the CDN sends (`newsreel publish`)
content_types.register()


class SiteFiles(StaticFiles):
    """StaticFiles that tells browsers to revalidate, so a rebuild shows at the next reload.

    `/_private/` holds the account-only renditions: never served as files, only through the
    API's signed download links (as on the CDN, where that prefix is not an origin path). Not
    under any spelling of the path either (issue 10: `//_private/`, `/./_private/`,
    `/%2e/_private/`, `/x/../_private/` used to be served): the check is made on the file the
    path resolves to, after every normalisation and symlink, not on the path as typed.

    Hidden files and folders (`en/.sitemap.json`, `.newsreel-output`, a search index being
    written) are not served either: `newsreel publish` never uploads them, so a page that
    needed one would work here and break on the CDN.
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
            if any(self._hidden(full_path, folder) for folder in self.all_directories):
                return "", None
        return full_path, stat

    @staticmethod
    def _hidden(full_path: str, folder: str | os.PathLike[str]) -> bool:
        """Whether `full_path`, as found under `folder`, is one `newsreel publish` leaves out."""
        relative = Path(os.path.relpath(full_path, os.path.realpath(folder))).parts
        return ".." not in relative and is_hidden("/".join(relative))  # the root itself: ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)

    def file_response(self, full_path, stat_result, scope, status_code=200) -> Response:
        """The file with the content type the CDN gives it (`content_types`: a feed is told
        by its name, `atom.xml`, not only by its extension)."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        if "content-type" in response.headers:
            wanted = content_types.content_type(str(full_path))
            if not response.headers["content-type"].startswith(wanted):
                response.headers["content-type"] = wanted
        return response

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


def trusted_proxies(values: Iterable[str]) -> list[str]:
    """`--trusted-proxy` values as uvicorn reads them: each an address or a network (host bits
    allowed: `10.1.2.3/8` is `10.0.0.0/8`; uvicorn would take it for a host name and trust
    nothing). ValueError names the first that is neither."""
    checked = []
    for value in values:
        text = value.strip().strip("[]")
        try:
            if "/" in text:
                checked.append(str(ipaddress.ip_network(text, strict=False)))
            else:
                checked.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network") from None
    return checked


def server_config(app: ASGIApp, proxies: Iterable[str] = (), **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for `app`: who the client is, in one place.

    uvicorn believes `X-Forwarded-For` and `X-Forwarded-Proto` only from the `proxies` (checked
    by `trusted_proxies`): by default it would from any connection from 127.0.0.1, and a local
    client rotating that header would get a fresh budget each time (issue 10). From those
    peers it reads `X-Forwarded-For` right to left, skipping trusted proxies, so what a client
    writes to the left of its own entry changes nothing; the API then counts every budget
    under the client uvicorn settled on (`newsreel.api.clients.SocketPeer`), and the https
    redirects follow the scheme the visitor used. The HTTP protocol is uvicorn's own, with
    limits on a request's head and on one client's connections (`newsreel.guarded_http`).
    """
    import uvicorn

    from newsreel.guarded_http import GuardedHttpToolsProtocol

    trusted = trusted_proxies(proxies)
    return uvicorn.Config(
        app,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        http=GuardedHttpToolsProtocol,  # bounds on a request's head (`newsreel.guarded_http`)
        # no startup or shutdown hooks (the mail queue is flushed by `newsreel serve` itself):
        # without the lifespan task, a signal that reaches the event loop after uvicorn's own
        # handlers are gone (`timeout` sends two at once) no longer cancels it into a logged
        # traceback after a clean stop
        **{"lifespan": "off", **options},
    )


def stoppable_server(config: uvicorn.Config, stop_asked: Callable[[], bool]) -> uvicorn.Server:
    """uvicorn's server, which stops once started if `stop_asked()` says a stop came before
    uvicorn took the signals over (its KeyboardInterrupt lost: `newsreel.entry`). One that comes
    later is uvicorn's, which sends it on when it has stopped."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if stop_asked():
                self.should_exit = True

    return Server(config)


def create_app(output: Path, api: ASGIApp | None = None) -> Starlette:
    """The local server: the API (when given) at `/api`, the site's files everywhere else."""
    routes: list[BaseRoute] = []
    if api is not None:
        routes.append(Mount("/api", app=api))
        routes.append(Route("/api", endpoint=api))  # `/api` itself: the API's JSON 404
    routes.append(Mount("/", app=SiteFiles(directory=output, html=True, check_dir=False)))
    # compressed like the CDN does (CloudFront `Compress: true`); a Range header that cannot
    # be read is ignored (the whole file), not answered 400
    middleware = [Middleware(GZipMiddleware, minimum_size=1024), Middleware(IgnoreUnreadableRange)]
    return Starlette(routes=routes, middleware=middleware)


#: Hosts that mean "every interface": no browser can open them, so links must name another.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening before anything is built, so a port in use or
    an address not of this machine stops `newsreel serve` at once with one line (not after the
    build, with uvicorn's `[Errno 98]` and exit 3). Port 0 lets the system pick a free one.
    """
    if not 0 <= port <= 65535:
        raise NewsreelError(
            Problem("--port", "", f"{port} is not a port", "give one from 1 to 65535, e.g. 8000")
        )
    family = socket.AF_INET6 if _is_ipv6(host) else socket.AF_INET
    bare = host.strip("[]")
    # `::` means every interface, IPv4 ones too (the addresses printed are IPv4 ones); Python
    # would make it IPv6 only
    both = bare == "::" and socket.has_dualstack_ipv6()
    try:
        return socket.create_server((bare, port), family=family, backlog=2048, dualstack_ipv6=both)
    except OSError as error:
        raise NewsreelError(_listen_problem(host, port, family, error)) from None


def _listen_problem(host: str, port: int, family: int, error: OSError) -> Problem:
    where = f"{url_host(host)}:{port}"
    if error.errno == errno.EADDRINUSE:
        return Problem(
            "--port", "", f"{where} is already in use (another server?)",
            f"try --port {free_port(host, family) or port + 1}, or stop the other server",
        )  # fmt: skip
    if error.errno == errno.EACCES:
        return Problem(
            "--port", "", f"{where}: this user may not listen on port {port}",
            "use a port above 1023, e.g. --port 8000",
        )  # fmt: skip
    reason = (error.strerror or str(error)).split(" (while attempting", 1)[0]
    return Problem(
        "--host", "", f"cannot listen on {host!r}: {reason}",
        "give an address of this machine, e.g. 127.0.0.1, or 0.0.0.0 for every interface",
    )  # fmt: skip


def free_port(host: str, family: int) -> int | None:
    """A port free on `host` right now, to suggest in place of one in use."""
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host.strip("[]"), 0))
            return int(probe.getsockname()[1])
    except OSError:
        return None


def lan_address() -> str:
    """This machine's address on its network, as other devices reach it: the source address
    of the interface a datagram to a private, non-routed address would leave by (a UDP
    "connect" only picks the route, nothing is sent); 127.0.0.1 without a network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 9))
            address = str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
    return address if address != "0.0.0.0" else "127.0.0.1"


def url_host(host: str) -> str:
    """`host` as written in a URL: IPv6 literals between brackets."""
    host = host.strip("[]") if _is_ipv6(host) else host
    return f"[{host}]" if _is_ipv6(host) else host


def local_urls(host: str, port: int) -> list[str]:
    """Where the site served on `host`:`port` can be opened, the one for other devices first:
    on every interface (0.0.0.0, ::), this machine's LAN address and 127.0.0.1."""
    if host in WILDCARD_HOSTS:
        return list(dict.fromkeys([f"http://{lan_address()}:{port}", f"http://127.0.0.1:{port}"]))
    return [f"http://{url_host(host)}:{port}"]


def checked_site_url(value: str) -> str:
    """A `--site-url`: the public root of the site (behind a proxy, or a name for the LAN
    address), `http(s)://host[:port]`, or one line naming the option."""
    fix = "give the site's root as it is opened, e.g. https://news.example.org"
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  (raises ValueError on a port out of range)
    except ValueError as error:
        raise NewsreelError(Problem("--site-url", "", f"{value!r}: {error}", fix)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NewsreelError(Problem("--site-url", "", f"{value!r} is not an http(s) URL", fix))
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise NewsreelError(
            Problem("--site-url", "", f"{value!r} is more than the site's root", fix)
        )
    return f"{parts.scheme}://{parts.netloc}"
