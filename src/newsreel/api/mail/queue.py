"""Mail off the request path: a request only puts a small job on a queue.

Rendering, deciding what to send (which depends on whether the address has an account) and
sending happen elsewhere, so every mail-sending route does the same work for known and unknown
addresses and answers in the same time (issue 10: `forgot` took twice as long for a known
address). Locally the queue is a worker thread (`LocalQueue`, drained at shutdown; tests wait
for it with `drain()`, no sleeping); on AWS, SQS (`SqsQueue`) and a sender Lambda
(`newsreel.api.lambda_mail.handler`).

Both are durable: a request is answered only once its job is kept somewhere that outlives the
process. SQS keeps its messages; `newsreel serve`'s queue writes each job to its journal in the
local store before the answer and removes it once sent, and on start it sends what a server
killed outright (kill -9, a power cut) had accepted and not sent (`journal`).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from newsreel.api.mail.journal import Journal

logger = logging.getLogger("newsreel.api.mail")

JobKind = Literal["register", "code", "subscribe", "password_changed"]
KINDS = ("register", "code", "subscribe", "password_changed")


@dataclass(frozen=True)
class MailJob:
    """What to do for one address; the address as typed, the others derived again."""

    kind: JobKind
    email: str
    lang: str
    purpose: str | None = None  # for `code`: verify, login or reset
    newsletter: bool = False  # for `register`: also start the newsletter opt-in

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> MailJob:
        data: dict[str, Any] = json.loads(text)
        if data.get("kind") not in KINDS or not isinstance(data.get("email"), str):
            raise ValueError(f"not a mail job: {text[:200]!r}")
        return cls(
            kind=data["kind"],
            email=data["email"],
            lang=str(data.get("lang", "en")),
            purpose=data.get("purpose"),
            newsletter=bool(data.get("newsletter", False)),
        )


JobHandler = Callable[[MailJob], None]


class JobQueue(Protocol):
    def start(self, handler: JobHandler) -> None:
        """Where jobs are handled in this process (a no-op where another process does it)."""

    def put(self, job: MailJob) -> None: ...

    def submit(self, job: MailJob) -> Callable[[], None] | None:
        """Queue `job` for a request. Returns what to call once the answer is sent (the hand-over
        to an in-process worker, which would otherwise compete with the answer for the CPU and
        let a prober time the mail), or None when the job is already durably queued (SQS: the
        acknowledgement must come before the answer)."""

    def drain(self) -> None:
        """Return once every job put so far has been handled (local queues)."""

    def close(self) -> None:
        """Handle what is left, then stop."""


class LocalQueue:
    """One worker thread draining a queue (`newsreel serve`, tests); with a `journal`, every
    job is kept there until it is sent."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._jobs: queue.Queue[tuple[MailJob, str | None] | None] = queue.Queue()
        self._journal = journal
        self._handler: JobHandler | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._submitted = threading.Condition()
        self._pending = 0  # submitted, not handed over yet (their answers are being sent)

    def start(self, handler: JobHandler) -> None:
        """Handle jobs with `handler`, starting with those a server that is gone left in the
        journal."""
        self._handler = handler
        if self._journal is None:
            return
        self._journal.open()
        for orphan in self._journal.orphans():
            self._enqueue(orphan.job, orphan.key)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="newsreel-mail", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                job, entry = item
                try:
                    if self._handler is not None:
                        self._handler(job)
                except Exception:  # a failed mail must not stop the others
                    kept = "; kept for the next start" if entry is not None else ""
                    logger.exception("mail job %s for %s failed%s", job.kind, job.email, kept)
                else:
                    if entry is not None and self._journal is not None:
                        self._journal.done(entry)
            finally:
                self._jobs.task_done()

    def _enqueue(self, job: MailJob, entry: str | None) -> None:
        self._ensure_thread()
        self._jobs.put((job, entry))

    def _keep(self, job: MailJob) -> str | None:
        """Write `job` to the journal (before its request is answered); its entry's key."""
        return self._journal.keep(job) if self._journal is not None else None

    def put(self, job: MailJob) -> None:
        self._enqueue(job, self._keep(job))

    def submit(self, job: MailJob) -> Callable[[], None]:
        entry = self._keep(job)
        with self._submitted:
            self._pending += 1

        def hand_over() -> None:
            try:
                self._enqueue(job, entry)
            finally:
                with self._submitted:
                    self._pending -= 1
                    self._submitted.notify_all()

        return hand_over

    def drain(self) -> None:
        with self._submitted:
            self._submitted.wait_for(lambda: self._pending == 0)
        self._jobs.join()

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        if self._journal is not None:
            self._journal.close()


class SqsQueue:
    """Jobs as SQS messages; the sender Lambda handles them (infra/template.yaml)."""

    def __init__(self, client: Callable[[], Any], url: str):
        self._client = client
        self.url = url

    def start(self, handler: JobHandler) -> None:
        return None

    def put(self, job: MailJob) -> None:
        self._client().send_message(QueueUrl=self.url, MessageBody=job.to_json())

    def submit(self, job: MailJob) -> None:
        self.put(job)

    def drain(self) -> None:
        return None

    def close(self) -> None:
        return None
