"""The registry's tables (SQLAlchemy 2 declarative models): the programme's memory.

Producers (chủ thể) → products → dossiers (one per evaluation file; new / upgrade / re-evaluation)
→ member sheets → results (the kernel's Result, never recomputed here) → certificates; rounds,
councils with members, council sessions, divergence overrides, and an append-only audit log.

Rules that protect the data live in the database, not only in Python, so that a script or a second
program writing to the same database cannot break them: unique dossier ids and certificate numbers,
at most one certificate in state `valid` per product (a partial unique index), CHECK constraints on
every closed list (kinds, levels, roles, statuses, stars), and triggers that keep the audit log
append-only. Dates are `DATE`, instants are UTC `TIMESTAMP WITH TIME ZONE`.

The schema is created by the Alembic revisions in `migrations/versions` (0001_initial is the
first), never by `metadata.create_all`: a database made by an older version is always upgraded.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index,
                        Integer, MetaData, SmallInteger, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names (Alembic and both dialects see the same names).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LEVELS = ("commune", "district", "province", "central")
KINDS = ("new", "upgrade", "re-evaluation")
ROLES = ("chu_tich", "thu_ky", "thanh_vien")  # chủ tịch / thư ký / thành viên
SHEET_STATUSES = ("draft", "submitted", "reopened")
SESSION_STATUSES = ("open", "closed")
RESULT_STATUSES = ("recognised", "not_recognised", "disqualified")
CERT_STATES = ("valid", "revoked", "superseded")  # stored; "expired" is computed from the dates


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK clause for a closed list (literal constants from this module, never user data)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# JSON on both dialects (PostgreSQL: JSONB, indexable and compact).
Json = JSON().with_variant(JSONB(), "postgresql")
Stamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Producer(Base):
    """Chủ thể OCOP. Matched on import by tax code when given, else by (name key, province)."""

    __tablename__ = "producers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))  # NFC, case-folded, spaces folded: the matching key
    legal_form: Mapped[str | None] = mapped_column(String(100))
    tax_code: Mapped[str | None] = mapped_column(String(30), unique=True)
    representative: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    province: Mapped[str] = mapped_column(String(100), default="", server_default="")
    district: Mapped[str] = mapped_column(String(100), default="", server_default="")
    commune: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (UniqueConstraint("name_key", "province"), Index(None, "province", "district", "commune"))


class Product(Base):
    """A product of a producer. Matched on import by (producer, name key)."""

    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(60), unique=True)  # (T)-(X)-(STT)-YYYY of QĐ 26/2026, when known
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id", ondelete="RESTRICT"))
    criteria_set: Mapped[str | None] = mapped_column(String(20))  # of the latest dossier
    form: Mapped[str | None] = mapped_column(String(100))  # product set (bộ sản phẩm) slug, latest dossier
    province: Mapped[str] = mapped_column(String(100), default="", server_default="")
    district: Mapped[str] = mapped_column(String(100), default="", server_default="")
    commune: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (UniqueConstraint("producer_id", "name_key"), Index(None, "province", "district", "commune"))


class Round(Base):
    """Đợt đánh giá: a round of evaluation at one level in one year (Đ5: a province holds ≥ 2 a year)."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(100), default="", server_default="")  # province / commune name; '' = whole registry
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    proposals_by: Mapped[date | None] = mapped_column(Date)  # files proposed before this day (Đ5)
    finish_by: Mapped[date | None] = mapped_column(Date)  # the round finishes by this day (Đ5)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (UniqueConstraint("level", "area", "year", "number"),
                      CheckConstraint(_in("level", LEVELS), name="level"),
                      CheckConstraint("number >= 1", name="number"))


class Council(Base):
    """Hội đồng đánh giá, phân hạng (formed by a decision; may serve several rounds)."""

    __tablename__ = "councils"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(100), default="", server_default="")
    decision: Mapped[str | None] = mapped_column(String(200))  # the founding decision's number / date
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (CheckConstraint(_in("level", LEVELS), name="level"),)


class CouncilMember(Base):
    __tablename__ = "council_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order on documents
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("council_id", "name"), CheckConstraint(_in("role", ROLES), name="role"))


class CouncilSession(Base):
    """A sitting of a council in a round (phiên họp): date, place, open/closed, members present."""

    __tablename__ = "council_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="RESTRICT"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(Stamp)
    __table_args__ = (CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
                      CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed"))


class SessionMember(Base):
    __tablename__ = "session_members"
    session_id: Mapped[int] = mapped_column(ForeignKey("council_sessions.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_members.id", ondelete="RESTRICT"), primary_key=True)


class SessionDossier(Base):
    __tablename__ = "session_dossiers"
    session_id: Mapped[int] = mapped_column(ForeignKey("council_sessions.id", ondelete="CASCADE"), primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    """An evaluation file (hồ sơ) as imported: the canonical dossier JSON and its hash.

    `dossier_id` is the user's id (unique); `id` the internal key others reference. `version`
    grows with each `--replace`; earlier versions are in `dossier_versions`.
    """

    __tablename__ = "dossiers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(String(120), unique=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="new")
    criteria_set: Mapped[str | None] = mapped_column(String(20))
    form: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(20))
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    lodged_on: Mapped[date | None] = mapped_column(Date)
    findings: Mapped[Any] = mapped_column(Json, default=list)
    cases: Mapped[Any | None] = mapped_column(Json)
    story_exists: Mapped[bool | None] = mapped_column(Boolean)
    content: Mapped[Any] = mapped_column(Json)  # the canonical dossier (design.md §3)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str | None] = mapped_column(Text)  # file it came from
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (CheckConstraint(_in("kind", KINDS), name="kind"),
                      CheckConstraint("level IS NULL OR " + _in("level", LEVELS), name="level"),
                      CheckConstraint("version >= 1", name="version"))


class DossierVersion(Base):
    """A dossier's earlier content, kept when `--replace` imports a changed version."""

    __tablename__ = "dossier_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[Any] = mapped_column(Json)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    replaced_by: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("dossier_pk", "version"),)


class MemberSheet(Base):
    """One member's points on one dossier (phiếu đánh giá): {criterion number: points}."""

    __tablename__ = "member_sheets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    member: Mapped[str] = mapped_column(String(200))  # the name on the sheet (as in the dossier)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("council_members.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("council_sessions.id", ondelete="SET NULL"))
    scores: Mapped[Any] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(Stamp)
    __table_args__ = (UniqueConstraint("dossier_pk", "member"),
                      CheckConstraint(_in("status", SHEET_STATUSES), name="status"))


