"""The function's routes (design.md, "The API contract"), as one Starlette app.

Mounted at `/api` by `newsreel serve`; on Lambda, Mangum hands it the same requests. Every
answer is JSON; errors are `{"error": code, "message": ...}` with a 4xx status, in the
request's language; the OpenAPI 3.1 document of all of it is `openapi.json`, served as is.

The handlers only orchestrate: the flows (accounts, newsletter) are plain functions run in
worker threads (`offload.blocking`), password hashes in the hashing pool (`offload.hashing`), so
the event loop never waits on argon2, the store or the mail queue.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from newsreel.api import budgets, passwords
from newsreel.api.accounts import Accounts
from newsreel.api.clients import ClientMiddleware
from newsreel.api.config import ApiConfig
from newsreel.api.downloads import LINK_LIFETIME_S
from newsreel.api.errors import ApiError
from newsreel.api.inputs import query_text, read_json, request_lang
from newsreel.api.jobs import MailWork
from newsreel.api.mail.queue import MailJob
from newsreel.api.newsletter import Newsletter
from newsreel.api.offload import blocking, hashing
from newsreel.api.ranges import IgnoreUnreadableRange
from newsreel.api.sessions import COOKIE, Grant, Sessions
from newsreel.api.store import StoreBusy

logger = logging.getLogger("newsreel.api")
OPENAPI = Path(__file__).with_name("openapi.json")
Handler = Callable[[Request], Awaitable[Response]]
Result = TypeVar("Result")
SESSION_COOKIE = COOKIE


def client_of(request: Request) -> str:
    """The client's budget subject, set by `ClientMiddleware`."""
    return getattr(request.state, "client", None) or "unknown"


