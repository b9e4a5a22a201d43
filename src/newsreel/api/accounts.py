"""Multimedia accounts: register, verify, log in (password or code), reset, sessions, delete.

Every answer that could tell whether an address has an account (register, send a code, forgot)
is the same for known and unknown addresses, and every password check computes exactly one
argon2 hash, so neither the body, the status nor the timing tells.
"""

from __future__ import annotations

import re
from typing import Any

from itsdangerous import BadSignature, Signer

from newsreel.api import codes, limits, newsletter, passwords
from newsreel.api.config import ApiConfig
from newsreel.api.errors import ApiError
from newsreel.api.mail import render

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


def normalise_email(value: Any) -> str:
    if not isinstance(value, str):
        raise ApiError("invalid_email", 400)
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise ApiError("invalid_email", 400)
    return email


def check_new_password(value: Any) -> str:
    if not isinstance(value, str):
        raise ApiError("password_policy", 400, {"rules": ["min_length"]})
    failed = passwords.check_password(value)
    if failed:
        raise ApiError("password_policy", 400, {"rules": failed})
    return value


def _pk(email: str) -> str:
    return f"account#{email}"


class Accounts:
    def __init__(self, config: ApiConfig):
        self.config = config
        self.store = config.store

    # -- helpers ---------------------------------------------------------------------------
    def now(self) -> float:
        return self.config.clock.now()

    def profile(self, email: str) -> dict[str, Any] | None:
        return self.store.get(_pk(email), "profile")

    def save_profile(self, profile: dict[str, Any]) -> None:
        self.store.put(_pk(profile["email"]), "profile", profile)

    def mail(self, template: str, email: str, lang: str, **context: Any) -> None:
        message = render(
            template, lang, email, self.config.sender, self.config.reply_to,
            site=self.config.site_url, **context,
        )  # fmt: skip
        self.config.mailer.send(message)

    def send_code(self, email: str, purpose: str, lang: str) -> None:
        """A new code for `purpose`; the previous one dies (it is overwritten)."""
        code = codes.new_code()
        code_id = codes.new_token()[:12]
        record = {
            "digest": codes.code_digest(self.config.secret, email, purpose, code),
            "id": code_id,
        }
        expires = self.now() + codes.LIFETIME[purpose]
        self.store.put(_pk(email), f"code#{purpose}", record, expires_at=expires)
        self.mail(f"{purpose}_code", email, lang, code=code)

    def consume_code(self, email: str, purpose: str, code: Any) -> None:
        """Accept a code once; 5 wrong tries kill it."""
        if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code.strip()):
            raise ApiError("invalid_code", 400)
        record = self.store.get(_pk(email), f"code#{purpose}")
        if record is None:
            raise ApiError("code_expired", 400)
        expected = codes.code_digest(self.config.secret, email, purpose, code.strip())
        if codes.same(record["digest"], expected):
            self.store.delete(_pk(email), f"code#{purpose}")
            return
        attempts = self.store.increment(
            _pk(email), f"attempts#{purpose}#{record['id']}", codes.MAX_ATTEMPTS,
            self.now() + codes.LIFETIME[purpose],
        )  # fmt: skip
        if attempts is None or attempts >= codes.MAX_ATTEMPTS:
            self.store.delete(_pk(email), f"code#{purpose}")
            raise ApiError("too_many_attempts", 400)
        raise ApiError("code_mismatch", 400, {"attempts_left": codes.MAX_ATTEMPTS - attempts})

    # -- sessions --------------------------------------------------------------------------
    def _signer(self) -> Signer:
        return Signer(self.config.secret, salt="newsreel.session")

    def open_session(self, email: str) -> tuple[str, int]:
        """A new session: the signed cookie value and its lifetime in seconds."""
        token = codes.new_token()
        token_digest = codes.digest(self.config.secret, "session", token)
        lifetime = self.config.session_days * 86400
        expires = self.now() + lifetime
        self.store.put(f"session#{token_digest}", "session", {"email": email}, expires_at=expires)
        self.store.put(_pk(email), f"session#{token_digest}", {}, expires_at=expires)
        return self._signer().sign(token).decode(), lifetime

    def session_email(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            token = self._signer().unsign(cookie).decode()
        except BadSignature:
            return None
        item = self.store.get(
            f"session#{codes.digest(self.config.secret, 'session', token)}", "session"
        )
        if item is None or self.profile(item["email"]) is None:
            return None
        return item["email"]

    def close_session(self, cookie: str | None) -> None:
        email = self.session_email(cookie)
        if email is None:
            return
        token = self._signer().unsign(cookie).decode()
        token_digest = codes.digest(self.config.secret, "session", token)
        self.store.delete(f"session#{token_digest}", "session")
        self.store.delete(_pk(email), f"session#{token_digest}")

    def end_all_sessions(self, email: str) -> None:
        for sk, _ in self.store.query(_pk(email), "session#"):
            self.store.delete(f"session#{sk.removeprefix('session#')}", "session")
            self.store.delete(_pk(email), sk)

    # -- flows -----------------------------------------------------------------------------
    def register(self, body: dict[str, Any], lang: str, ip: str) -> None:
        email = normalise_email(body.get("email"))
        password = check_new_password(body.get("password"))
        limits.hit(self.store, self.now(), "register:ip", ip)
        limits.hit(self.store, self.now(), "register:address", email)
        password_hash = passwords.hash_password(password)  # always: same time for everyone
        existing = self.profile(email)
        if existing and existing.get("verified"):
            self.mail("already_registered", email, existing.get("lang", lang))
        else:
            self.save_profile(
                {
                    "email": email,
                    "password_hash": password_hash,
                    "verified": False,
                    "lang": lang,
                    "newsletter": False,
                    "created_at": self.now(),
                }
            )
            self.send_code(email, "verify", lang)
        if body.get("newsletter") is True:
            newsletter.Newsletter(self.config).subscribe(email, lang, ip, honeypot="", rate=False)

    def verify(self, body: dict[str, Any]) -> str:
        email = normalise_email(body.get("email"))
        self.consume_code(email, "verify", body.get("code"))
        profile = self.profile(email)
        if profile is None:  # pragma: no cover - a code without an account cannot exist
            raise ApiError("code_expired", 400)
        profile["verified"] = True
        self.save_profile(profile)
        return email

    def resend(self, body: dict[str, Any], lang: str, ip: str) -> None:
        email = normalise_email(body.get("email"))
        purpose = body.get("purpose")
        if purpose not in codes.PURPOSES:
            raise ApiError("invalid_purpose", 400)
        limits.hit(self.store, self.now(), "code:ip", ip)
        limits.hit(self.store, self.now(), "code:address:minute", email)
        limits.hit(self.store, self.now(), "code:address:hour", email)
        profile = self.profile(email)
        if profile is None:
            return
        verified = bool(profile.get("verified"))
        if (
            (purpose == "verify" and not verified)
            or (purpose == "login" and verified)
            or (purpose == "reset")
        ):
            self.send_code(email, purpose, profile.get("lang", lang))

    def login(self, body: dict[str, Any], ip: str) -> str:
        email = normalise_email(body.get("email"))
        password = body.get("password")
        if not isinstance(password, str):
            raise ApiError("invalid_credentials", 401)
        limits.hit(self.store, self.now(), "login:ip", ip)
        lock = self.store.get(f"lock#{email}", "lock") or {"failures": 0, "until": 0}
        if lock["until"] > self.now():
            retry = max(1, round(lock["until"] - self.now()))
            raise ApiError("locked", 429, {"retry_after": retry}, {"Retry-After": str(retry)})
        profile = self.profile(email)
        ok = passwords.verify_or_dummy(profile and profile.get("password_hash"), password)
        if not ok:
            failures = lock["failures"] + 1
            until = self.now() + limits.lock_delay(failures)
            self.store.put(
                f"lock#{email}",
                "lock",
                {"failures": failures, "until": until},
                expires_at=self.now() + 86400,
            )
            raise ApiError("invalid_credentials", 401)
        self.store.delete(f"lock#{email}", "lock")
        if not profile.get("verified"):
            raise ApiError("not_verified", 403)
        return email

    def login_with_code(self, body: dict[str, Any], ip: str) -> str:
        email = normalise_email(body.get("email"))
        limits.hit(self.store, self.now(), "verify:ip", ip)
        self.consume_code(email, "login", body.get("code"))
        return email

    def forgot(self, body: dict[str, Any], lang: str, ip: str) -> None:
        email = normalise_email(body.get("email"))
        limits.hit(self.store, self.now(), "forgot:ip", ip)
        limits.hit(self.store, self.now(), "forgot:address", email)
        profile = self.profile(email)
        if profile is not None:
            self.send_code(email, "reset", profile.get("lang", lang))

    def reset(self, body: dict[str, Any], lang: str, ip: str) -> None:
        email = normalise_email(body.get("email"))
        password = check_new_password(body.get("password"))
        limits.hit(self.store, self.now(), "verify:ip", ip)
        self.consume_code(email, "reset", body.get("code"))
        profile = self.profile(email)
        if profile is None:  # pragma: no cover
            raise ApiError("code_expired", 400)
        profile["password_hash"] = passwords.hash_password(password)
        profile["verified"] = True
        self.save_profile(profile)
        self.end_all_sessions(email)
        self.store.delete(f"lock#{email}", "lock")
        self.mail("password_changed", email, profile.get("lang", lang))

    def me(self, email: str) -> dict[str, Any]:
        profile = self.profile(email) or {}
        subscribed = newsletter.Newsletter(self.config).status(email) == "confirmed"
        return {"email": email, "newsletter": subscribed, "lang": profile.get("lang", "en")}

    def set_newsletter(self, email: str, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("newsletter")
        if not isinstance(wanted, bool):
            raise ApiError("missing_field", 400, {"field": "newsletter"})
        profile = self.profile(email) or {}
        letters = newsletter.Newsletter(self.config)
        if wanted:
            letters.confirm_address(email, profile.get("lang", "en"))
        else:
            letters.remove(email)
        return self.me(email)

    def delete(self, email: str) -> None:
        self.end_all_sessions(email)
        for sk, _ in self.store.query(_pk(email)):
            self.store.delete(_pk(email), sk)
        self.store.delete(f"lock#{email}", "lock")
        newsletter.Newsletter(self.config).remove(email)
