"""E-mail addresses: checked once at the edge, then carried as one typed record.

The check is email-validator's (syntax only: no DNS lookups on the request path), and the
address must round-trip: what the validator normalises it to must be what was typed (the domain's
case aside, and an internationalised domain in either of its spellings, Unicode or `xn--`), so
the address we mail is the one the person typed.

Three forms of one address, each for its own job:

- `typed`: as typed (domain lower-cased); the address mail goes to;
- `key`: case-folded; the account's identity (ana@x.org and ANA@x.org are one account);
- `budget`: case-folded, without `+tag` sub-addressing and, at providers that ignore them,
  without dots in the local part; every limit counts under it, so `ana+1@`, `ana+2@`, `a.na@`
  ... of one mailbox share one budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsreel.api.errors import ApiError

MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
#: Providers that deliver `a.n.a@` to `ana@` (and their aliases, mapped to one name).
DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


@dataclass(frozen=True)
class Address:
    typed: str
    key: str
    budget: str
    domain: str


def budget_form(local: str, domain: str) -> str:
    local, domain = local.casefold(), domain.casefold()
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_PROVIDERS:
        domain = DOTLESS_PROVIDERS[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def parse_address(value: Any) -> Address:
    """The address in a request body, or 400 `invalid_email`."""
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(value, str):
        raise ApiError("invalid_email", 400)
    typed = value.strip()
    if not typed or len(typed) > MAX_LENGTH or not typed.isprintable():
        raise ApiError("invalid_email", 400)
    try:
        checked = validate_email(
            typed,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        )
    except (EmailNotValidError, UnicodeError, ValueError):
        raise ApiError("invalid_email", 400) from None
    local, _, domain = typed.rpartition("@")
    if (
        len(local.encode()) > MAX_LOCAL_LENGTH
    ):  # RFC 5321, which the validator leaves to strict mode
        raise ApiError("invalid_email", 400)
    # an internationalised domain may be typed in Unicode (exämple.org) or in the ASCII form
    # mail carries (xn--exmple-cua.org): the same mailbox, one account
    spellings = {checked.domain.casefold(), checked.ascii_domain.casefold()}
    if checked.local_part != local or domain.casefold() not in spellings:
        raise ApiError("invalid_email", 400)
    normalised = f"{checked.local_part}@{checked.ascii_domain}"
    return Address(
        typed=normalised,
        key=normalised.casefold(),
        budget=budget_form(checked.local_part, checked.ascii_domain),
        domain=checked.ascii_domain.casefold(),
    )
