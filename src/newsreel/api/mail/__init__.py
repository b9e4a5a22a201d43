"""E-mail: messages rendered from bilingual Jinja2 templates, sent by a `Mailer`.

The sender's address is the operator's; the name it is signed with is the message's language's
(`templates/mail/sender.toml`), so a French mail comes from "OTAN Multimédia".

Mailers: an outbox folder of `.eml` files (local default, the code also in the server log), SMTP,
and Amazon SES v2. All take the same `Mail`, rendered here once: its bytes are made when it is
rendered, with the `email` package's MIME classes (compat32), and every mailer sends them as they
are. The modern `EmailMessage` API parsed every header it was given and folded them again when
sent: 1.4 ms of CPU a mail, against 0.2-0.4 ms now, on the server's cores (issue 10). Both parts
are typeset for the message's language (`newsreel.typography`), like every page of the site.
"""

from __future__ import annotations

import binascii
import contextlib
import logging
import re
import secrets
import smtplib
import threading
import time
import tomllib
import uuid
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.policy import Compat32, default
from email.utils import formataddr, formatdate, getaddresses, make_msgid, parseaddr
from functools import cache, lru_cache
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


@lru_cache(maxsize=16)
def sender_in(sender: str, lang: str) -> Address:
    """The From of a mail in `lang`: the configured address, signed with that language's name
    unless the configuration names the sender itself (`Name <address>`: then that name)."""
    name, address = parseaddr(sender)
    username, _, domain = ascii_address(address or sender, "sender").rpartition("@")
    return Address(name or site_name(lang), username, domain)


#: Both parts in UTF-8, quoted-printable: readable as source, safe through any relay.
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP


#: A line break that is not a fold (CRLF and a space or tab) would start a header of its own.
_BARE_BREAK = re.compile(r"\r(?!\n[ \t])|(?<!\r)\n|\r\n(?![ \t])")


class _Wire(Compat32):
    """How the bytes are written: RFC 5322 line ends, what SMTP and SES both want. Every header
    `render` sets is ASCII, its non-ASCII words already encoded and folded (`_header_text`), so
    it is written as it is: no folding of our own (a `List-Unsubscribe` URL stays whole on its
    line) and none of the generic folder's work, a fifth of a mail's CPU."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii():
            if _BARE_BREAK.search(value):  # a header of its own smuggled into this one
                raise ValueError(f"the {name} header holds a line break: {value[:80]!r}")
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE = _Wire(linesep="\r\n", max_line_length=998)


@dataclass(frozen=True)
class Mail:
    """One rendered e-mail: its envelope, its plain text (the outbox logs the code it holds) and
    its bytes, which every mailer sends unchanged."""

    to: str
    sender: Address
    subject: str
    text: str
    raw: bytes

    def parsed(self) -> EmailMessage:
        """The message as a mail client reads it (for tests and tools: nothing sends this)."""
        return BytesParser(policy=default).parsebytes(self.raw)


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


#: RFC 5322: lines of at most 78 characters (SHOULD), never more than 998 (MUST).
LINE, HARD_LINE = 78, 998


def _header_text(value: str, name: str) -> str:
    """A header value as it is written: as is when it fits on the header's line; else ASCII
    folded at its spaces, anything else as RFC 2047 encoded words (each at most 75 characters),
    folded so that no line of header `name` passes 78 characters (encoded words also when ASCII
    without spaces would pass 998)."""
    if value.isascii() and len(name) + 2 + len(value) <= LINE:
        return value
    charset = "us-ascii" if value.isascii() else "utf-8"
    folded = Header(value, charset, header_name=name).encode(linesep="\r\n")
    if max(map(len, folded.split("\r\n"))) > HARD_LINE - len(name) - 2:
        folded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return folded


def ascii_address(address: str, setting: str) -> str:
    """`address` as a header carries it: an internationalised domain as IDNA (`xn--`); the part
    before the @ must be ASCII (mail here is never sent as SMTPUTF8)."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or " " in address:
        raise ValueError(f"{setting}: {address!r} is not an e-mail address")
    if not local.isascii():
        raise ValueError(
            f"{setting}: {address!r}: the part before the @ must be ASCII letters, digits or "
            "punctuation; use an address without accents there"
        )
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise ValueError(f"{setting}: {address!r}: {domain!r} is not a domain name") from None


@lru_cache(maxsize=64)
def _address_header(field: str, name: str, address: str) -> str:
    """`Name <address>` for header `field`, a non-ASCII name as encoded words, the address
    untouched, on a line of its own when both would not fit in 78 characters."""
    if not name:
        return address
    if name.isascii():
        one_line = formataddr((name, address))  # the name quoted when it must be
        if len(field) + 2 + len(one_line) <= LINE:
            return one_line
        encoded = one_line.removesuffix(f" <{address}>")
    else:
        encoded = _header_text(name, field)
    last_line = f"{field}: {encoded}".rsplit("\r\n", 1)[-1]
    fold = "\r\n " if len(last_line) + len(address) + 3 > LINE else " "
    return f"{encoded}{fold}<{address}>"


