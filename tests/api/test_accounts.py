"""Accounts end to end through the app, on both stores."""

from __future__ import annotations

import math
import time

import pytest

from .conftest import PASSWORD, register

ADDRESS = "ana@example.org"


def test_register_verify_me_logout(client, outbox):
    register(client, outbox)
    message = outbox.messages(ADDRESS)[0]
    assert "code" in message["Subject"].lower()
    me = client.get("/api/account/me")
    assert me.status_code == 200 and me.json() == {
        "email": ADDRESS,
        "newsletter": False,
        "lang": "en",
    }
    cookie = client.cookies.get("newsreel_session")
    assert cookie
    assert client.post("/api/account/logout", json={}).status_code == 204
    assert client.get("/api/account/me").status_code == 401
    client.cookies.set("newsreel_session", cookie)  # the old cookie is dead on the server too
    assert client.get("/api/account/me").status_code == 401


def test_session_cookie_attributes(client, outbox):
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    answer = client.post(
        "/api/account/verify",
        json={"email": ADDRESS, "code": outbox.code(ADDRESS), "password": PASSWORD},
    )
    header = answer.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    assert "secure" not in header  # localhost; ApiConfig.local sets Secure elsewhere


def test_same_answer_for_known_and_unknown_addresses(client, outbox):
    register(client, outbox)
    for number, (path, body) in enumerate(
        [
            ("/api/account/register", {"password": PASSWORD}),
            ("/api/account/code", {"purpose": "login"}),
            ("/api/account/password/forgot", {}),
            ("/api/newsletter/subscribe", {"lang": "en", "website": ""}),
        ]
    ):
        known = client.post(path, json={"email": ADDRESS, **body})
        unknown = client.post(path, json={"email": f"nobody{number}@example.org", **body})
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()), path
    assert "already have" in outbox.messages(ADDRESS)[1]["Subject"]
    assert not outbox.messages("nobody1@example.org"), "no login code for an unknown address"
    assert not outbox.messages("nobody2@example.org"), "no reset code for an unknown address"


def test_every_login_path_hashes_once(client, outbox, monkeypatch):
    from newsreel.api import passwords

    register(client, outbox)
    calls = []
    real = passwords.HASHER

    class CountingHasher:
        def hash(self, password):
            return real.hash(password)

        def verify(self, hash_, password):
            calls.append(1)
            return real.verify(hash_, password)

    monkeypatch.setattr(passwords, "HASHER", CountingHasher())
    for address in (ADDRESS, "nobody@example.org"):
        calls.clear()
        started = time.perf_counter()
        answer = client.post(
            "/api/account/login", json={"email": address, "password": "Wrong-pass-123"}
        )
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_credentials"
        assert len(calls) == 1
        assert time.perf_counter() - started > 0.005  # a real argon2 hash was computed


def test_a_hash_of_older_parameters_is_replaced_at_the_next_sign_in(client, outbox, config):
    """An operator raises argon2's cost (or an account predates today's parameters): the next
    sign-in with the right password stores a hash of today's parameters; the password, the
    account's sessions and a wrong password's answer are unchanged."""
    from argon2 import PasswordHasher

    from newsreel.api import codes, passwords

    register(client, outbox)
    pk = codes.account_pk(ADDRESS)
    profile = config.store.get(pk, "profile")
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    config.store.put(pk, "profile", {**profile, "password_hash": old})
    assert passwords.needs_rehash(old)

    wrong = client.post("/api/account/login", json={"email": ADDRESS, "password": "Wrong-pass-123"})
    assert wrong.status_code == 401
    assert config.store.get(pk, "profile")["password_hash"] == old  # not proven: not replaced

    signed_in = client.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.json()
    upgraded = config.store.get(pk, "profile")
    assert upgraded["password_hash"] != old and not passwords.needs_rehash(
        upgraded["password_hash"]
    )
    assert upgraded["epoch"] == profile["epoch"]  # the same password: sessions stay
    assert client.get("/api/account/me").status_code == 200
    again = client.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD})
    assert again.status_code == 200
    assert config.store.get(pk, "profile")["password_hash"] == upgraded["password_hash"]


