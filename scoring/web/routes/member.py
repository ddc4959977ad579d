"""Member pages: the sessions a member sits on, and their own sheet for a dossier (radio buttons per
criterion, running totals, what blocks the next star), saved as a draft or submitted."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..accounts import User
from ..deps import Forbidden, page_context, require
from ..sheets import BadPoints, load_form, missing, read_posted, running_sum, sheet_rows
from ..store import SheetLocked
from ..verdict import member_verdict
from .auth import actor

router = APIRouter(prefix="/member")
MEMBER = Depends(require("member"))


def _member_id(user: User) -> int:
    if user.council_member_id is None:
        raise Forbidden()
    return user.council_member_id


@router.get("")
def my_sessions(request: Request, user: User = MEMBER) -> Response:
    sessions = request.app.state.store.member_sessions(_member_id(user))
    return request.app.state.templates.TemplateResponse(request, "member/sessions.html",
                                                        page_context(request, sessions=sessions))


def _render(request: Request, ctx, scores, message=None, error=None, status_code=200) -> Response:
    dossier = ctx.dossier
    form = load_form(dossier.criteria_set, dossier.form)
    verdict = member_verdict(dossier.content, ctx.member.name, scores) if not missing(form, scores) else None
    page = page_context(request, ctx=ctx, form=form, parts=sheet_rows(form, scores), scores=scores,
                        missing=missing(form, scores), verdict=verdict, running_total=running_sum(form, scores), message=message, error=error,
                        product=(dossier.content or {}).get("product", {}))
    return request.app.state.templates.TemplateResponse(request, "member/sheet.html", page, status_code=status_code)


@router.get("/sessions/{session_id}/dossiers/{dossier_pk}")
def sheet(request: Request, session_id: int, dossier_pk: int, saved: str | None = None, user: User = MEMBER) -> Response:
    ctx = request.app.state.store.sheet_context(session_id, dossier_pk, _member_id(user))
    message = {"draft": "saved", "reopened": "saved", "submitted": "submitted_msg"}.get(saved or "")
    return _render(request, ctx, ctx.scores, message=message)


@router.post("/sessions/{session_id}/dossiers/{dossier_pk}")
async def save(request: Request, session_id: int, dossier_pk: int, user: User = MEMBER) -> Response:
    """Save a draft or submit. Async only to read the posted form; the database work runs in the
    thread pool like the other routes', so that a save never holds up the event loop."""
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    return await run_in_threadpool(_save, request, session_id, dossier_pk, user, fields)


def _save(request: Request, session_id: int, dossier_pk: int, user: User, posted: dict[str, str]) -> Response:
    store = request.app.state.store
    member_id = _member_id(user)
    ctx = store.sheet_context(session_id, dossier_pk, member_id)
    form = load_form(ctx.dossier.criteria_set, ctx.dossier.form)
    try:
        scores = read_posted(form, posted)
    except BadPoints as exc:
        return _render(request, ctx, ctx.scores, error=("raw", {"text": str(exc)}), status_code=400)
    submit = posted.get("action") == "submit"
    if submit and missing(form, scores):
        return _render(request, ctx, scores, error=("incomplete", {"missing": ", ".join(missing(form, scores))}),
                       status_code=400)
    try:
        status = store.save_sheet(session_id, dossier_pk, member_id, scores, submit, actor(user))
    except SheetLocked as exc:
        ctx = store.sheet_context(session_id, dossier_pk, member_id)
        return _render(request, ctx, ctx.scores, error=(exc.key, {}), status_code=409)
    return RedirectResponse(f"/member/sessions/{session_id}/dossiers/{dossier_pk}?saved={status}", status_code=303)
