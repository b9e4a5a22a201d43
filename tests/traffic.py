"""`newsreel serve`'s app, metered: the bytes it sends per path, with the CDN's security policy.

The clip maker's promise is about the network (a clip costs about its share of the file, never
the whole file), so the tests and `bench/clip.py` count what the server really sent, whatever
the browser did with it. Every answer also carries the Content-Security-Policy that CloudFront
adds in production (read from `infra/site.yaml`), so Chromium refuses what the CDN would.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REPO = Path(__file__).resolve().parents[1]


def production_csp() -> str:
    """The CSP of infra/site.yaml, with its `${...}` (bucket domains) as unused hosts."""

    class CloudFormation(yaml.SafeLoader):
        """Reads `!Sub`, `!Ref`... as their plain value."""

    CloudFormation.add_multi_constructor(
        "!",
        lambda loader, suffix, node: (
            loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None
        ),
    )
    template = yaml.load((REPO / "infra" / "site.yaml").read_text("utf-8"), CloudFormation)  # noqa: S506
    config = template["Resources"]["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    return re.sub(r"\$\{[^}]+\}", "private-media.invalid", policy)


@dataclass
class Traffic:
    """What the server sent, by request path: body bytes, and how many answers; and, apart,
    the bytes scripts fetched (`Sec-Fetch-Dest: empty`), not the `<video>` player buffering
    the same file for playback."""

    sent: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    fetched: Counter[str] = field(default_factory=Counter)
    api: Any = None  # the server's ApiConfig: tests drain its mail queue before reading mail

    def reset(self) -> None:
        self.sent.clear()
        self.answers.clear()
        self.fetched.clear()

    def bytes_to(self, path: str) -> int:
        """Every byte sent for `path`, whoever asked."""
        return self.sent[path]

    def bytes_fetched(self, path: str) -> int:
        """The bytes of `path` that scripts (the clip maker) read."""
        return self.fetched[path]

    def script_bytes(self) -> int:
        """All the bytes scripts read, whatever the file."""
        return sum(self.fetched.values())


class Metered:
    """An ASGI app that counts the body bytes `app` sends, and adds the production CSP."""

    def __init__(self, app: ASGIApp, traffic: Traffic, csp: str | None):
        self.app = app
        self.traffic = traffic
        self.csp = csp.encode() if csp else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = dict(scope.get("headers", []))
        by_script = headers.get(b"sec-fetch-dest", b"empty") == b"empty"

        async def metered_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.traffic.answers[path] += 1
                if self.csp:
                    headers = [*message.get("headers", []), (b"content-security-policy", self.csp)]
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                self.traffic.sent[path] += len(message.get("body", b""))
                if by_script:
                    self.traffic.fetched[path] += len(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, metered_send)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def metered_server(output: Path, var: Path, csp: bool = True) -> Iterator[tuple[str, Traffic]]:
    """`newsreel serve`'s app (site + API, local store in `var`) on a free loopback port."""
    import uvicorn

    from newsreel.api.app import create_app as create_api
    from newsreel.api.config import ApiConfig
    from newsreel.serve import create_app, server_config

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = ApiConfig.local(var, output, site_url=url)
    traffic = Traffic(api=config)
    api = create_api(config)
    app: Any = Metered(create_app(output, api), traffic, production_csp() if csp else None)
    server = uvicorn.Server(  # configured as newsreel serve configures it
        server_config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the metered server did not start")
        time.sleep(0.05)
    try:
        yield url, traffic
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        config.jobs.close()
