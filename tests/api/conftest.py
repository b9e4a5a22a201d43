"""The API under test: one app per test, on SQLite or on DynamoDB (moto's server, real HTTP)."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import free_port  # noqa: F401  (re-exported for the API tests)
from newsreel.api.app import create_app
from newsreel.api.config import ApiConfig
from newsreel.api.downloads import LocalDownloader
from newsreel.api.mail import OutboxMailer
from newsreel.api.manifests import CachedManifests, FolderManifests

SITE = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server, as in tests/conftest.py, with one difference for the concurrency tests:
    DynamoDB applies each (conditional) write to an item atomically, but moto's in-memory
    backend takes no lock, so two concurrent conditional updates could both pass its check.
    Here DynamoDB calls are handled one at a time (other services stay concurrent), as
    DynamoDB serialises the writes to one item."""
    import threading

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class AtomicDynamoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = DomainDispatcherApplication(create_backend_app)
            lock = threading.Lock()

            def serialised(environ, start_response):
                if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
                    with lock:
                        return list(app(environ, start_response))
                return app(environ, start_response)

            self._server = make_server(
                self._ip_address, self._port, serialised, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    port = free_port()
    server = AtomicDynamoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


PASSWORD = "Correct-Horse-9-Battery"


class FakeClock:
    def __init__(self, start: float = 1_760_000_000.0):
        self.time = start

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path: Path, clock: FakeClock):
    if request.param == "sqlite":
        from newsreel.api.store.sqlite import SqliteStore

        return SqliteStore(tmp_path / "newsreel.db", clock)
    from newsreel.api.store.dynamo import DynamoStore

    aws = request.getfixturevalue("aws")
    name = f"newsreel-{request.node.name}"[:200].replace("[", "-").replace("]", "")
    client = aws("client", "dynamodb")
    return DynamoStore(client, DynamoStore.create_table(client, name), clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Outbox:
    """The outbox folder the app writes to, read as a person's inbox: it first waits until the
    mail queue has handled every job (deterministically: the queue's join, no sleeping)."""

    def __init__(self, folder: Path, config: ApiConfig):
        self.folder = folder
        self.config = config

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        self.config.jobs.drain()
        found = []
        for path in sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            message = email.message_from_bytes(path.read_bytes(), policy=default)
            if to is None or message["To"] == to:
                found.append(message)
        return found

    def last(self, to: str) -> EmailMessage:
        return self.messages(to)[-1]

    def code(self, to: str) -> str:
        text = self.last(to).get_body(("plain",)).get_content()
        return re.search(r"\b(\d{6})\b", text).group(1)


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return tmp_path / "output"


@pytest.fixture
def config(store, clock: FakeClock, tmp_path: Path, output: Path):
    secret = b"test-secret-" + b"x" * 20
    config = ApiConfig(
        store=store,
        mailer=OutboxMailer(tmp_path / "outbox"),
        secret=secret,
        downloads=LocalDownloader(output, secret, clock),
        manifests=CachedManifests(FolderManifests(output / "media"), clock),
        clock=clock,
    )
    yield config
    config.jobs.close()


@pytest.fixture
def outbox(tmp_path: Path, config: ApiConfig) -> Outbox:
    return Outbox(tmp_path / "outbox", config)


@pytest.fixture
def client(config: ApiConfig) -> TestClient:
    """The app as a browser on the site would call it: same origin, JSON."""
    from newsreel.serve import create_app as serve_app

    output = config.downloads.output
    output.mkdir(parents=True, exist_ok=True)
    return TestClient(
        serve_app(output, create_app(config)), base_url=SITE, headers={"Origin": SITE}
    )


def register(
    client: TestClient, outbox: Outbox, address: str = "ana@example.org", lang: str = "en"
) -> None:
    """Register and verify: the client is then signed in."""
    answer = client.post(
        "/api/account/register", json={"email": address, "password": PASSWORD, "lang": lang}
    )
    assert answer.status_code == 202
    verified = client.post(
        "/api/account/verify",
        json={"email": address, "code": outbox.code(address), "password": PASSWORD},
    )
    assert verified.status_code == 200, verified.text


def newsletter_of(config: ApiConfig):
    from newsreel.api.newsletter import Newsletter

    return Newsletter(config.store, config.secret, config.site_url)


def confirm_token(outbox: Outbox, address: str) -> str:
    """The token of the last confirmation link mailed to `address`."""
    from urllib.parse import parse_qs, urlsplit

    text = outbox.last(address).get_body(("plain",)).get_content()
    url = next(word for word in text.split() if "/newsletter/confirm/" in word)
    assert url.startswith(f"{SITE}/") and "/newsletter/confirm/?token=" in url
    return parse_qs(urlsplit(url).query)["token"][0]


def manifest_bytes(video_id: str, files: list[dict]) -> bytes:
    """A real `manifest.json` (the typed record's JSON) whose full version has `files`, each
    given as {preset, access, url, filename, private_path?}."""
    import datetime as dt

    from newsreel.media import record

    texts = {"en": "Test", "fr": "Essai"}
    entries = [
        record.MediaFile(
            **file, size=1000, sha256="0" * 64, mime="video/mp4", kind="video", label=texts
        )
        for file in files
    ]
    video = record.Video(
        id=video_id, languages=["en", "fr"], title=texts, date=dt.date(2025, 10, 15),
        location=texts, rights=texts, duration_ms=6000, fps=25.0,
        source=record.Source(sha256="1" * 64),
        cuts=[record.Cut(id="full", title=texts, in_ms=0, out_ms=6000, files=entries)],
    )  # fmt: skip
    return record.encode(video)
