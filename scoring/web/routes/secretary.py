"""Secretary pages: the council's sessions, the live session board (htmx polls its table), sending a
member's sheet back for re-scoring, accepting a divergence with a reason, closing the session, and
the session's documents."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..accounts import User
from ..board import decide, session_board
from ..deps import page_context, require
from ..store import SheetLocked
from .auth import actor

router = APIRouter(prefix="/secretary")
SECRETARY = Depends(require("secretary"))


@router.get("")
def sessions(request: Request, user: User = SECRETARY) -> Response:
    store = request.app.state.store
    council_id = store.secretary_council(user.council_member_id)
    return request.app.state.templates.TemplateResponse(
        request, "secretary/sessions.html", page_context(request, sessions=store.council_sessions(council_id)))


def _board_context(request: Request, user: User, session_id: int, **extra):
    store = request.app.state.store
    sess, council = store.secretary_session(session_id, store.secretary_council(user.council_member_id))
    members, boards = session_board(store, session_id)
    return page_context(request, sess=sess, council=council, members=members, boards=boards, **extra)


@router.get("/sessions/{session_id}")
def board(request: Request, session_id: int, msg: str | None = None, user: User = SECRETARY) -> Response:
    ctx = _board_context(request, user, session_id, message=msg if msg in ("closed_msg", "reopened_msg") else None,
                         documents=[(n, n) for n in DOCUMENTS])
    return request.app.state.templates.TemplateResponse(request, "secretary/board.html", ctx)


@router.get("/sessions/{session_id}/board")
def board_table(request: Request, session_id: int, user: User = SECRETARY) -> Response:
    """The board's table alone, for htmx's periodic refresh."""
    ctx = _board_context(request, user, session_id)
    return request.app.state.templates.TemplateResponse(request, "secretary/_board.html", ctx)


@router.post("/sessions/{session_id}/dossiers/{dossier_pk}/reopen")
def reopen(request: Request, session_id: int, dossier_pk: int, member_id: int = Form(), user: User = SECRETARY) -> Response:
    store = request.app.state.store
    council_id = store.secretary_council(user.council_member_id)
    try:
        store.reopen(session_id, council_id, dossier_pk, member_id, actor(user))
    except SheetLocked as exc:
        ctx = _board_context(request, user, session_id, error=(exc.key, exc.fields))
        return request.app.state.templates.TemplateResponse(request, "secretary/board.html", ctx, status_code=409)
    return RedirectResponse(f"/secretary/sessions/{session_id}?msg=reopened_msg", status_code=303)


@router.post("/sessions/{session_id}/dossiers/{dossier_pk}/override")
def override(request: Request, session_id: int, dossier_pk: int, reason: str = Form(max_length=2000),
             user: User = SECRETARY) -> Response:
    """Record the council's decision to proceed despite a divergence, with its reason."""
    store = request.app.state.store
    council_id = store.secretary_council(user.council_member_id)
    if not reason.strip():
        ctx = _board_context(request, user, session_id, error=("reason", {}))
        return request.app.state.templates.TemplateResponse(request, "secretary/board.html", ctx, status_code=400)
    try:
        store.override(session_id, council_id, dossier_pk, reason, actor(user))
    except SheetLocked as exc:
        ctx = _board_context(request, user, session_id, error=(exc.key, exc.fields))
        return request.app.state.templates.TemplateResponse(request, "secretary/board.html", ctx, status_code=409)
    return RedirectResponse(f"/secretary/sessions/{session_id}", status_code=303)


@router.post("/sessions/{session_id}/close")
def close(request: Request, session_id: int, user: User = SECRETARY) -> Response:
    """Close the session: each dossier's Result by the rule engine on all its sheets, stored."""
    store = request.app.state.store
    council_id = store.secretary_council(user.council_member_id)
    try:
        store.close(session_id, council_id, actor(user), decide(store, session_id))
    except SheetLocked as exc:
        ctx = _board_context(request, user, session_id, error=(exc.key, exc.fields))
        return request.app.state.templates.TemplateResponse(request, "secretary/board.html", ctx, status_code=409)
    return RedirectResponse(f"/secretary/sessions/{session_id}?msg=closed_msg", status_code=303)


DOCUMENTS = {  # file name -> media type (the council layer's session documents)
    "bang-tong-hop.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "bien-ban.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "bien-ban.pdf": "application/pdf",
    "danh-sach-cong-nhan.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "danh-sach-cong-nhan.pdf": "application/pdf",
    "danh-sach-cap-tren.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "danh-sach-cap-tren.pdf": "application/pdf",
}


@router.get("/sessions/{session_id}/documents/{name}")
def document(request: Request, session_id: int, name: str, user: User = SECRETARY) -> Response:
    """A document of a closed session, made from its stored Results by the council layer (made on
    request, in a temporary folder: the server keeps no files)."""
    import tempfile
    from pathlib import Path

    from ...council.documents import session_documents
    from ..deps import NotFound

    store = request.app.state.store
    sess, _ = store.secretary_session(session_id, store.secretary_council(user.council_member_id))
    if name not in DOCUMENTS or sess.status != "closed":
        raise NotFound()
    with tempfile.TemporaryDirectory(prefix="ocop-docs-") as tmp:
        session_documents(store.session_entries(session_id), store.council_session(session_id), tmp,
                          pdf=name.endswith(".pdf"))
        data = (Path(tmp) / name).read_bytes()
    return Response(data, media_type=DOCUMENTS[name],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
