"""Who the client is: the one address every per-IP budget counts under.

No header the client controls is trusted (issue 10: rotating `X-Forwarded-For` used to give
unlimited attempts). Three ways to know, one per deployment:

- `SocketPeer` (`newsreel serve`, the default): the TCP peer, nothing else;
- `TrustedProxies` (`newsreel serve --trusted-proxy ADDR`): when the peer is a trusted proxy,
  `X-Forwarded-For` is read right to left, skipping trusted proxies; the first other address is
  the client (the entries to its left were written by the client and are ignored);
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
    def identify(self, headers: Headers, peer: str | None) -> str | None:
        address = _ip(peer or "")
        return budget_subject(address) if address else "unknown"


class TrustedProxies:
    def __init__(self, proxies: Iterable[str]):
        """`proxies`: addresses or networks; ValueError names the first that is neither."""
        self.networks = []
        for proxy in proxies:
            try:
                self.networks.append(ipaddress.ip_network(proxy.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or network") from None

    def _trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def identify(self, headers: Headers, peer: str | None) -> str | None:
        client = _ip(peer or "")
        if client is None:
            return "unknown"
        if not self._trusted(client):
            return budget_subject(client)
        hops = [hop for value in headers.getlist("x-forwarded-for") for hop in value.split(",")]
        for hop in reversed(hops):
            address = _ip(hop)
            if address is None:
                break  # junk from the left of the chain: the last trusted hop is all we know
            client = address
            if not self._trusted(address):
                break
        return budget_subject(client)


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
