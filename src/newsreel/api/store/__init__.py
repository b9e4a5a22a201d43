"""Where the function keeps its state: one small interface, two backends.

Items live under a partition key and a sort key (one DynamoDB table; one SQLite table), with an
optional expiry. Expiry is checked on every read, since DynamoDB's TTL deletion is lazy (it may
take days).

Two operations are atomic, because limits and one-time secrets are only as good as their
atomicity (issue 10: concurrent requests used to read, compute and write with nothing atomic):

- `increment`: a conditional add that refuses to go past its limit (rate limits, attempt
  counters), a SQLite transaction or a DynamoDB `UpdateItem ... ADD` with a condition (and
  `decrement`, its conditional opposite, that never goes below zero);
- `update`: read one item, decide, write it back only if nobody changed it meanwhile (a SQLite
  transaction; a DynamoDB conditional write retried on conflict). Login locks, taking a code
  once, single-use newsletter tokens and setting a password at verification go through it.

`batch()` groups the calls of a mail route's flow: on SQLite they share one transaction (one
commit instead of five to ten: the flow costs an eighth less CPU), committed whatever the flow
ends with, so a budget spent before a refusal stays spent, exactly as call by call; on DynamoDB
each call is its own request, as before. A batch holds the store for its whole length, so only
flows that wait on nothing else are batched.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

Result = TypeVar("Result")
#: What an `update` decides: the item's new data (None deletes it) and what to return.
Change = Callable[[dict[str, Any] | None], tuple[dict[str, Any] | None, Result]]


class StoreBusy(Exception):
    """An `update` kept losing to concurrent writers; the caller answers "try again"."""


class Store(Protocol):
    def batch(self) -> AbstractContextManager[None]:
        """The calls made inside, committed together where the store can (never rolled back:
        what a call wrote stays written, even when the flow then raises)."""

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        """The item, or None when absent or expired."""

    def put(
        self,
        pk: str,
        sk: str,
        data: dict[str, Any],
        expires_at: float | None = None,
        if_absent: bool = False,
    ) -> bool:
        """Write an item; with `if_absent`, only when no live item is there (returns False)."""

    def delete(self, pk: str, sk: str) -> None: ...

    def query(self, pk: str, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        """Live items of a partition whose sort key starts with `prefix`."""

    def increment(self, pk: str, sk: str, limit: int, expires_at: float) -> int | None:
        """Add one to a counter and return it, or None when it already reached `limit`."""

    def decrement(self, pk: str, sk: str) -> None:
        """Take one from a counter, never below zero (a budget given back: the request that
        spent it was refused by another)."""

    def update(
        self, pk: str, sk: str, change: Change[Result], expires_at: float | None = None
    ) -> Result:
        """Atomically apply `change` to the live item (None when absent or expired).

        `change` must be pure: a backend may call it again when another writer got there
        first. The new item gets `expires_at`; returning the item itself writes nothing.
        Raises `StoreBusy` after too many conflicts.
        """
