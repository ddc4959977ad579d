"""Login, logout, the language switch and the home page that sends each role to its own area."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from .. import accounts
from ..deps import (LANG_COOKIE, SESSION_COOKIE, current_user, engine_of, page_context, public, require, safe_next)
from ..i18n import LANGS

router = APIRouter()

HOME = {"office": "/office", "secretary": "/secretary", "member": "/member"}


@router.get("/", dependencies=[Depends(public)])
def home(request: Request) -> Response:
    user = current_user(request)
    return RedirectResponse(HOME[user.role] if user else "/login", status_code=303)


@router.get("/login", dependencies=[Depends(public)])
def login_form(request: Request, next: str | None = None) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "login.html", page_context(request, next=safe_next(next, ""), error=None))


@router.post("/login", dependencies=[Depends(public)])
def login(request: Request, username: str = Form(max_length=200), password: str = Form(max_length=1000),
          next: str = Form("", max_length=2000)) -> Response:
    store = request.app.state.store
    outcome = accounts.authenticate(engine_of(request), username, password)
    if outcome.user is None:
        error = ("locked", {"minutes": accounts.LOCK_SECONDS // 60}) if outcome.locked_until else ("bad_login", {})
        store.audit(f"web:{accounts.normalise_username(username)[:100]}",
                    "web.login.locked" if outcome.locked_until else "web.login.failed", "web_user",
                    accounts.normalise_username(username)[:100])
        ctx = page_context(request, next=safe_next(next, ""), error=error, username=username)
        return request.app.state.templates.TemplateResponse(request, "login.html", ctx, status_code=401)
    # a new session id at every login, and the old one (if any) ended: no session fixation
    accounts.close_session(engine_of(request), request.cookies.get(SESSION_COOKIE))
    token = accounts.open_session(engine_of(request), outcome.user)
    store.audit(actor(outcome.user), "web.login", "web_user", outcome.user.username)
    return _with_session(RedirectResponse(safe_next(next, HOME[outcome.user.role]), status_code=303), request, token)


def _with_session(response: Response, request: Request, token: str) -> Response:
    """The login session's cookie on `response` (a login, or the fresh session after a password change)."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https", max_age=accounts.SESSION_SECONDS)
    return response


@router.post("/logout", dependencies=[Depends(require(*accounts.ROLES))])
def logout(request: Request) -> Response:
    user = current_user(request)
    accounts.close_session(engine_of(request), request.cookies.get(SESSION_COOKIE))
    request.app.state.store.audit(actor(user), "web.logout", "web_user", user.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password", dependencies=[Depends(require(*accounts.ROLES))])
def password_form(request: Request, done: int = 0) -> Response:
    return request.app.state.templates.TemplateResponse(request, "password.html",
                                                        page_context(request, error=None, done=bool(done)))


@router.post("/account/password", dependencies=[Depends(require(*accounts.ROLES))])
def change_password(request: Request, current: str = Form(max_length=1000), new: str = Form(max_length=1000),
                    again: str = Form(max_length=1000)) -> Response:
    """Change one's own password. Every session of the account ends (a session stolen with the old
    password too); this browser gets a new one, so the user stays logged in here."""
    user = current_user(request)
    store = request.app.state.store
    error = "password_mismatch" if new != again else accounts.change_password(engine_of(request), user, current, new)
    if error is not None:
        if error in ("password_wrong", "password_locked"):
            store.audit(actor(user), "web.password.failed", "web_user", user.username)
        ctx = page_context(request, error=(error, {"minutes": accounts.LOCK_SECONDS // 60}), done=False)
        return request.app.state.templates.TemplateResponse(request, "password.html", ctx, status_code=400)
    store.audit(actor(user), "web.password.changed", "web_user", user.username)
    token = accounts.open_session(engine_of(request), user)
    return _with_session(RedirectResponse("/account/password?done=1", status_code=303), request, token)


@router.get("/lang/{code}", dependencies=[Depends(public)])
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", path="/", max_age=365 * 86400,
                            secure=request.url.scheme == "https", httponly=True)
    return response


@router.get("/healthz", dependencies=[Depends(public)])
def health() -> dict[str, str]:
    return {"status": "ok"}


def actor(user: accounts.User) -> str:
    """How a web user is named in the registry's audit log."""
    return f"web:{user.username}"
