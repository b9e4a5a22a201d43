"""No 5xx for any input: the API fuzzed from its own OpenAPI document, plus the cases that used
to get a 500 (issue 10), plus any bytes and any JSON at every JSON route.

Schemathesis generates valid and invalid requests for every operation of `/api/openapi.json`
and checks each answer against the document (status, content type, schema); Hypothesis sends
arbitrary bodies. Every answer must be a documented 4xx JSON error with a stable code and a
message in the request's language (or a 2xx/3xx), never a 5xx.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from starlette.testclient import TestClient

from newsreel.api.app import create_app
from newsreel.api.config import ApiConfig
from newsreel.api.downloads import LocalDownloader
from newsreel.api.errors import messages
from newsreel.api.mail import OutboxMailer
from newsreel.api.manifests import CachedManifests, FolderManifests
from newsreel.api.store.sqlite import SqliteStore
from newsreel.serve import create_app as serve_app

SITE = "http://127.0.0.1:8000"
OPENAPI = json.loads(
    (Path(__file__).parents[2] / "src/newsreel/api/openapi.json").read_text(encoding="utf-8")
)
JSON_ROUTES = [
    path
    for path, methods in OPENAPI["paths"].items()
    if any(
        "application/json" in operation.get("requestBody", {}).get("content", {})
        for operation in methods.values()
    )
]


class HourlyClock:
    """A clock an hour further at every reading: no budget or lock ever fills up, so the
    fuzzer reaches the code behind them (other tests cover the limits)."""

    def __init__(self) -> None:
        self.time = 1_760_000_000.0

    def now(self) -> float:
        self.time += 3600
        return self.time


def make_app(root: Path):
    clock = HourlyClock()
    secret = b"fuzz-secret-" + b"f" * 20
    output = root / "output"
    (output / "media").mkdir(parents=True, exist_ok=True)
    config = ApiConfig(
        store=SqliteStore(root / "fuzz.db", clock),
        mailer=OutboxMailer(root / "outbox"),
        secret=secret,
        downloads=LocalDownloader(output, secret, clock),
        manifests=CachedManifests(FolderManifests(output / "media"), clock),
        clock=clock,
    )
    return serve_app(output, create_app(config)), config


_ROOT = Path(tempfile.mkdtemp(prefix="newsreel-fuzz-"))
APP, CONFIG = make_app(_ROOT)
SCHEMA = schemathesis.openapi.from_asgi(
    "/api/openapi.json",
    APP,
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "all", "max-examples": 100, "deterministic": True},
            "checks": {"positive_data_acceptance": {"enabled": False}},
        }
    ),
)


@pytest.fixture(scope="module", autouse=True)
def stop_the_mail_worker():
    yield
    CONFIG.jobs.close()


def assert_a_4xx_json_error(status: int, text: str, lang: str = "en") -> dict:
    assert status < 500, text
    if status < 400:
        return {}
    body = json.loads(text)
    assert body["error"] in messages(), body
    assert body["message"] == messages()[body["error"]][lang]
    return body


@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_holds_to_its_document(case):
    case.call_and_validate(headers={"Origin": SITE, **(case.headers or {})})


def test_the_document_lists_every_route_and_every_error_code():
    from starlette.routing import Mount, Route

    api = next(r.app for r in APP.routes if isinstance(r, Mount) and r.path == "/api")
    inner = api
    while not hasattr(inner, "routes"):
        inner = inner.app
    served = {
        (route.path, method.lower())
        for route in inner.routes
        if isinstance(route, Route)
        for method in route.methods or []
    }
    documented = {(path, method) for path, ops in OPENAPI["paths"].items() for method in ops}
    implicit_heads = {(path, "head") for path, method in documented if method == "get"}
    assert documented == served - (implicit_heads - documented)  # Starlette answers HEAD too
    schema_codes = OPENAPI["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    assert sorted(schema_codes) == sorted(messages())
    client = TestClient(APP, base_url=SITE)
    assert client.get("/api/openapi.json").json() == OPENAPI


def raw_post(path: str, body: bytes, lang: str = "fr"):
    client = TestClient(APP, base_url=SITE, raise_server_exceptions=True)
    return client.post(
        f"/api{path}",
        content=body,
        headers={"Origin": SITE, "Content-Type": "application/json", "Accept-Language": lang},
    )


NASTY_BODIES = {
    "lone surrogate": b'{"email": "\\ud800@example.org", "password": "\\udfff", "lang": "fr"}',
    "lone surrogate in a key": b'{"\\udc00": 1, "email": "a@example.org"}',
    "integer of 5000 digits": b'{"email": "a@example.org", "code": ' + b"9" * 5000 + b"}",
    "float overflow": b'{"email": "a@example.org", "code": 1e999999}',
    "NaN": b'{"email": "a@example.org", "code": NaN}',
    "nested 5000 deep": b'{"email": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "nested objects 50 deep": b'{"a":' * 50 + b"1" + b"}" * 50,
    "NUL in a string": b'{"email": "a\\u0000@example.org", "password": "Aa1!\\u0000xxxxxxxxxx"}',
    "raw NUL byte": b'{"email": "a\x00@example.org"}',
    "invalid UTF-8": b'{"email": "\xff\xfe@example.org"}',
    "UTF-16": '{"email": "a@example.org"}'.encode("utf-16"),
    "not an object": b'["email", "a@example.org"]',
    "a bare string": b'"hello"',
    "null": b"null",
    "empty": b"",
    "whitespace": b"   ",
    "truncated": b'{"email": "a@exam',
    "wrong types": b'{"email": 42, "password": [], "code": {}, "lang": 7, "newsletter": "yes", '
    b'"purpose": null, "token": 3.5, "website": {"x": 1}}',
    "huge string": b'{"email": "' + b"a" * 15000 + b'@example.org"}',
    "control characters": b'{"email": "a\\u0007@example.org", "password": "Aa1!\\u001b[31m"}',
}


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("name", list(NASTY_BODIES))
def test_malformed_bodies_get_a_4xx_in_the_requests_language(path, name):
    answer = raw_post(path, NASTY_BODIES[name])
    assert_a_4xx_json_error(answer.status_code, answer.text, "fr")
    if path != "/account/logout":  # the one route that reads nothing of its body
        assert answer.status_code >= 400, answer.text


@pytest.mark.parametrize(
    "target",
    [
        "/api/newsletter/unsubscribe",  # no token
        "/api/newsletter/unsubscribe?token=",
        "/api/newsletter/unsubscribe?token=a&token=b",
        "/api/newsletter/unsubscribe?token=%ED%A0%80",  # an encoded surrogate
        "/api/newsletter/unsubscribe?token=%00",
        "/api/newsletter/unsubscribe?token=" + "x" * 5000,
    ],
)
def test_odd_unsubscribe_tokens(target):
    answer = TestClient(APP, base_url=SITE).post(target)
    assert answer.status_code == 400
    assert_a_4xx_json_error(answer.status_code, answer.text)


@pytest.mark.parametrize(
    "expires",
    ["", "abc", "-1", "1e9", "²", "١٢٣", "9" * 5000, "99999999999999999999", "0x10", " 1", "%00"],
)
def test_odd_expires_values(expires):
    client = TestClient(APP, base_url=SITE)
    answer = client.get(f"/api/download/file?path=_private/x.mp4&expires={expires}&sig={'0' * 64}")
    assert answer.status_code in (400, 404)
    assert_a_4xx_json_error(answer.status_code, answer.text)


@pytest.mark.parametrize(
    "name",
    [
        "v" * 121,
        "v" * 5000,
        "a%00b",
        "..",
        "%2e%2e",
        "..%2f..%2fetc",
        "UPPER",
        "a b",
        "é",
        "%ED%A0%80",
        "-leading",
        "trailing-",
        "a--b",
    ],
)
def test_long_and_odd_video_names(name):
    """Checked before any lookup: a 404, never an error from the file system."""
    client = TestClient(APP, base_url=SITE)
    from newsreel.api.sessions import COOKIE

    client.cookies.set(COOKIE, "not-a-session")
    for path in (f"{name}/full/web", f"video/{name}/web", f"video/full/{name}"):
        answer = client.get(f"/api/download/{path}", follow_redirects=False)
        assert answer.status_code in (401, 404), (path, answer.status_code)
        assert_a_4xx_json_error(answer.status_code, answer.text)


def test_odd_names_are_404_for_a_signed_in_visitor(tmp_path):
    app, config = make_app(tmp_path)
    try:
        from newsreel.api.sessions import COOKIE, Grant, Sessions

        config.store.put("account#ana@example.org", "profile", {"email": "ana@example.org",
                         "verified": True, "lang": "en", "epoch": "e1"})  # fmt: skip
        cookie, _ = Sessions(config.store, config.secret, 10**9).open(
            Grant("ana@example.org", "e1"), config.clock.now()
        )
        client = TestClient(app, base_url=SITE)
        client.cookies.set(COOKIE, cookie)
        for name in ("v" * 5000, "a%00b", "..", "UPPER", "%ED%A0%80"):
            answer = client.get(f"/api/download/{name}/full/web", follow_redirects=False)
            assert answer.status_code == 404, name
    finally:
        config.jobs.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.sampled_from(["email", "password", "code", "lang", "purpose", "token", "newsletter",
                          "website"])  # fmt: skip


@given(
    path=st.sampled_from(JSON_ROUTES),
    body=st.dictionaries(fields, json_values, max_size=6) | json_values,
)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_json_gets_an_answer_not_an_error(path, body):
    answer = raw_post(path, json.dumps(body).encode(), "en")
    assert_a_4xx_json_error(answer.status_code, answer.text, "en")


@given(path=st.sampled_from(JSON_ROUTES), body=st.binary(max_size=300))
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_bytes_get_an_answer_not_an_error(path, body):
    answer = raw_post(path, body, "fr")
    assert_a_4xx_json_error(answer.status_code, answer.text, "fr")
