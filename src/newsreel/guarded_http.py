"""`newsreel serve`'s HTTP/1.1 protocol: uvicorn's httptools one, with the limits it lacks.

uvicorn runs httptools (the C parser, the cheapest per request) without any bound on a
request's head, nor any time limit for receiving it (issue 10, found by an attacker):

- one 60 MB `Cookie` header froze every other request for 2.5 s, 200 MB for 47 s (httptools
  joins a header's pieces one `+=` at a time, on the event loop): a head longer than
  `MAX_HEAD_BYTES` now gets `431` and the connection is closed;
- a connection that sent half a request line and then nothing stayed open for ever, and one
  client opened 20,000 of them until the server ran out of file descriptors: a head not
  received whole within `HEAD_TIMEOUT_S` of its first byte (or of the connection) closes the
  connection, and one client holds at most `MAX_CONNECTIONS_PER_CLIENT` at once, unless it is
  a trusted proxy (`--trusted-proxy`), which speaks for many.

The same figures as common servers: nginx reads a head of at most 4 x 8 KiB by default and
waits 60 s for it; Apache's `RequestReadTimeout` gives 20-40 s.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
from collections import Counter
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: The longest request line and headers together (bodies are not counted).
MAX_HEAD_BYTES = 64 * 1024
#: How long a request's head may take to arrive, from its first byte or from the connection.
HEAD_TIMEOUT_S = 20.0
#: Connections one client address may hold open at once (a browser opens six per site).
MAX_CONNECTIONS_PER_CLIENT = 256

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 34\r\nconnection: close\r\n\r\n"
    b"Request header fields too large.\r\n"
)


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The trusted proxies' networks, parsed once for every connection (the entries come
    checked from `serve.trusted_proxies`; anything else, such as `*`, trusts nobody here)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _within(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's protocol, refusing a head that is too long or too slow, and a client holding
    too many connections."""

    #: Open connections by client address, across every connection of this process.
    open_by_client: Counter[str] = Counter()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._in_head = True  # between a message's first byte (or the connection) and its head
        self._head_timer: asyncio.TimerHandle | None = None
        self._counted_as: str | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else None
        if host is not None and not self._trusted(host):
            if self.open_by_client[host] >= MAX_CONNECTIONS_PER_CLIENT:
                transport.close()
                return
            self.open_by_client[host] += 1
            self._counted_as = host
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        if self._counted_as is not None:
            self.open_by_client[self._counted_as] -= 1
            if self.open_by_client[self._counted_as] <= 0:
                del self.open_by_client[self._counted_as]
            self._counted_as = None
        super().connection_lost(exc)

    def _trusted(self, host: str) -> bool:
        """A `--trusted-proxy` peer: many clients come through it, it is not capped."""
        if not getattr(self.config, "proxy_headers", False):
            return False
        trusted = self.config.forwarded_allow_ips or []
        if isinstance(trusted, str):
            trusted = trusted.split(",")
        return _within(host, _networks(tuple(trusted)))

    def data_received(self, data: bytes) -> None:
        was_in_head = self._in_head
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._in_head:
            # still reading a head: what came counts towards it (a chunk that also ended the
            # previous request is counted whole, an over-count of at most that chunk)
            self._head_bytes += len(data) if was_in_head else 0
            if self._head_bytes > MAX_HEAD_BYTES:
                self._stop_head_timer()
                self.transport.write(_TOO_LARGE)
                self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0
        self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._stop_head_timer()
        super().on_headers_complete()

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()
