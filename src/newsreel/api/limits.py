"""Rate limits and login locks, kept in the store (conditional writes in DynamoDB)."""

from __future__ import annotations

import math

from newsreel.api.errors import ApiError
from newsreel.api.store import Store

#: (limit, window in seconds) by action and scope.
LIMITS = {
    "register:ip": (20, 3600),
    "register:address": (5, 3600),
    "subscribe:ip": (20, 3600),
    "subscribe:address": (3, 3600),
    "code:address:minute": (1, 60),
    "code:address:hour": (5, 3600),
    "code:ip": (30, 3600),
    "forgot:address": (5, 3600),
    "forgot:ip": (20, 3600),
    "login:ip": (60, 3600),
    "verify:ip": (60, 3600),
}
LOCK_AFTER_FAILURES = 5
LOCK_MAX_S = 15 * 60


def hit(store: Store, now: float, name: str, subject: str) -> None:
    """Count one request of `name` for `subject`; 429 `rate_limited` past the limit."""
    limit, window = LIMITS[name]
    start = math.floor(now / window) * window
    count = store.increment(f"rate#{name}#{subject}", str(start), limit, start + window)
    if count is None:
        retry = max(1, math.ceil(start + window - now))
        raise ApiError("rate_limited", 429, {"retry_after": retry}, {"Retry-After": str(retry)})


def lock_delay(failures: int) -> float:
    """1 s after the 5th failure, doubling each time, at most 15 minutes."""
    if failures < LOCK_AFTER_FAILURES:
        return 0
    return min(float(2 ** (failures - LOCK_AFTER_FAILURES)), LOCK_MAX_S)
