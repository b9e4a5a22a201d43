"""The newsletter: double opt-in, single-use confirmation, RFC 8058 one-click unsubscribe.

Subscribing (through the mail queue) stores a pending address with a fresh nonce and mails a
link to the site's confirmation page, whose button POSTs the token: link scanners that prefetch
GETs confirm nothing. A token confirms only while its nonce is the pending one, atomically, so it
works once, and not after an unsubscribe or a newer subscription.

Every issue carries `List-Unsubscribe` (the API's one-click POST, for mail clients) and, in its
text, a link to the unsubscribe page in the reader's language, whose one button POSTs the same.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from newsreel.api import codes
from newsreel.api.errors import ApiError, languages
from newsreel.api.mail import Mailer, render
from newsreel.api.store import Store

CONFIRM_TOKEN_MAX_AGE_S = 7 * 86400
PARTITION = "newsletter"
MAX_TOKEN_LENGTH = 600


class Newsletter:
    def __init__(self, store: Store, secret: bytes, site_url: str):
        self.store = store
        self.site_url = site_url
        self._confirm = URLSafeTimedSerializer(secret, salt="newsreel.newsletter.confirm")
        self._unsubscribe = URLSafeSerializer(secret, salt="newsreel.newsletter.unsubscribe")

    def status(self, address_key: str) -> str | None:
        item = self.store.get(PARTITION, f"subscriber#{address_key}")
        return item["status"] if item else None

    def start_opt_in(self, email: str, lang: str, now: float) -> str | None:
        """Store a pending subscription; the confirmation URL to mail, or None when the address
        is already confirmed (nothing to send)."""
        key = email.casefold()
        nonce = codes.new_token()[:16]

        def pend(item: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
            if item is not None and item.get("status") == "confirmed":
                return item, False
            return {"email": email, "lang": lang, "status": "pending", "nonce": nonce,
                    "since": now}, True  # fmt: skip

        if not self.store.update(PARTITION, f"subscriber#{key}", pend):
            return None
        token = self._confirm.dumps({"k": key, "n": nonce, "l": lang})
        return f"{self.site_url}/{lang}/newsletter/confirm/?token={quote(token)}"

    def confirm(self, token: Any, now: float) -> str:
        """Confirm the subscription a token was mailed for, once; 400 `invalid_token`."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise ApiError("invalid_token", 400)
        try:
            data = self._confirm.loads(token, max_age=CONFIRM_TOKEN_MAX_AGE_S)
        except (BadSignature, SignatureExpired, UnicodeError, ValueError):
            raise ApiError("invalid_token", 400) from None
        key, nonce = data.get("k"), data.get("n")

        def confirm(item: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
            if item is None or item.get("status") != "pending" or item.get("nonce") != nonce:
                return item, False
            return {"email": item["email"], "lang": item.get("lang", "en"),
                    "status": "confirmed", "since": now}, True  # fmt: skip

        if not isinstance(key, str) or not self.store.update(
            PARTITION, f"subscriber#{key}", confirm
        ):
            raise ApiError("invalid_token", 400)
        return key

    def confirm_address(self, email: str, lang: str, now: float) -> None:
        """Subscribe an address whose owner already proved it (a signed-in account)."""
        self.store.put(
            PARTITION,
            f"subscriber#{email.casefold()}",
            {"email": email, "lang": lang, "status": "confirmed", "since": now},
        )

    def remove(self, address_key: str) -> None:
        self.store.delete(PARTITION, f"subscriber#{address_key}")

    def unsubscribe_token(self, address_key: str) -> str:
        return self._unsubscribe.dumps(address_key)

    def unsubscribe(self, token: str) -> str:
        """RFC 8058 one-click: no session, idempotent; 400 `invalid_token` when forged."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise ApiError("invalid_token", 400)
        try:
            key = self._unsubscribe.loads(token)
        except (BadSignature, UnicodeError, ValueError):
            raise ApiError("invalid_token", 400) from None
        if not isinstance(key, str):
            raise ApiError("invalid_token", 400)
        self.remove(key)
        return key

    def subscribers(self) -> list[dict[str, Any]]:
        return [item for _, item in self.store.query(PARTITION, "subscriber#")
                if item["status"] == "confirmed"]  # fmt: skip

    def send_issue(
        self,
        mailer: Mailer,
        sender: str,
        title: dict[str, str],
        text: dict[str, str],
        reply_to: str | None = None,
    ) -> int:
        """Send an issue to every confirmed subscriber, in their language; returns how many."""
        sent = 0
        for subscriber in self.subscribers():
            lang = subscriber.get("lang", "en")
            lang = lang if lang in languages() else "en"
            token = quote(self.unsubscribe_token(subscriber["email"].casefold()))
            one_click = f"{self.site_url}/api/newsletter/unsubscribe?token={token}"
            page = f"{self.site_url}/{lang}/newsletter/unsubscribe/?token={token}"
            message = render(
                "newsletter_issue", lang, subscriber["email"], sender, reply_to,
                headers={"List-Unsubscribe": f"<{one_click}>",
                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                title=title.get(lang, title.get("en", "")), text=text.get(lang, text.get("en", "")),
                unsubscribe_url=page,
            )  # fmt: skip
            mailer.send(message)
            sent += 1
        return sent
