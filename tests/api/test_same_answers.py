"""Answers that say nothing: the same answer, and the same work on the request path, for
known and unknown addresses; codes that fail all fail alike; mail leaves the request path."""

from __future__ import annotations

import re
import threading

import pytest

from .conftest import PASSWORD, register

KNOWN = "ana@example.org"


class RecordingStore:
    """The store, recording what the request path asks of it (not the mail worker)."""

    def __init__(self, store):
        self.store = store
        self.calls: list[tuple[str, str, str]] = []

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if name == "batch":  # groups the calls below; not a call on an item
            return method

        def record(pk, sk="", *args, **kwargs):
            if threading.current_thread().name != "newsreel-mail":
                self.calls.append((name, pk, sk))
            return method(pk, sk, *args, **kwargs)

        return record

    def shape(self, address: str) -> list[tuple[str, str, str]]:
        """The calls with the address, its budget form and domain replaced by placeholders,
        and rate-window starts dropped."""
        local, domain = address.split("@")
        names = {address: "<address>", f"{local}@{domain}": "<address>", domain: "<domain>"}

        def clean(text: str) -> str:
            for value, placeholder in names.items():
                text = text.replace(value, placeholder)
            return re.sub(r"^\d+$", "<window>", text)

        return [(name, clean(pk), clean(sk)) for name, pk, sk in self.calls]


@pytest.fixture
def config(config):
    """The app's configuration, its store recording every call."""
    config.store = RecordingStore(config.store)
    return config


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/api/account/register", {"password": PASSWORD}),
        ("/api/account/code", {"purpose": "login"}),
        ("/api/account/code", {"purpose": "reset"}),
        ("/api/account/code", {"purpose": "verify"}),
        ("/api/account/password/forgot", {}),
        ("/api/newsletter/subscribe", {"lang": "fr", "website": ""}),
    ],
)
def test_mail_routes_answer_and_work_the_same_for_every_address(
    client, outbox, config, clock, path, extra
):
    register(client, outbox, KNOWN)
    client.post("/api/account/newsletter", json={"newsletter": True})
    clock.advance(120)
    recording = config.store
    shapes, answers = {}, {}
    for address in (KNOWN, "nobody@example.org"):
        recording.calls.clear()
        answer = client.post(path, json={"email": address, **extra})
        answers[address] = (answer.status_code, answer.json())
        shapes[address] = recording.shape(address)
    assert answers[KNOWN] == answers["nobody@example.org"]
    assert answers[KNOWN][0] == 202
    assert shapes[KNOWN] == shapes["nobody@example.org"]
    assert any(name == "increment" for name, _, _ in shapes[KNOWN]), "budgets were spent"
    assert not any(name in ("get", "query") for name, _, _ in shapes[KNOWN]), (
        "nothing about the address is read on the request path"
    )


@pytest.mark.parametrize("purpose", ["verify", "login", "reset"])
def test_wrong_expired_and_never_sent_codes_answer_the_same(client, outbox, clock, purpose):
    route = {"verify": "/api/account/verify", "login": "/api/account/login/code",
             "reset": "/api/account/password/reset"}[purpose]  # fmt: skip
    register(client, outbox, KNOWN)
    client.post("/api/account/logout", json={})
    pending = "pending@example.org"
    client.post("/api/account/register", json={"email": pending, "password": PASSWORD})
    clock.advance(120)
    for address in (KNOWN, "nobody@example.org", pending):
        client.post("/api/account/code", json={"email": address, "purpose": purpose})
    outbox.messages()  # wait for the mail worker

    def attempt(address: str, code: str = "000000") -> tuple[int, dict]:
        answer = client.post(route, json={"email": address, "code": code, "password": PASSWORD})
        return answer.status_code, answer.json()

    wrong_known = attempt(KNOWN)
    assert wrong_known[0] == 400 and wrong_known[1]["error"] == "code_mismatch"
    assert attempt("nobody@example.org") == wrong_known, "a code issued but never sent"
    assert attempt(pending) == wrong_known
    assert attempt("never@example.org") == wrong_known, "no code ever asked for"
    clock.advance(31 * 60)
    expired = [m for m in outbox.messages(KNOWN) if "code" in m["Subject"].lower()]
    if expired and purpose != "verify":
        code = re.search(r"\b(\d{6})\b", expired[-1].get_body(("plain",)).get_content())[1]
        status, body = attempt(KNOWN, code)
        assert (status, body["error"], body["message"]) == (
            400,
            "code_mismatch",
            wrong_known[1]["message"],
        ), "an expired code answers like a wrong one"


def test_mail_leaves_the_request_path(client, config, outbox):
    """The answer comes while the mail is still being sent (a mailer held on purpose)."""
    release = threading.Event()
    real_send = config.mailer.send
    sending = threading.Event()

    def slow_send(message):
        sending.set()
        release.wait(timeout=30)
        real_send(message)

    config.mailer.send = slow_send
    try:
        answer = client.post("/api/account/password/forgot", json={"email": KNOWN})
        assert answer.status_code == 202
        first = client.post("/api/account/register", json={"email": KNOWN, "password": PASSWORD})
        assert first.status_code == 202
        assert sending.wait(timeout=30), "the worker is sending meanwhile"
    finally:
        release.set()
    assert len(outbox.messages(KNOWN)) == 1, "forgot sent nothing (no account); register did"


def test_the_mail_queue_is_flushed_at_shutdown(tmp_path):
    """`newsreel serve` stops: what was queued is still sent."""
    from newsreel.api.mail.queue import LocalQueue, MailJob

    handled = []
    release = threading.Event()

    def slow(job):
        release.wait(timeout=30)
        handled.append(job.email)

    jobs = LocalQueue()
    jobs.start(slow)
    for number in range(5):
        jobs.put(MailJob("subscribe", f"r{number}@example.org", "fr"))
    release.set()
    jobs.close()
    assert handled == [f"r{number}@example.org" for number in range(5)]
