"""Mail accepted is mail sent, even when `newsreel serve` is killed outright: every job is kept
in the local store before its request is answered, and sent when the server starts again."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from conftest import free_port, start_serve, stop_process

from .test_serve_options import site_root

KILLED_WRITER = """
import os, signal, sys, threading
from newsreel.api.clock import SystemClock
from newsreel.api.mail.queue import LocalQueue, MailJob
from newsreel.api.store.sqlite import SqliteStore

jobs = LocalQueue(journal=SqliteStore(sys.argv[1], SystemClock()))
jobs.start(lambda job: threading.Event().wait())  # a mail server that never answers
first = jobs.submit(MailJob("subscribe", "a@example.org", "fr"))
first()  # handed over, and stuck in the worker
jobs.submit(MailJob("code", "b@example.org", "en", purpose="login"))  # not handed over yet
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_jobs_of_a_killed_process_are_sent_by_the_next_one_once(tmp_path):
    from newsreel.api.clock import SystemClock
    from newsreel.api.mail.queue import JOURNAL, LocalQueue
    from newsreel.api.store.sqlite import SqliteStore

    database = tmp_path / "newsreel.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(database)], timeout=60)
    assert killed.returncode == -signal.SIGKILL
    store = SqliteStore(database, SystemClock())
    sent = []
    jobs = LocalQueue(journal=store)
    jobs.start(lambda job: sent.append((job.kind, job.email, job.purpose)))
    jobs.drain()
    assert sorted(sent) == [
        ("code", "b@example.org", "login"),
        ("subscribe", "a@example.org", None),
    ]
    assert store.query(JOURNAL) == []
    again = LocalQueue(journal=store)  # a third start sends nothing twice
    again.start(lambda job: sent.append(job.email))
    again.drain()
    assert len(sent) == 2
    jobs.close()
    again.close()


def test_a_failed_mail_is_kept_for_the_next_start(tmp_path):
    from newsreel.api.clock import SystemClock
    from newsreel.api.mail.queue import JOURNAL, LocalQueue, MailJob
    from newsreel.api.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "newsreel.db", SystemClock())
    jobs = LocalQueue(journal=store)

    def mail_server_down(job):
        raise ConnectionRefusedError("SMTP is down")

    jobs.start(mail_server_down)
    jobs.put(MailJob("subscribe", "a@example.org", "fr"))
    jobs.drain()
    assert [json.loads(data["job"])["email"] for _, data in store.query(JOURNAL)] == [
        "a@example.org"
    ]
    jobs.close()


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