@lru_cache(maxsize=16)
def reply_to_header(value: str) -> str:
    """The Reply-To header of the configured value: one address or several, each bare or as
    `Name <address>`, separated by commas. Checked when the configuration is made, and made
    once: every mail carries the same."""
    pairs = getaddresses([value])
    if not pairs or any(not address for _, address in pairs):
        raise ValueError(
            f"reply_to: {value!r} is not a list of e-mail addresses; write them separated by "
            "commas, each as address or Name <address>"
        )
    parts = [
        _address_header("Reply-To", name, ascii_address(address, "reply_to"))
        for name, address in pairs
    ]
    together = ", ".join(parts)
    fits = "\r\n" not in together and len("Reply-To: ") + len(together) <= LINE
    return together if fits else ",\r\n ".join(parts)


#: RFC 2045: an encoded line of quoted-printable holds at most 76 characters.
QP_LINE = 76


def _part(body: str, subtype: str) -> MIMENonMultipart:
    """A text part in UTF-8, quoted-printable. Encoded by `binascii.b2a_qp` (C: 11 µs for a
    code mail's part, against 62 for the `email` package's own encoder, twice a mail on the
    server's cores); its output is the same but for a lone "." on a line, which it writes
    `=2E` (safer through SMTP). It can make a line of 78 characters when a line ends in white
    space near the limit; such a part is encoded by the `email` package instead."""
    text = body if body.endswith("\n") else f"{body}\n"
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii")
    if max(map(len, encoded.split("\n"))) > QP_LINE:
        part: MIMENonMultipart = MIMEText(text, subtype, UTF8_QP)
    else:
        part = MIMENonMultipart("text", subtype, charset="utf-8")
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part.set_payload(encoded)
    del part["MIME-Version"]  # once, at the top
    return part


def render(
    template: str,
    lang: str,
    to: str,
    sender: str,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Mail:
    """An e-mail from `<template>.txt` (first line `Subject: ...`) and `<template>.html`."""
    sign = sender_in(sender, lang)
    context = {"lang": lang, "site_name": site_name(lang), **context}
    from newsreel.typography import typeset, typeset_html  # with the first mail, as Jinja2

    text = typeset(_env().get_template(f"{template}.txt").render(**context), lang)
    subject_line, _, body = text.partition("\n")
    subject = subject_line.removeprefix("Subject:").strip()
    body = body.lstrip("\n")
    html = _env().get_template(f"{template}.html").render(subject=subject, **context)
    # Our own boundary: the email package would otherwise compile a regular expression per
    # mail to make sure its random one is not in the text. "==" cannot occur in quoted-printable
    # parts (an "=" there is always followed by two hex digits or a line break), so this one
    # cannot either.
    message = MIMEMultipart("alternative", boundary=f"=={secrets.token_hex(12)}==")
    message["Subject"] = _header_text(subject, "Subject")
    message["From"] = _address_header("From", sign.display_name, sign.addr_spec)
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to_header(reply_to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sign.domain)
    message["Content-Language"] = lang
    for name, value in (headers or {}).items():
        message[name] = value
    message.attach(_part(body, "plain"))
    message.attach(_part(typeset_html(html, lang), "html"))
    return Mail(to, sign, subject, body, message.as_bytes(policy=WIRE))


class OutboxMailer:
    """Writes each message as an `.eml` file (and logs any code), for local development. A
    file appears whole (written aside, then renamed), so whatever watches the folder (a mail
    client, `bench/api.py`) never reads half a message."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, mail: Mail) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        partial = self.folder / f".{name}.eml.part"
        partial.write_bytes(mail.raw)
        partial.replace(self.folder / f"{name}.eml")  # whole, or not there: never half a mail
        code = re.search(r"\b\d{6}\b", mail.text)
        logger.info(
            "mail to %s: %s%s", mail.to, mail.subject, f" (code {code.group(0)})" if code else ""
        )


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

    def send(self, mail: Mail) -> None:
        envelope = (mail.sender.addr_spec, [mail.to], mail.raw)
        with self._lock:
            try:
                self._connection().sendmail(*envelope)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self._smtp = None  # closed by the server since the last message: once more
                self._connection().sendmail(*envelope)


class SesMailer:
    """Amazon SES v2, raw content (so our headers, List-Unsubscribe included, go through)."""

    def __init__(self, client: Any, configuration_set: str | None = None):
        self.client = client
        self.configuration_set = configuration_set

    def send(self, mail: Mail) -> None:
        kwargs: dict[str, Any] = {
            # SES wants a non-ASCII name as an encoded word, not as the decoded header reads
            "FromEmailAddress": formataddr(
                (mail.sender.display_name, mail.sender.addr_spec), "utf-8"
            ),
            "Destination": {"ToAddresses": [mail.to]},
            "Content": {"Raw": {"Data": mail.raw}},
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        self.client.send_email(**kwargs)
