"""The function under attack: really concurrent requests over HTTP, on both stores.

Each test starts the app under uvicorn and fires its requests from many threads at once (a
barrier releases them together), as separate Lambda instances or browsers would.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from newsreel.api.app import create_app
from newsreel.serve import create_app as serve_app

from .conftest import PASSWORD, SITE, register
from .servers import serving

ADDRESS = "ana@example.org"


def at_once(count: int, request) -> list[httpx.Response]:
    """`request(client, number)` from `count` threads released together."""
    barrier = threading.Barrier(count)

    def run(number: int) -> httpx.Response:
        with httpx.Client(timeout=60, headers={"Origin": SITE}) as client:
            barrier.wait()
            return request(client, number)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def live(config):
    """The app (site + API) on a real loopback port."""
    output = config.downloads.output
    output.mkdir(parents=True, exist_ok=True)
    with serving(serve_app(output, create_app(config))) as base:
        yield base


class Counting:
    """Counts calls of a function, from any thread."""

    def __init__(self, function):
        self.function = function
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.calls += 1
        return self.function(*args, **kwargs)


def test_forty_concurrent_wrong_passwords_compute_at_most_five_hashes(
    client, outbox, live, monkeypatch
):
    from newsreel.api import passwords

    register(client, outbox)
    real = passwords.HASHER
    counted = Counting(real.verify)

    class CountingHasher:
        hash = real.hash
        verify = staticmethod(counted)

    monkeypatch.setattr(passwords, "HASHER", CountingHasher())
    wrong = {"email": ADDRESS, "password": "Wrong-Password-42!"}
    answers = at_once(40, lambda http, n: http.post(f"{live}/api/account/login", json=wrong))
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses[401] <= 5 and statuses[401] + statuses[429] == 40, statuses
    assert {a.json()["error"] for a in answers if a.status_code == 429} == {"locked"}
    assert counted.calls <= 5
    right = httpx.post(
        f"{live}/api/account/login",
        json={"email": ADDRESS, "password": PASSWORD},
        headers={"Origin": SITE},
    )
    assert right.status_code == 429, "the account stays locked, even for the right password"


def test_a_hundred_concurrent_guesses_compare_one_code_at_most_five_times(
    client, outbox, live, monkeypatch
):
    from newsreel.api import codes

    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    good = outbox.code(ADDRESS)
    counted = Counting(codes.same)
    monkeypatch.setattr(codes, "same", counted)

    def guess(http: httpx.Client, number: int) -> httpx.Response:
        code = f"{(int(good) + 1 + number) % 1_000_000:06d}"
        body = {"email": ADDRESS, "code": code, "password": PASSWORD}
        return http.post(f"{live}/api/account/verify", json=body)

    answers = at_once(100, guess)
    assert all(answer.status_code == 400 for answer in answers)
    errors = Counter(answer.json()["error"] for answer in answers)
    # once dead, the code answers like a wrong one (`code_mismatch`) or `too_many_attempts`
    assert errors["code_mismatch"] + errors["too_many_attempts"] == 100, errors
    assert errors["too_many_attempts"] >= 85, errors
    assert counted.calls <= 5
    late = client.post(
        "/api/account/verify", json={"email": ADDRESS, "code": good, "password": PASSWORD}
    )
    assert late.status_code == 400, "the code died after five guesses"
    assert late.json()["error"] in ("code_mismatch", "too_many_attempts")


def test_the_right_code_sent_concurrently_works_once(client, outbox, live):
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    code = outbox.code(ADDRESS)
    passwords_tried = [f"Owner-Pass-{n}-Strong!" for n in range(8)]

    def verify(http: httpx.Client, number: int) -> httpx.Response:
        body = {"email": ADDRESS, "code": code, "password": passwords_tried[number]}
        return http.post(f"{live}/api/account/verify", json=body)

    answers = at_once(8, verify)
    winners = [n for n, answer in enumerate(answers) if answer.status_code == 200]
    assert len(winners) == 1, [a.status_code for a in answers]
    winner = passwords_tried[winners[0]]
    losers = [p for p in passwords_tried if p != winner][:3]
    for password in [winner, *losers]:
        login = client.post("/api/account/login", json={"email": ADDRESS, "password": password})
        assert login.status_code == (200 if password == winner else 401)


def test_rotating_forwarded_headers_get_one_clients_budget(live):
    """`newsreel serve` trusts the socket only: X-Forwarded-For is the client's own writing."""

    def forgot(http: httpx.Client, number: int) -> httpx.Response:
        return http.post(
            f"{live}/api/account/password/forgot",
            json={"email": f"user{number}@domain{number}.example"},
            headers={"X-Forwarded-For": f"203.0.113.{number}", "X-Real-IP": f"10.0.0.{number}"},
        )

    answers = at_once(40, forgot)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {202: 30, 429: 10}, statuses


