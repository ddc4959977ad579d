"""The office's account pages: who can log in to the app, as what, and as which council member.

The office runs the app for its province (docs/WEB.md): it makes the accounts of the members and
the secretary when it sets up a council, closes one when a member leaves or a tablet is lost, and
sets a new password for someone who forgot theirs. The office types every password (there is no
default, and none is shown back); an office user changes their own at /account/password, which
keeps them logged in, so the reset and close buttons are not offered on one's own account. Each
write commits together with its line in the audit log (the office user), as the `ocop users`
commands' do (the shell user).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from .. import accounts
from ..deps import NotFound, lang_of, page_context, require
from ..forms import FormInvalid, FormState, attempt, form_values, optional, refused, whole
from .auth import actor
from .manage import POSTED

router = APIRouter(prefix="/office/accounts")
OFFICE = Depends(require("office"))

NEW_FIELDS = ("username", "display_name", "role", "council_member_id")  # the passwords are never re-shown
LIMITS = {"username": 100, "display_name": 200, "password": 1000, "again": 1000}  # the columns' sizes
MESSAGES = ("account_created", "account_closed", "account_reopened", "password_set")


def _page(request: Request, new: FormState | None = None, reset: FormState | None = None, msg: str | None = None,
          status: int = 200) -> Response:
    new = new or FormState("new", {n: "" for n in NEW_FIELDS} | {"role": "member", "password": "", "again": ""})
    # the form offers the members still serving; the list names the member an account is (left or not)
    members = request.app.state.store.council_members()
    ctx = page_context(request, users=accounts.list_users(request.app.state.store.engine), new=new,
                       reset=reset or FormState("reset", {}), members={m["id"]: m for m in members},
                       serving=[m for m in members if m["active"]], role_labels=accounts.ROLE_LABELS,
                       role_choices=[(r, accounts.ROLE_LABELS[r][1 if lang_of(request) == "en" else 0])
                                     for r in accounts.ROLES], msg=msg if msg in MESSAGES else None)
    return request.app.state.templates.TemplateResponse(request, "office/accounts.html", ctx, status_code=status)


def _passwords(values: dict[str, str]) -> str:
    """The password typed twice, checked as the own-change form checks it."""
    if len(values["password"]) < accounts.MIN_PASSWORD:
        raise FormInvalid("password", "password_short")
    if values["password"] != values["again"]:
        raise FormInvalid("again", "password_mismatch")
    return values["password"]


def _too_long(values: dict[str, str]) -> None:
    for name, value in values.items():
        if len(value) > LIMITS.get(name, 20):
            raise FormInvalid(name, "too_long", limit=LIMITS.get(name, 20))


def _target(request: Request, user_id: int, user: accounts.User) -> accounts.User | None:
    """The account a button is for; None when it is the office user's own (see the module's note)."""
    target = accounts.find_user(request.app.state.store.engine, user_id)
    if target is None:
        raise NotFound()
    return None if target.id == user.id else target


def _own_account(request: Request) -> Response:
    return _page(request, reset=refused(FormState("own", {}), FormInvalid("", "own_account")), status=400)


@router.get("")
def accounts_page(request: Request, msg: str | None = None, user: accounts.User = OFFICE) -> Response:
    return _page(request, msg=msg)


@router.post("")
def create_account(request: Request, form: FormData = POSTED, user: accounts.User = OFFICE) -> Response:
    """An account for an office user, or for a council member (a member or the council's thư ký,
    still serving): refused on its field and re-shown as typed, without the passwords."""
    store = request.app.state.store
    values = form_values(form, NEW_FIELDS + ("password", "again"))
    state = FormState("new", {n: values[n] for n in NEW_FIELDS} | {"password": "", "again": ""})

    def write() -> accounts.User:
        _too_long(values)
        role = values["role"]
        if role not in accounts.ROLES:
            raise FormInvalid("role", "bad_account_role")
        member_id = None
        if role != "office":
            if not values["council_member_id"].strip():
                raise FormInvalid("council_member_id", "need_council_member")
            member_id = whole(values["council_member_id"], "council_member_id", 1, 2**31 - 1)
            store.account_member(member_id, role, location="council_member_id")
        password = _passwords(values)
        try:
            return store.add_account(actor(user), values["username"], password, role,
                                     optional(values["display_name"]), member_id)
        except accounts.AccountError as exc:
            raise FormInvalid("username", "raw", text=str(exc)) from None

    created = attempt(state, write)
    if created is None:
        return _page(request, new=state, status=400)
    return RedirectResponse(f"/office/accounts?msg=account_created#account-{created.id}", status_code=303)


@router.post("/{user_id}/active")
def account_active(request: Request, user_id: int, form: FormData = POSTED,
                   user: accounts.User = OFFICE) -> Response:
    """Close an account (`active` 0: it cannot log in and its sessions end now) or reopen it (1)."""
    target = _target(request, user_id, user)
    wanted = form_values(form, ("active",))["active"]
    if wanted not in ("0", "1"):
        raise NotFound()
    if target is None:
        return _own_account(request)
    request.app.state.store.set_account_active(actor(user), target.username, wanted == "1")
    msg = "account_reopened" if wanted == "1" else "account_closed"
    return RedirectResponse(f"/office/accounts?msg={msg}#account-{user_id}", status_code=303)


@router.post("/{user_id}/password")
def account_password(request: Request, user_id: int, form: FormData = POSTED,
                     user: accounts.User = OFFICE) -> Response:
    """A new password for someone else's account, typed twice; every session of that account ends."""
    target = _target(request, user_id, user)
    if target is None:
        return _own_account(request)
    values = form_values(form, ("password", "again"))
    state = FormState(f"reset-{user_id}", {})
    store = request.app.state.store

    def write() -> accounts.User:
        _too_long(values)
        return store.reset_password(actor(user), target.username, _passwords(values))

    if attempt(state, write) is None:
        return _page(request, reset=state, status=400)
    return RedirectResponse(f"/office/accounts?msg=password_set#account-{user_id}", status_code=303)
