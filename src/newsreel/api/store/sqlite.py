"""The local store: one SQLite file (`var/newsreel.db` by default).

One connection, reused by every request (the handlers call it from worker threads, so a lock
serialises them in this process); each write is a `BEGIN IMMEDIATE` transaction, so several
processes on the same file stay atomic too. WAL with `synchronous=NORMAL`: a commit does not wait
for the disk, and a crash loses at most the last transactions, never the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from newsreel.api.clock import Clock
from newsreel.api.store import Change, Result

#: Expired items are deleted every this many counter writes, so a long-running server's file
#: does not keep every past rate window.
SWEEP_EVERY = 1024
_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    expires_at REAL,
    cnt INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pk, sk)
)
"""


class SqliteStore:
    def __init__(self, path: Path | str, clock: Clock):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._prepare()
        self.lock = threading.Lock()
        self.clock = clock
        self._writes = 0

    def _prepare(self) -> None:
        """WAL mode and the table. Switching a new file to WAL takes a lock that SQLite does
        not wait for (its busy timeout does not apply), so several processes opening the same
        new file at once retry it briefly."""
        for attempt in range(50):
            try:
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=NORMAL")
                self.connection.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.02 * (attempt + 1))

    def _live(self, expires_at: float | None) -> bool:
        return expires_at is None or expires_at > self.clock.now()

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.connection.execute(
                "SELECT data, expires_at FROM items WHERE pk = ? AND sk = ?", (pk, sk)
            ).fetchone()
        if row is None or not self._live(row[1]):
            return None
        return json.loads(row[0])

    def put(self, pk, sk, data, expires_at=None, if_absent=False) -> bool:
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                if if_absent:
                    row = self.connection.execute(
                        "SELECT expires_at FROM items WHERE pk = ? AND sk = ?", (pk, sk)
                    ).fetchone()
                    if row is not None and self._live(row[0]):
                        self.connection.execute("ROLLBACK")
                        return False
                self.connection.execute(
                    "INSERT OR REPLACE INTO items (pk, sk, data, expires_at, cnt) "
                    "VALUES (?, ?, ?, ?, 0)",
                    (pk, sk, json.dumps(data), expires_at),
                )
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
        return True

    def delete(self, pk: str, sk: str) -> None:
        with self.lock:
            self.connection.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))

    def query(self, pk: str, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        with self.lock:
            rows = self.connection.execute(
                "SELECT sk, data, expires_at FROM items WHERE pk = ? AND substr(sk, 1, ?) = ? "
                "ORDER BY sk",
                (pk, len(prefix), prefix),
            ).fetchall()
        return [(sk, json.loads(data)) for sk, data, expires in rows if self._live(expires)]

    def sweep(self) -> int:
        """Delete expired items (DynamoDB's TTL does this there); returns how many."""
        with self.lock:
            cursor = self.connection.execute(
                "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (self.clock.now(),),
            )
        return cursor.rowcount

    def increment(self, pk: str, sk: str, limit: int, expires_at: float) -> int | None:
        self._writes += 1
        if self._writes % SWEEP_EVERY == 0:  # budgets and attempt counters expire by the hour
            self.sweep()
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                row = self.connection.execute(
                    "SELECT cnt, expires_at FROM items WHERE pk = ? AND sk = ?", (pk, sk)
                ).fetchone()
                count = row[0] if row and self._live(row[1]) else 0
                if count >= limit:
                    self.connection.execute("ROLLBACK")
                    return None
                self.connection.execute(
                    "INSERT OR REPLACE INTO items (pk, sk, data, expires_at, cnt) "
                    "VALUES (?, ?, '{}', ?, ?)",
                    (pk, sk, expires_at if not row or count == 0 else row[1], count + 1),
                )
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
        return count + 1

    def decrement(self, pk: str, sk: str) -> None:
        with self.lock:
            self.connection.execute(
                "UPDATE items SET cnt = cnt - 1 WHERE pk = ? AND sk = ? AND cnt > 0", (pk, sk)
            )

    def update(
        self, pk: str, sk: str, change: Change[Result], expires_at: float | None = None
    ) -> Result:
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                row = self.connection.execute(
                    "SELECT data, expires_at FROM items WHERE pk = ? AND sk = ?", (pk, sk)
                ).fetchone()
                current = json.loads(row[0]) if row and self._live(row[1]) else None
                new, result = change(current)
                if new is current and current is not None:
                    pass  # unchanged: nothing to write
                elif new is None:
                    self.connection.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))
                else:
                    self.connection.execute(
                        "INSERT OR REPLACE INTO items (pk, sk, data, expires_at, cnt) "
                        "VALUES (?, ?, ?, ?, 0)",
                        (pk, sk, json.dumps(new), expires_at),
                    )
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
        return result
