"""The local store: one SQLite file (`var/newsreel.db` by default).

One connection, reused by every request (the handlers call it from worker threads, so a lock
serialises them in this process). A write that reads before it writes is one statement (an
upsert with a condition, SQLite's own transaction: a counter's increment, a put only where no
live item is) or a `BEGIN IMMEDIATE` transaction (`update`, whose change is Python's; a
savepoint inside a batch), so several processes on the same file stay atomic too; one statement
costs about half the CPU of a transaction's four (16 against 28 µs an increment), and a mail
route spends five budgets. The calls of a mail route's flow share one transaction (`batch`):
one commit instead of five to ten.
WAL with `synchronous=NORMAL`: a commit does not wait for the disk, and a crash loses at most
the last transactions, never the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
#: Where an item is live (its expiry is checked on every read, as on DynamoDB).
_LIVE = "(items.expires_at IS NULL OR items.expires_at > :now)"
_INSERT = (
    "INSERT INTO items (pk, sk, data, expires_at, cnt) VALUES (:pk, :sk, :data, :expires_at, 0)"
)
_REPLACE = (
    " ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,"
    " cnt = 0"
)
_PUT = f"{_INSERT}{_REPLACE} RETURNING 1"
#: Written only where no live item is: an expired one is replaced.
_PUT_IF_ABSENT = f"{_INSERT}{_REPLACE} WHERE NOT {_LIVE} RETURNING 1"
#: One more on a counter below its limit; an expired or emptied counter starts again at 1,
#: with the new expiry; a full, live one is left alone and returns no row.
_RESTART = f"(items.cnt = 0 OR NOT {_LIVE})"
_INCREMENT = f"""
INSERT INTO items (pk, sk, data, expires_at, cnt) VALUES (:pk, :sk, '{{}}', :expires_at, 1)
ON CONFLICT (pk, sk) DO UPDATE SET
    cnt = CASE WHEN {_RESTART} THEN 1 ELSE items.cnt + 1 END,
    expires_at = CASE WHEN {_RESTART} THEN :expires_at ELSE items.expires_at END
WHERE {_RESTART} OR items.cnt < :limit
RETURNING cnt
"""


class SqliteStore:
    def __init__(self, path: Path | str, clock: Clock):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._prepare()
        self.lock = threading.RLock()  # reentrant: a batch holds it around its calls
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
        statement = _PUT_IF_ABSENT if if_absent else _PUT
        values = {"pk": pk, "sk": sk, "data": json.dumps(data), "expires_at": expires_at}
        with self.lock:
            written = self.connection.execute(statement, {**values, "now": self.clock.now()})
            return bool(written.fetchall())  # all rows read: the statement ends and commits

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
        values = {"pk": pk, "sk": sk, "limit": limit, "expires_at": expires_at}
        with self.lock:
            counted = self.connection.execute(_INCREMENT, {**values, "now": self.clock.now()})
            rows = counted.fetchall()  # all rows read: the statement ends and commits
        return rows[0][0] if rows else None

    def decrement(self, pk: str, sk: str) -> None:
        with self.lock:
            self.connection.execute(
                "UPDATE items SET cnt = cnt - 1 WHERE pk = ? AND sk = ? AND cnt > 0", (pk, sk)
            )

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The calls inside in one transaction, committed at the end whatever happens (as each
        call would have been); the write lock is taken first (`BEGIN IMMEDIATE`), so every
        conditional statement inside stays atomic, and other threads wait for the batch."""
        with self.lock:
            if self.connection.in_transaction:  # a batch inside a batch: the outer one commits
                yield
                return
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                self.connection.execute("COMMIT")

    def update(
        self, pk: str, sk: str, change: Change[Result], expires_at: float | None = None
    ) -> Result:
        with self.lock:
            grouped = self.connection.in_transaction  # inside a batch: a savepoint of it
            self.connection.execute("SAVEPOINT change" if grouped else "BEGIN IMMEDIATE")
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
                self.connection.execute("RELEASE change" if grouped else "COMMIT")
            except BaseException:
                if grouped:
                    self.connection.execute("ROLLBACK TO change")
                    self.connection.execute("RELEASE change")
                else:
                    self.connection.execute("ROLLBACK")
                raise
        return result
