"""Multimedia accounts: register, verify, log in (password or code), reset, delete.

The rules (design.md, "The API contract"; issue 10):

- **Whoever proves the mailbox decides the password.** Registering checks the password against
  the policy and stores nothing of it; the password travels again with the code, and becomes the
  account's at verification, set only on an account still awaiting it. Registering again, before
  or after, changes no password; a verified account's changes only by reset.
- **Answers that say nothing.** Register, code and forgot spend the same budgets and return the
  same mail job for every address (the app queues it); the mail work happens off the request
  path (`jobs.py`).
- **Attempts first.** A sign-in attempt is counted (atomically) before its hash is computed, a
  code attempt before its comparison.
- **A password change ends what the old one opened.** Setting a password gives the profile a
  new credential epoch; a sign-in carries the epoch it read with the hash it checked, and a
  session of another epoch is not signed in (`sessions.Grant`): a sign-in with the old password
  still being hashed during a reset or a deletion never outlives it.

Each flow that hashes is split in steps (`*_begin` / `*_finish`): the app runs the steps in worker
threads and the hash in the hashing pool, so the event loop never waits on argon2 or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsreel.api import budgets, codes, passwords
from newsreel.api.addresses import Address, parse_address
from newsreel.api.clock import Clock
from newsreel.api.errors import ApiError
from newsreel.api.mail.queue import MailJob
from newsreel.api.newsletter import Newsletter
from newsreel.api.sessions import Grant, Sessions
from newsreel.api.store import Store


def new_password(value: Any) -> str:
    """A password for an account: NFKC-normalised, or 400 `password_policy` with every rule
    it breaks."""
    if not isinstance(value, str):
        raise ApiError("password_policy", 400, {"rules": ["min_length"]})
    if len(value) > 4 * passwords.MAX_LENGTH:
        raise ApiError("password_policy", 400, {"rules": ["too_long"]})
    password = passwords.normalise(value)
    failed = passwords.check_password(password)
    if failed:
        raise ApiError("password_policy", 400, {"rules": failed})
    return password


def code_of(value: Any) -> str:
    code = value.strip() if isinstance(value, str) else value
    if not codes.is_code(code):
        raise ApiError("invalid_code", 400)
    return code


@dataclass(frozen=True)
class Claim:
    """A code taken, with the new password it came with (verify, reset)."""

    address: Address
    password: str


@dataclass(frozen=True)
class LoginAttempt:
    address: Address
    password: str
    password_hash: str | None  # None: no verified account (a dummy hash is checked instead)
    epoch: str | None = None  # the profile's credential epoch, read with the hash


class Accounts:
    def __init__(
        self,
        store: Store,
        secret: bytes,
        clock: Clock,
        sessions: Sessions,
        newsletter: Newsletter,
    ):
        self.store, self.secret, self.clock = store, secret, clock
        self.sessions, self.newsletter = sessions, newsletter

    def profile(self, address_key: str) -> dict[str, Any] | None:
        return self.store.get(codes.account_pk(address_key), "profile")

    def _spend_mail(self, address: Address, client: str, **first: str) -> None:
        """The mail budgets, after `first` (the narrowest, most often refused)."""
        budgets.spend(
            self.store, self.clock.now(), **first, mail_ip=client, mail_address=address.budget,
            mail_domain=address.domain, mail_global="all",
        )  # fmt: skip

    # -- mail-sending routes: the same work for every address ------------------------------
    def register(self, body: dict[str, Any], lang: str, client: str) -> MailJob:
        address = parse_address(body.get("email"))
        new_password(body.get("password"))  # checked, not stored: verify carries it again
        self._spend_mail(address, client)
        newsletter = body.get("newsletter") is True
        return MailJob("register", address.typed, lang, newsletter=newsletter)

    def send_code(self, body: dict[str, Any], lang: str, client: str) -> MailJob:
        address = parse_address(body.get("email"))
        purpose = body.get("purpose")
        if purpose not in codes.PURPOSES:
            raise ApiError("invalid_purpose", 400)
        self._spend_mail(address, client, code_pace=address.budget)
        return MailJob("code", address.typed, lang, purpose=purpose)

    def forgot(self, body: dict[str, Any], lang: str, client: str) -> MailJob:
        address = parse_address(body.get("email"))
        self._spend_mail(address, client)
        return MailJob("code", address.typed, lang, purpose="reset")

    def subscribe(self, body: dict[str, Any], lang: str, client: str) -> MailJob | None:
        address = parse_address(body.get("email"))
        if body.get("website"):
            return None  # the honeypot: bots get the same answer, and nothing is sent
        self._spend_mail(address, client)
        return MailJob("subscribe", address.typed, lang)

    # -- codes -----------------------------------------------------------------------------
    def _take_code(self, body: dict[str, Any], purpose: str, client: str) -> Address:
        address = parse_address(body.get("email"))
        code = code_of(body.get("code"))
        budgets.spend(self.store, self.clock.now(), attempt_ip=client)
        codes.redeem(self.store, self.secret, self.clock.now(), address.key, purpose, code)
        return address

    def verify_begin(self, body: dict[str, Any], client: str) -> Claim:
        """Check the new password, then take the verification code."""
        password = new_password(body.get("password"))
        return Claim(self._take_code(body, "verify", client), password)

    def verify_finish(self, claim: Claim, password_hash: str, lang: str | None = None) -> Grant:
        """The password becomes the account's, only if it awaits verification; and so do the
        address as the verifier typed it and their language (`lang`): whoever registered the
        address first, perhaps a stranger, decides neither how it is written nor the language
        of the mail it gets."""
        epoch = codes.new_token()

        def verify(profile: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
            if profile is None or profile.get("verified"):
                return profile, False
            owner = {"email": claim.address.typed, **({"lang": lang} if lang else {})}
            return {**profile, **owner, "verified": True, "password_hash": password_hash,
                    "epoch": epoch}, True  # fmt: skip

        if not self.store.update(codes.account_pk(claim.address.key), "profile", verify):
            raise ApiError("code_mismatch", 400, {"attempts_left": 0})
        return Grant(claim.address.key, epoch)

    def login_with_code(self, body: dict[str, Any], client: str) -> Grant:
        address = self._take_code(body, "login", client)
        profile = self.profile(address.key)
        if profile is None or not profile.get("verified"):
            raise ApiError("code_mismatch", 400, {"attempts_left": 0})
        budgets.clear_login(self.store, address.key)
        return Grant(address.key, profile.get("epoch"))

    def reset_begin(self, body: dict[str, Any], client: str) -> Claim:
        password = new_password(body.get("password"))
        return Claim(self._take_code(body, "reset", client), password)

    def reset_finish(self, claim: Claim, password_hash: str, lang: str) -> MailJob:
        """The new password; every session ends; a notice goes to the address."""

        epoch = codes.new_token()

        def reset(profile: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
            if profile is None:
                return None, False
            return {**profile, "verified": True, "password_hash": password_hash,
                    "epoch": epoch}, True  # fmt: skip

        key = claim.address.key
        if not self.store.update(codes.account_pk(key), "profile", reset):
            raise ApiError("code_mismatch", 400, {"attempts_left": 0})
        self.sessions.close_all(key)
        budgets.clear_login(self.store, key)
        profile = self.profile(key) or {}
        return MailJob(
            "password_changed", profile.get("email", claim.address.typed), profile.get("lang", lang)
        )

    # -- passwords -------------------------------------------------------------------------
    def login_begin(self, body: dict[str, Any], client: str) -> LoginAttempt:
        """Count the attempt (429 `locked` past the limit), then fetch what to compare."""
        address = parse_address(body.get("email"))
        password = body.get("password")
        if not isinstance(password, str) or len(password) > 4 * passwords.MAX_LENGTH:
            raise ApiError("invalid_credentials", 401)
        budgets.spend(self.store, self.clock.now(), attempt_ip=client)
        budgets.claim_login(self.store, self.clock.now(), address.key)
        profile = self.profile(address.key)
        verified = bool(profile and profile.get("verified"))
        return LoginAttempt(
            address,
            passwords.normalise(password),
            profile.get("password_hash") if profile and verified else None,
            profile.get("epoch") if profile and verified else None,
        )

    def login_finish(
        self, attempt: LoginAttempt, ok: bool, upgraded_hash: str | None = None
    ) -> Grant:
        """The sign-in, if the password matched the one the account still has. With
        `upgraded_hash` (the hash was made with older parameters), the account keeps the new
        hash of the same password, unless the password changed meanwhile (its sessions stay:
        the password is the same)."""
        if not ok:
            raise ApiError("invalid_credentials", 401)
        key = attempt.address.key
        profile = self.profile(key)
        if profile is None or profile.get("epoch") != attempt.epoch:
            raise ApiError("invalid_credentials", 401)  # changed (or deleted) while hashing
        if upgraded_hash is not None:
            proven = (attempt.epoch, attempt.password_hash)

            def upgrade(current: dict[str, Any] | None) -> tuple[dict[str, Any] | None, None]:
                held = current and (current.get("epoch"), current.get("password_hash"))
                if held != proven:
                    return current, None  # the password changed meanwhile: leave it
                return {**current, "password_hash": upgraded_hash}, None

            self.store.update(codes.account_pk(key), "profile", upgrade)
        budgets.clear_login(self.store, key)
        return Grant(key, attempt.epoch)

    # -- the signed-in account -------------------------------------------------------------
    def signed_in(self, cookie: str | None) -> str:
        """The account key of a live session of the account's current password, or 401
        `not_authenticated`."""
        grant = self.sessions.account(cookie)
        profile = self.profile(grant.key) if grant else None
        if (
            grant is None
            or profile is None
            or not profile.get("verified")
            or profile.get("epoch") != grant.epoch
        ):
            raise ApiError("not_authenticated", 401)
        return grant.key

    def me(self, key: str) -> dict[str, Any]:
        profile = self.profile(key) or {}
        subscribed = self.newsletter.status(key) == "confirmed"
        return {"email": profile.get("email", key), "newsletter": subscribed,
                "lang": profile.get("lang", "en")}  # fmt: skip

    def set_newsletter(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("newsletter")
        if not isinstance(wanted, bool):
            raise ApiError("missing_field", 400, {"field": "newsletter"})
        profile = self.profile(key) or {}
        if wanted:
            self.newsletter.confirm_address(profile.get("email", key), profile.get("lang", "en"),
                                            self.clock.now())  # fmt: skip
        else:
            self.newsletter.remove(key)
        return self.me(key)

    def delete(self, key: str) -> None:
        self.sessions.close_all(key)
        for sk, _ in self.store.query(codes.account_pk(key)):
            self.store.delete(codes.account_pk(key), sk)
        budgets.clear_login(self.store, key)
        self.newsletter.remove(key)
