"""The real mail paths: SMTP to an aiosmtpd server, SES v2 to moto's server."""

from __future__ import annotations

import email
import re
from email.policy import default

import pytest

from newsreel.api.mail import SesMailer, SmtpMailer, render

from .conftest import free_port


def test_smtp_delivers_a_bilingual_message():
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = render(
            "verify_code",
            "fr",
            "ana@example.org",
            "OTAN <m@example.org>",
            reply_to="presse@example.org",
            site="http://x",
            code="123456",
        )
        SmtpMailer("127.0.0.1", port).send(message)
    finally:
        controller.stop()
    [envelope] = received
    assert envelope.rcpt_tos == ["ana@example.org"]
    parsed = email.message_from_bytes(envelope.content, policy=default)
    assert parsed["Subject"] == "Votre code de confirmation\u00a0: 123456"
    assert parsed["Reply-To"] == "presse@example.org"
    assert "valable 30\u00a0minutes" in parsed.get_body(("plain",)).get_content()
    assert "123456" in parsed.get_body(("html",)).get_content()


def test_ses_sends_raw_messages(aws):
    ses = aws("client", "sesv2")
    ses.create_email_identity(EmailIdentity="m@example.org")
    message = render(
        "login_code", "en", "ana@example.org", "m@example.org", site="http://x", code="654321"
    )
    SesMailer(ses).send(message)
    # moto's server runs in this process: read what it received over HTTP
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    raw = [m.raw_data for m in sent if hasattr(m, "raw_data")]
    assert any("Your login code: 654321" in data for data in raw)


def test_every_template_renders_in_both_languages():
    from newsreel.api.mail import TEMPLATES

    context = {
        "site": "http://x",
        "code": "000000",
        "confirm_url": "http://x/c",
        "title": "T",
        "text": "A\n\nB",
        "unsubscribe_url": "http://x/u",
    }
    names = {path.name.split(".")[0] for path in TEMPLATES.glob("*.txt")}
    assert len(names) == 7
    for name in names:
        subjects = {
            render(name, lang, "a@example.org", "m@example.org", **context).subject
            for lang in ("en", "fr")
        }
        assert len(subjects) == 2 or name == "newsletter_issue", name


def test_smtp_keeps_one_connection_and_reconnects_when_dropped():
    from aiosmtpd.controller import Controller

    peers = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            peers.append(session.peer)
            return "250 OK"

    port = free_port()
    mailer = SmtpMailer("127.0.0.1", port)
    message = render("login_code", "en", "ana@example.org", "m@example.org", site="x", code="1")
    first = Controller(Handler(), hostname="127.0.0.1", port=port)
    first.start()
    try:
        mailer.send(message)
        mailer.send(message)
    finally:
        first.stop()  # the server goes away, and with it the open connection
    assert len(peers) == 2 and peers[0] == peers[1], "one connection for both"
    second = Controller(Handler(), hostname="127.0.0.1", port=port)
    second.start()
    try:
        mailer.send(message)
    finally:
        mailer.close()
        second.stop()
    assert len(peers) == 3 and peers[2] != peers[0]


def test_the_sender_signs_in_the_mails_language(client, outbox, config):
    """A French mail comes from "OTAN Multimédia", an English one from "NATO Multimedia", at
    the same address; the accented name travels encoded (RFC 2047) and reads back whole."""
    for address, lang in (("ana@example.org", "fr"), ("bob@example.org", "en")):
        answer = client.post(
            "/api/account/register",
            json={"email": address, "password": "Correct-Horse-9-Battery", "lang": lang},
        )
        assert answer.status_code == 202
    french, english = outbox.last("ana@example.org"), outbox.last("bob@example.org")
    assert french["From"].addresses[0].display_name == "OTAN Multimédia"
    assert english["From"].addresses[0].display_name == "NATO Multimedia"
    assert {m["From"].addresses[0].addr_spec for m in (french, english)} == {
        "multimedia@example.org"
    }
    raw_from = bytes(french).split(b"\nFrom: ", 1)[1].split(b"\n", 1)[0]
    assert raw_from.isascii() and b"=?utf-8?" in raw_from.lower()
    assert "OTAN Multimédia" in french.get_body(("html",)).get_content(), "the banner agrees"


