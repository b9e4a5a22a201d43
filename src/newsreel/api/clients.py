"""Who the client is: the one address every per-IP budget counts under.

No header the client controls is trusted (issue 10: rotating `X-Forwarded-For` used to give
unlimited attempts). Two ways to know, one per deployment:

- `SocketPeer` (`newsreel serve`): the client the ASGI server names, which is the TCP peer;
  behind `newsreel serve --trusted-proxy ADDR`, uvicorn reads it from those proxies'
  `X-Forwarded-For`, right to left, skipping trusted proxies, so the entries a client writes
  to the left of its own are ignored (`newsreel.serve.server_config`: one mechanism for the
  budgets and for the scheme of redirects);
- `CloudFrontViewer` (AWS): only requests carrying the secret origin header CloudFront adds are
  answered (the Function URL itself is public), and the viewer's address is CloudFront's
  `CloudFront-Viewer-Address`.

IPv6 clients are counted by their /64 network, which is what one subscriber usually holds.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Iterable
from typing import Protocol

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from newsreel.api.errors import ApiError

ORIGIN_SECRET_HEADER = "x-newsreel-origin"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def budget_subject(address: IPAddress) -> str:
    """What per-IP budgets count under: the IPv4 address, or the IPv6 /64."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class ClientIdentity(Protocol):
    def identify(self, headers: Headers, peer: str | None) -> str | None:
        """The client's budget subject, or None when the request must be refused (403)."""


class SocketPeer:
    """The ASGI server's `client`: the socket's peer, or the one a trusted proxy forwarded for
    (uvicorn's `ProxyHeadersMiddleware`, configured by `newsreel serve`)."""

    def identify(self, headers: Headers, peer: str | None) -> str | None:
        address = _ip(peer or "")
        return budget_subject(address) if address else "unknown"


class CloudFrontViewer:
    def __init__(self, secrets: Iterable[str]):
        """`secrets`: the accepted origin-header values (two while one is being rotated)."""
        self.secrets = [secret.encode() for secret in secrets if secret]
        if not self.secrets:
            raise ValueError("CloudFrontViewer needs the origin secret")

    def identify(self, headers: Headers, peer: str | None) -> str | None:
        given = headers.get(ORIGIN_SECRET_HEADER, "").encode()
        if not any(hmac.compare_digest(given, secret) for secret in self.secrets):
            return None
        viewer = headers.get("cloudfront-viewer-address", "")
        address = _ip(viewer.rpartition(":")[0]) if ":" in viewer else None
        return budget_subject(address) if address else None


class ClientMiddleware:
    """Puts the client's budget subject in `request.state.client`, or answers 403."""

    def __init__(self, app: ASGIApp, identity: ClientIdentity):
        self.app = app
        self.identity = identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        peer = scope["client"][0] if scope.get("client") else None
        client = self.identity.identify(headers, peer)
        if client is None:
            from newsreel.api.inputs import request_lang_of

            body = ApiError("forbidden", 403).body(request_lang_of(headers))
            payload = json.dumps(body, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 403, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ]})  # fmt: skip
            await send({"type": "http.response.body", "body": payload})
            return
        scope.setdefault("state", {})["client"] = client
        await self.app(scope, receive, send)
