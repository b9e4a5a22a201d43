"""Lambda@Edge (origin response): a missing page answers in the language of its folder.

CloudFront's custom error pages are one per distribution, so without this every missing page
would get the same `/404.html`. For a 403 or 404 from the site bucket, this answers 404 with
the page of the path's language folder (`/<lang>/404.html`, which the build writes), or the
bilingual `/404.html` outside them, read from the same bucket and kept in memory for a few
minutes. Anything else passes through.

Lambda@Edge functions take no environment variables: the bucket is read from the request's
origin, and the languages are the folders that hold a `404.html`.
"""

from __future__ import annotations

import re
import time

_LANGUAGE = re.compile(r"^/([a-z]{2})(?:/|$)")
_KEPT_S = 300
_pages: dict[tuple[str, str], tuple[float, str | None]] = {}
_client = None


def _s3():
    global _client
    if _client is None:
        import boto3

        _client = boto3.client("s3")
    return _client


def _bucket(request: dict) -> str | None:
    domain = request.get("origin", {}).get("s3", {}).get("domainName", "")
    return domain.split(".s3", 1)[0] or None


def _page(bucket: str, key: str, now: float) -> str | None:
    """The page at `key` in the bucket (None when there is none), kept `_KEPT_S` seconds."""
    kept = _pages.get((bucket, key))
    if kept and kept[0] > now:
        return kept[1]
    try:
        page: str | None = _s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except Exception:  # noqa: BLE001 - no page: the origin's own answer goes through
        page = None
    _pages[(bucket, key)] = (now + _KEPT_S, page)
    return page


def handler(event: dict, context: object = None, now: float | None = None) -> dict:
    record = event["Records"][0]["cf"]
    request, response = record["request"], record["response"]
    if response.get("status") not in ("403", "404"):
        return response
    bucket = _bucket(request)
    if not bucket:
        return response
    match = _LANGUAGE.match(request.get("uri", ""))
    lang = match.group(1) if match else None
    key = f"{lang}/404.html" if lang else "404.html"
    page = _page(bucket, key, time.time() if now is None else now)
    if page is None and lang:
        lang, page = None, _page(bucket, "404.html", time.time() if now is None else now)
    if page is None:
        return response
    return {
        "status": "404",
        "statusDescription": "Not Found",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "cache-control": [{"key": "Cache-Control", "value": "public, max-age=300"}],
            **({"content-language": [{"key": "Content-Language", "value": lang}]} if lang else {}),
        },
        "body": page,
    }
