"""Where the function keeps its state: one small interface, two backends.

Items live under a partition key and a sort key (one DynamoDB table; one SQLite table), with an
optional expiry. Expiry is checked on every read, since DynamoDB's TTL deletion is lazy (it may
take days). `increment` is the one atomic operation rate limits and attempt counters need: a
conditional add that refuses to go past its limit.
"""

from __future__ import annotations

from typing import Any, Protocol


class Store(Protocol):
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
