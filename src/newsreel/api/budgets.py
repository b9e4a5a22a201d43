"""Budgets (rate limits) and the login lock, kept in the store and spent atomically.

The numbers are data (`limits.toml`). A request spends every budget it needs *before* it does
any work, each with one atomic store operation (`Store.increment`), so concurrent requests cannot
all slip under a limit (issue 10). Spending is the same for known and unknown addresses. A request
refused by one budget gives back those it had already spent (`Store.decrement`): a visitor who
clicks "send a new code" again during the one-minute countdown is told to wait seconds, and is
not then locked out for an hour by the clicks that were refused.

The login lock is counted the same way: an attempt is recorded (`Store.update`, atomic) before
the password hash is computed, and refused while the account is locked; so 40 concurrent wrong
passwords get at most `free` hash computations, the rest are locked.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from newsreel.api.errors import ApiError
from newsreel.api.store import Store

SUBJECTS = ("address", "ip", "domain", "global")


@dataclass(frozen=True)
class Budget:
    name: str
    subject: str
    limit: int
    window_s: int
    #: Subjects this budget does not count (public mail services for the per-domain one).
    exempt: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LoginLock:
    free: int
    max_lock_s: int
    forget_after_s: int

    def delay(self, attempts: int) -> float:
        """Seconds before the next attempt: 0 for the first `free - 1` attempts, then 1 s
        after the `free`-th, doubling each time, at most `max_lock_s`."""
        if attempts < self.free:
            return 0.0
        return float(min(2 ** min(attempts - self.free, 30), self.max_lock_s))


LIMITS = Path(__file__).with_name("limits.toml")


@cache
def _limits() -> tuple[dict[str, Budget], LoginLock]:
    return read_limits(LIMITS)


def read_limits(path: Path) -> tuple[dict[str, Budget], LoginLock]:
    """The budgets and the login lock of `path`, checked (a mistake names the entry and the
    field)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lock = data.pop("login_lock")
    budgets = {}
    for name, entry in data.items():
        if entry.get("subject") not in SUBJECTS:
            raise ValueError(f"{path}: [{name}] subject: use one of {', '.join(SUBJECTS)}")
        for field in ("limit", "window_s"):
            if not isinstance(entry.get(field), int) or entry[field] < 1:
                raise ValueError(f"{path}: [{name}] {field}: a whole number of at least 1")
        exempt = entry.get("exempt", [])
        if not isinstance(exempt, list) or not all(
            isinstance(value, str) and value == value.strip().casefold() and value.isascii()
            for value in exempt
        ):
            raise ValueError(
                f"{path}: [{name}] exempt: a list of subjects as they are counted, e.g. "
                '["gmail.com"] (lower case, a domain in its ASCII form: xn--...)'
            )
        budgets[name] = Budget(
            name, entry["subject"], entry["limit"], entry["window_s"], frozenset(exempt)
        )
    return budgets, LoginLock(lock["free"], lock["max_lock_s"], lock["forget_after_s"])


def budget(name: str) -> Budget:
    return _limits()[0][name]


def login_lock() -> LoginLock:
    return _limits()[1]


def _refuse(code: str, retry: float) -> ApiError:
    seconds = max(1, math.ceil(retry))
    return ApiError(code, 429, {"retry_after": seconds}, {"Retry-After": str(seconds)})


def spend(store: Store, now: float, **subjects: str) -> None:
    """Spend one of each named budget, in order, e.g. `spend(store, now, mail_ip=ip,
    mail_address=a)`; at the first exhausted one, give back the others and answer 429
    `rate_limited` (with Retry-After)."""
    spent: list[tuple[str, str]] = []
    for name, subject in subjects.items():
        rule = budget(name)
        if subject in rule.exempt:
            continue
        start = math.floor(now / rule.window_s) * rule.window_s
        end = start + rule.window_s
        counter = (f"rate#{name}#{subject}", str(start))
        if store.increment(*counter, rule.limit, end) is None:
            for earlier in spent:
                store.decrement(*earlier)
            raise _refuse("rate_limited", end - now)
        spent.append(counter)


def _lock_key(address_key: str) -> tuple[str, str]:
    return f"login#{address_key}", "lock"


def claim_login(store: Store, now: float, address_key: str) -> None:
    """Record one sign-in attempt before the password is checked; 429 `locked` while locked."""
    lock = login_lock()

    def change(item: dict[str, Any] | None) -> tuple[dict[str, Any] | None, float]:
        attempts, until = (item or {}).get("attempts", 0), (item or {}).get("until", 0.0)
        if until > now:
            return item, until - now
        attempts += 1
        return {"attempts": attempts, "until": now + lock.delay(attempts)}, 0.0

    pk, sk = _lock_key(address_key)
    wait = store.update(pk, sk, change, expires_at=now + lock.forget_after_s)
    if wait > 0:
        raise _refuse("locked", wait)


def clear_login(store: Store, address_key: str) -> None:
    """A successful sign-in (or a reset) forgets the failures."""
    store.delete(*_lock_key(address_key))