def test_a_name_in_the_configured_sender_is_kept_and_every_language_has_one():
    from newsreel.api.errors import languages
    from newsreel.api.mail import sender_names

    assert set(languages()) <= set(sender_names())
    message = render("password_changed", "fr", "a@example.org", "Presse <p@example.org>", site="x")
    assert str(message.parsed()["From"]) == "Presse <p@example.org>"
    bare = render("password_changed", "fr", "a@example.org", "p@example.org", site="x").parsed()
    assert str(bare["From"]) == "OTAN Multimédia <p@example.org>"
    assert bare["Message-ID"].endswith("@example.org>")


def test_ses_gets_a_french_sender_encoded(aws):
    ses = aws("client", "sesv2")
    ses.create_email_identity(EmailIdentity="m@example.org")
    calls = []

    class Recording:
        def send_email(self, **kwargs):
            calls.append(kwargs)
            return ses.send_email(**kwargs)

    message = render(
        "login_code", "fr", "ana@example.org", "m@example.org", site="http://x", code="654321"
    )
    SesMailer(Recording()).send(message)
    [call] = calls
    sender = call["FromEmailAddress"]
    assert sender.isascii() and sender.endswith(" <m@example.org>")
    assert _decoded(sender) == ("OTAN Multimédia", "m@example.org")


def _decoded(header: str) -> tuple[str, str]:
    from email.header import decode_header, make_header
    from email.utils import parseaddr

    name, address = parseaddr(header)
    return str(make_header(decode_header(name))), address


def test_headers_survive_long_values_as_mail_clients_read_them():
    """A one-click unsubscribe URL longer than a line stays one URL in angle brackets (RFC 2369:
    never encoded words, which clients would not decode there), and a long French subject is
    split into encoded words of at most 75 characters that read back whole."""
    one_click = "https://multimedia.example.org/api/newsletter/unsubscribe?token=" + "x" * 160
    title = "Réunion des ministres de la Défense des pays de l’OTAN, Bruxelles, 15 octobre 2025"
    mail = render(
        "newsletter_issue", "fr", "ana@example.org", "m@example.org",
        "Le service de presse de l’OTAN à Bruxelles <p@example.org>",
        headers={"List-Unsubscribe": f"<{one_click}>"},
        title=title, text="Texte.", unsubscribe_url="https://x/fr/u", site="x",
    )  # fmt: skip
    lines = mail.raw.split(b"\r\n")
    assert f"List-Unsubscribe: <{one_click}>".encode() in lines
    headers = lines[: lines.index(b"")]
    assert all(line.isascii() for line in headers), "headers are ASCII"
    folded = [line for line in headers if not line.startswith(b"List-Unsubscribe:")]
    assert max(len(line) for line in folded) <= 78, "RFC 5322's line length, the URL apart"
    words = re.findall(rb"=\?utf-8\?[qb]\?[^?]*\?=", mail.raw.split(b"\r\n\r\n")[0], re.I)
    assert words and max(len(word) for word in words) <= 75
    parsed = mail.parsed()
    assert parsed["Subject"] == title == mail.subject
    assert parsed["List-Unsubscribe"] == f"<{one_click}>"
    assert str(parsed["Reply-To"]) == "Le service de presse de l’OTAN à Bruxelles <p@example.org>"
    assert parsed.get_body(("plain",)).get_content().startswith("Texte.")


