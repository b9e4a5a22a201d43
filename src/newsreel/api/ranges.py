"""A Range header the server cannot read is ignored, as RFC 9110 §14.2 allows: the whole file.

Starlette's `FileResponse` answers `400 text/plain` ("Range header: ...") to `bytes=abc`,
`bytes=5-2` or `items=0-1`: a player or download manager that sends one gets no file at all, and
an error that is neither the API's JSON nor the site's. Here such a header is dropped before the
app sees it, so the answer is `200` with the whole file. A range that is well-formed but lies
past the end (`bytes=999999-`) is left alone: it still gets `416` with `Content-Range`, which
tells the client the file's size. One middleware for the API's signed downloads and for the files
`newsreel serve` serves, so both answer alike.

A set of several ranges of which only some lie past the end (`bytes=0-9, 999999-`) is
satisfiable (RFC 9110 §14.1.1): it gets `206` with the ranges that exist, where Starlette
refuses the whole set with `416`. The size is only known once the file is opened, so the
middleware reads it from that `416`'s `Content-Range` and asks again with the satisfiable
ranges alone; a `416` stays for a set of which none is satisfiable.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def satisfiable_ranges(value: str, size: int) -> str | None:
    """The ranges of a readable header `value` that a file of `size` bytes holds, as a Range
    header (None: none of them). §14.1.1: `first-...` is satisfiable when `first` < size,
    `-suffix` when both are above zero."""
    _, _, specs = value.partition("=")
    kept = []
    for spec in filter(None, (part.strip() for part in specs.split(","))):
        first, _, last = spec.partition("-")
        if (int(first) < size) if first else (int(last) > 0 and size > 0):
            kept.append(spec)
    return "bytes=" + ", ".join(kept) if kept else None


def _size_refused(message: Message) -> int | None:
    """The file size a `416` answer gives in its `Content-Range: bytes */size`, if any."""
    for name, value in message.get("headers", []):
        if name.lower() == b"content-range":
            match = re.fullmatch(rb"bytes \*/([0-9]{1,18})", value.strip())
            return int(match[1]) if match else None
    return None


def _with_range(scope: Scope, value: str | None) -> Scope:
    kept = [(name, v) for name, v in scope["headers"] if name.lower() != b"range"]
    if value is not None:
        kept.append((b"range", value.encode("latin-1")))
    return {**scope, "headers": kept}


class IgnoreUnreadableRange:
    """ASGI middleware: a request whose Range header cannot be read goes on without it, and a
    set of ranges some of which the file holds gets those."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        ranges = [value for name, value in scope["headers"] if name.lower() == b"range"]
        if not ranges:
            return await self.app(scope, receive, send)
        value = ranges[0].decode("latin-1")
        if len(ranges) > 1 or not readable_range(value):
            return await self.app(_with_range(scope, None), receive, send)
        if "," not in value or scope["method"] not in ("GET", "HEAD"):  # asked again: no body
            return await self.app(scope, receive, send)
        refused: list[Message] = []

        async def hold_a_refusal(message: Message) -> None:
            if refused or (message["type"] == "http.response.start" and message["status"] == 416):
                refused.append(message)
            else:
                await send(message)

        await self.app(scope, receive, hold_a_refusal)
        if not refused:
            return
        size = _size_refused(refused[0])
        narrower = satisfiable_ranges(value, size) if size is not None else None
        if narrower is not None:
            return await self.app(_with_range(scope, narrower), receive, send)
        for message in refused:
            await send(message)
