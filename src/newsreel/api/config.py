"""Everything the function needs, built once: for `newsreel serve` or for AWS Lambda."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from newsreel.api.clock import Clock, SystemClock
from newsreel.api.downloads import Downloader, LocalDownloader, S3Downloader
from newsreel.api.mail import Mailer, OutboxMailer, SesMailer, SmtpMailer
from newsreel.api.store import Store


@dataclass
class ApiConfig:
    store: Store
    mailer: Mailer
    secret: bytes
    downloads: Downloader
    media_dir: Path | None = None
    clock: Clock = field(default_factory=SystemClock)
    site_url: str = "http://127.0.0.1:8000"
    allowed_origins: tuple[str, ...] = ("http://127.0.0.1:8000", "http://localhost:8000")
    secure_cookies: bool = False
    sender: str = "NATO Multimedia <multimedia@example.org>"
    reply_to: str | None = None
    session_days: int = 30
    max_body_bytes: int = 16 * 1024

    @classmethod
    def local(
        cls,
        root: Path,
        output: Path,
        site_url: str = "http://127.0.0.1:8000",
        mailer: Mailer | None = None,
    ) -> ApiConfig:
        """SQLite in `var/newsreel.db`, e-mails in `var/outbox/`, signed local downloads."""
        from newsreel.api.store.sqlite import SqliteStore

        var = Path(root) / "var"
        secret = _local_secret(var / "secret.key")
        clock = SystemClock()
        if mailer is None and os.environ.get("NEWSREEL_SMTP_HOST"):
            mailer = SmtpMailer(
                os.environ["NEWSREEL_SMTP_HOST"], int(os.environ.get("NEWSREEL_SMTP_PORT", "25"))
            )
        origins = tuple(dict.fromkeys([site_url, "http://127.0.0.1:8000", "http://localhost:8000"]))
        return cls(
            store=SqliteStore(var / "newsreel.db", clock),
            mailer=mailer or OutboxMailer(var / "outbox"),
            secret=secret,
            downloads=LocalDownloader(Path(output), secret, clock),
            media_dir=Path(output) / "media",
            clock=clock,
            site_url=site_url,
            allowed_origins=origins,
            secure_cookies=not site_url.startswith(("http://127.0.0.1", "http://localhost")),
        )

    @classmethod
    def from_env(cls) -> ApiConfig:
        """Production (Lambda): DynamoDB, SES v2, S3 presigned downloads, from the environment."""
        import boto3
        from botocore.config import Config

        from newsreel.api.store.dynamo import DynamoStore

        clock = SystemClock()
        site_url = os.environ["NEWSREEL_SITE_URL"].rstrip("/")
        return cls(
            store=DynamoStore(
                boto3.resource("dynamodb").Table(os.environ["NEWSREEL_TABLE"]), clock
            ),
            mailer=SesMailer(boto3.client("sesv2")),
            secret=_production_secret(),
            downloads=S3Downloader(
                boto3.client("s3", config=Config(signature_version="s3v4")),
                os.environ["NEWSREEL_PRIVATE_BUCKET"],
                os.environ.get("NEWSREEL_PRIVATE_PREFIX", ""),
            ),
            media_dir=Path(os.environ.get("NEWSREEL_MEDIA_DIR", "/var/task/media")),
            clock=clock,
            site_url=site_url,
            allowed_origins=(site_url,),
            secure_cookies=True,
            sender=os.environ.get("NEWSREEL_SENDER", cls.sender),
            reply_to=os.environ.get("NEWSREEL_REPLY_TO") or None,
        )


def _local_secret(path: Path) -> bytes:
    """A server secret made once per checkout and kept in `var/` (never in git)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode()


def _production_secret() -> bytes:
    """The server secret: from SSM Parameter Store (the template's way), or the environment."""
    name = os.environ.get("NEWSREEL_SECRET_PARAMETER")
    if name:
        import boto3

        answer = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)
        return answer["Parameter"]["Value"].encode()
    return os.environ["NEWSREEL_SECRET"].encode()
