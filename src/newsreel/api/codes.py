"""One-time codes sent by e-mail, and the secrets derived from the server secret.

A code is 6 random digits from `secrets` (about 20 bits), stored only as an HMAC-SHA256 under
the server secret, bound to the address and the purpose, and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PURPOSES = ("verify", "login", "reset")
#: How long each kind of code lives, in seconds (reference.md: 30 min sign-up and reset,
#: 10 min for a login code).
LIFETIME = {"verify": 30 * 60, "login": 10 * 60, "reset": 30 * 60}
MAX_ATTEMPTS = 5


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def digest(secret: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts under the server secret (codes, session tokens, addresses)."""
    message = "\x1f".join(parts).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def code_digest(secret: bytes, email: str, purpose: str, code: str) -> str:
    return digest(secret, "code", email, purpose, code)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)
