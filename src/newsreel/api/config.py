"""Everything the function needs, built once: for `newsreel serve` or for AWS Lambda.

AWS clients are made on first use, not at import: a Lambda's cold start does not pay for the
clients a request does not need.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsreel.api.clients import ClientIdentity, CloudFrontViewer, SocketPeer
from newsreel.api.clock import Clock, SystemClock
from newsreel.api.downloads import Downloader, LocalDownloader, S3Downloader
from newsreel.api.mail import (
    Mailer,
    OutboxMailer,
    SesMailer,
    SmtpMailer,
    reply_to_header,
    sender_in,
)
from newsreel.api.mail.journal import Journal
from newsreel.api.mail.queue import JobQueue, LocalQueue, SqsQueue
from newsreel.api.manifests import BucketManifests, CachedManifests, FolderManifests
from newsreel.api.store import Store
from newsreel.errors import NewsreelError, Problem

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: What the function cannot start without on AWS (infra/template.yaml sets each), besides its
#: two secrets (`<name>` or `<name>_PARAMETER`, see `production_secret`).
REQUIRED_ENV = (
    "NEWSREEL_TABLE",
    "NEWSREEL_SITE_URL",
    "NEWSREEL_PRIVATE_BUCKET",
    "NEWSREEL_SITE_BUCKET",
    "NEWSREEL_MAIL_QUEUE_URL",
)


def site_origins(site_url: str) -> tuple[str, ...]:
    """The origins the site's pages post from: the site URL's, and on loopback its aliases."""
    parts = urlsplit(site_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        port = f":{parts.port}" if parts.port else ""
        aliases = [f"{parts.scheme}://{host}{port}" for host in LOOPBACK_HOSTS]
        return tuple(dict.fromkeys([origin, *aliases]))
    return (origin,)


@dataclass
class ApiConfig:
    store: Store
    mailer: Mailer
    secret: bytes
    downloads: Downloader
    manifests: CachedManifests
    jobs: JobQueue = field(default_factory=LocalQueue)
    clients: ClientIdentity = field(default_factory=SocketPeer)
    clock: Clock = field(default_factory=SystemClock)
    site_url: str = "http://127.0.0.1:8000"
    allowed_origins: tuple[str, ...] = ()
    #: Also accept the origin the request was addressed to (the local server on a LAN address).
    same_host_origin: bool = False
    #: The address mail comes from; signed with the name of the mail's language
    #: (`templates/mail/sender.toml`) unless written here as `Name <address>`.
    sender: str = "multimedia@example.org"
    reply_to: str | None = None
    session_days: int = 30
    max_body_bytes: int = 16 * 1024

    def __post_init__(self) -> None:
        sender_in(self.sender, "en")  # a mistake here stops the start, not every mail
        if self.reply_to:
            reply_to_header(self.reply_to)
        self.site_url = self.site_url.rstrip("/")
        if not self.allowed_origins:
            self.allowed_origins = site_origins(self.site_url)

    @property
    def secure_cookies(self) -> bool:
        """`Secure` cookies exactly when the site is served over HTTPS."""
        return self.site_url.startswith("https://")

    @classmethod
    def local(
        cls,
        root: Path,
        output: Path,
        site_url: str = "http://127.0.0.1:8000",
        mailer: Mailer | None = None,
    ) -> ApiConfig:
        """SQLite in `var/newsreel.db`, e-mails in `var/outbox/`, signed local downloads.

        A `var/` this user cannot write stops the start with one line (NewsreelError), rather
        than a traceback, or requests accepted whose mail then fails in the worker.
        """
        import sqlite3

        from newsreel.api.store.sqlite import SqliteStore

        var = Path(root) / "var"
        clock = SystemClock()
        if mailer is None and os.environ.get("NEWSREEL_SMTP_HOST"):
            mailer = SmtpMailer(
                os.environ["NEWSREEL_SMTP_HOST"], int(os.environ.get("NEWSREEL_SMTP_PORT", "25"))
            )
        database = var / "newsreel.db"
        try:
            for folder in (var, var / "outbox") if mailer is None else (var,):
                _check_writable(folder)
            secret = local_secret(var / "secret.key")
            store = SqliteStore(database, clock)
            store.put("startup", "check", {})  # a read-only database fails here
            store.delete("startup", "check")
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            where = getattr(error, "filename", None) or database
            raise NewsreelError(
                Problem(where, "", f"cannot be written ({reason})",
                        "make var/ and what is in it writable by this user, or serve from "
                        "a copy of the project with --root")
            ) from None  # fmt: skip
        return cls(
            store=store,
            mailer=mailer or OutboxMailer(var / "outbox"),
            jobs=LocalQueue(journal=Journal(store, var / "mail")),
            secret=secret,
            downloads=LocalDownloader(Path(output), secret, clock),
            manifests=CachedManifests(FolderManifests(Path(output) / "media"), clock),
            clients=SocketPeer(),
            clock=clock,
            site_url=site_url,
            same_host_origin=True,
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ApiConfig:
        """Production (Lambda): DynamoDB, an SQS mail queue, S3 manifests and presigned
        downloads, from the environment (infra/template.yaml sets it)."""
        env = dict(os.environ if environ is None else environ)
        from newsreel.api.store.dynamo import DynamoStore

        missing = [name for name in REQUIRED_ENV if not env.get(name)]
        missing += [name for name in ("NEWSREEL_SECRET", "NEWSREEL_ORIGIN_SECRET")
                    if not env.get(name) and not env.get(f"{name}_PARAMETER")]  # fmt: skip
        if missing:
            raise NewsreelError(
                [Problem(name, "", "not set in the function's environment",
                         "deploy it with infra/template.yaml, which sets it (or set it by hand)")
                 for name in missing]
            )  # fmt: skip
        origin_secrets = [
            value.strip()
            for value in production_secret(env, "NEWSREEL_ORIGIN_SECRET").decode().split(",")
            if value.strip()
        ]
        if not origin_secrets:
            raise NewsreelError(
                Problem("NEWSREEL_ORIGIN_SECRET", "", "is empty", "store CloudFront's "
                        "X-Newsreel-Origin value there (infra/site.yaml, OriginSecret)")
            )  # fmt: skip
        clock = SystemClock()
        site_url = env["NEWSREEL_SITE_URL"].rstrip("/")
        return cls(
            store=DynamoStore(LazyClient("dynamodb"), env["NEWSREEL_TABLE"], clock),
            mailer=SesMailer(LazyClient("sesv2")),
            secret=production_secret(env, "NEWSREEL_SECRET"),
            downloads=S3Downloader(
                aws_client("s3", signature_version="s3v4"),
                env["NEWSREEL_PRIVATE_BUCKET"],
                env.get("NEWSREEL_PRIVATE_PREFIX", ""),
            ),
            manifests=CachedManifests(
                BucketManifests(
                    aws_client("s3", signature_version="s3v4"),
                    env["NEWSREEL_SITE_BUCKET"],
                    env.get("NEWSREEL_SITE_PREFIX", ""),
                ),
                clock,
            ),
            jobs=SqsQueue(aws_client("sqs"), env["NEWSREEL_MAIL_QUEUE_URL"]),
            clients=CloudFrontViewer(origin_secrets),
            clock=clock,
            site_url=site_url,
            sender=env.get("NEWSREEL_SENDER", cls.sender),
            reply_to=env.get("NEWSREEL_REPLY_TO") or None,
        )


def aws_client(service: str, **config: Any) -> Callable[[], Any]:
    """A maker of one shared boto3 client, created on first call (clients are thread-safe)."""

    @functools.cache
    def make() -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(service, config=Config(**config) if config else None)

    return make


class LazyClient:
    """A boto3 client made on first attribute access (for classes that take a client)."""

    def __init__(self, service: str, **config: Any):
        self._make = aws_client(service, **config)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._make(), name)


def _check_writable(folder: Path) -> None:
    """Make `folder` if needed, and write and remove a file in it (OSError if it cannot)."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".write-check-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:  # named after the folder, not the probe
        raise OSError(error.errno, error.strerror, str(folder)) from None


