"""Office pages: registry search (products, producers, certificates by area, star and status), a
product's history, certificates due for re-evaluation, and revocation with its ground."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..accounts import User
from ..deps import page_context, require
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
def product(request: Request, product_id: int, user: User = OFFICE) -> Response:
    history = request.app.state.store.product_history(product_id)
    return request.app.state.templates.TemplateResponse(request, "office/product.html",
                                                        page_context(request, h=history))


@router.get("/certificates/due")
def due(request: Request, within: int = 180, as_of: date | None = None, user: User = OFFICE) -> Response:
    store = request.app.state.store
    as_of = as_of or date.today()
    rows = store.certificates_due(as_of, within)
    return request.app.state.templates.TemplateResponse(
        request, "office/due.html", page_context(request, rows=rows, within=within, as_of=as_of,
                                                 grounds=store.revocation_grounds()))


@router.post("/certificates/{number}/revoke")
def revoke(request: Request, number: str, ground: str = Form(max_length=10), on: date = Form(),
           note: str = Form("", max_length=2000), user: User = OFFICE) -> Response:
    store = request.app.state.store
    error = store.revoke(number, ground, on, note, actor(user))
    if error:
        ctx = page_context(request, rows=store.certificates_due(date.today(), 180), within=180, as_of=date.today(),
                           grounds=store.revocation_grounds(), error=("raw", {"text": error}))
        return request.app.state.templates.TemplateResponse(request, "office/due.html", ctx, status_code=400)
    return RedirectResponse("/office/certificates/due", status_code=303)
