"""Newsletter tokens and links, passwords in every spelling, addresses, the secret file, and
cookies and origins that follow the site's scheme."""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit  # noqa: F401

import pytest
from starlette.testclient import TestClient

from newsreel.api.app import create_app
from newsreel.api.config import ApiConfig, local_secret

from .conftest import PASSWORD, SITE, confirm_token, register
from .conftest import newsletter_of as letters

ADDRESS = "ben@example.org"


def test_a_confirmation_token_works_once(client, outbox, config):
    client.post("/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "fr"})
    token = confirm_token(outbox, ADDRESS)
    assert client.post("/api/newsletter/confirm", json={"token": token}).status_code == 200
    again = client.post("/api/newsletter/confirm", json={"token": token})
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"


def test_a_confirmation_token_dies_with_an_unsubscribe(client, outbox, config, clock):
    client.post("/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "en"})
    token = confirm_token(outbox, ADDRESS)
    client.post("/api/newsletter/confirm", json={"token": token})
    one_click = letters(config).unsubscribe_token(ADDRESS)
    client.post(f"/api/newsletter/unsubscribe?token={one_click}")
    assert letters(config).status(ADDRESS) is None
    replay = client.post("/api/newsletter/confirm", json={"token": token})
    assert replay.json()["error"] == "invalid_token"
    assert letters(config).status(ADDRESS) is None, "still unsubscribed"


def test_an_older_confirmation_token_dies_with_a_newer_one(client, outbox, clock):
    client.post("/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "en"})
    old = confirm_token(outbox, ADDRESS)
    clock.advance(61)
    client.post("/api/newsletter/subscribe", json={"email": ADDRESS, "lang": "en"})
    new = confirm_token(outbox, ADDRESS)
    assert client.post("/api/newsletter/confirm", json={"token": old}).status_code == 400
    assert client.post("/api/newsletter/confirm", json={"token": new}).status_code == 200


def test_the_unsubscribe_link_of_an_issue_opens_the_page_in_the_readers_language(
    client, outbox, config
):
    news = letters(config)
    news.confirm_address(ADDRESS, "fr", config.clock.now())
    news.send_issue(config.mailer, config.sender, {"fr": "Actualités"}, {"fr": "Texte."})
    message = outbox.last(ADDRESS)
    text = message.get_body(("plain",)).get_content()
    page = next(word for word in text.split() if "/newsletter/unsubscribe/" in word)
    assert page.startswith(f"{SITE}/fr/newsletter/unsubscribe/?token=")
    html = message.get_body(("html",)).get_content()
    assert "/fr/newsletter/unsubscribe/?token=" in html
    one_click = message["List-Unsubscribe"].strip("<>")
    assert one_click.startswith(f"{SITE}/api/newsletter/unsubscribe?token=")
    token = parse_qs(urlsplit(page).query)["token"][0]
    assert token == parse_qs(urlsplit(one_click).query)["token"][0]
    missing = client.post("/api/newsletter/unsubscribe")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_parameter"
    assert missing.json()["message"]
    forged = client.post("/api/newsletter/unsubscribe?token=forged")
    assert forged.json()["error"] == "invalid_token"
    # the page's button: a JSON POST from the site (RFC 8058 mail clients send a form body)
    answer = client.post(f"/api/newsletter/unsubscribe?token={token}", json={"lang": "fr"})
    assert answer.status_code == 200 and news.status(ADDRESS) is None


@pytest.mark.parametrize(
    ("typed", "then"),
    [
        ("Café-Crème-2025!", unicodedata.normalize("NFD", "Café-Crème-2025!")),
        ("Ｐａｓｓｗｏｒｄ－Ｓａｆｅ－２０２５", "Password-Safe-2025"),  # full-width forms
    ],
)
def test_passwords_are_nfkc_normalised(client, outbox, typed, then):
    client.post("/api/account/register", json={"email": ADDRESS, "password": typed})
    verified = client.post(
        "/api/account/verify",
        json={"email": ADDRESS, "code": outbox.code(ADDRESS), "password": typed},
    )
    assert verified.status_code == 200
    client.post("/api/account/logout", json={})
    login = client.post("/api/account/login", json={"email": ADDRESS, "password": then})
    assert login.status_code == 200


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200d", "\u00ad", "\u2060", "\ufeff", "\u202e", "\x07"],
)
def test_only_printable_symbols_count_as_symbols(client, invisible):
    answer = client.post(
        "/api/account/register", json={"email": ADDRESS, "password": f"NoSymbol{invisible}Here123"}
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] in ("password_policy", "invalid_characters")
    if body["error"] == "password_policy":
        assert "symbol" in body["rules"]


@pytest.mark.parametrize("symbol", ["€", "«", "§", "·", "—", "¿"])
def test_printable_symbols_of_other_scripts_count(client, symbol):
    answer = client.post(
        "/api/account/register", json={"email": ADDRESS, "password": f"Bonjour{symbol}Paris2025"}
    )
    assert answer.status_code == 202, answer.json()


@pytest.mark.parametrize(
    "address",
    [
        "ana@example",  # no top-level domain
        "ana@@example.org",
        "ana@example.org, eve@example.org",  # two addresses
        "Ana <ana@example.org>",  # a display name
        '"ana"@example.org',  # a quoted local part
        "ana@[192.0.2.1]",  # a domain literal
        "ana@exa mple.org",
        "ana.@example.org",
        "ａｎａ@example.org",  # full-width: not what a mail server delivers to
        "ana\u200b@example.org",  # invisible
        "ana@example.org\r\nBcc: eve@example.org",  # header injection
        "a" * 65 + "@example.org",
        "ana@" + "d" * 250 + ".org",
    ],
)
def test_addresses_are_checked_and_round_trip(client, address):
    answer = client.post("/api/newsletter/subscribe", json={"email": address, "lang": "en"})
    assert answer.status_code == 400
    assert answer.json()["error"] in ("invalid_email", "invalid_characters")


def test_a_valid_address_is_mailed_as_typed(client, outbox):
    client.post("/api/newsletter/subscribe", json={"email": "Ana.Lopez+news@Example.ORG"})
    [message] = outbox.messages()
    assert message["To"] == "Ana.Lopez+news@example.org"


def test_an_international_domain_typed_either_way_is_one_account(client, outbox):
    """ana@exämple.org and ana@xn--exmple-cua.org are one mailbox (a mail client or a password
    manager may show either): both are accepted, and they name one account."""
    password = "Bonjour-Paris-2025!"
    answer = client.post(
        "/api/account/register", json={"email": "ana@exämple.org", "password": password}
    )
    assert answer.status_code == 202, answer.json()
    [message] = outbox.messages()
    assert message["To"] == "ana@xn--exmple-cua.org"
    code = re.search(r"\b\d{6}\b", message.get_body(("plain",)).get_content()).group(0)
    verified = client.post(
        "/api/account/verify",
        json={"email": "ana@xn--exmple-cua.org", "code": code, "password": password},
    )
    assert verified.status_code == 200, verified.json()
    for spelling in ("ana@exämple.org", "ANA@XN--EXMPLE-CUA.ORG"):
        signed_in = client.post(
            "/api/account/login", json={"email": spelling, "password": password}
        )
        assert signed_in.status_code == 200, (spelling, signed_in.json())


def test_the_secret_file_is_private_from_the_start(tmp_path: Path):
    old = os.umask(0)  # the most permissive umask: the mode must not depend on it
    try:
        local_secret(tmp_path / "var" / "secret.key")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "var" / "secret.key").stat().st_mode)
    assert mode == 0o600
    assert local_secret(tmp_path / "var" / "secret.key") == local_secret(
        tmp_path / "var" / "secret.key"
    )