def test_an_upgrade_never_overwrites_a_password_changed_meanwhile(config, outbox, client):
    """A sign-in hashing with the old password while a reset stores a new one, the reset
    landing between the sign-in's last read and its write: the upgrade of the old password's
    hash is not written; the reset's password stays."""
    from argon2 import PasswordHasher

    from newsreel.api import codes
    from newsreel.api.accounts import Accounts
    from newsreel.api.newsletter import Newsletter
    from newsreel.api.sessions import Sessions

    register(client, outbox)
    store, pk = config.store, codes.account_pk(ADDRESS)
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    store.put(pk, "profile", {**store.get(pk, "profile"), "password_hash": old})

    class ResetLandsFirst:
        """The store, where a reset is written just before the sign-in's update."""

        def __getattr__(self, name):
            return getattr(store, name)

        armed = False

        def update(self, pk_, sk, *args, **kwargs):
            if self.armed and (pk_, sk) == (pk, "profile"):
                reset = {**store.get(pk, "profile"), "password_hash": "the reset's", "epoch": "new"}
                store.put(pk, "profile", reset)
            return store.update(pk_, sk, *args, **kwargs)

    racing = ResetLandsFirst()
    accounts = Accounts(
        racing, config.secret, config.clock, Sessions(racing, config.secret, 3600),
        Newsletter(racing, config.secret, config.site_url),
    )  # fmt: skip
    attempt = accounts.login_begin({"email": ADDRESS, "password": PASSWORD}, "192.0.2.7")
    racing.armed = True
    accounts.login_finish(attempt, True, "an upgrade of the old password")
    assert store.get(pk, "profile")["password_hash"] == "the reset's"


def test_codes_expire(client, outbox, clock):
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    code = outbox.code(ADDRESS)
    clock.advance(30 * 60 + 1)
    answer = client.post(
        "/api/account/verify", json={"email": ADDRESS, "code": code, "password": PASSWORD}
    )
    assert answer.status_code == 400 and answer.json()["error"] == "code_mismatch"


def test_login_code_lives_ten_minutes_and_once(client, outbox, clock):
    register(client, outbox)
    client.post("/api/account/logout", json={})
    assert (
        client.post("/api/account/code", json={"email": ADDRESS, "purpose": "login"}).status_code
        == 202
    )
    code = outbox.code(ADDRESS)
    clock.advance(9 * 60)
    ok = client.post("/api/account/login/code", json={"email": ADDRESS, "code": code})
    assert ok.status_code == 200
    again = client.post("/api/account/login/code", json={"email": ADDRESS, "code": code})
    assert again.json()["error"] == "code_mismatch"
    clock.advance(61)
    client.post("/api/account/code", json={"email": ADDRESS, "purpose": "login"})
    late = outbox.code(ADDRESS)
    clock.advance(10 * 60 + 1)
    assert (
        client.post("/api/account/login/code", json={"email": ADDRESS, "code": late}).json()[
            "error"
        ]
        == "code_mismatch"
    )


def test_five_wrong_tries_kill_a_code(client, outbox):
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    good = outbox.code(ADDRESS)
    wrong = "000000" if good != "000000" else "111111"
    guess = {"email": ADDRESS, "code": wrong, "password": PASSWORD}
    answers = [client.post("/api/account/verify", json=guess).json() for _ in range(5)]
    assert [a["error"] for a in answers] == ["code_mismatch"] * 4 + ["too_many_attempts"]
    assert answers[0]["attempts_left"] == 4
    dead = client.post(
        "/api/account/verify", json={"email": ADDRESS, "code": good, "password": PASSWORD}
    )
    assert dead.json()["error"] == "code_mismatch", "a dead code answers like any wrong one"


def test_new_code_kills_the_old_one_and_is_rate_limited(client, outbox, clock):
    client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
    old = outbox.code(ADDRESS)
    clock.advance(61)
    assert (
        client.post("/api/account/code", json={"email": ADDRESS, "purpose": "verify"}).status_code
        == 202
    )
    new = outbox.code(ADDRESS)
    too_soon = client.post("/api/account/code", json={"email": ADDRESS, "purpose": "verify"})
    assert too_soon.status_code == 429 and too_soon.json()["error"] == "rate_limited"
    assert 1 <= int(too_soon.headers["retry-after"]) <= 60
    if new != old:
        stale = client.post(
            "/api/account/verify", json={"email": ADDRESS, "code": old, "password": PASSWORD}
        )
        assert stale.json()["error"] == "code_mismatch"
    for _ in range(4):
        clock.advance(61)
        client.post("/api/account/code", json={"email": ADDRESS, "purpose": "verify"})
    clock.advance(61)
    sixth = client.post("/api/account/code", json={"email": ADDRESS, "purpose": "verify"})
    assert sixth.status_code == 429  # 6 mails an hour for one mailbox, register included
    last = {"email": ADDRESS, "code": outbox.code(ADDRESS), "password": PASSWORD}
    assert client.post("/api/account/verify", json=last).status_code == 200


