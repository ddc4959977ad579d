"""FastAPI dependencies: who is asking (from the session cookie), which roles a route admits, and the
CSRF check every unsafe request passes. Routes declare their guard with `Depends(require(...))`;
the security tests enumerate the routes and fail on one that has none.
"""
from __future__ import annotations

import secrets
from typing import Any, Callable
from urllib.parse import quote

from fastapi import Request
from sqlalchemy import Engine

from . import accounts
from .accounts import User
from .i18n import LANGS, translator

SESSION_COOKIE = "ocop_session"
PRE_COOKIE = "ocop_pre"  # binds the login form's CSRF token before there is a session
LANG_COOKIE = "ocop_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class NeedLogin(Exception):
    """Anonymous request to a guarded route: answered with a redirect to the login page, never data."""


class Forbidden(Exception):
    """A logged-in user outside the route's roles or the object's scope: a 403 page, never data."""


class CsrfFailed(Exception):
    """An unsafe request without a valid CSRF token (or from another origin): refused with 403."""


class NotFound(Exception):
    """An object that does not exist, or that the user may not know exists."""


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGS else "vi"


def current_user(request: Request) -> User | None:
    """The user of the session cookie, looked up in the registry once per request."""
    if not hasattr(request.state, "user"):
        request.state.user = accounts.session_user(engine_of(request), request.cookies.get(SESSION_COOKIE))
    return request.state.user


def require(*roles: str) -> Callable[[Request], User]:
    """A dependency admitting logged-in users whose role is in `roles`."""
    unknown = set(roles) - set(accounts.ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def guard(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise NeedLogin()
        if user.role not in roles:
            raise Forbidden()
        return user

    guard.roles = roles  # type: ignore[attr-defined]  # read by the route-enumerating security test
    return guard


def public(request: Request) -> None:
    """Marks a route as open to anonymous users (login, language switch, health)."""


public.roles = ()  # type: ignore[attr-defined]


def csrf_binding(request: Request) -> str:
    """What this request's CSRF token is bound to: the session, else the pre-session cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and current_user(request) is not None:
        return "s:" + token
    pre = request.cookies.get(PRE_COOKIE) or getattr(request.state, "new_pre", None)
    if not pre:
        pre = request.state.new_pre = secrets.token_urlsafe(24)
    return "p:" + pre


def csrf_for(request: Request) -> str:
    return accounts.csrf_token(engine_of(request), csrf_binding(request))


async def csrf_protect(request: Request) -> None:
    """App-wide: every unsafe request carries the token of its session (form field `csrf_token`,
    or header X-CSRF-Token) and, when the browser says where it comes from, comes from this site."""
    if request.method not in UNSAFE:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfFailed()
    if origin == "null":
        raise CsrfFailed()
    token = request.headers.get("x-csrf-token")
    if token is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            token = value if isinstance(value, str) else None
    if not accounts.csrf_valid(engine_of(request), csrf_binding(request), token):
        raise CsrfFailed()


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target after login: a path on this site only (no open redirect to //evil.example)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_url(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(path, safe="/")


def page_context(request: Request, **ctx: Any) -> dict[str, Any]:
    lang = lang_of(request)
    user = current_user(request)
    return {"request": request, "t": translator(lang), "lang": lang, "user": user, "csrf": csrf_for(request),
            "role_label": (accounts.ROLE_LABELS[user.role][1 if lang == "en" else 0] if user else ""), **ctx}