def test_a_header_cannot_smuggle_another():
    """A value with a line break that is not a fold would start a header of its own (a Bcc to
    anyone): refused, whatever the break."""
    for value in ("x\r\nBcc: evil@example.org", "x\nBcc: evil@example.org", "x\rBcc: e@x.org"):
        with pytest.raises(ValueError, match="X-Campaign header holds a line break"):
            render(
                "newsletter_issue", "en", "ana@example.org", "m@example.org",
                headers={"X-Campaign": value}, title="T", text="T", unsubscribe_url="u", site="x",
            )  # fmt: skip


def test_long_headers_fold_and_every_line_stays_sendable():
    """An English title of a hundred characters folds at its spaces (78 a line, RFC 5322); one
    of 990 characters without a space still goes through a real SMTP server (no line past
    998), and both read back whole. Both parts end with a line break, as mail clients write."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    titles = [
        "Defence Ministers agree new capability targets and discuss support for Ukraine today",
        "x" * 990,
    ]
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for title in titles:
            mail = render(
                "newsletter_issue", "en", "ana@example.org",
                '"NATO Public Diplomacy Division, Press and Media Section" <press@example.org>',
                title=title, text="Text.", unsubscribe_url="https://x/en/u", site="x",
            )  # fmt: skip
            SmtpMailer("127.0.0.1", port).send(mail)
    finally:
        controller.stop()
    for title, raw in zip(titles, received, strict=True):
        lines = raw.split(b"\r\n")
        headers = lines[: lines.index(b"")]
        assert max(len(line) for line in lines) <= 998
        if " " in title:
            assert max(len(line) for line in headers) <= 78
        parsed = email.message_from_bytes(raw, policy=default)
        assert parsed["Subject"] == title
        assert parsed["From"].addresses[0].display_name == (
            "NATO Public Diplomacy Division, Press and Media Section"
        )
        for kind in ("plain", "html"):
            assert parsed.get_body((kind,)).get_content().endswith("\n"), kind


@pytest.mark.parametrize(
    "text",
    [
        # lines that end in a space near 76 characters: C's encoder would write 77 and 78
        "Ligne\n" + "x" * 74 + " \n" + "y" * 75 + " \n",
        # a lone dot (SMTP's end of data), "=" signs, tabs and non-breaking spaces
        "Ligne\n.\nFin = 3\tcolonnes\u00a0: «\u202foui\u202f»\n",
        "mot " * 60 + "\n" + "=" * 80 + "\n",
    ],
)
def test_every_body_line_is_quoted_printable_of_76_characters_and_reads_back(text):
    """Both parts are quoted-printable with lines of at most 76 characters (RFC 2045),
    whatever the text, and a mail client reads back exactly what was written."""
    mail = render(
        "newsletter_issue", "fr", "ana@example.org", "press@example.org",
        title="Titre", text=text, unsubscribe_url="https://x/fr/u", site="x",
    )  # fmt: skip
    body = mail.raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    parsed = email.message_from_bytes(mail.raw, policy=default)
    for part in parsed.walk():
        if part.get_content_maintype() == "text":
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
    from newsreel.typography import typeset

    plain = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert typeset(text, "fr").rstrip() in plain


def test_reply_to_keeps_every_address_and_an_international_domain():
    mail = render(
        "password_changed", "fr", "a@example.org", "m@example.org",
        "presse@example.org, Médias OTAN <media@médias.example>", site="x",
    )  # fmt: skip
    parsed = mail.parsed()
    assert [(a.display_name, a.addr_spec) for a in parsed["Reply-To"].addresses] == [
        ("", "presse@example.org"),
        ("Médias OTAN", "media@xn--mdias-bsa.example"),
    ]


def test_a_sender_or_reply_to_that_mail_cannot_carry_stops_the_start(config):
    """Checked once, when the configuration is made, not found out by every mail."""
    from dataclasses import replace

    for field, value, said in (
        ("reply_to", "presse@example.org, nobody", "not an e-mail address"),
        ("reply_to", "présse@example.org", "before the @ must be ASCII"),
        ("sender", "multimedia", "not an e-mail address"),
    ):
        with pytest.raises(ValueError, match=said):
            replace(config, **{field: value})
