"""The local mail queue's journal: accepted mail outlives a server killed outright.

`newsreel serve` answers 202 once a mail job is written here (in its SQLite store), and removes
the job once the mail is sent. A server killed before that (kill -9, a power cut) leaves its
jobs behind, and the next server to start sends them, once.

Whose a job is, and whether that server still runs, is not told by process ids (a restarted
container reuses the same one; after a power cut another program may hold it): each running
queue has a random owner name and holds a lock on a file of that name (`flock`, which the
kernel drops when the process dies, however it dies). A job whose owner's file can be locked by
someone else has no live owner. Taking it over is one atomic store update (conditional on the
owner it had), so two servers starting at once never both send it.

A job older than `MAX_AGE_S` is dropped rather than sent: it may hold a sign-in code, which
would have expired, and sending it would replace the code its reader may be typing.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsreel.api.mail.queue import MailJob
from newsreel.api.store import Store

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no owner is known to be gone
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("newsreel.api.mail")

#: The store partition of the journal: one item a job not sent yet.
PARTITION = "mailjob"
#: The oldest job still sent at a start (the shortest code lifetime is 10 minutes).
MAX_AGE_S = 15 * 60


@dataclass(frozen=True)
class Entry:
    """A job in the journal, by its sort key."""

    key: str
    job: MailJob


class Journal:
    """One queue's view of the journal: its own jobs written and removed, others' taken over
    when their owner is gone."""

    def __init__(self, store: Store, locks: Path):
        self.store = store
        self.locks = Path(locks)
        self.owner = uuid.uuid4().hex
        self._held: int | None = None

    def open(self) -> None:
        """Lock this queue's owner file, held until `close` or the process ends."""
        self.locks.mkdir(parents=True, exist_ok=True)
        if fcntl is None or self._held is not None:  # no locks here; or open already
            return
        descriptor = os.open(self._lock_path(self.owner), os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        self._held = descriptor

    def close(self) -> None:
        """Release the owner file; jobs left (failed sends) are taken over at the next start."""
        if self._held is not None:
            self._lock_path(self.owner).unlink(missing_ok=True)
            os.close(self._held)
            self._held = None

    def keep(self, job: MailJob) -> str:
        """Write `job` (before its request is answered); its entry's key."""
        key = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}"
        data = {"job": job.to_json(), "owner": self.owner, "at": time.time()}
        self.store.put(PARTITION, key, data)
        return key

    def done(self, key: str) -> None:
        self.store.delete(PARTITION, key)

    def orphans(self) -> Iterator[Entry]:
        """The jobs of owners that are gone, each taken over by this queue (and so by no other),
        oldest first; those too old to send are removed."""
        gone: dict[str, int | None] = {}
        for key, data in self.store.query(PARTITION):
            owner = data.get("owner")
            if owner == self.owner:
                continue
            if owner not in gone:
                alive, descriptor = self._owner_alive(owner)
                if alive:
                    continue
                gone[owner] = descriptor
            entry = self._take_over(key, owner, data)
            if entry is not None:
                yield entry
        for owner, descriptor in gone.items():  # their files are done with
            if isinstance(owner, str):
                self._lock_path(owner).unlink(missing_ok=True)
            if descriptor is not None:
                os.close(descriptor)

    def _take_over(self, key: str, owner: Any, data: dict[str, Any]) -> Entry | None:
        age = time.time() - float(data.get("at") or 0)
        try:
            job = MailJob.from_json(data["job"])
        except (KeyError, TypeError, ValueError):
            logger.error("mail journal entry %s is not a job; removed", key)
            self.store.delete(PARTITION, key)
            return None
        if age > MAX_AGE_S:
            logger.warning(
                "a %s mail to %s accepted %d minutes ago was not sent before a stop; dropped "
                "(too old: a code in it would have expired)", job.kind, job.email, age // 60
            )  # fmt: skip
            self.store.delete(PARTITION, key)
            return None

        def take(item: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
            if item is None or item.get("owner") != owner:
                return item, False  # sent, or taken over by another server meanwhile
            return {**item, "owner": self.owner}, True

        if not self.store.update(PARTITION, key, take):
            return None
        logger.info("sending a %s mail to %s accepted before a stop", job.kind, job.email)
        return Entry(key, job)

    def _owner_alive(self, owner: Any) -> tuple[bool, int | None]:
        """Whether `owner`'s queue still runs; when it does not, the descriptor of its lock file,
        now locked by this queue (None when it had no file). Two servers starting at once may
        both find an owner gone: the store update of each job decides which one sends it."""
        if not isinstance(owner, str) or not owner.isalnum() or fcntl is None:
            return False, None
        path = self._lock_path(owner)
        try:
            descriptor = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False, None  # closed cleanly, or never had one: gone
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return True, None
        return False, descriptor

    def _lock_path(self, owner: str) -> Path:
        return self.locks / f"{owner}.lock"
