"""The newsletter: double opt-in, and RFC 8058 one-click unsubscribe.

Subscribing stores a pending address and mails a link to the site's confirmation page, whose
button POSTs the token: link scanners that prefetch GETs confirm nothing. Every issue carries
`List-Unsubscribe` and `List-Unsubscribe-Post`, and the unsubscribe POST needs no session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from newsreel.api import limits
from newsreel.api.config import ApiConfig
from newsreel.api.errors import ApiError
from newsreel.api.mail import render

CONFIRM_TOKEN_MAX_AGE_S = 7 * 86400
PARTITION = "newsletter"


class Newsletter:
    def __init__(self, config: ApiConfig):
        self.config = config
        self.store = config.store

    def _confirm_tokens(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.config.secret, salt="newsreel.newsletter.confirm")

    def _unsubscribe_tokens(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.config.secret, salt="newsreel.newsletter.unsubscribe")

    def status(self, email: str) -> str | None:
        item = self.store.get(PARTITION, f"subscriber#{email}")
        return item["status"] if item else None

    def subscribe(self, email: str, lang: str, ip: str, honeypot: Any, rate: bool = True) -> None:
        """Start the double opt-in (harmless when repeated); bots filling the honeypot get the
        same answer and nothing is sent."""
        if honeypot:
            return
        if rate:
            limits.hit(self.store, self.config.clock.now(), "subscribe:ip", ip)
            limits.hit(self.store, self.config.clock.now(), "subscribe:address", email)
        if self.status(email) == "confirmed":
            return
        self.store.put(
            PARTITION,
            f"subscriber#{email}",
            {"email": email, "lang": lang, "status": "pending", "since": self.config.clock.now()},
        )
        token = self._confirm_tokens().dumps({"email": email, "lang": lang})
        confirm_url = f"{self.config.site_url}/{lang}/newsletter/confirm/?token={quote(token)}"
        message = render(
            "newsletter_confirm", lang, email, self.config.sender, self.config.reply_to,
            confirm_url=confirm_url,
        )  # fmt: skip
        self.config.mailer.send(message)

    def confirm(self, token: Any) -> str:
        if not isinstance(token, str):
            raise ApiError("invalid_token", 400)
        try:
            data = self._confirm_tokens().loads(token, max_age=CONFIRM_TOKEN_MAX_AGE_S)
        except (BadSignature, SignatureExpired):
            raise ApiError("invalid_token", 400) from None
        self.confirm_address(data["email"], data.get("lang", "en"))
        return data["email"]

    def confirm_address(self, email: str, lang: str) -> None:
        self.store.put(
            PARTITION,
            f"subscriber#{email}",
            {"email": email, "lang": lang, "status": "confirmed", "since": self.config.clock.now()},
        )

    def remove(self, email: str) -> None:
        self.store.delete(PARTITION, f"subscriber#{email}")

    def unsubscribe_url(self, email: str) -> str:
        token = self._unsubscribe_tokens().dumps(email)
        return f"{self.config.site_url}/api/newsletter/unsubscribe?token={quote(token)}"

    def unsubscribe(self, token: Any) -> str:
        try:
            email = self._unsubscribe_tokens().loads(token)
        except BadSignature:
            raise ApiError("invalid_token", 400) from None
        self.remove(email)
        return email

    def subscribers(self) -> list[dict[str, Any]]:
        return [item for _, item in self.store.query(PARTITION, "subscriber#")
                if item["status"] == "confirmed"]  # fmt: skip

    def send_issue(self, title: dict[str, str], text: dict[str, str]) -> int:
        """Send an issue to every confirmed subscriber, in their language; returns how many."""
        sent = 0
        for subscriber in self.subscribers():
            lang = subscriber.get("lang", "en")
            url = self.unsubscribe_url(subscriber["email"])
            message = render(
                "newsletter_issue", lang, subscriber["email"], self.config.sender,
                self.config.reply_to,
                headers={"List-Unsubscribe": f"<{url}>",
                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                title=title.get(lang, title.get("en", "")), text=text.get(lang, text.get("en", "")),
                unsubscribe_url=url,
            )  # fmt: skip
            self.config.mailer.send(message)
            sent += 1
        return sent