class DivergenceOverride(Base):
    """A council's recorded decision to proceed despite members' totals diverging (reason, who, when)."""

    __tablename__ = "divergence_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("council_sessions.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason"),)


class ResultRow(Base):
    """A kernel Result stored for a dossier: the JSON as produced plus queryable columns.

    `source` says which executor made it: "engine" (`scoring.evaluate`, the full Result) or
    "batch" (`scoring.evaluate_batch`, the result row of the table). A dossier may have several
    results (a replaced version, a re-scoring in session); the latest (highest id) is current.
    """

    __tablename__ = "results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    dossier_version: Mapped[int] = mapped_column(Integer, default=1)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("council_sessions.id", ondelete="SET NULL"))
    criteria_set: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    evaluated_on: Mapped[date] = mapped_column(Date)
    total: Mapped[float] = mapped_column(Float)
    band_stars: Mapped[int] = mapped_column(SmallInteger)
    stars: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(20))
    recognised_by: Mapped[str | None] = mapped_column(String(20))
    escalate_to: Mapped[str | None] = mapped_column(String(20))
    engine_version: Mapped[str] = mapped_column(String(40))
    criteria_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10), default="engine")
    result: Mapped[Any] = mapped_column(Json)
    decided: Mapped[bool] = mapped_column(Boolean, default=False)  # stored by a council when it decided
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (Index(None, "dossier_pk", "id"), Index(None, "status", "stars"),
                      CheckConstraint("stars BETWEEN 0 AND 5", name="stars"),
                      CheckConstraint("band_stars BETWEEN 1 AND 5", name="band_stars"),
                      CheckConstraint(_in("status", RESULT_STATUSES), name="status"),
                      CheckConstraint(_in("source", ("engine", "batch")), name="source"))


class Certificate(Base):
    """Giấy chứng nhận: issued for a recognised result; expires `certificate_months` after issue.

    `status` is the stored state (valid / revoked / superseded); whether a valid certificate has
    expired on a given day is computed from `expires_on` (queries take an as-of date). The window
    dates for re-evaluation are stored at issue from the process data, so that "due" is an index scan.
    """

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="RESTRICT"), unique=True)
    # the result's dossier (its user id, which never changes): lists show it without reading
    # results and dossiers (migration 0004)
    dossier_id: Mapped[str | None] = mapped_column(String(120))
    stars: Mapped[int] = mapped_column(SmallInteger)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date] = mapped_column(Date)
    window_opens_on: Mapped[date | None] = mapped_column(Date)
    window_closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="valid")
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revocation_ground: Mapped[str | None] = mapped_column(String(4))
    revocation_note: Mapped[str | None] = mapped_column(Text)
    superseded_on: Mapped[date | None] = mapped_column(Date)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (
        # one valid certificate per product, enforced by the database itself
        Index("uq_certificates_one_valid_per_product", "product_id", unique=True,
              sqlite_where=text("status = 'valid'"), postgresql_where=text("status = 'valid'")),
        Index(None, "issued_on"), Index(None, "window_opens_on"),
        # the certificates of a day without reading the table (due list, counts; migration 0003)
        Index("ix_certificates_as_of", "expires_on", "issued_on", "revoked_on", "superseded_on", "window_opens_on",
              "stars", "product_id"),
        Index(None, "product_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        CheckConstraint(_in("status", CERT_STATES), name="status"),
        CheckConstraint("expires_on > issued_on", name="expiry"),
        CheckConstraint("(status = 'revoked') = (revoked_on IS NOT NULL AND revocation_ground IS NOT NULL)",
                        name="revoked"),
        CheckConstraint("revoked_on IS NULL OR revoked_on >= issued_on", name="revoked_after_issue"),
        CheckConstraint("(status = 'superseded') = (superseded_on IS NOT NULL)", name="superseded"),
    )


class AuditEntry(Base):
    """Append-only: who did what to which entity, when, with the state before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(120))
    before: Mapped[Any | None] = mapped_column(Json)
    after: Mapped[Any | None] = mapped_column(Json)
    __table_args__ = (Index(None, "entity", "entity_id"), Index(None, "at"),
                      CheckConstraint("length(actor) > 0", name="actor"))
