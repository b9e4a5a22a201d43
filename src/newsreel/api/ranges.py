"""A Range header the server cannot read is ignored, as RFC 9110 §14.2 allows: the whole file.

Starlette's `FileResponse` answers `400 text/plain` ("Range header: ...") to `bytes=abc`,
`bytes=5-2` or `items=0-1`: a player or download manager that sends one gets no file at all, and
an error that is neither the API's JSON nor the site's. Here such a header is dropped before the
app sees it, so the answer is `200` with the whole file. A range that is well-formed but lies
past the end (`bytes=999999-`) is left alone: it still gets `416` with `Content-Range`, which
tells the client the file's size. One middleware for the API's signed downloads and for the files
`newsreel serve` serves, so both answer alike.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

#: One range-spec of RFC 9110 §14.1.2: `first-last`, `first-` or `-suffix`. A position of more
#: than 18 digits (an exabyte) is no file's: such a header is unreadable, not a 500 (Python
#: refuses to read an integer of more than 4,300 digits) nor Starlette's 400.
_POSITION = "[0-9]{1,18}"
_RANGE_SPEC = re.compile(rf"(?P<first>{_POSITION})-(?P<last>(?:{_POSITION})?)|-{_POSITION}")


def readable_range(value: str) -> bool:
    """Whether `value` is a byte-range set this server can honour or refuse with 416.

    False for another unit, a spec that is not digits (`bytes=abc`) or holds a position of more
    than 18 digits, a spec whose last byte comes before its first (`bytes=5-2`, invalid in
    §14.1.2) and an empty set: what a server MAY ignore.
    """
    unit, equals, specs = value.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return False
    parts = [part.strip() for part in specs.split(",")]
    parts = [part for part in parts if part]  # the list syntax allows empty elements
    if not parts:
        return False
    for part in parts:
        match = _RANGE_SPEC.fullmatch(part)
        if not match:
            return False
        if match["first"] and match["last"] and int(match["last"]) < int(match["first"]):
            return False
    return True


class IgnoreUnreadableRange:
    """ASGI middleware: a request whose Range header cannot be read goes on without it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            ranges = [value for name, value in headers if name.lower() == b"range"]
            if ranges and (len(ranges) > 1 or not readable_range(ranges[0].decode("latin-1"))):
                kept = [(name, value) for name, value in headers if name.lower() != b"range"]
                scope = {**scope, "headers": kept}
        await self.app(scope, receive, send)
