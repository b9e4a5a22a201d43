"""Sessions: a random token in a signed cookie, stored only as its HMAC.

The cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` whenever the site is served over HTTPS
(`ApiConfig.secure_cookies`, from the site URL's scheme, so a LAN `http://` address still works).

A session also holds the account's credential epoch at sign-in (`Grant.epoch`): a random value
the profile gets anew whenever its password is set (verification, reset). Closing the sessions
at a reset is not enough on its own: a sign-in with the old password whose hash was still being
computed opens its session just after, and after a deletion and a new registration of the same
address, such a late session would belong to the new account. A session whose epoch is no longer
the profile's is not signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, Signer

from newsreel.api import codes
from newsreel.api.store import Store

COOKIE = "newsreel_session"


@dataclass(frozen=True)
class Grant:
    """Who signed in, and the credential epoch they proved (None: an account from before
    epochs, until its password is next set)."""

    key: str
    epoch: str | None


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

    def open(self, grant: Grant, now: float) -> tuple[str, int]:
        """A new session: the signed cookie value and its lifetime in seconds."""
        token = codes.new_token()
        token_digest = codes.digest(self.secret, "session", token)
        expires = now + self.lifetime_s
        data = {"key": grant.key, "epoch": grant.epoch}
        self.store.put(f"session#{token_digest}", "session", data, expires)
        self.store.put(codes.account_pk(grant.key), f"session#{token_digest}", {}, expires)
        return self._signer.sign(token).decode(), self.lifetime_s

    def account(self, cookie: str | None) -> Grant | None:
        """The sign-in a live session cookie holds."""
        token_digest = self._token_digest(cookie)
        if token_digest is None:
            return None
        item = self.store.get(f"session#{token_digest}", "session")
        return Grant(item["key"], item.get("epoch")) if item else None

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