def test_a_lan_http_address_works(tmp_path: Path):
    """`newsreel serve --host 192.168.1.5`: no Secure cookie over http, and the pages' own
    origin is accepted."""
    from newsreel.serve import create_app as serve_app

    site = "http://192.168.1.5:8000"
    config = ApiConfig.local(tmp_path, tmp_path / "output", site_url=site)
    (tmp_path / "output").mkdir()
    try:
        client = TestClient(
            serve_app(tmp_path / "output", create_app(config)),
            base_url=site,
            headers={"Origin": site},
        )
        assert not config.secure_cookies
        client.post("/api/account/register", json={"email": ADDRESS, "password": PASSWORD})
        config.jobs.drain()
        from .conftest import Outbox

        code = Outbox(tmp_path / "var" / "outbox", config).code(ADDRESS)
        answer = client.post(
            "/api/account/verify", json={"email": ADDRESS, "code": code, "password": PASSWORD}
        )
        assert answer.status_code == 200
        assert "secure" not in answer.headers["set-cookie"].lower()
        assert client.get("/api/account/me").status_code == 200
        foreign = client.post(
            "/api/newsletter/subscribe",
            json={"email": ADDRESS},
            headers={"Origin": "http://192.168.1.6:8000"},
        )
        assert foreign.status_code == 403
        rebound = client.post(  # a stranger's name pointed at this server (DNS rebinding)
            "/api/newsletter/subscribe",
            json={"email": ADDRESS},
            headers={"Origin": "http://evil.example:8000", "Host": "evil.example:8000"},
        )
        assert rebound.status_code == 403
        by_ip = client.post(  # the same server reached by another of its addresses
            "/api/newsletter/subscribe",
            json={"email": "other@example.org"},
            headers={"Origin": "http://10.0.0.7:8000", "Host": "10.0.0.7:8000"},
        )
        assert by_ip.status_code == 202
    finally:
        config.jobs.close()


