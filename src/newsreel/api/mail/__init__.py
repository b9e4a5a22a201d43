"""E-mail: messages rendered from bilingual Jinja2 templates, sent by a `Mailer`.

The sender's address is the operator's; the name it is signed with is the message's language's
(`templates/mail/sender.toml`), so a French mail comes from "OTAN Multimédia".

Mailers: an outbox folder of `.eml` files (local default, the code also in the server log), SMTP,
and Amazon SES v2. All take the same `EmailMessage`, built here once. Both parts are typeset for
the message's language (`newsreel.typography`), like every page of the site.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import threading
import time
import tomllib
import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import cache
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger("newsreel.api.mail")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
SENDER_NAMES = TEMPLATES / "sender.toml"


@cache
def _env() -> Any:
    """The templates' environment, made when the first mail is rendered (the request Lambda
    never renders mail: it only queues it, and does not pay for importing Jinja2)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def sender_names() -> dict[str, str]:
    """The name mail is signed with, by language; checked when first read: one for every
    language the function answers in (a French mail must not be signed in English)."""
    from newsreel.api.errors import languages

    names = tomllib.loads(SENDER_NAMES.read_text(encoding="utf-8")).get("name", {})
    missing = [lang for lang in languages() if not names.get(lang)]
    if missing:
        raise ValueError(
            f"{SENDER_NAMES}: [name]: no name in {', '.join(missing)}; write one in each of "
            f"{', '.join(languages())}"
        )
    return names


def site_name(lang: str) -> str:
    """The portal's name in `lang` (English for a language without one), as mail signs it."""
    names = sender_names()
    return names.get(lang) or names["en"]


def sender_in(sender: str, lang: str) -> Address:
    """The From of a mail in `lang`: the configured address, signed with that language's name
    unless the configuration names the sender itself (`Name <address>`: then that name)."""
    name, address = parseaddr(sender)
    if "@" not in address:
        raise ValueError(f"the sender {sender!r} is not an e-mail address")
    username, _, domain = address.rpartition("@")
    return Address(name or site_name(lang), username, domain)


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def render(
    template: str,
    lang: str,
    to: str,
    sender: str,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> EmailMessage:
    """An e-mail from `<template>.txt` (first line `Subject: ...`) and `<template>.html`."""
    sign = sender_in(sender, lang)
    context = {"lang": lang, "site_name": site_name(lang), **context}
    from newsreel.typography import typeset, typeset_html  # with the first mail, as Jinja2

    text = typeset(_env().get_template(f"{template}.txt").render(**context), lang)
    subject_line, _, body = text.partition("\n")
    message = EmailMessage()
    message["Subject"] = subject_line.removeprefix("Subject:").strip()
    message["From"] = sign  # a non-ASCII name is encoded (RFC 2047) by the email package
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sign.domain)
    message["Content-Language"] = lang
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body.lstrip("\n"))
    html = _env().get_template(f"{template}.html").render(subject=message["Subject"], **context)
    html = typeset_html(html, lang)
    message.add_alternative(html, subtype="html")
    return message


class OutboxMailer:
    """Writes each message as an `.eml` file (and logs any code), for local development."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        (self.folder / f"{name}.eml").write_bytes(bytes(message))
        body = message.get_body(("plain",))
        code = re.search(r"\b\d{6}\b", body.get_content()) if body else None
        logger.info(
            "mail to %s: %s%s", message["To"], message["Subject"],
            f" (code {code.group(0)})" if code else "",
        )  # fmt: skip


class SmtpMailer:
    """SMTP, one connection kept open between messages (the mail worker sends them one after
    another), opened again when the server has closed it."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10,
    ):
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password, self.starttls = username, password, starttls
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            try:
                self._connection().send_message(message)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self._smtp = None  # closed by the server since the last message: once more
                self._connection().send_message(message)


class SesMailer:
    """Amazon SES v2, raw content (so our headers, List-Unsubscribe included, go through)."""

    def __init__(self, client: Any, configuration_set: str | None = None):
        self.client = client
        self.configuration_set = configuration_set

    def send(self, message: EmailMessage) -> None:
        sender = message["From"].addresses[0]
        kwargs: dict[str, Any] = {
            # SES wants a non-ASCII name as an encoded word, not as the decoded header reads
            "FromEmailAddress": formataddr((sender.display_name, sender.addr_spec), "utf-8"),
            "Destination": {"ToAddresses": [message["To"]]},
            "Content": {"Raw": {"Data": bytes(message)}},
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        self.client.send_email(**kwargs)
