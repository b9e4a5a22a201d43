"""A real fault injector: an HTTP proxy on loopback between boto3 and moto's server.

Every request is read whole, then either forwarded to moto's server and its answer sent back,
or answered with a fault, as S3 and the network fail in production:

- `reset`: the connection is reset (RST, SO_LINGER 0) with no answer;
- `500`: `InternalError`;
- `503`: `SlowDown`, S3's throttling answer;
- `slow`: forwarded, but answered only after a pause (a throttled link);
- `drop`: like `reset`, for requests that must not reach moto (the client was just killed);
- `(status, code, message)`: that error answer, as AWS gives it (`AccessDenied` on one key,
  CloudFront's `TooManyInvalidationsInProgress`...).

`decide(number, method, path)` picks the fault of each request (None: forward it); `log`
keeps every request's (method, path, fault) in arrival order.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Fault = str | tuple[int, str, str]
Decide = Callable[[int, str, str], Fault | None]

_ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def every(nth: int, kinds: tuple[str, ...] = ("reset", "500", "503", "slow")) -> Decide:
    """Every `nth` request fails, cycling through `kinds`."""

    def decide(number: int, method: str, path: str) -> str | None:
        if number % nth:
            return None
        return kinds[(number // nth) % len(kinds)]

    return decide


class FaultProxy:
    def __init__(self, upstream: str, decide: Decide | None = None, pause: float = 0.3):
        self.upstream = urlsplit(upstream)
        self.decide: Decide = decide or (lambda number, method, path: None)
        self.pause = pause
        self.log: list[tuple[str, str, Fault | None]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reset(self) -> None:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()

            def _error(self, status: int, code: str, message: str) -> None:
                body = (
                    f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                    f"<Message>{message}</Message><RequestId>fault</RequestId></Error>"
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    upstream.putrequest(
                        self.command, self.path, skip_host=True, skip_accept_encoding=True
                    )
                    for name, value in self.headers.items():
                        if name.lower() not in _HOP_BY_HOP | {"content-length", "expect"}:
                            upstream.putheader(name, value)
                    upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body)
                    answer = upstream.getresponse()
                    data = answer.read()
                    headers = answer.getheaders()
                    status, reason = answer.status, answer.reason
                finally:
                    upstream.close()
                self.send_response_only(status, reason)
                for name, value in headers:
                    lowered = name.lower()
                    if lowered in _HOP_BY_HOP:
                        continue
                    if lowered == "content-length" and self.command != "HEAD":
                        continue
                    self.send_header(name, value)
                if self.command != "HEAD":
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _any(self) -> None:
                body = self._body()
                with proxy.lock:
                    number = len(proxy.log) + 1
                    fault = proxy.decide(number, self.command, self.path)
                    proxy.log.append((self.command, self.path, fault))
                if fault in ("reset", "drop"):
                    self._reset()
                elif isinstance(fault, tuple):
                    self._error(*fault)
                elif fault in _ERRORS:
                    self._error(*_ERRORS[fault])
                else:
                    if fault == "slow":
                        time.sleep(proxy.pause)
                    self._forward(body)

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (OSError, ValueError):
                    self.close_connection = True

            def finish(self) -> None:
                with contextlib.suppress(OSError, ValueError):
                    super().finish()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def faults(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for _, _, fault in self.log:
            if fault:
                name = fault if isinstance(fault, str) else fault[1]
                counted[name] = counted.get(name, 0) + 1
        return counted

    def writes(self) -> list[tuple[str, str]]:
        """The PUTs, POSTs and DELETEs that reached moto, in order."""
        return [
            (m, p) for m, p, f in self.log if m in ("PUT", "POST", "DELETE") and f in (None, "slow")
        ]