def test_failed_logins_lock_with_doubling_delay(client, outbox, clock):
    register(client, outbox)
    client.post("/api/account/logout", json={})
    wrong = {"email": ADDRESS, "password": "Wrong-pass-123"}
    for _ in range(5):
        assert client.post("/api/account/login", json=wrong).status_code == 401
    locked = client.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"] == "locked"
    clock.advance(1.1)
    assert client.post("/api/account/login", json=wrong).status_code == 401  # 6th failure: 2 s
    clock.advance(1.1)
    assert client.post("/api/account/login", json=wrong).json()["error"] == "locked"
    clock.advance(1)
    ok = client.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD})
    assert ok.status_code == 200


def test_lock_is_capped_at_fifteen_minutes():
    from newsreel.api.budgets import login_lock

    lock = login_lock()
    assert [lock.delay(n) for n in (4, 5, 6, 7)] == [0, 1, 2, 4]
    assert lock.delay(40) == lock.delay(10**6) == 15 * 60


def test_reset_ends_every_session_and_sends_a_notice(client, outbox, config):
    from starlette.testclient import TestClient

    register(client, outbox)
    other = TestClient(
        client.app, base_url=str(client.base_url), headers={"Origin": "http://127.0.0.1:8000"}
    )
    other.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD})
    assert other.get("/api/account/me").status_code == 200
    assert client.post("/api/account/password/forgot", json={"email": ADDRESS}).status_code == 202
    code = outbox.code(ADDRESS)
    new_password = "Another-Good-Pass-42"
    weak = client.post(
        "/api/account/password/reset", json={"email": ADDRESS, "code": code, "password": "short"}
    )
    assert weak.json()["error"] == "password_policy"
    done = client.post(
        "/api/account/password/reset",
        json={"email": ADDRESS, "code": code, "password": new_password},
    )
    assert done.status_code == 200
    assert other.get("/api/account/me").status_code == 401
    assert client.get("/api/account/me").status_code == 401
    assert "password was changed" in outbox.last(ADDRESS)["Subject"]
    assert (
        client.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD}).status_code
        == 401
    )
    assert (
        client.post(
            "/api/account/login", json={"email": ADDRESS, "password": new_password}
        ).status_code
        == 200
    )


def test_delete_removes_account_sessions_and_codes(client, outbox, store):
    register(client, outbox)
    client.post("/api/account/newsletter", json={"newsletter": True})
    assert client.get("/api/account/me").json()["newsletter"] is True
    assert client.request("DELETE", "/api/account", json={}).status_code == 204
    assert client.get("/api/account/me").status_code == 401
    assert store.query(f"account#{ADDRESS}") == []
    assert store.get("newsletter", f"subscriber#{ADDRESS}") is None
    answer = client.post("/api/account/login", json={"email": ADDRESS, "password": PASSWORD})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("password", "rules"),
    [
        ("Short-1a", ["min_length"]),
        ("has space Abc-123456", ["no_spaces"]),
        ("NO-LOWER-CASE-123", ["lowercase"]),
        ("no-upper-case-123", ["uppercase"]),
        ("No-Digits-At-All", ["digit"]),
        ("NoSymbolsAtAll123", ["symbol"]),
        ("Aa1-" + "x" * 300, ["too_long"]),
        ("Password123!", ["common"]),
        ("password", ["min_length", "uppercase", "digit", "symbol", "common"]),
    ],
)
def test_password_policy_lists_every_failed_rule(client, password, rules):
    answer = client.post("/api/account/register", json={"email": ADDRESS, "password": password})
    assert answer.status_code == 400
    assert answer.json()["error"] == "password_policy"
    assert answer.json()["rules"] == rules


def test_passwords_are_never_trimmed(client, outbox):
    spaced = " " + PASSWORD
    answer = client.post("/api/account/register", json={"email": ADDRESS, "password": spaced})
    assert answer.json()["rules"] == ["no_spaces"]
    long_password = "Aa1!" + "b" * 80  # >= 64 characters are accepted whole
    client.post("/api/account/register", json={"email": ADDRESS, "password": long_password})
    client.post(
        "/api/account/verify",
        json={"email": ADDRESS, "code": outbox.code(ADDRESS), "password": long_password},
    )
    client.post("/api/account/logout", json={})
    cut = client.post("/api/account/login", json={"email": ADDRESS, "password": long_password[:72]})
    assert cut.status_code == 401
    whole = client.post("/api/account/login", json={"email": ADDRESS, "password": long_password})
    assert whole.status_code == 200