def test_behind_a_trusted_proxy_only_its_own_entry_counts(config, store):
    """`--trusted-proxy 127.0.0.1`: the rightmost untrusted entry is the client; what the client
    wrote to its left changes nothing."""
    output = config.downloads.output
    output.mkdir(parents=True, exist_ok=True)
    with serving(serve_app(output, create_app(config)), trusted_proxies=("127.0.0.1",)) as base:

        def forgot(http: httpx.Client, number: int) -> httpx.Response:
            spoofed = f"198.18.{number}.1, 198.51.100.9"  # the proxy appended 198.51.100.9
            return http.post(
                f"{base}/api/account/password/forgot",
                json={"email": f"user{number}@domain{number}.example"},
                headers={"X-Forwarded-For": spoofed},
            )

        statuses = Counter(answer.status_code for answer in at_once(35, forgot))
        assert statuses == {202: 30, 429: 5}, statuses
        other = httpx.post(
            f"{base}/api/account/password/forgot",
            json={"email": "someone@else.example"},
            headers={"X-Forwarded-For": "198.51.100.10", "Origin": SITE},
        )
        assert other.status_code == 202, "another client behind the proxy has its own budget"


def test_tag_and_dot_variants_of_one_mailbox_share_one_budget(client):
    variants = [
        "Ana.Lopez+1@gmail.com",
        "ana.lopez+2@gmail.com",
        "analopez@googlemail.com",
        "a.n.a.l.o.p.e.z@gmail.com",
        "ANALOPEZ+news@gmail.com",
        "ana.lopez+x@gmail.com",
        "analopez+7@gmail.com",
    ]
    answers = [
        client.post("/api/account/register", json={"email": v, "password": PASSWORD})
        for v in variants
    ]
    assert [a.status_code for a in answers] == [202] * 6 + [429]
    elsewhere = client.post(
        "/api/account/register", json={"email": "ana+1@example.org", "password": PASSWORD}
    )
    assert elsewhere.status_code == 202, "at other providers, dots are part of the address"


def test_registering_again_never_changes_the_password(client, outbox, config):
    """The owner registers; someone else registers the same address with their own password
    before the owner verifies, and again afterwards: the owner's password is the one."""
    from starlette.testclient import TestClient

    other = TestClient(client.app, base_url=SITE, headers={"Origin": SITE})
    intruder_password = "Intruder-Pass-2025!"
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    other.post("/api/account/register", json={"email": ADDRESS, "password": intruder_password})
    newest = outbox.code(ADDRESS)  # the newest code: sent after the intruder's registration
    assert len(outbox.messages(ADDRESS)) == 2
    owner = client.post(
        "/api/account/verify", json={"email": ADDRESS, "code": newest, "password": PASSWORD}
    )
    assert owner.status_code == 200
    config.clock.advance(3600)
    again = other.post(
        "/api/account/register", json={"email": ADDRESS, "password": intruder_password}
    )
    assert again.status_code == 202
    assert "already have" in outbox.last(ADDRESS)["Subject"]
    for guess in ("000000", "123456", newest):
        late = other.post(
            "/api/account/verify",
            json={"email": ADDRESS, "code": guess, "password": intruder_password},
        )
        assert late.json()["error"] == "code_mismatch"
    logins = {
        password: client.post("/api/account/login", json={"email": ADDRESS, "password": password})
        for password in (PASSWORD, intruder_password)
    }
    assert logins[PASSWORD].status_code == 200
    assert logins[intruder_password].status_code == 401


