"""Mail accepted is mail sent, even when `newsreel serve` is killed outright: every job is kept
in the local store before its request is answered, and sent by the next server to start, once;
never by two servers, never while its own server still runs, never when too old."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import free_port, start_serve, stop_process

from .test_serve_options import site_root

#: A server's queue that accepts two jobs, cannot send them (its mail server never answers),
#: and is killed outright; with "wait", it stays alive instead, until its stdin closes.
WRITER = """
import os, signal, sys, threading
from pathlib import Path
from newsreel.api.clock import SystemClock
from newsreel.api.mail.journal import Journal
from newsreel.api.mail.queue import LocalQueue, MailJob
from newsreel.api.store.sqlite import SqliteStore

var = Path(sys.argv[1])
jobs = LocalQueue(journal=Journal(SqliteStore(var / "newsreel.db", SystemClock()), var / "mail"))
jobs.start(lambda job: threading.Event().wait())  # a mail server that never answers
first = jobs.submit(MailJob("subscribe", "a@example.org", "fr"))
first()  # handed over, and stuck in the worker
jobs.submit(MailJob("code", "b@example.org", "en", purpose="login"))  # not handed over yet
if sys.argv[2] == "wait":
    print("ready", flush=True)
    sys.stdin.read()
os.kill(os.getpid(), signal.SIGKILL)
"""


def writer(var: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(var), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip


def queue_on(var: Path, sent: list, lock: threading.Lock | None = None):
    from newsreel.api.clock import SystemClock
    from newsreel.api.mail.journal import Journal
    from newsreel.api.mail.queue import LocalQueue
    from newsreel.api.store.sqlite import SqliteStore

    store = SqliteStore(var / "newsreel.db", SystemClock())
    jobs = LocalQueue(journal=Journal(store, var / "mail"))
    guard = lock or threading.Lock()

    def send(job):
        with guard:
            sent.append((job.kind, job.email))

    jobs.start(send)
    return jobs, store


def test_jobs_of_a_killed_server_are_sent_by_the_next_one_once(tmp_path):
    from newsreel.api.mail.journal import PARTITION

    killed = writer(tmp_path, "kill")
    assert killed.wait(timeout=60) == -signal.SIGKILL
    sent: list = []
    jobs, store = queue_on(tmp_path, sent)
    jobs.drain()
    assert sorted(sent) == [("code", "b@example.org"), ("subscribe", "a@example.org")]
    assert store.query(PARTITION) == []
    again, _ = queue_on(tmp_path, sent)  # a third start sends nothing twice
    again.drain()
    assert len(sent) == 2
    jobs.close()
    again.close()
    assert list((tmp_path / "mail").iterdir()) == []  # no owner files left behind


def test_two_servers_starting_at_once_send_each_job_once(tmp_path):
    killed = writer(tmp_path, "kill")
    assert killed.wait(timeout=60) == -signal.SIGKILL
    sent: list = []
    lock = threading.Lock()
    with ThreadPoolExecutor(4) as pool:
        queues = list(pool.map(lambda _: queue_on(tmp_path, sent, lock)[0], range(4)))
    for jobs in queues:
        jobs.drain()
        jobs.close()
    assert sorted(sent) == [("code", "b@example.org"), ("subscribe", "a@example.org")]


def test_the_jobs_of_a_server_still_running_are_left_to_it(tmp_path):
    from newsreel.api.mail.journal import PARTITION

    running = writer(tmp_path, "wait")
    try:
        assert running.stdout.readline() == b"ready\n"
        sent: list = []
        jobs, store = queue_on(tmp_path, sent)
        jobs.drain()
        assert sent == []  # its own server sends them (it is stuck, but alive)
        assert len(store.query(PARTITION)) == 2
        jobs.close()
    finally:
        running.stdin.close()
        running.wait(timeout=60)


def test_a_job_too_old_to_send_is_dropped_and_a_failed_one_kept(tmp_path, monkeypatch):
    from newsreel.api.mail import journal
    from newsreel.api.mail.queue import MailJob

    sent: list = []
    jobs, store = queue_on(tmp_path, [])

    def mail_server_down(job):
        raise ConnectionRefusedError("SMTP is down")

    jobs.start(mail_server_down)
    jobs.put(MailJob("subscribe", "a@example.org", "fr"))
    jobs.drain()
    kept = store.query(journal.PARTITION)
    assert [json.loads(data["job"])["email"] for _, data in kept] == ["a@example.org"]
    jobs.close()
    later = time.time() + journal.MAX_AGE_S + 1
    monkeypatch.setattr(journal.time, "time", lambda: later)
    again, _ = queue_on(tmp_path, sent)
    again.drain()
    assert sent == [] and store.query(journal.PARTITION) == []
    again.close()


def test_serve_killed_outright_sends_what_it_had_accepted_when_started_again(tmp_path):
    """`newsreel serve` accepts sign-ups while its mail server hangs, and is killed (kill -9)
    before sending them; started again, it sends each accepted mail, once."""
    root = site_root(tmp_path)
    hanging = socket.socket()  # accepts connections, never says a word: every send waits
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(64)
    port = free_port()
    smtp = {"NEWSREEL_SMTP_HOST": "127.0.0.1", "NEWSREEL_SMTP_PORT": str(hanging.getsockname()[1])}
    server, _ = start_serve(root, "--no-build", "--port", str(port), env=smtp)
    base = f"http://127.0.0.1:{port}"
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def subscribe(number: int) -> int:
        request = urllib.request.Request(
            f"{base}/api/newsletter/subscribe",
            data=json.dumps({"email": f"reader{number}@example.org", "lang": "fr"}).encode(),
            headers={"Content-Type": "application/json", "Origin": base},
        )
        with direct.open(request, timeout=30) as answer:
            return answer.status

    try:
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(subscribe, range(12)))
        assert statuses == [202] * 12
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
        hanging.close()
    outbox = root / "var" / "outbox"
    assert not list(outbox.glob("*.eml"))  # nothing went out before the kill
    server, _ = start_serve(root, "--no-build", "--port", str(free_port()))
    try:
        deadline = time.monotonic() + 30
        while len(list(outbox.glob("*.eml"))) < 12 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop_process(server)
    mails = [path.read_text(encoding="utf-8", errors="replace") for path in outbox.glob("*.eml")]
    for number in range(12):
        assert sum(f"To: reader{number}@example.org" in mail for mail in mails) == 1, number
    assert len(mails) == 12
