"""The few registry reads the reports need that the Registry API does not offer (SQLAlchemy Core on
the registry's models, parameterised; listed in docs/REPORTS.md). Everything else comes from
`scoring.registry.Registry`: certificates with their status as of a date, counts by area × stars,
due lists, the pipeline, producers' contacts, dossiers.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import aliased

from ..registry.models import Certificate, Dossier, Producer, Product, ResultRow


def certificate_kinds(conn: Connection, as_of: date) -> dict[str, tuple[str, int | None]]:
    """Certificate number → (kind of the dossier it was issued on, stars of the certificate it superseded).

    The kind tells a new product from an upgrade or a re-evaluation; the previous stars price an
    upgrade's reward as a difference. A certificate issued without a result (none in our registry)
    counts as kind "new"."""
    prev = aliased(Certificate)
    q = (select(Certificate.number, Dossier.kind, prev.stars)
         .outerjoin(ResultRow, ResultRow.id == Certificate.result_id)
         .outerjoin(Dossier, Dossier.id == ResultRow.dossier_pk)
         .outerjoin(prev, prev.superseded_by == Certificate.id)
         .where(Certificate.issued_on <= as_of))
    return {n: (k or "new", p) for n, k, p in conn.execute(q)}


def dossier_products(conn: Connection, start: date, end: date) -> dict[str, int | None]:
    """dossier_id → product id for dossiers evaluated in [start, end] (the pipeline's rows name the
    product but not its id, which an upgrade needs to move a counted product to its new stars)."""
    q = select(Dossier.dossier_id, Dossier.product_id).where(Dossier.evaluated_on.between(start, end))
    return {d: p for d, p in conn.execute(q)}


def scored_not_recognised(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Dossiers evaluated in [start, end] whose current result is neither recognised nor sent up,
    without a certificate: products below 3★ that a support line might lift (what-if candidates)."""
    latest = select(ResultRow.dossier_pk, func.max(ResultRow.id).label("rid")).group_by(ResultRow.dossier_pk).subquery()
    certified = select(ResultRow.dossier_pk).join(Certificate, Certificate.result_id == ResultRow.id)
    q = (select(Dossier.dossier_id, Dossier.kind, Dossier.product_id, ResultRow.total, ResultRow.stars,
                ResultRow.status, ResultRow.evaluated_on, Product.name.label("product"), Product.province,
                Product.district, Product.commune)
         .join(latest, latest.c.rid == ResultRow.id).join(Dossier, Dossier.id == ResultRow.dossier_pk)
         .outerjoin(Product, Product.id == Dossier.product_id)
         .where(ResultRow.status != "recognised", ResultRow.escalate_to.is_(None),
                ResultRow.evaluated_on.between(start, end), Dossier.id.not_in(certified))
         .order_by(ResultRow.total.desc()))
    return [dict(r._mapping) for r in conn.execute(q)]


def certificate_totals(conn: Connection, as_of: date) -> dict[str, float]:
    """Certificate number → the total of the result it was issued on (ranks what-if candidates without
    re-scoring them)."""
    q = (select(Certificate.number, ResultRow.total).join(ResultRow, ResultRow.id == Certificate.result_id)
         .where(Certificate.issued_on <= as_of))
    return {n: t for n, t in conn.execute(q)}


def dossier_contents(conn: Connection, dossier_ids: list[str]) -> dict[str, Any]:
    """dossier_id → its canonical content, for a few hundred ids at most (one IN list per 500)."""
    out: dict[str, Any] = {}
    for i in range(0, len(dossier_ids), 500):
        q = select(Dossier.dossier_id, Dossier.content).where(Dossier.dossier_id.in_(dossier_ids[i:i + 500]))
        out.update({d: c for d, c in conn.execute(q)})
    return out


def product_contacts(conn: Connection, product_ids: list[int]) -> dict[int, dict[str, Any]]:
    """product id → its producer's representative, phone, email and address (the supervision list's
    contacts), for the listed products only (one IN list per 500 ids)."""
    out: dict[int, dict[str, Any]] = {}
    cols = (Product.id, Producer.representative, Producer.phone, Producer.email, Producer.address)
    for i in range(0, len(product_ids), 500):
        q = (select(*cols).join(Producer, Producer.id == Product.producer_id)
             .where(Product.id.in_(product_ids[i:i + 500])))
        out.update({r.id: dict(r._mapping) for r in conn.execute(q)})
    return out
