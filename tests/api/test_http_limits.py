"""`newsreel serve`'s HTTP protocol under a slow or greedy client (`newsreel.guarded_http`):
raw sockets against a real uvicorn, configured as `newsreel serve` configures it."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from newsreel import guarded_http

from .servers import serving


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])


def _connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes `sock` (without an answer or after one) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_huge_header_is_refused_and_stalls_nobody():
    with serving(_app()) as base:
        greedy = _connect(base)
        stop = threading.Event()

        def send_forever() -> None:
            greedy.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=")
            chunk = b"a" * 65536
            try:
                while not stop.is_set():
                    greedy.sendall(chunk)
            except OSError:
                pass  # refused and closed: what is wanted

        sender = threading.Thread(target=send_forever, daemon=True)
        sender.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert httpx.get(base + "/", timeout=5).text == "ok"
        assert time.monotonic() - started < 1.0
        greedy.settimeout(5)
        answer = b""
        try:
            while chunk := greedy.recv(65536):
                answer += chunk
        except OSError:
            pass
        stop.set()
        sender.join(timeout=5)
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert httpx.get(base + "/", timeout=5).text == "ok"


def test_a_head_that_never_ends_is_closed(monkeypatch):
    monkeypatch.setattr(guarded_http, "HEAD_TIMEOUT_S", 0.5)
    with serving(_app()) as base:
        silent = _connect(base)  # connected, nothing sent
        slow = _connect(base)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x")  # half a head, then nothing
        assert _closed_within(silent, 5) and _closed_within(slow, 5)
        quick = _connect(base)  # a whole request in time is answered, and kept alive
        quick.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        quick.settimeout(5)
        assert quick.recv(65536).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("trusted", [False, True])
def test_one_client_holds_a_bounded_number_of_connections(monkeypatch, trusted: bool):
    monkeypatch.setattr(guarded_http, "MAX_CONNECTIONS_PER_CLIENT", 5)
    with serving(_app(), ("127.0.0.1",) if trusted else ()) as base:
        held = [_connect(base) for _ in range(5)]
        extra = _connect(base)
        if trusted:  # a proxy speaks for many clients: not capped
            extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            extra.settimeout(5)
            assert extra.recv(65536).startswith(b"HTTP/1.1 200 ")
        else:
            assert _closed_within(extra, 5)
        for sock in held:
            sock.close()
        deadline = time.monotonic() + 5
        while guarded_http.GuardedHttpToolsProtocol.open_by_client.get("127.0.0.1", 0) > 0:
            assert time.monotonic() < deadline, "the closed connections are counted out"
            time.sleep(0.02)
        assert httpx.get(base + "/", timeout=5).text == "ok"
        extra.close()
