"""The registry's read queries: SQL over indexed columns, parameterised, one round trip each.

Statuses "as of a day" are computed in SQL from the stored dates (issued_on, expires_on,
revoked_on, superseded_on), so that any past or future day can be asked without rewriting rows:

    revoked     revoked_on ≤ day
    superseded  superseded_on ≤ day (a newer certificate for the product was issued)
    expired     expires_on < day (valid through its expiry day)
    valid       otherwise (and issued_on ≤ day; later certificates do not exist yet on that day)
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterator

from sqlalchemy import Connection, and_, case, func, literal, or_, select

from .dates import extension_rule
from .errors import not_found
from .models import Certificate, Dossier, DossierVersion, MemberSheet, Producer, Product, ResultRow

C, P, R, D = Certificate, Product, ResultRow, Dossier


def _dicts(result: Any) -> Iterator[dict[str, Any]]:
    """Rows as dicts, the keys taken once (a due list or a commune count has 10^4 rows)."""
    keys = list(result.keys())
    for row in result:
        yield dict(zip(keys, row))


def status_as_of(day: date):  # noqa: ANN201
    """SQL expression: a certificate's status on `day` (see the module docstring)."""
    return case(
        (and_(C.revoked_on.is_not(None), C.revoked_on <= day), literal("revoked")),
        (and_(C.superseded_on.is_not(None), C.superseded_on <= day), literal("superseded")),
        (C.expires_on < day, literal("expired")),
        else_=literal("valid"),
    )


def _not_ended(day: date):  # noqa: ANN201
    """Neither revoked nor superseded on `day`."""
    return and_(or_(C.revoked_on.is_(None), C.revoked_on > day), or_(C.superseded_on.is_(None), C.superseded_on > day))


def _cert_columns(day: date) -> list[Any]:
    return [C.number, C.stars, C.issued_on, C.issued_by, C.expires_on, C.window_opens_on, C.window_closes_on,
            status_as_of(day).label("status"), C.status.label("stored_status"), C.revoked_on, C.revocation_ground,
            C.revocation_note, C.superseded_on, C.product_id, P.name.label("product"), P.code.label("product_code"),
            Producer.name.label("producer"), P.province, P.district, P.commune, C.dossier_id]


def _cert_base(day: date, *, issued_by_then: bool = True, columns: list[Any] | None = None):  # noqa: ANN201
    q = (select(*(columns if columns is not None else _cert_columns(day))).join(P, P.id == C.product_id)
         .join(Producer, Producer.id == P.producer_id))
    return q.where(C.issued_on <= day) if issued_by_then else q