def local_secret(path: Path) -> bytes:
    """A server secret made once per checkout and kept in `var/` (never in git), created
    with mode 0600 from the start (never readable by others, not even for a moment)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode()


def production_secret(env: dict[str, str], name: str) -> bytes:
    """A secret from SSM Parameter Store (`<name>_PARAMETER`, the template's way) or from the
    environment (`<name>`)."""
    parameter = env.get(f"{name}_PARAMETER")
    if parameter:
        from botocore.exceptions import ClientError

        try:
            answer = aws_client("ssm")().get_parameter(Name=parameter, WithDecryption=True)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ParameterNotFound":
                said = "does not exist"
                fix = (f"create it: aws ssm put-parameter --name {parameter} --type "
                       f"SecureString --value ... (or point {name}_PARAMETER at the one that "
                       "holds it)")  # fmt: skip
            elif code in ("AccessDeniedException", "AccessDenied"):
                said = "the function may not read it"
                fix = ("deploy with infra/template.yaml, whose policy lets the function read "
                       "it (and decrypt it, with its KMS key)")  # fmt: skip
            else:
                raise
            raise NewsreelError(Problem(f"SSM parameter {parameter}", "", said, fix)) from None
        return answer["Parameter"]["Value"].encode()
    return env[name].encode()
