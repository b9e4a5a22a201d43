"""The function's routes (design.md, "The API contract"), as one Starlette app.

Mounted at `/api` by `newsreel serve`; on Lambda, Mangum hands it the same requests. Every
answer is JSON; errors are `{"error": code, "message": ...}` with a 4xx status, in the
request's language.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from newsreel.api import downloads, passwords
from newsreel.api.accounts import Accounts
from newsreel.api.config import ApiConfig
from newsreel.api.errors import LANGUAGES, ApiError
from newsreel.api.newsletter import Newsletter

SESSION_COOKIE = "newsreel_session"
Handler = Callable[[Request], Awaitable[Response]]


def request_lang(request: Request, body: dict[str, Any] | None = None) -> str:
    """The body's `lang`, else the best of Accept-Language, else English."""
    if body and body.get("lang") in LANGUAGES:
        return body["lang"]
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def safe_return_to(value: Any, default: str = "/") -> str:
    """Only same-site paths: `/fr/news/x/`, never `//evil.example` or `https://...`."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "\\" in value:
        return default
    return value


async def read_json(request: Request, config: ApiConfig) -> dict[str, Any]:
    """The body of a state-changing request: JSON, small, from the site's own pages."""
    origin = request.headers.get("origin")
    if origin not in config.allowed_origins:
        raise ApiError("forbidden_origin", 403)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError("unsupported_media_type", 415)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > config.max_body_bytes:
        raise ApiError("payload_too_large", 413)
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > config.max_body_bytes:
            raise ApiError("payload_too_large", 413)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError("invalid_json", 400) from None
    if not isinstance(body, dict):
        raise ApiError("invalid_json", 400)
    return body


