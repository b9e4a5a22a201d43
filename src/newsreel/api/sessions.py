"""Sessions: a random token in a signed cookie, stored only as its HMAC.

The cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` whenever the site is served over HTTPS
(`ApiConfig.secure_cookies`, from the site URL's scheme, so a LAN `http://` address still works).
"""

from __future__ import annotations

from itsdangerous import BadSignature, Signer

from newsreel.api import codes
from newsreel.api.store import Store

COOKIE = "newsreel_session"


class Sessions:
    def __init__(self, store: Store, secret: bytes, lifetime_s: int):
        self.store = store
        self.secret = secret
        self.lifetime_s = lifetime_s
        self._signer = Signer(secret, salt="newsreel.session")

    def _token_digest(self, cookie: str | None) -> str | None:
        if not cookie or len(cookie) > 200:
            return None
        try:
            token = self._signer.unsign(cookie.encode("utf-8", "replace")).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        return codes.digest(self.secret, "session", token)

    def open(self, address_key: str, now: float) -> tuple[str, int]:
        """A new session: the signed cookie value and its lifetime in seconds."""
        token = codes.new_token()
        token_digest = codes.digest(self.secret, "session", token)
        expires = now + self.lifetime_s
        self.store.put(f"session#{token_digest}", "session", {"key": address_key}, expires)
        self.store.put(codes.account_pk(address_key), f"session#{token_digest}", {}, expires)
        return self._signer.sign(token).decode(), self.lifetime_s

    def account(self, cookie: str | None) -> str | None:
        """The account key a live session cookie belongs to."""
        token_digest = self._token_digest(cookie)
        if token_digest is None:
            return None
        item = self.store.get(f"session#{token_digest}", "session")
        return item["key"] if item else None

    def close(self, cookie: str | None) -> None:
        token_digest = self._token_digest(cookie)
        item = self.store.get(f"session#{token_digest}", "session") if token_digest else None
        if item is None:
            return
        self.store.delete(f"session#{token_digest}", "session")
        self.store.delete(codes.account_pk(item["key"]), f"session#{token_digest}")

    def close_all(self, address_key: str) -> None:
        for sk, _ in self.store.query(codes.account_pk(address_key), "session#"):
            self.store.delete(f"session#{sk.removeprefix('session#')}", "session")
            self.store.delete(codes.account_pk(address_key), sk)