def test_verify_refuses_a_weak_password_without_spending_the_code(client, outbox):
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    code = outbox.code(ADDRESS)
    weak = client.post(
        "/api/account/verify", json={"email": ADDRESS, "code": code, "password": "short"}
    )
    assert weak.json()["error"] == "password_policy"
    missing = client.post("/api/account/verify", json={"email": ADDRESS, "code": code})
    assert missing.json()["error"] == "password_policy"
    ok = client.post(
        "/api/account/verify", json={"email": ADDRESS, "code": code, "password": PASSWORD}
    )
    assert ok.status_code == 200


class LateSignIn:
    """A sign-in over HTTP, with the right password, held just before its session is stored:
    what a sign-in whose hash was still being computed does while its account changes."""

    def __init__(self, live: str, monkeypatch):
        from newsreel.api.sessions import Sessions

        self.reached, self.release = threading.Event(), threading.Event()
        real_open, held = Sessions.open, []

        def open_late(sessions, grant, now):
            if not held:  # only the first sign-in waits; later ones (a new account) do not
                held.append(grant)
                self.reached.set()
                assert self.release.wait(30)
            return real_open(sessions, grant, now)

        monkeypatch.setattr(Sessions, "open", open_late)
        self.pool = ThreadPoolExecutor(1)
        self.answer = self.pool.submit(
            httpx.post, f"{live}/api/account/login", headers={"Origin": SITE}, timeout=60,
            json={"email": ADDRESS, "password": PASSWORD},
        )  # fmt: skip
        assert self.reached.wait(30)

    def finish(self) -> httpx.Response:
        self.release.set()
        answer = self.answer.result()
        self.pool.shutdown()
        # the sign-in itself went through (its session is what is under test): a 500 here
        # would mean it waited out its hold, the other requests having waited for it
        assert answer.status_code == 200, answer.text
        return answer


def signed_in_with(live: str, answer: httpx.Response) -> bool:
    from newsreel.api.sessions import COOKIE

    cookie = answer.cookies.get(COOKIE)
    if cookie is None:
        return False
    return httpx.get(f"{live}/api/account/me", cookies={COOKIE: cookie}).status_code == 200


def test_a_sign_in_with_the_old_password_does_not_outlive_a_reset(
    client, outbox, live, monkeypatch
):
    register(client, outbox)
    late = LateSignIn(live, monkeypatch)
    assert client.post("/api/account/password/forgot", json={"email": ADDRESS}).status_code == 202
    reset = client.post(
        "/api/account/password/reset",
        json={"email": ADDRESS, "code": outbox.code(ADDRESS), "password": "Another-Good-Pass-42"},
    )
    assert reset.status_code == 200
    assert not signed_in_with(live, late.finish())


def test_a_sign_in_to_a_deleted_account_is_not_one_to_its_successor(
    client, outbox, live, monkeypatch
):
    """The account is deleted while a sign-in is under way, and the address registered again
    by someone with another password: the late session belongs to neither."""
    register(client, outbox)
    late = LateSignIn(live, monkeypatch)
    assert client.request("DELETE", "/api/account", json={}).status_code == 204
    new_password = "Successor-Pass-2025!"
    client.post("/api/account/register", json={"email": ADDRESS, "password": new_password})
    verified = client.post(
        "/api/account/verify",
        json={"email": ADDRESS, "code": outbox.code(ADDRESS), "password": new_password},
    )
    assert verified.status_code == 200
    assert client.get("/api/account/me").status_code == 200  # the successor is signed in
    assert not signed_in_with(live, late.finish())