def test_asking_again_during_the_countdown_costs_seconds_not_the_hour(client, outbox, config):
    """Clicks on "send a new code" refused by the one-a-minute pace give back the budgets
    they had spent: a minute later a code comes, as the countdown said."""
    register(client, outbox)
    ask = {"email": ADDRESS, "purpose": "login"}
    assert client.post("/api/account/code", json=ask).status_code == 202
    for _ in range(8):
        refused = client.post("/api/account/code", json=ask)
        assert refused.status_code == 429 and refused.json()["retry_after"] <= 60
    config.clock.advance(61)
    assert client.post("/api/account/code", json=ask).status_code == 202


def test_a_refused_request_gives_back_the_budgets_it_had_spent(store, clock):
    from newsreel.api import budgets
    from newsreel.api.errors import ApiError

    now = clock.now()
    budgets.spend(store, now, mail_address="ana", code_pace="ana")
    for _ in range(3):  # refused by the second budget, after spending the first
        with pytest.raises(ApiError):
            budgets.spend(store, now, mail_address="ana", code_pace="ana")
    window = budgets.budget("mail_address").window_s
    start = str(math.floor(now / window) * window)
    # one spent, not four: the next one makes two
    assert store.increment("rate#mail_address#ana", start, 6, now + 60) == 2


def test_public_mail_services_have_no_domain_budget(store, clock, monkeypatch):
    """The per-domain budget guards an organisation's mail server; at a public mail service it
    would let anyone stop every one of its users from getting mail for an hour: exempt there."""
    import dataclasses

    from newsreel.api import budgets
    from newsreel.api.errors import ApiError

    real = budgets.budget
    rule = real("mail_domain")
    assert {"gmail.com", "outlook.com", "orange.fr"} <= rule.exempt
    assert "example.org" not in rule.exempt
    small = dataclasses.replace(rule, limit=3)
    monkeypatch.setattr(
        budgets, "budget", lambda name: small if name == "mail_domain" else real(name)
    )
    now = clock.now()
    for _ in range(5):
        budgets.spend(store, now, mail_domain="gmail.com")
    for _ in range(3):
        budgets.spend(store, now, mail_domain="example.org")
    with pytest.raises(ApiError) as refused:
        budgets.spend(store, now, mail_domain="example.org")
    assert refused.value.status == 429


@pytest.mark.parametrize("exempt", ['["Gmail.com"]', '"gmail.com"', '["exämple.org"]', "[1]"])
def test_a_wrong_exemption_in_the_limits_names_the_entry_and_the_fix(tmp_path, exempt):
    from newsreel.api import budgets

    text = budgets.LIMITS.read_text(encoding="utf-8")
    start = text.index("exempt = [")
    end = text.index("]", start) + 1
    limits = tmp_path / "limits.toml"
    limits.write_text(f"{text[:start]}exempt = {exempt}{text[end:]}", encoding="utf-8")
    with pytest.raises(ValueError, match=r"limits.toml: \[mail_domain\] exempt: .*lower case"):
        budgets.read_limits(limits)
    assert budgets.read_limits(budgets.LIMITS)[0]["mail_domain"].exempt


def test_the_verifier_decides_how_the_address_is_written_and_its_language(client, outbox):
    """A stranger registers someone's address first, in capitals and in French; its owner,
    who proves the mailbox, decides the spelling and the language of the mail it gets."""
    registered = client.post(
        "/api/account/register",
        json={"email": ADDRESS.upper(), "password": PASSWORD, "lang": "fr"},
    )
    assert registered.status_code == 202, registered.text
    sent_to = outbox.messages()[-1]["To"]
    assert sent_to.casefold() == ADDRESS and sent_to != ADDRESS, sent_to  # as the stranger wrote it
    code = outbox.code(sent_to)
    verified = client.post(
        "/api/account/verify",
        json={"email": ADDRESS, "code": code, "password": PASSWORD, "lang": "en"},
    )
    assert verified.status_code == 200, verified.text
    assert client.get("/api/account/me").json() == {
        "email": ADDRESS,
        "newsletter": False,
        "lang": "en",
    }
