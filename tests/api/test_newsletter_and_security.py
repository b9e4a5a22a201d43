"""Newsletter double opt-in and one-click unsubscribe; the request checks of every route."""

from __future__ import annotations

from .conftest import PASSWORD, SITE, confirm_token, newsletter_of, register

ADDRESS = "ben@example.org"


def test_double_opt_in(client, outbox, config):
    letters = newsletter_of(config)
    answer = client.post(
        "/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "fr", "website": ""}
    )
    assert answer.status_code == 202
    config.jobs.drain()  # the opt-in is stored by the mail worker, off the request path
    assert letters.status(ADDRESS) == "pending"
    assert "Confirmez votre abonnement" in outbox.last(ADDRESS)["Subject"]
    token = confirm_token(outbox, ADDRESS)
    assert client.get(f"/api/newsletter/confirm?token={token}").status_code == 405
    assert letters.status(ADDRESS) == "pending", "a GET confirms nothing"
    assert client.post("/api/newsletter/confirm", json={"token": token}).status_code == 200
    assert letters.status(ADDRESS) == "confirmed"
    again = client.post("/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "fr"})
    assert again.status_code == 202 and letters.status(ADDRESS) == "confirmed"
    forged = client.post("/api/newsletter/confirm", json={"token": token[:-2] + "xx"})
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_token"


def test_honeypot_sends_nothing(client, outbox, config):
    answer = client.post(
        "/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "en", "website": "http://spam"}
    )
    assert answer.status_code == 202
    assert outbox.messages(ADDRESS) == []
    assert newsletter_of(config).status(ADDRESS) is None


def test_issue_headers_and_one_click_unsubscribe(client, outbox, config):
    letters = newsletter_of(config)
    letters.confirm_address(ADDRESS, "en", config.clock.now())
    letters.confirm_address("chloe@example.org", "fr", config.clock.now())
    sent = letters.send_issue(
        config.mailer,
        config.sender,
        {"en": "October news", "fr": "Actualités d’octobre"},
        {"en": "Ministers met.", "fr": "Les ministres se sont réunis."},
    )
    assert sent == 2
    message = outbox.last(ADDRESS)
    assert message["Subject"] == "October news"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{SITE}/api/newsletter/unsubscribe?token=")
    assert outbox.last("chloe@example.org")["Subject"] == "Actualités d’octobre"
    path = url.removeprefix(SITE)
    client.cookies.clear()
    answer = client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"},
    )
    assert answer.status_code == 200 and "set-cookie" not in answer.headers
    assert letters.status(ADDRESS) is None
    assert letters.status("chloe@example.org") == "confirmed"


def test_registration_newsletter_box_uses_double_opt_in(client, outbox, config):
    client.post(
        "/api/account/register",
        json={"email": ADDRESS, "password": PASSWORD, "lang": "en", "newsletter": True},
    )
    config.jobs.drain()
    assert newsletter_of(config).status(ADDRESS) == "pending"
    subjects = [m["Subject"] for m in outbox.messages(ADDRESS)]
    assert any("Confirm your newsletter" in s for s in subjects)


def test_state_changes_need_json_from_the_site(client):
    body = {"email": ADDRESS, "lang": "en"}
    foreign = client.post(
        "/api/newsletter/subscribe", json=body, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and foreign.json()["error"] == "forbidden_origin"
    form = client.post(
        "/api/newsletter/subscribe",
        content="email=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415 and form.json()["error"] == "unsupported_media_type"
    huge = client.post("/api/newsletter/subscribe", json={"email": ADDRESS, "pad": "x" * 20000})
    assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large"
    broken = client.post(
        "/api/newsletter/subscribe",
        content="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and broken.json()["error"] == "invalid_json"
    bad = client.post("/api/newsletter/subscribe", json={"email": "not an address"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_email"


def test_errors_speak_the_visitors_language(client):
    french = client.post("/api/account/register", json={"email": "x", "lang": "fr"})
    assert french.json() == {
        "error": "invalid_email",
        "message": "Saisissez une adresse électronique valide.",
    }
    english = client.post(
        "/api/account/register", json={"email": "x"}, headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert english.json()["message"] == "Enter a valid e-mail address."
    by_header = client.get("/api/account/me", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert by_header.status_code == 401
    assert by_header.json()["message"] == "Veuillez vous connecter à votre compte multimédia."
    unknown = client.get("/api/no-such-route")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


def test_register_rate_limit_per_address(client):
    answers = [
        client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
        for _ in range(7)
    ]
    assert [a.status_code for a in answers] == [202] * 6 + [429]


def test_signed_in_flow_from_verify_is_usable(client, outbox):
    register(client, outbox, ADDRESS, "fr")
    assert client.get("/api/account/me").json()["lang"] == "fr"
    assert "code de confirmation" in outbox.messages(ADDRESS)[0]["Subject"]


def test_accept_language_weights_choose_the_answers_language(client):
    """The language the visitor weighs highest, not the one written first; q=0 is a refusal."""

    def message(accept_language: str) -> str:
        answer = client.post(
            "/api/account/register", json={"email": "x"},
            headers={"Accept-Language": accept_language},
        )  # fmt: skip
        return answer.json()["message"]

    french, english = "Saisissez une adresse électronique valide.", "Enter a valid e-mail address."
    assert message("en;q=0.1, fr;q=0.9") == french
    assert message("fr;q=0, en") == english
    assert message("fr;q=0") == english, "refused, and nothing else: the default"
    assert message("fr-CA, en;q=0.5") == french
    assert message("de, en-GB;q=0.3, fr-FR;q=0.2") == english
    assert message("en-GB, fr;q=1.0") == english, "a tie goes to the range written first"
    assert message("de, *;q=0.5, en;q=0.1") == french, "* weighs the languages not named"
    assert message("garbage;;, fr;q=0.8, en;q=2") == french, "malformed elements are skipped"
    assert message("") == english


def test_best_language_reads_weights():
    from newsreel.api.inputs import best_language

    supported = ("en", "fr")
    assert best_language("fr;q=0.9,en;q=0.1", supported, "en") == "fr"
    assert best_language("FR-ca", supported, "en") == "fr"
    assert best_language("fr-CA;q=0.9, fr;q=0", supported, "en") == "en", "the bare fr decides"
    assert best_language("*", supported, "en") == "en"
    assert best_language("*;q=0", supported, "fr") == "fr"
    assert best_language("fr ; q = 0.5 , en ; q = 0.4", supported, "en") == "fr"
    assert best_language("x" * 10_000 + ",fr", supported, "en") == "en", "cut, and bounded"
