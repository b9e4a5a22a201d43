"""What a request brings in: its language, its JSON body and its fields, checked at the edge.

Every way a body can be wrong ends here as a 4xx with a stable code (issue 10: lone surrogates,
integers of thousands of digits, JSON nested thousands deep and NUL characters used to reach the
handlers and come back as 500s): only a JSON object from the portal's own pages, at most
`max_body_bytes`, whose strings are well-formed Unicode without control characters.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request

from newsreel.api.errors import ApiError, languages

#: Lone surrogates (not encodable as UTF-8) and C0 controls other than tab and newlines.
_FORBIDDEN = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_DEPTH = 8


#: One element of Accept-Language (RFC 9110 §12.5.4): a language range and its weight.
_LANGUAGE_RANGE = re.compile(
    r"\s*(?P<range>\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\s*"
    r"(?:;\s*[qQ]\s*=\s*(?P<q>0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?\s*"
)
#: Longer headers are cut: no browser sends more, and the work stays bounded.
MAX_ACCEPT_LANGUAGE = 512


def best_language(header: str, supported: Sequence[str], default: str) -> str:
    """The supported language the visitor weighs highest in `header` (an Accept-Language).

    Weights count, not the order alone (`en;q=0.1, fr;q=0.9` is French), and `q=0` means
    "not this one", never chosen. A regional range (`fr-CA`, `en-GB`) stands for its language
    (the site has one French and one English), unless the bare language is listed too, which
    then decides; `*` weighs every language not named. Ties go to the range written first.
    Malformed elements are skipped; with nothing acceptable, `default`. Neither babel nor
    Starlette parses the weights, hence this small parser.
    """
    exact: dict[str, tuple[float, int]] = {}
    regional: dict[str, tuple[float, int]] = {}
    anything: tuple[float, int] | None = None
    for position, element in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        match = _LANGUAGE_RANGE.fullmatch(element)
        if not match:
            continue
        weight = (float(match["q"]) if match["q"] else 1.0, position)
        language, _, region = match["range"].lower().partition("-")
        if language == "*":
            anything = anything or weight
        elif not region:
            exact.setdefault(language, weight)
        elif language not in regional or weight[0] > regional[language][0]:
            regional[language] = weight
    candidates = []
    for order, language in enumerate(supported):
        weight = exact.get(language) or regional.get(language) or anything
        if weight is not None and weight[0] > 0:  # one `*` for two: the default, then in order
            candidates.append((-weight[0], weight[1], language != default, order, language))
    return min(candidates)[-1] if candidates else default


def request_lang_of(headers: Headers, body: dict[str, Any] | None = None) -> str:
    """The body's `lang`, else the best of Accept-Language, else English."""
    if body and body.get("lang") in languages():
        return body["lang"]
    return best_language(headers.get("accept-language", ""), languages(), "en")


def request_lang(request: Request, body: dict[str, Any] | None = None) -> str:
    return request_lang_of(request.headers, body)


def _check_strings(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ApiError("invalid_json", 400)
    if isinstance(value, str):
        if _FORBIDDEN.search(value):
            raise ApiError("invalid_characters", 400)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, depth + 1)
            _check_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, depth + 1)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]}... is too large")
    return value


def parse_body(raw: bytes) -> dict[str, Any]:
    """A JSON object, or 400; no exception of the parser gets out."""
    if not raw:
        return {}
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite)
    except (ValueError, RecursionError, UnicodeDecodeError):
        # ValueError covers malformed JSON and integers past Python's 4,300-digit limit
        raise ApiError("invalid_json", 400) from None
    if not isinstance(body, dict):
        raise ApiError("invalid_json", 400)
    _check_strings(body)
    _check_common_fields(body)
    return body


def _check_common_fields(body: dict[str, Any]) -> None:
    """Fields several routes share, typed as the OpenAPI document says (an unknown `lang` is
    refused rather than silently answered in English)."""
    if "lang" in body and body["lang"] not in languages():
        raise ApiError("invalid_parameter", 400, {"field": "lang"})
    if "newsletter" in body and not isinstance(body["newsletter"], bool):
        raise ApiError("invalid_parameter", 400, {"field": "newsletter"})
    if "website" in body and not isinstance(body["website"], str):
        raise ApiError("invalid_parameter", 400, {"field": "website"})


def _ip_literal(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return name == "localhost"
    return True


def origin_allowed(request: Request, allowed: tuple[str, ...], same_host: bool) -> bool:
    """The `Origin` is one of the site's; with `same_host` (the local server), also the origin
    the request was sent to when that is an IP address, so a LAN address such as
    http://192.168.1.5:8000 works (a host *name* could be rebound to the server by a stranger's
    DNS, so names must be the configured ones)."""
    origin = request.headers.get("origin")
    if origin in allowed:
        return True
    if not same_host or not origin:
        return False
    scheme = allowed[0].split("://", 1)[0] if allowed else "http"
    host = request.headers.get("host", "")
    return bool(host) and _ip_literal(host) and origin == f"{scheme}://{host}"


async def read_json(
    request: Request,
    allowed_origins: tuple[str, ...],
    max_bytes: int,
    same_host: bool = False,
) -> dict[str, Any]:
    """The body of a state-changing request: JSON, small, from the site's own pages.

    No body at all (no type, no length, not chunked) reads as `{}`: a route whose fields are
    optional (`DELETE /account`) takes it, the others answer which field is missing. A client
    gone before its body arrived whole gets `invalid_json` (nobody reads it), not a logged bug.
    """
    if not origin_allowed(request, allowed_origins, same_host):
        raise ApiError("forbidden_origin", 403)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if not content_type and declared in ("", "0") and "transfer-encoding" not in request.headers:
        return {}
    if content_type != "application/json":
        raise ApiError("unsupported_media_type", 415)
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError("payload_too_large", 413)
    raw = bytearray()
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > max_bytes:
                raise ApiError("payload_too_large", 413)
    except ClientDisconnect:
        raise ApiError("invalid_json", 400) from None
    return parse_body(bytes(raw))


def text(value: Any, error: str, max_length: int = 1024) -> str:
    """A string field, or 400 `error`."""
    if not isinstance(value, str) or len(value) > max_length:
        raise ApiError(error, 400)
    return value


def query_text(request: Request, name: str, max_length: int = 1024) -> str:
    """A query parameter, or 400 `invalid_parameter` when missing, repeated or malformed."""
    values = request.query_params.getlist(name)
    if len(values) != 1 or len(values[0]) > max_length or _FORBIDDEN.search(values[0]):
        raise ApiError("invalid_parameter", 400)
    return values[0]
