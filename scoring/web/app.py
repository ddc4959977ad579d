"""The FastAPI application: routers per area, security headers, error pages, static files.

`create_app(url)` serves one registry database. Nothing is kept in process memory between
requests (sessions, lockout counters and the CSRF key are rows of the registry; a worker keeps only
its connection pool, a copy of the never-changing CSRF key and, on SQLite, a writers' mutex), so
uvicorn's `--workers N` or several hosts behind a proxy serve the same database; `app_from_env` is
the factory uvicorn's workers import (the URL travels in OCOP_DB).
"""
from __future__ import annotations

import os
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .deps import (PRE_COOKIE, CsrfFailed, Forbidden, NeedLogin, NotFound, csrf_protect, login_url, page_context)
from .limits import BodyLimit

HERE = Path(__file__).resolve().parent

# No inline script or style anywhere (templates use external files only), so the policy can refuse
# both; htmx requests go to the same origin (default-src 'self').
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds the security headers to every response, `no-store` to every page (not the static
    files), and the pre-session cookie a login form's CSRF token is bound to when one was made.

    A plain ASGI middleware: Starlette's `@app.middleware("http")` runs each request through extra
    tasks and streams, about a millisecond of the save path's budget on this machine."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    if k not in headers:
                        headers[k] = v
                if not static:
                    headers["Cache-Control"] = "no-store"
                new_pre = scope.get("state", {}).get("new_pre")  # set by deps.csrf_binding
                if new_pre:
                    cookie = Response()
                    cookie.set_cookie(PRE_COOKIE, new_pre, httponly=True, samesite="lax", secure=https, path="/")
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


@pass_context
def _number(context, value: float | int | None, digits: int = 2) -> str:
    """A number as the page's language writes it: 1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return ""
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    if context.get("lang", "vi") == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


@pass_context
def _labelled(context, codes, prefix: str) -> list[tuple[str, str]]:
    """(code, label in the page's language) for a select of stored codes (levels, council roles)."""
    return [(c, context["t"](prefix + c)) for c in codes]


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.autoescape = True  # every value is escaped, whatever the file's suffix
    t.env.filters["vn"] = _number
    t.env.globals["labelled"] = _labelled
    return t


def routers() -> list:
    """The app's routers, one per area (the security tests walk every route of each)."""
    from .routes import accounts, auth, manage, member, office, results, secretary

    return [m.router for m in (auth, member, secretary, office, manage, accounts, results)]


def create_app(db_url: str | None = None) -> FastAPI:
    """The app over the registry at `db_url` (default $OCOP_DB, else sqlite:///ocop.db)."""
    from .store import Store

    app = FastAPI(title="ocop-scoring", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_protect)])
    store = Store(db_url)
    app.state.store = store
    app.state.engine = store.engine
    app.state.templates = templates()

    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)  # added last: the outermost, so a 413 gets the headers too

    def error_page(request: Request, status: int, key: str) -> Response:
        ctx = page_context(request, message_key=key)
        return app.state.templates.TemplateResponse(request, "error.html", ctx, status_code=status)

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": login_url(request)})
        return RedirectResponse(login_url(request), status_code=303)

    def page_for(status: int, key: str):
        async def handler(request: Request, exc: Exception) -> Response:
            return error_page(request, status, key)
        return handler

    for exc_type, status, key in ((Forbidden, 403, "forbidden"), (CsrfFailed, 403, "csrf"), (NotFound, 404, "not_found"),
                                  (RequestValidationError, 400, "bad_request")):
        app.add_exception_handler(exc_type, page_for(status, key))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(request, 404, "not_found")
        return HTMLResponse(str(exc.detail), status_code=exc.status_code)

    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (`--workers N`): the registry URL comes from OCOP_DB."""
    return create_app(os.environ.get("OCOP_DB"))
