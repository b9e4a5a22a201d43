"""The real mail paths: SMTP to an aiosmtpd server, SES v2 to moto's server."""

from __future__ import annotations

import email
from email.policy import default

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
    assert "valable 30 minutes" in parsed.get_body(("plain",)).get_content()
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
            render(name, lang, "a@example.org", "m@example.org", **context)["Subject"]
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
