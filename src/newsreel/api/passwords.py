"""The portal's password policy, and password hashing.

Policy (design.md): at least 12 characters, no spaces, upper- and lower-case letters, digits
and symbols; at most 256 characters; never trimmed; not one of the most common passwords. One
validator, here, returns every rule that failed; the forms mirror the same rules
(`password_rules()`), so the live checklist and the server never disagree.

Passwords are NFKC-normalised before anything else (OWASP ASVS 5.0, V6): the same password typed
on two keyboards (a composed "é" or "e" + accent, a full-width digit) is the same password. Only
printable punctuation and symbols (Unicode categories P* and S*) count as symbols, so an
invisible control or formatting character does not satisfy the rule.

Hashing: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1). `verify_or_dummy` always
computes exactly one hash, for known and unknown users alike, so timing tells nothing. A hash
made with other parameters (`needs_rehash`) is replaced at the next sign-in that proves the
password, so raising the cost reaches every account that signs in.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256
RULES = (
    "min_length",
    "no_spaces",
    "lowercase",
    "uppercase",
    "digit",
    "symbol",
    "too_long",
    "common",
)

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("data") / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """A common password, also once its leading and trailing digits and symbols are removed
    ("Password123!" is "password" with decorations)."""
    lowered = password.lower()
    common = common_passwords()
    return lowered in common or _AFFIXES.sub("", lowered) in common


def normalise(password: str) -> str:
    """The form a password is checked, hashed and compared in."""
    return unicodedata.normalize("NFKC", password)


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def check_password(password: str) -> list[str]:
    """Every rule `password` (already normalised) breaks (empty when it is acceptable)."""
    failed = []
    if len(password) < MIN_LENGTH:
        failed.append("min_length")
    if any(char.isspace() for char in password):
        failed.append("no_spaces")
    if not any(char.islower() for char in password):
        failed.append("lowercase")
    if not any(char.isupper() for char in password):
        failed.append("uppercase")
    if not any(unicodedata.category(char) == "Nd" for char in password):
        failed.append("digit")
    if not any(_is_symbol(char) for char in password):
        failed.append("symbol")
    if len(password) > MAX_LENGTH:
        failed.append("too_long")
    if is_common(password):
        failed.append("common")
    return failed


def password_rules() -> dict[str, object]:
    """The policy as data, for the forms' live checklist."""
    return {"min_length": MIN_LENGTH, "max_length": MAX_LENGTH, "rules": list(RULES)}


def hash_password(password: str) -> str:
    """argon2id of the normalised password (about 40 ms: call it off the event loop)."""
    return HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    """Made on first use, not at import (a Lambda's cold start pays no hash)."""
    return HASHER.hash("not a real password, only to spend the same time")


def needs_rehash(password_hash: str | None) -> bool:
    """A hash made with other parameters than today's (an operator raised the cost since, or
    an older release made it): the sign-in that proves the password stores a new one."""
    if not password_hash:
        return False
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


def verify_or_dummy(password_hash: str | None, password: str) -> bool:
    """Check a password against its hash, or against a dummy hash when there is no account:
    exactly one argon2 computation either way, so timing does not tell."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