async def _hand_over(later: Callable[[], None]) -> None:
    """Run a queue's hand-over on the event loop once the answer is sent: it only puts a job
    on an in-memory queue. Given as a plain function, Starlette would run it in a worker
    thread of anyio's, one more thread hop for every mail (issue 10)."""
    later()


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def create_app(config: ApiConfig) -> Starlette:
    sessions = Sessions(config.store, config.secret, config.session_days * 86400)
    letters = Newsletter(config.store, config.secret, config.site_url)
    accounts = Accounts(config.store, config.secret, config.clock, sessions, letters)
    config.jobs.start(
        MailWork(config.store, config.secret, config.clock, config.mailer, config.sender,
                 config.site_url, config.reply_to).run
    )  # fmt: skip
    openapi = OPENAPI.read_bytes()

    def endpoint(handler: Callable[..., Awaitable[Response]], *, json_body: bool = True) -> Handler:
        async def run(request: Request) -> Response:
            body: dict[str, Any] | None = None
            try:
                if json_body:
                    body = await read_json(
                        request, config.allowed_origins, config.max_body_bytes,
                        config.same_host_origin,
                    )  # fmt: skip
                return await handler(request, body) if json_body else await handler(request)
            except ApiError as error:
                lang = request_lang(request, body)
                return JSONResponse(error.body(lang), error.status, headers=error.headers)
            except StoreBusy:
                error = ApiError("try_again", 429, {"retry_after": 1}, {"Retry-After": "1"})
                return JSONResponse(
                    error.body(request_lang(request, body)), 429, headers=error.headers
                )

        return run

    def session_for(grant: Grant) -> tuple[dict[str, Any], str, int]:
        """The account's answer and a new session for it."""
        value, lifetime = sessions.open(grant, config.clock.now())
        return accounts.me(grant.key), value, lifetime

    async def signed_in_answer(finish: Callable[..., Grant], *args: Any) -> Response:
        """`finish(*args)` grants the sign-in; the answer is the account, with a new session
        cookie. Both in one trip to a worker thread."""
        me, value, lifetime = await blocking(lambda: session_for(finish(*args)))
        response = JSONResponse(me)
        response.set_cookie(
            COOKIE, value, max_age=lifetime, path="/", httponly=True, samesite="lax",
            secure=config.secure_cookies,
        )  # fmt: skip
        return response

    async def as_signed_in(request: Request, action: Callable[..., Result], *args: Any) -> Result:
        """`action(key, *args)` for the signed-in account (401 without a session), in one trip
        to a worker thread."""
        cookie = request.cookies.get(COOKIE)
        return await blocking(lambda: action(accounts.signed_in(cookie), *args))

    def queued(flow: Callable[..., MailJob | None], *args: Any) -> Callable[[], None] | None:
        """Run a flow and queue the mail job it returns: what is left to do once the answer is
        sent (a local worker's hand-off), or None (nothing to send, or already on SQS). Its
        store calls are one batch (one SQLite transaction): a batch holds the store for its
        whole length, and a mail route's flow waits on nothing but the store (a sign-in's
        steps stay call by call)."""
        with config.store.batch():
            job = flow(*args)
            return config.jobs.submit(job) if job is not None else None

    async def mailing(
        response: Response, flow: Callable[..., MailJob | None], *args: Any
    ) -> Response:
        """The flow and its mail's queueing in one trip to a worker thread; a local queue is
        handed the job once the answer is sent."""
        later = await blocking(queued, flow, *args)
        if later is not None:
            response.background = BackgroundTask(_hand_over, later)
        return response

    async def accepted(flow: Callable[..., MailJob | None], *args: Any) -> Response:
        return await mailing(JSONResponse({"status": "accepted"}, 202), flow, *args)

    async def subscribe(request: Request, body: dict[str, Any]) -> Response:
        lang = request_lang(request, body)
        return await accepted(accounts.subscribe, body, lang, client_of(request))

    def confirm_token(token: Any, client: str) -> None:
        budgets.spend(config.store, config.clock.now(), confirm_ip=client)
        letters.confirm(token, config.clock.now())

    async def confirm(request: Request, body: dict[str, Any]) -> Response:
        await blocking(confirm_token, body.get("token"), client_of(request))
        return JSONResponse({"status": "confirmed"})

    async def unsubscribe(request: Request) -> Response:
        """RFC 8058: a POST from the mail client (or the page's button), no cookies, no
        Origin, no redirect."""
        token = query_text(request, "token", 600)
        await blocking(letters.unsubscribe, token)
        return JSONResponse({"status": "unsubscribed"})

    async def register(request: Request, body: dict[str, Any]) -> Response:
        lang = request_lang(request, body)
        return await accepted(accounts.register, body, lang, client_of(request))

    async def verify(request: Request, body: dict[str, Any]) -> Response:
        claim = await blocking(accounts.verify_begin, body, client_of(request))
        password_hash = await hashing(passwords.hash_password, claim.password)
        lang = body.get("lang")  # checked already; without one, the registrant's stays
        return await signed_in_answer(accounts.verify_finish, claim, password_hash, lang)

    async def send_code(request: Request, body: dict[str, Any]) -> Response:
        lang = request_lang(request, body)
        return await accepted(accounts.send_code, body, lang, client_of(request))

    async def login(request: Request, body: dict[str, Any]) -> Response:
        attempt = await blocking(accounts.login_begin, body, client_of(request))
        ok = await hashing(passwords.verify_or_dummy, attempt.password_hash, attempt.password)
        upgraded = None
        if ok and passwords.needs_rehash(attempt.password_hash):
            upgraded = await hashing(passwords.hash_password, attempt.password)
        return await signed_in_answer(accounts.login_finish, attempt, ok, upgraded)

    async def login_code(request: Request, body: dict[str, Any]) -> Response:
        return await signed_in_answer(accounts.login_with_code, body, client_of(request))

    async def forgot(request: Request, body: dict[str, Any]) -> Response:
        lang = request_lang(request, body)
        return await accepted(accounts.forgot, body, lang, client_of(request))

    async def reset(request: Request, body: dict[str, Any]) -> Response:
        claim = await blocking(accounts.reset_begin, body, client_of(request))
        password_hash = await hashing(passwords.hash_password, claim.password)
        response = JSONResponse({"status": "password_changed"})
        response.delete_cookie(COOKIE, path="/")
        lang = request_lang(request, body)
        return await mailing(response, accounts.reset_finish, claim, password_hash, lang)

    async def logout(request: Request, body: dict[str, Any]) -> Response:
        await blocking(sessions.close, request.cookies.get(COOKIE))
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def me(request: Request) -> Response:
        return JSONResponse(await as_signed_in(request, accounts.me))

    async def newsletter_setting(request: Request, body: dict[str, Any]) -> Response:
        return JSONResponse(await as_signed_in(request, accounts.set_newsletter, body))

    async def delete_account(request: Request, body: dict[str, Any]) -> Response:
        await as_signed_in(request, accounts.delete)
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def policy(request: Request) -> Response:
        return JSONResponse(passwords.password_rules())

    async def download(request: Request) -> Response:
        """302 to a short-lived link; with `Accept: application/json`, the link as JSON (the
        visitor's own clip reads byte ranges of it)."""
        params = request.path_params
        wanted = params["video"], params["cut"], params["preset"]
        found = await as_signed_in(request, lambda _key: config.manifests.find(*wanted))
        if found is None:
            raise ApiError("not_found", 404)
        no_store = {"Cache-Control": "no-store"}
        if found.access != "account" or not found.private_path:
            url = found.url
        else:
            url = await blocking(config.downloads.url_for, found.private_path, found.filename)
        if wants_json(request):
            answer = {"url": url, "expires_in": LINK_LIFETIME_S, "filename": found.filename}
            return JSONResponse(answer, headers=no_store)
        return RedirectResponse(url, 302, headers=no_store)

    async def download_file(request: Request) -> Response:
        resolver = getattr(config.downloads, "resolve", None)
        path, expires, signature = (
            query_text(request, name, 1024) for name in ("path", "expires", "sig")
        )
        target = await blocking(resolver, path, expires, signature) if resolver else None
        if target is None:
            raise ApiError("not_found", 404)
        return FileResponse(
            target, filename=target.name, headers={"Cache-Control": "private, no-store"}
        )

    async def openapi_document(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    routes = [
        Route("/openapi.json", endpoint(openapi_document, json_body=False), methods=["GET"]),
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
        status = exc.status_code if exc.status_code in (404, 405) else 404
        return JSONResponse(
            ApiError(code, status).body(request_lang(request)), status, headers=exc.headers
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        """The last resort: a bug, logged, answered as JSON (never a traceback)."""
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(ApiError("internal_error", 500).body(request_lang(request)), 500)

    app = Starlette(
        routes=routes, exception_handlers={HTTPException: http_error, Exception: unexpected}
    )
    # `/api/account/me/` is not a route: a JSON 404, not a redirect built from the Host header
    app.router.redirect_slashes = False
    app.add_middleware(ClientMiddleware, identity=config.clients)
    app.add_middleware(IgnoreUnreadableRange)  # the signed download link: a file, as the site's
    app.state.config = config
    return app