def test_an_https_site_sets_secure_cookies(client, outbox, config):
    config.site_url = "https://multimedia.example.org"
    assert config.secure_cookies
    from newsreel.serve import create_app as serve_app

    https = TestClient(
        serve_app(config.downloads.output, create_app(config)),
        base_url="https://multimedia.example.org",
        headers={"Origin": "http://127.0.0.1:8000"},  # the fixture's allowed origins
    )
    https.post("/api/account/register", json={"email": "carla@example.org", "password": PASSWORD})
    answer = https.post(
        "/api/account/verify",
        json={"email": "carla@example.org", "code": outbox.code("carla@example.org"),
              "password": PASSWORD},
    )  # fmt: skip
    assert answer.status_code == 200
    assert "secure" in answer.headers["set-cookie"].lower()


def test_the_function_speaks_the_sites_languages():
    """The API's languages are those its catalogue is written in: the site's, no more."""
    import json

    from conftest import REPO
    from newsreel.api.errors import languages
    from newsreel.project import Project

    assert languages() == Project.at(REPO).languages
    document = json.loads((REPO / "src/newsreel/api/openapi.json").read_text("utf-8"))
    enums = [
        schema["enum"]
        for schema in _walk(document)
        if isinstance(schema, dict) and "enum" in schema and "fr" in schema["enum"]
    ]
    assert enums and all(list(enum) == list(languages()) for enum in enums)


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from _walk(child)


def test_every_path_under_api_answers_the_apis_json(client, outbox):
    """A trailing slash, `/api` itself, and a body left out where every field is optional:
    each answered as the API answers, never a redirect built from the Host header, a page of
    the site or a 415 for a body that is not there."""
    slashed = client.post(
        "/api/account/password/forgot/",
        json={"email": "ana@example.org"},
        headers={"Host": "evil.example"},
        follow_redirects=False,
    )
    assert slashed.status_code == 404 and slashed.json()["error"] == "not_found"
    assert "location" not in slashed.headers
    for method in ("GET", "POST"):
        root = client.request(method, "/api", headers={"Accept-Language": "fr"})
        assert root.status_code == 404 and root.json()["error"] == "not_found"
        assert root.json()["message"] == "La ressource demandée est introuvable."
    no_body = client.request("DELETE", "/api/account")
    assert no_body.status_code == 401 and no_body.json()["error"] == "not_authenticated"
    register(client, outbox, "dora@example.org")
    deleted = client.request("DELETE", "/api/account")
    assert deleted.status_code in (200, 204), deleted.text
    assert client.get("/api/account/me").status_code == 401
    # a route that needs fields says which, not that the type is wrong
    empty = client.post("/api/account/password/forgot", content=b"", headers={"Content-Type": ""})
    assert empty.status_code == 400


def test_a_client_gone_before_its_body_is_no_logged_bug(caplog):
    import asyncio

    from starlette.requests import Request

    from newsreel.api.errors import ApiError
    from newsreel.api.inputs import read_json

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/account/login",
        "headers": [
            (b"origin", SITE.encode()),
            (b"host", SITE.split("://")[1].encode()),
            (b"content-type", b"application/json"),
            (b"content-length", b"10"),
        ],
    }
    messages = iter([{"type": "http.request", "body": b"{", "more_body": True}])

    async def receive():
        return next(messages, {"type": "http.disconnect"})

    with pytest.raises(ApiError) as refused:
        asyncio.run(read_json(Request(scope, receive), (SITE,), 4096))
    assert refused.value.code == "invalid_json"
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]
