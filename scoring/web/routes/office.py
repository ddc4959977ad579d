"""Office pages: registry search (products, producers, certificates by area, star and status), a
product's history, certificates due for re-evaluation, and revocation with its ground."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..accounts import User
from ..deps import page_context, require, safe_next
from .auth import actor

router = APIRouter(prefix="/office")
OFFICE = Depends(require("office"))


@router.get("")
def search(request: Request, q: str = "", province: str = "", district: str = "", commune: str = "",
           stars: int | None = None, status: str = "", user: User = OFFICE) -> Response:
    store = request.app.state.store
    rows = store.search_products(q=q, province=province, district=district, commune=commune, stars=stars, status=status)
    ctx = page_context(request, rows=rows, q=q, province=province, district=district, commune=commune, stars=stars,
                       status=status)
    return request.app.state.templates.TemplateResponse(request, "office/search.html", ctx)


@router.get("/products/{product_id}")
def product(request: Request, product_id: int, msg: str | None = None, user: User = OFFICE) -> Response:
    return product_page(request, product_id, msg=msg)


def product_page(request: Request, product_id: int, *, edit=None, msg: str | None = None,  # noqa: ANN001
                 status: int = 200) -> Response:
    """A product's history, its revocation forms and its edit form (`edit`: as typed, when refused)."""
    from .manage import MESSAGES, product_edit_state, product_sets

    store = request.app.state.store
    h = store.product_history(product_id)
    ctx = page_context(request, h=h, grounds=store.revocation_grounds(), today=date.today().isoformat(),
                       edit=edit or product_edit_state(h), product_sets=product_sets(),
                       msg=msg if msg in MESSAGES else None)
    return request.app.state.templates.TemplateResponse(request, "office/product.html", ctx, status_code=status)


@router.get("/certificates/due")
def due(request: Request, within: int = Query(180, ge=0, le=3650), as_of: date | None = None, user: User = OFFICE) -> Response:
    store = request.app.state.store
    as_of = as_of or date.today()
    rows = store.certificates_due(as_of, within)
    return request.app.state.templates.TemplateResponse(
        request, "office/due.html", page_context(request, rows=rows, within=within, as_of=as_of,
                                                 grounds=store.revocation_grounds()))


@router.post("/certificates/revoke")
def revoke(request: Request, number: str = Form(max_length=60), ground: str = Form(max_length=10), on: date = Form(),
           note: str = Form("", max_length=2000), back: str = Form("", max_length=200), user: User = OFFICE) -> Response:
    """Revoke a certificate on a ground of QĐ 26/2026 Điều 8's closed list (the registry refuses the rest)."""
    store = request.app.state.store
    error = store.revoke(number, ground, on, note, actor(user))
    target = safe_next(back, "/office/certificates/due")
    if error:
        ctx = page_context(request, message_key="raw", message_fields={"text": error}, back=target)
        return request.app.state.templates.TemplateResponse(request, "error.html", ctx, status_code=400)
    return RedirectResponse(target, status_code=303)