def certificates(conn: Connection, *, as_of: date, status: str | None = None, number: str | None = None,
                 province: str | None = None, district: str | None = None, commune: str | None = None,
                 stars: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    q = _cert_base(as_of, issued_by_then=number is None).order_by(C.issued_on, C.number)
    if number is not None:  # one certificate, whatever the day: its status as of `as_of`
        q = q.where(C.number == number)
    if status is not None:
        q = q.where(status_as_of(as_of) == status)
    for col, value in ((P.province, province), (P.district, district), (P.commune, commune), (C.stars, stars)):
        if value is not None:
            q = q.where(col == value)
    if limit is not None:
        q = q.limit(limit)
    return list(_dicts(conn.execute(q)))


def due(conn: Connection, day: date, within: int) -> list[dict[str, Any]]:
    """Valid on `day` with the window opening by day + within (or already open or closed), and
    expired on `day` without a successor or revocation; ordered by expiry, then number.

    Shaped for speed (benchmarks/README.md, "Registry"). On SQLite the certificates are chosen by a
    subquery that reads only the covering index `ix_certificates_as_of` (every column of the filter
    is in it), and the outer query fetches the chosen rows by id. Filtering in the outer query
    instead let SQLite walk an index in expiry order and fetch each row, product and producer at random (or pick the index on issued_on, which selects nearly every row). The
    database sorts (a sorter over ~10^4 rows costs SQLite less than comparing date objects in
    Python), and the status as of the day is known without SQL: a row here is neither revoked nor
    superseded on `day`, so it is "expired" once its expiry day has passed and "valid" otherwise —
    what `status_as_of` would compute for it."""
    horizon = day + timedelta(days=within)
    opens = func.coalesce(C.window_opens_on, C.expires_on)
    wanted = (C.issued_on <= day, _not_ended(day), or_(and_(C.expires_on >= day, opens <= horizon), C.expires_on < day))
    columns = [c for c in _cert_columns(day) if c.name != "status"]
    q = _cert_base(day, issued_by_then=False, columns=columns)
    if conn.dialect.name == "sqlite":
        q = q.where(C.id.in_(select(C.id).where(*wanted)))
    else:  # PostgreSQL plans the plain filter well (hash joins)
        q = q.where(*wanted)
    # byte order of the number on both databases (SQLite's BINARY; "C" on PostgreSQL, whatever the
    # database's own collation), so the two give the same list
    number = C.number if conn.dialect.name == "sqlite" else C.number.collate("C")
    result = conn.execute(q.order_by(C.expires_on, number))
    keys = list(result.keys())
    at = {k: i for i, k in enumerate(keys)}
    expires_at, opens_at, closes_at = at["expires_on"], at["window_opens_on"], at["window_closes_on"]
    keys += ["status", "due", "days_to_expiry", "extension_limit"]
    extension_limit = extension_rule()
    rows = []
    append = rows.append
    # SQLite: row by row (measured faster than one fetchall here); psycopg: fetchall, whose rows are
    # made in C where its fetchone is Python (benchmarks/README.md, "Registry")
    for row in (result if conn.dialect.name == "sqlite" else result.all()):
        expires, opens_on, closes_on = row[expires_at], row[opens_at], row[closes_at]
        if expires < day:
            state, why = "expired", "expired"
        elif opens_on is None or opens_on > day:
            state, why = "valid", "window-opens"
        elif closes_on is None or closes_on >= day:
            state, why = "valid", "window-open"
        else:
            state, why = "valid", "window-closed"
        append(dict(zip(keys, (*row, state, why, (expires - day).days, extension_limit(expires, closes_on)))))
    return rows


AREA_COLUMNS = {"province": (P.province,), "district": (P.province, P.district),
                "commune": (P.province, P.district, P.commune)}


def counts_by_area(conn: Connection, day: date, by: str) -> list[dict[str, Any]]:
    cols = AREA_COLUMNS[by]
    q = (select(*cols, C.stars, func.count().label("count")).join(P, P.id == C.product_id)
         .where(C.issued_on <= day, C.expires_on >= day, _not_ended(day))
         .group_by(*cols, C.stars).order_by(*cols, C.stars))
    return list(_dicts(conn.execute(q)))


def issued_between(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    q = _cert_base(end).where(C.issued_on >= start).order_by(C.issued_on, C.number)
    return [dict(r._mapping) for r in conn.execute(q)]


def _latest_results():  # noqa: ANN202
    return select(R.dossier_pk, func.max(R.id).label("rid")).group_by(R.dossier_pk).subquery()


def pipeline(conn: Connection) -> list[dict[str, Any]]:
    latest = _latest_results()
    certified = select(R.dossier_pk).join(C, C.result_id == R.id)
    q = (select(D.dossier_id, D.kind, D.round_id, R.id.label("result_id"), R.criteria_set, R.form, R.level,
                R.evaluated_on, R.total, R.stars, R.status, R.recognised_by, R.escalate_to, P.name.label("product"),
                P.province, P.district, P.commune)
         .join(latest, latest.c.rid == R.id).join(D, D.id == R.dossier_pk).outerjoin(P, P.id == D.product_id)
         .where(or_(R.status == "recognised", R.escalate_to.is_not(None)))
         .where(D.id.not_in(certified))
         .order_by(R.evaluated_on, D.dossier_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def dossiers(conn: Connection, *, round_id: int | None = None, status: str | None = None,
             uncertified: bool = False) -> list[dict[str, Any]]:
    """Dossiers in the order they were stored, each with its product and area, its current (newest)
    result and the certificate issued on that result, if any. `status`: only dossiers whose
    current result has it; `uncertified`: only those without such a certificate."""
    latest = _latest_results()
    q = (select(D.dossier_id, D.kind, D.round_id, D.version, D.lodged_on, P.name.label("product"),
                Producer.name.label("producer"), P.province, P.district, P.commune, R.criteria_set, R.form,
                R.level, R.evaluated_on, R.total, R.stars, R.status, R.recognised_by, R.escalate_to,
                C.number.label("certificate"))
         .select_from(D)
         .outerjoin(latest, latest.c.dossier_pk == D.id).outerjoin(R, R.id == latest.c.rid)
         .outerjoin(P, P.id == D.product_id).outerjoin(Producer, Producer.id == P.producer_id)
         .outerjoin(C, C.result_id == R.id)
         .order_by(D.id))
    if round_id is not None:
        q = q.where(D.round_id == round_id)
    if status is not None:
        q = q.where(R.status == status)
    if uncertified:
        q = q.where(C.id.is_(None))
    return list(_dicts(conn.execute(q)))


def certifiable(conn: Connection, round_id: int | None, day: date) -> list[dict[str, Any]]:
    """Per product, its newest dossier (evaluated_on ≤ day, then id) when that dossier's current
    result is recognised and has no certificate yet, unless the product's valid certificate was
    issued after `day`; dossiers without a product are listed with product_id None.

    The newest dossier is chosen among all of the product's dossiers, certified or not, recognised
    or not: an older recognised dossier never gets a certificate after a newer evaluation (a second
    `certify` issues nothing, and a failed re-evaluation does not revive an earlier result)."""
    latest = _latest_results()
    certified = select(R.dossier_pk).join(C, C.result_id == R.id)
    q = (select(R.id.label("result_id"), D.id.label("dossier_pk"), D.dossier_id, D.product_id, R.evaluated_on,
                R.status, D.round_id, D.id.in_(certified).label("certified"))
         .join(latest, latest.c.rid == R.id).join(D, D.id == R.dossier_pk)
         .where(R.evaluated_on <= day)
         .where(or_(D.product_id.is_(None),
                    D.product_id.not_in(select(C.product_id).where(C.status == "valid", C.issued_on > day))))
         .order_by(R.evaluated_on, D.id))
    newest: dict[Any, dict[str, Any]] = {}
    orphans = []
    for r in conn.execute(q):
        row = dict(r._mapping)
        if row["product_id"] is None:
            orphans.append(row)
        else:
            newest[row["product_id"]] = row  # rows come oldest first: the last one wins

    def wanted(row: dict[str, Any]) -> bool:
        return (row["status"] == "recognised" and not row["certified"]
                and (round_id is None or row["round_id"] == round_id))

    keep = ("result_id", "dossier_pk", "dossier_id", "product_id", "evaluated_on")
    chosen = sorted((r for r in newest.values() if wanted(r)), key=lambda r: (r["evaluated_on"], r["dossier_pk"]))
    return [{k: r[k] for k in keep} for r in chosen + [o for o in orphans if wanted(o)]]


def next_number(conn: Connection, day: date) -> str:
    """The next certificate number of the year: OCOP-YYYY-NNNNN (our format; a province's own
    numbers can be given to `issue_certificate`)."""
    prefix = f"OCOP-{day.year}-"
    last = conn.execute(select(func.max(C.number)).where(C.number.like(prefix + "%"))).scalar()
    seq = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{seq:05d}"


def producer_contacts(conn: Connection, province: str | None, district: str | None,
                      commune: str | None) -> list[dict[str, Any]]:
    q = (select(Producer.id, Producer.name, Producer.legal_form, Producer.tax_code, Producer.representative,
                Producer.phone, Producer.email, Producer.address, Producer.province, Producer.district,
                Producer.commune)
         .order_by(Producer.province, Producer.district, Producer.commune, Producer.name))
    for col, value in ((Producer.province, province), (Producer.district, district), (Producer.commune, commune)):
        if value is not None:
            q = q.where(col == value)
    return [dict(r._mapping) for r in conn.execute(q)]


def product_history(conn: Connection, product_id: int) -> dict[str, Any]:
    row = conn.execute(select(*P.__table__.c, Producer.name.label("producer"))
                       .join(Producer, Producer.id == P.producer_id).where(P.id == product_id)).first()
    if row is None:
        raise not_found("sản phẩm", "product", product_id, "product_id")
    out = dict(row._mapping)
    latest = _latest_results()
    out["dossiers"] = [dict(r._mapping) for r in conn.execute(
        select(D.dossier_id, D.kind, D.criteria_set, D.form, D.level, D.evaluated_on, D.version, R.total, R.stars,
               R.status, R.recognised_by, R.escalate_to)
        .outerjoin(latest, latest.c.dossier_pk == D.id).outerjoin(R, R.id == latest.c.rid)
        .where(D.product_id == product_id).order_by(D.evaluated_on, D.id))]
    out["certificates"] = [dict(r._mapping) for r in conn.execute(
        _cert_base(date.today(), issued_by_then=False).where(C.product_id == product_id).order_by(C.issued_on, C.id))]
    return out


def dossier_detail(conn: Connection, dossier_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(*D.__table__.c).where(D.dossier_id == dossier_id)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    pk = out["id"]
    if out["product_id"] is not None:
        out["product"] = dict(conn.execute(select(P.id, P.name, P.code, Producer.name.label("producer"), P.province,
                                                  P.district, P.commune).join(Producer, Producer.id == P.producer_id)
                                           .where(P.id == out["product_id"])).one()._mapping)
    out["sheets"] = [dict(r._mapping) for r in conn.execute(
        select(MemberSheet.member, MemberSheet.status, MemberSheet.scores, MemberSheet.updated_at)
        .where(MemberSheet.dossier_pk == pk).order_by(MemberSheet.member))]
    res = conn.execute(select(*R.__table__.c).where(R.dossier_pk == pk).order_by(R.id.desc()).limit(1)).first()
    out["result"] = dict(res._mapping) if res else None
    out["versions"] = [dict(r._mapping) for r in conn.execute(
        select(DossierVersion.version, DossierVersion.content_hash, DossierVersion.replaced_at,
               DossierVersion.replaced_by, DossierVersion.source)
        .where(DossierVersion.dossier_pk == pk).order_by(DossierVersion.version))]
    cert = conn.execute(select(C.number).join(R, R.id == C.result_id).where(R.dossier_pk == pk)).scalar()
    out["certificate"] = cert
    return out
