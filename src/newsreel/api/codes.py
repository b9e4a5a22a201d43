"""One-time codes sent by e-mail, and the secrets derived from the server secret.

A code is 6 random digits from `secrets` (about 20 bits), stored only as an HMAC-SHA256 under
the server secret, bound to the address and the purpose, and compared in constant time.

Redeeming a code counts the attempt first, atomically (`Store.increment`), and compares only
when the count is within `MAX_ATTEMPTS`: 100 concurrent guesses of one code make at most 5
comparisons. Taking a right code is itself atomic (`Store.update`), so it works once.

A code is issued for every request, whether or not the address has an account (the mail is then
not sent): a wrong code, an expired one and one that was never sent all answer the same
`code_mismatch`, and the attempt budget behaves the same for known and unknown addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from newsreel.api.errors import ApiError
from newsreel.api.store import Store

PURPOSES = ("verify", "login", "reset")
#: How long each kind of code lives, in seconds (reference.md: 30 min sign-up and reset,
#: 10 min for a login code).
LIFETIME = {"verify": 30 * 60, "login": 10 * 60, "reset": 30 * 60}
MAX_ATTEMPTS = 5


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def digest(secret: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts under the server secret (codes, session tokens, addresses)."""
    message = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def code_digest(secret: bytes, email: str, purpose: str, code: str) -> str:
    return digest(secret, "code", email, purpose, code)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


def account_pk(address_key: str) -> str:
    return f"account#{address_key}"


def is_code(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit()


def issue(store: Store, secret: bytes, now: float, address_key: str, purpose: str) -> str:
    """A new code for `purpose`; the previous one dies (it is overwritten), and so does its
    attempt count (the count is kept per code)."""
    code = new_code()
    record = {"digest": code_digest(secret, address_key, purpose, code), "id": new_token()[:16]}
    store.put(
        account_pk(address_key), f"code#{purpose}", record, expires_at=now + LIFETIME[purpose]
    )
    return code


def redeem(
    store: Store, secret: bytes, now: float, address_key: str, purpose: str, code: str
) -> None:
    """Accept a code once; 400 `code_mismatch` (wrong, expired or never sent alike) or
    `too_many_attempts` (the code is dead: send a new one)."""
    pk, sk = account_pk(address_key), f"code#{purpose}"
    record = store.get(pk, sk)
    code_id = record["id"] if record else "none"
    count = store.increment(
        pk, f"attempts#{purpose}#{code_id}", MAX_ATTEMPTS, now + LIFETIME[purpose]
    )
    if count is None:
        raise ApiError("too_many_attempts", 400)

    def take(item: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
        if item is not None and item.get("id") == code_id:
            return None, True
        return item, False

    expected = code_digest(secret, address_key, purpose, code)
    if record is not None and same(record["digest"], expected) and store.update(pk, sk, take):
        return
    if count >= MAX_ATTEMPTS:
        if record is not None:
            store.update(pk, sk, take)
        raise ApiError("too_many_attempts", 400)
    raise ApiError("code_mismatch", 400, {"attempts_left": MAX_ATTEMPTS - count})
