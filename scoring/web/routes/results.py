"""A stored Result, bilingual: parts, criteria (each member's points, the mean), decisions and the
trace sentences of the rules that fired."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..accounts import User
from ..deps import NotFound, page_context, require

router = APIRouter(prefix="/results")


@router.get("/{dossier_pk}")
def result_page(request: Request, dossier_pk: int, user: User = Depends(require("office", "secretary", "member"))
                ) -> Response:
    dossier, result = request.app.state.store.result_for(dossier_pk, user)
    if result is None:
        raise NotFound()
    return request.app.state.templates.TemplateResponse(request, "result.html",
                                                        page_context(request, dossier=dossier, r=result))
