"""A dossier's identity (everything but the points) and the form it is scored on.

Sheets carry the identity of the dossier they were made for; reading them back rebuilds the dossier
from it. `kind` and `previous_certificate` (issue 13) are read with `.get()` and kept as given.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Mapping

from .. import criteria as crit
from ..criteria.model import CriteriaSet, Form
from ..errors import Issue
from ..text import nfc_deep

POINT_KEYS = ("sheets", "scores")


def identity_of(dossier: Mapping[str, Any]) -> dict[str, Any]:
    """The dossier without its points, NFC-normalised."""
    return nfc_deep({k: v for k, v in dossier.items() if k not in POINT_KEYS})


def resolve_form(identity: Mapping[str, Any], file: str | None = None) -> tuple[CriteriaSet, Form] | Issue:
    """The criteria set and form a dossier names (the set in force on its date when omitted), or
    the issue that stops it. Only lookup: scoring stays with the kernel."""
    set_id = identity.get("criteria_set")
    try:
        if set_id:
            if set_id not in crit.available_sets():
                return Issue("bộ tiêu chí không tồn tại / unknown criteria set", file, "criteria_set", set_id,
                             ", ".join(crit.available_sets()))
            cs = crit.load_set(set_id)
        else:
            cs = crit.in_force(str(identity.get("evaluated_on", "")))
    except (LookupError, ValueError):
        return Issue("không xác định được bộ tiêu chí theo ngày đánh giá / no criteria set for the evaluation date",
                     file, "evaluated_on", identity.get("evaluated_on"), "YYYY-MM-DD within a set's dates")
    slug = identity.get("form")
    if not slug or not cs.has_form(slug):
        return Issue(f"biểu mẫu không có trong {cs.id} / unknown form for {cs.id}", file, "form", slug,
                     f"a slug from `ocop criteria list --set {cs.id}`")
    form = cs.form(slug, warn=False)
    if form.status == "missing":
        return Issue("biểu mẫu thiếu trong nguồn, không chấm được / this form is missing from our sources", file,
                     "form", slug, "a form whose status is complete or partial")
    return cs, form


def ascii_slug(text: str, limit: int = 40) -> str:
    """A file-name-safe ASCII slug of a Vietnamese name ("Nguyễn Văn Hùng" -> "nguyen-van-hung")."""
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    out = "".join(c if c.isascii() and c.isalnum() else "-" for c in t)
    return "-".join(p for p in out.split("-") if p)[:limit] or "x"


def sheet_title(dossier_id: str, taken: set[str]) -> str:
    """An Excel sheet title (≤ 31 characters, none of []:*?/\\) for a dossier, unique in its workbook."""
    base = "".join("-" if c in '[]:*?/\\' else c for c in dossier_id).strip("'") or "ho-so"
    title, n = base[:31], 2
    while title.lower() in {t.lower() for t in taken} or title == "_ocop":
        suffix = f"~{n}"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title
