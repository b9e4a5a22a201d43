"""The mail work the queue hands over: decide, render and send, away from the request.

Here, and only here, the answer depends on whether the address has an account: a request put
the same job on the queue either way. For every code request a code is issued and stored, even
when nothing will be sent (so a guess answers the same for every address); then the mail goes
out only when the account's state calls for it:

| job | sent when |
|---|---|
| register | a verification code, unless the account is verified ("you already have an account") |
| code verify / login / reset | the address awaits verification / is verified / has an account |
| subscribe | not confirmed yet |
| password_changed | always (after a reset) |
"""

from __future__ import annotations

import logging
from typing import Any

from newsreel.api import codes
from newsreel.api.clock import Clock
from newsreel.api.mail import Mailer, render
from newsreel.api.mail.queue import MailJob
from newsreel.api.newsletter import Newsletter
from newsreel.api.store import Store

logger = logging.getLogger("newsreel.api.mail")
#: An unverified registration is forgotten after a week.
PENDING_LIFETIME_S = 7 * 86400


class MailWork:
    def __init__(
        self,
        store: Store,
        secret: bytes,
        clock: Clock,
        mailer: Mailer,
        sender: str,
        site_url: str,
        reply_to: str | None = None,
    ):
        self.store, self.secret, self.clock, self.mailer = store, secret, clock, mailer
        self.sender, self.site_url, self.reply_to = sender, site_url, reply_to
        self.newsletter = Newsletter(store, secret, site_url)

    def _send(self, template: str, email: str, lang: str, **context: Any) -> None:
        message = render(
            template, lang, email, self.sender, self.reply_to, site=self.site_url, **context
        )
        self.mailer.send(message)

    def run(self, job: MailJob) -> None:
        key = job.email.casefold()
        pk = codes.account_pk(key)
        now = self.clock.now()
        if job.kind == "register":
            code = codes.issue(self.store, self.secret, now, key, "verify")
            profile = self.store.get(pk, "profile")
            if profile is not None and profile.get("verified"):
                self._send("already_registered", profile["email"], profile.get("lang", job.lang))
            else:
                pending = {
                    "email": job.email,
                    "verified": False,
                    "lang": job.lang,
                    "created_at": now,
                }
                self.store.put(pk, "profile", pending, now + PENDING_LIFETIME_S, if_absent=True)
                self._send("verify_code", job.email, job.lang, code=code)
            if job.newsletter:
                self._subscribe(job.email, job.lang, now)
        elif job.kind == "code" and job.purpose in codes.PURPOSES:
            code = codes.issue(self.store, self.secret, now, key, job.purpose)
            profile = self.store.get(pk, "profile")
            verified = bool(profile and profile.get("verified"))
            wanted = {"verify": profile is not None and not verified, "login": verified,
                      "reset": profile is not None}[job.purpose]  # fmt: skip
            if wanted:
                lang = profile.get("lang", job.lang) if profile else job.lang
                self._send(f"{job.purpose}_code", profile["email"], lang, code=code)
        elif job.kind == "subscribe":
            self._subscribe(job.email, job.lang, now)
        elif job.kind == "password_changed":
            self._send("password_changed", job.email, job.lang)
        else:
            logger.warning("unknown mail job %r dropped", job)

    def _subscribe(self, email: str, lang: str, now: float) -> None:
        confirm_url = self.newsletter.start_opt_in(email, lang, now)
        if confirm_url is not None:
            self._send("newsletter_confirm", email, lang, confirm_url=confirm_url)