def create_app(config: ApiConfig) -> Starlette:
    accounts = Accounts(config)
    letters = Newsletter(config)

    def endpoint(handler: Callable[..., Awaitable[Response]], *, json_body: bool = True) -> Handler:
        async def run(request: Request) -> Response:
            body: dict[str, Any] | None = None
            try:
                if json_body:
                    body = await read_json(request, config)
                return await handler(request, body) if json_body else await handler(request)
            except ApiError as error:
                lang = request_lang(request, body)
                return JSONResponse(error.body(lang), error.status, headers=error.headers)

        return run

    def with_session(response: Response, email: str) -> Response:
        value, lifetime = accounts.open_session(email)
        response.set_cookie(
            SESSION_COOKIE, value, max_age=lifetime, path="/", httponly=True, samesite="lax",
            secure=config.secure_cookies,
        )  # fmt: skip
        return response

    def signed_in(request: Request) -> str:
        email = accounts.session_email(request.cookies.get(SESSION_COOKIE))
        if email is None:
            raise ApiError("not_authenticated", 401)
        return email

    accepted = {"status": "accepted"}

    async def subscribe(request: Request, body: dict[str, Any]) -> Response:
        from newsreel.api.accounts import normalise_email

        email = normalise_email(body.get("email"))
        letters.subscribe(
            email, request_lang(request, body), client_ip(request), body.get("website")
        )
        return JSONResponse(accepted, 202)

    async def confirm(request: Request, body: dict[str, Any]) -> Response:
        letters.confirm(body.get("token"))
        return JSONResponse({"status": "confirmed"})

    async def unsubscribe(request: Request) -> Response:
        """RFC 8058: a POST from the mail client, no cookies, no Origin, no redirect."""
        letters.unsubscribe(request.query_params.get("token"))
        return JSONResponse({"status": "unsubscribed"})

    async def register(request: Request, body: dict[str, Any]) -> Response:
        accounts.register(body, request_lang(request, body), client_ip(request))
        return JSONResponse(accepted, 202)

    async def verify(request: Request, body: dict[str, Any]) -> Response:
        email = accounts.verify(body)
        return with_session(JSONResponse(accounts.me(email)), email)

    async def send_code(request: Request, body: dict[str, Any]) -> Response:
        accounts.resend(body, request_lang(request, body), client_ip(request))
        return JSONResponse(accepted, 202)

    async def login(request: Request, body: dict[str, Any]) -> Response:
        email = accounts.login(body, client_ip(request))
        return with_session(JSONResponse(accounts.me(email)), email)

    async def login_code(request: Request, body: dict[str, Any]) -> Response:
        email = accounts.login_with_code(body, client_ip(request))
        return with_session(JSONResponse(accounts.me(email)), email)

    async def forgot(request: Request, body: dict[str, Any]) -> Response:
        accounts.forgot(body, request_lang(request, body), client_ip(request))
        return JSONResponse(accepted, 202)

    async def reset(request: Request, body: dict[str, Any]) -> Response:
        accounts.reset(body, request_lang(request, body), client_ip(request))
        response = JSONResponse({"status": "password_changed"})
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def logout(request: Request, body: dict[str, Any]) -> Response:
        accounts.close_session(request.cookies.get(SESSION_COOKIE))
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def me(request: Request) -> Response:
        return JSONResponse(accounts.me(signed_in(request)))

    async def newsletter_setting(request: Request, body: dict[str, Any]) -> Response:
        return JSONResponse(accounts.set_newsletter(signed_in(request), body))

    async def delete_account(request: Request, body: dict[str, Any]) -> Response:
        accounts.delete(signed_in(request))
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def policy(request: Request) -> Response:
        return JSONResponse(passwords.password_rules())

    async def download(request: Request) -> Response:
        params = request.path_params
        signed_in(request)
        entry = downloads.find_file(
            config.media_dir, params["video"], params["cut"], params["preset"]
        )
        if entry is None:
            raise ApiError("not_found", 404)
        if entry["access"] != "account":
            return RedirectResponse(entry["url"], 302)
        url = config.downloads.url_for(entry["private_path"], entry["filename"])
        if "application/json" in request.headers.get("accept", ""):
            # the clip maker reads the file itself, over ranges (issue 15)
            body = {
                "url": url,
                "expires_in": downloads.LINK_LIFETIME_S,
                "filename": entry["filename"],
            }
            return JSONResponse(body, headers={"Cache-Control": "no-store"})
        return RedirectResponse(url, 302, headers={"Cache-Control": "no-store"})

    async def download_file(request: Request) -> Response:
        resolver = getattr(config.downloads, "resolve", None)
        query = request.query_params
        target = (
            resolver(query.get("path", ""), query.get("expires", ""), query.get("sig", ""))
            if resolver
            else None
        )
        if target is None:
            raise ApiError("not_found", 404)
        return FileResponse(
            target, filename=target.name, headers={"Cache-Control": "private, no-store"}
        )

    routes = [
        Route("/newsletter/subscribe", endpoint(subscribe), methods=["POST"]),
        Route("/newsletter/confirm", endpoint(confirm), methods=["POST"]),
        Route("/newsletter/unsubscribe", endpoint(unsubscribe, json_body=False), methods=["POST"]),
        Route("/account/register", endpoint(register), methods=["POST"]),
        Route("/account/verify", endpoint(verify), methods=["POST"]),
        Route("/account/code", endpoint(send_code), methods=["POST"]),
        Route("/account/login", endpoint(login), methods=["POST"]),
        Route("/account/login/code", endpoint(login_code), methods=["POST"]),
        Route("/account/password/forgot", endpoint(forgot), methods=["POST"]),
        Route("/account/password/reset", endpoint(reset), methods=["POST"]),
        Route("/account/password/policy", endpoint(policy, json_body=False), methods=["GET"]),
        Route("/account/logout", endpoint(logout), methods=["POST"]),
        Route("/account/me", endpoint(me, json_body=False), methods=["GET"]),
        Route("/account/newsletter", endpoint(newsletter_setting), methods=["POST"]),
        Route("/account", endpoint(delete_account), methods=["DELETE"]),
        Route("/download/file", endpoint(download_file, json_body=False), methods=["GET", "HEAD"]),
        Route(
            "/download/{video}/{cut}/{preset}",
            endpoint(download, json_body=False),
            methods=["GET", "HEAD"],
        ),
    ]

    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "not_found")
        return JSONResponse(
            ApiError(code, exc.status_code).body(request_lang(request)), exc.status_code
        )

    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})
