"""`Registry(url)`: the programme's memory as a small library API (docs/REGISTRY.md).

Transactions. Every public write method runs in one database transaction: on its own (the method
opens, commits or rolls back), or inside `with registry.transaction(actor=...) as tx:` — then every
write made in the block, by any method of this registry, joins that one transaction and commits
together when the block ends (or none does, if it raises). Reads inside the block see its writes.
Nothing is kept in process memory between calls: two processes (or web workers) share the
database only.

Every write takes an `actor` (a user name, or "cli:<os user>") and appends one audit row per entity
it changes (who, when, action, entity, id, before/after JSON) in the same transaction. Outside a
`transaction` block the `actor` argument is required; inside it, it defaults to the block's actor.
"""
from __future__ import annotations

import contextlib
import contextvars
import getpass
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from . import db, queries
from .bulk import insert_rows
from .dates import expiry, process_of, reevaluation_window, revocation_rules, round_deadlines
from .errors import RegistryError, not_found
from .identity import name_key
from .models import (KINDS, LEVELS, RESULT_STATUSES, ROLES, SHEET_STATUSES, AuditEntry, Certificate, Council,
                     CouncilMember, CouncilSession, DivergenceOverride, Dossier, MemberSheet, Producer, Product,
                     ResultRow, Round, SessionDossier, SessionMember, utcnow)

ISSUERS = {  # who issues a certificate for a level's recognition (QĐ 26/2026 Điều 4 khoản 1; earlier: district)
    "district": "UBND cấp huyện", "province": "UBND cấp tỉnh", "central": "Bộ Nông nghiệp và Môi trường",
}


def cli_actor() -> str:
    """The actor of a command run from a shell: "cli:<os user>"."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in a container: still say it came from the CLI
        user = "unknown"
    return f"cli:{user}"


def _day(value: date | str | None, location: str) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RegistryError("bad-date", "ngày không hợp lệ", "not a date", location=location, value=value,
                            allowed="YYYY-MM-DD") from None


def _audit_value(value: Any) -> Any:
    """JSON for what the encoder cannot write itself: dates and instants as ISO text, the rest as text."""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def audit_json(row: Mapping[str, Any]) -> str:
    """A row as audit JSON (one C-encoder pass: an import writes one audit row per dossier)."""
    return json.dumps(row if isinstance(row, dict) else dict(row), ensure_ascii=False, default=_audit_value)


@dataclass
class Transaction:
    """One open database transaction and who makes it; the audit log is written through it."""

    conn: Connection
    actor: str
    _audit: list[dict[str, Any]] = field(default_factory=list)

    def audit(self, action: str, entity: str, entity_id: Any, before: Mapping[str, Any] | None = None,
              after: Mapping[str, Any] | None = None, *, after_json: str | None = None) -> None:
        """Queue one audit row (written in this transaction, in order, at the latest on commit).
        `after_json`: the state after as JSON text already written as `audit_json` writes it."""
        self._audit.append({"actor": self.actor, "action": action, "entity": entity,
                            "entity_id": None if entity_id is None else str(entity_id),
                            "before_json": None if before is None else audit_json(before),
                            "after_json": after_json if after is None else audit_json(after)})
        if len(self._audit) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self._audit:
            insert_rows(self.conn, AuditEntry, self._audit, ["before", "after"])
            self._audit = []


class Registry:
    """Producers, products, rounds, councils, sessions, dossiers, sheets, results, certificates.

    `url`: any SQLAlchemy URL; None → $OCOP_DB, else `sqlite:///ocop.db` in the working folder.
    Call `init()` once (or `ocop registry init`) to create or upgrade the schema.
    """

    def __init__(self, url: str | None = None, *, pool_size: int | None = None) -> None:
        self.url = db.resolve_url(url)
        self.engine = db.make_engine(self.url, pool_size=pool_size)
        self._current: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
            f"ocop_registry_tx_{id(self)}", default=None)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def init(self) -> str:
        """Create the schema, or migrate an older one to the newest revision (never recreate)."""
        return db.upgrade(self.engine)

    def revision(self) -> str | None:
        """The schema revision of the database (None: not initialised)."""
        return db.current_revision(self.engine)

    def check_schema(self) -> None:
        """Refuse to work on a database that `init` has not brought to this version's schema."""
        current, head = self.revision(), db.head_revision()
        if current != head:
            raise RegistryError("registry-not-initialised",
                                "cơ sở dữ liệu chưa được khởi tạo hoặc cần nâng cấp: chạy `ocop registry init`",
                                "the database is not initialised or needs an upgrade: run `ocop registry init`",
                                location=self.safe_url, value=current, allowed=head)

    @property
    def safe_url(self) -> str:
        """The URL without its password (for messages)."""
        return self.engine.url.render_as_string(hide_password=True)

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def transaction(self, actor: str) -> Iterator[Transaction]:
        """One transaction for a block of writes by `actor` (see the module docstring)."""
        if not actor or not str(actor).strip():
            raise RegistryError("actor-required", "mỗi thao tác ghi cần người thực hiện",
                                "every write needs an actor", location="actor")
        outer = self._current.get()
        if outer is not None:
            if outer.actor != actor:
                raise RegistryError("actor-mismatch", "giao dịch đang mở của người khác",
                                    "a transaction of another actor is open", location="actor", value=actor,
                                    allowed=outer.actor)
            yield outer
            return
        with self.engine.connect().execution_options(ocop_write=True) as conn:
            with conn.begin():
                tx = Transaction(conn, actor)
                token = self._current.set(tx)
                try:
                    yield tx
                    tx.flush()
                finally:
                    self._current.reset(token)

    def _write(self, actor: str | None) -> contextlib.AbstractContextManager[Transaction]:
        outer = self._current.get()
        if actor is None:
            if outer is None:
                raise RegistryError("actor-required", "mỗi thao tác ghi cần người thực hiện",
                                    "every write needs an actor", location="actor")
            actor = outer.actor
        return self.transaction(actor)

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        outer = self._current.get()
        if outer is not None:
            yield outer.conn
            return
        with self.engine.connect() as conn:
            yield conn

    # ------------------------------------------------------------------ producers and products

    def add_producer(self, name: str, *, province: str = "", district: str = "", commune: str = "",
                     legal_form: str | None = None, tax_code: str | None = None, representative: str | None = None,
                     phone: str | None = None, email: str | None = None, address: str | None = None,
                     actor: str | None = None) -> int:
        """Add a producer (chủ thể); returns its id. Refused if the same name key and province, or the
        same tax code, is already known (see identity.py for the matching rule)."""
        if not name_key(name):
            raise RegistryError("producer-name-required", "thiếu tên chủ thể", "the producer needs a name",
                                location="name")
        row = {"name": name.strip(), "name_key": name_key(name), "province": province or "",
               "district": district or "", "commune": commune or "", "legal_form": legal_form,
               "tax_code": tax_code or None, "representative": representative, "phone": phone, "email": email,
               "address": address, "created_at": utcnow()}
        with self._write(actor) as tx:
            known = tx.conn.execute(select(Producer.id).where(
                (Producer.name_key == row["name_key"]) & (Producer.province == row["province"])
                | ((Producer.tax_code == row["tax_code"]) if row["tax_code"] else False))).first()
            if known:
                raise RegistryError("producer-exists", "chủ thể đã có trong sổ", "this producer is already known",
                                    location="name", value=name, allowed=f"producer id {known[0]}")
            pid = tx.conn.execute(insert(Producer).values(**row)).inserted_primary_key[0]
            tx.audit("create", "producer", pid, None, row)
            return int(pid)

    def update_producer(self, producer_id: int, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Change a producer's details (legal form, tax code, representative, contacts, address).
        Refused (not a database error) when the new name and province, or tax code, are another
        producer's: the same rule as `add_producer`."""
        def conflicts(conn: Connection, after: Mapping[str, Any]) -> None:
            other = conn.execute(select(Producer.id).where(
                Producer.id != producer_id, Producer.name_key == after["name_key"],
                Producer.province == after["province"])).first()
            if other:
                raise RegistryError("producer-exists", "chủ thể đã có trong sổ", "this producer is already known",
                                    location="name", value=after["name"], allowed=f"producer id {other[0]}")
            if after["tax_code"]:
                other = conn.execute(select(Producer.id).where(Producer.id != producer_id,
                                                               Producer.tax_code == after["tax_code"])).first()
                if other:
                    raise RegistryError("tax-code-exists", "mã số thuế đã thuộc chủ thể khác",
                                        "this tax code belongs to another producer", location="tax_code",
                                        value=after["tax_code"], allowed=f"producer id {other[0]}")

        return self._update(Producer, "producer", producer_id, fields, actor,
                            {"name", "legal_form", "tax_code", "representative", "phone", "email", "address",
                             "province", "district", "commune"}, conflicts)

    def producer(self, producer_id: int) -> dict[str, Any]:
        """One producer's row (RegistryError `unknown-producer` if there is none)."""
        with self._read() as conn:
            return self._row(conn, Producer, producer_id, "producer")

    def find_producers(self, *, name: str | None = None, province: str | None = None,
                       tax_code: str | None = None) -> list[dict[str, Any]]:
        """Producers whose name key contains `name`'s key (and in `province`, with `tax_code`)."""
        q = select(Producer).order_by(Producer.id)
        if name:
            q = q.where(Producer.name_key.contains(name_key(name), autoescape=True))
        if province is not None:
            q = q.where(Producer.province == province)
        if tax_code:
            q = q.where(Producer.tax_code == tax_code)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.with_only_columns(*Producer.__table__.c))]

    def add_product(self, name: str, producer_id: int, *, code: str | None = None, criteria_set: str | None = None,
                    form: str | None = None, province: str | None = None, district: str | None = None,
                    commune: str | None = None, actor: str | None = None) -> int:
        """Add a product of a producer; the area defaults to the producer's. Returns its id."""
        if not name_key(name):
            raise RegistryError("product-name-required", "thiếu tên sản phẩm", "the product needs a name",
                                location="name")
        with self._write(actor) as tx:
            producer = self._row(tx.conn, Producer, producer_id, "producer")
            row = {"name": name.strip(), "name_key": name_key(name), "producer_id": producer_id, "code": code or None,
                   "criteria_set": criteria_set, "form": form,
                   "province": producer["province"] if province is None else province,
                   "district": producer["district"] if district is None else district,
                   "commune": producer["commune"] if commune is None else commune, "created_at": utcnow()}
            self._product_conflicts(tx.conn, None, row)
            pid = tx.conn.execute(insert(Product).values(**row)).inserted_primary_key[0]
            tx.audit("create", "product", pid, None, row)
            return int(pid)

    @staticmethod
    def _product_conflicts(conn: Connection, product_id: int | None, row: Mapping[str, Any]) -> None:
        """Refuse a product row whose name is another product's of the same producer, or whose code
        (unique in the registry) is another product's."""
        other = conn.execute(select(Product.id).where(Product.id != (product_id or 0),
                                                      Product.producer_id == row["producer_id"],
                                                      Product.name_key == row["name_key"])).first()
        if other:
            raise RegistryError("product-exists", "sản phẩm đã có trong sổ", "this product is already known",
                                location="name", value=row["name"], allowed=f"product id {other[0]}")
        if row.get("code"):
            other = conn.execute(select(Product.id).where(Product.id != (product_id or 0),
                                                          Product.code == row["code"])).first()
            if other:
                raise RegistryError("product-code-exists", "mã sản phẩm đã thuộc sản phẩm khác",
                                    "this product code belongs to another product", location="code",
                                    value=row["code"], allowed=f"product id {other[0]}")

    def update_product(self, product_id: int, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Change a product's name, code (T-X-STT-YYYY), product set or area (refused when the name
        or code is another product's, as in `add_product`)."""
        return self._update(Product, "product", product_id, fields, actor,
                            {"name", "code", "criteria_set", "form", "province", "district", "commune"},
                            lambda conn, after: self._product_conflicts(conn, product_id, after))

    def _update(self, model: Any, entity: str, key: int, fields: Mapping[str, Any], actor: str | None,
                allowed: set[str], conflicts: Any = None) -> dict[str, Any]:
        bad = set(fields) - allowed
        if bad:
            raise RegistryError("unknown-field", "trường không có", "no such field", location="fields",
                                value=sorted(bad), allowed=", ".join(sorted(allowed)))
        if "name" in fields and not name_key(fields["name"] or "") and not model.__table__.c.name.nullable:
            raise RegistryError(f"{entity}-name-required", "thiếu tên", f"the {entity} needs a name", location="name")
        with self._write(actor) as tx:
            before = self._row(tx.conn, model, key, entity)
            values = dict(fields)
            if "name" in values and values["name"] is not None:
                values["name"] = values["name"].strip()
                if "name_key" in model.__table__.c:
                    values["name_key"] = name_key(values["name"])
            if conflicts is not None:  # checked on the row as it would be, before the database sees it
                conflicts(tx.conn, {**before, **values})
            tx.conn.execute(update(model).where(model.id == key).values(**values))
            after = self._row(tx.conn, model, key, entity)
            tx.audit("update", entity, key, before, after)
            return after

    def find_products(self, *, name: str | None = None, producer_id: int | None = None, code: str | None = None,
                      province: str | None = None, district: str | None = None,
                      commune: str | None = None) -> list[dict[str, Any]]:
        """Products by name (key contains), producer, code or area, with their producer's name."""
        q = (select(*Product.__table__.c, Producer.name.label("producer"))
             .join(Producer, Producer.id == Product.producer_id).order_by(Product.id))
        if name:
            q = q.where(Product.name_key.contains(name_key(name), autoescape=True))
        for col, value in ((Product.producer_id, producer_id), (Product.code, code), (Product.province, province),
                           (Product.district, district), (Product.commune, commune)):
            if value is not None:
                q = q.where(col == value)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def product(self, product_id: int) -> dict[str, Any]:
        """A product with its producer and history: dossiers (with their latest result) and certificates."""
        with self._read() as conn:
            return queries.product_history(conn, product_id)

    # ------------------------------------------------------------------ rounds, councils, sessions

    def open_round(self, level: str, year: int, number: int, *, name: str | None = None, area: str = "",
                   starts_on: date | str | None = None, ends_on: date | str | None = None,
                   actor: str | None = None) -> int:
        """Open a round (đợt) of evaluation; returns its id. Its deadlines (files proposed before,
        finished by) are filled from the process data when the decision fixes them for this level and
        number (QĐ 26/2026 Điều 5) in the set in force at the end of `year`."""
        if level not in LEVELS:
            raise RegistryError("bad-level", "cấp không hợp lệ", "unknown level", location="level", value=level,
                                allowed=", ".join(LEVELS))
        proposals_by = finish_by = None
        for d in round_deadlines(int(year), level):
            if d.number == int(number):
                proposals_by, finish_by = d.proposals_date(int(year)), d.finish_date(int(year))
        row = {"level": level, "year": int(year), "number": int(number), "name": name, "area": area or "",
               "starts_on": _day(starts_on, "starts_on"), "ends_on": _day(ends_on, "ends_on"),
               "proposals_by": proposals_by, "finish_by": finish_by, "created_at": utcnow()}
        with self._write(actor) as tx:
            known = tx.conn.execute(select(Round.id).where(Round.level == level, Round.area == row["area"],
                                                           Round.year == row["year"],
                                                           Round.number == row["number"])).first()
            if known:
                raise RegistryError("round-exists", "đợt này đã có", "this round already exists",
                                    location="number", value=number, allowed=f"round id {known[0]}")
            rid = tx.conn.execute(insert(Round).values(**row)).inserted_primary_key[0]
            tx.audit("create", "round", rid, None, row)
            return int(rid)

    def update_round(self, round_id: int, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Correct a round's name, area or dates (`name`, `area`, `starts_on`, `ends_on`). Its level,
        year and number are what the decision's deadlines come from: a round with others is another
        round (open it). Refused when the new area makes it another round that exists."""
        if "starts_on" in fields:
            fields["starts_on"] = _day(fields["starts_on"], "starts_on")
        if "ends_on" in fields:
            fields["ends_on"] = _day(fields["ends_on"], "ends_on")
        if "area" in fields:
            fields["area"] = (fields["area"] or "").strip()
        if "name" in fields:
            fields["name"] = (fields["name"] or "").strip() or None

        def conflicts(conn: Connection, after: Mapping[str, Any]) -> None:
            other = conn.execute(select(Round.id).where(
                Round.id != round_id, Round.level == after["level"], Round.area == after["area"],
                Round.year == after["year"], Round.number == after["number"])).first()
            if other:
                raise RegistryError("round-exists", "đợt này đã có", "this round already exists", location="area",
                                    value=after["area"], allowed=f"round id {other[0]}")

        return self._update(Round, "round", round_id, fields, actor, {"name", "area", "starts_on", "ends_on"},
                            conflicts)

    def rounds(self, *, year: int | None = None, level: str | None = None) -> list[dict[str, Any]]:
        q = select(*Round.__table__.c).order_by(Round.year, Round.level, Round.number)
        if year is not None:
            q = q.where(Round.year == year)
        if level is not None:
            q = q.where(Round.level == level)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def round(self, round_id: int) -> dict[str, Any]:
        with self._read() as conn:
            return self._row(conn, Round, round_id, "round")

    def add_council(self, name: str, level: str, members: Sequence[Mapping[str, Any] | tuple[str, str]] = (), *,
                    area: str = "", decision: str | None = None, actor: str | None = None) -> int:
        """Form a council (hội đồng) with members: (name, role) pairs or {"name", "role",
        "organisation"} mappings; roles chu_tich (chủ tịch), thu_ky (thư ký), thanh_vien (thành viên)."""
        if level not in LEVELS:
            raise RegistryError("bad-level", "cấp không hợp lệ", "unknown level", location="level", value=level,
                                allowed=", ".join(LEVELS))
        if not (name or "").strip():
            raise RegistryError("council-name-required", "thiếu tên hội đồng", "the council needs a name",
                                location="name")
        with self._write(actor) as tx:
            row = {"name": name.strip(), "level": level, "area": area or "", "decision": decision,
                   "created_at": utcnow()}
            cid = int(tx.conn.execute(insert(Council).values(**row)).inserted_primary_key[0])
            tx.audit("create", "council", cid, None, row)
            for i, m in enumerate(members):
                m = {"name": m[0], "role": m[1]} if isinstance(m, tuple) else dict(m)
                self.add_council_member(cid, m["name"], m.get("role", "thanh_vien"),
                                        organisation=m.get("organisation"), position=i)
            return cid

    def add_council_member(self, council_id: int, name: str, role: str = "thanh_vien", *,
                           organisation: str | None = None, position: int | None = None,
                           actor: str | None = None) -> int:
        """Add a member to a council; refused: an empty name, a name already on the council (the
        documents and the sheets know members by name), a role outside ROLES."""
        if role not in ROLES:
            raise RegistryError("bad-role", "vai trò không hợp lệ", "unknown role", location="role", value=role,
                                allowed="chu_tich (chủ tịch), thu_ky (thư ký), thanh_vien (thành viên)")
        if not (name or "").strip():
            raise RegistryError("member-name-required", "thiếu tên thành viên", "the member needs a name",
                                location="name")
        name = name.strip()
        with self._write(actor) as tx:
            self._row(tx.conn, Council, council_id, "council")
            if tx.conn.execute(select(CouncilMember.id).where(CouncilMember.council_id == council_id,
                                                              CouncilMember.name == name)).first():
                raise RegistryError("member-exists", "thành viên đã có trong hội đồng",
                                    "this member is already on the council", location="name", value=name)
            if position is None:
                position = tx.conn.execute(select(func.count()).select_from(CouncilMember)
                                           .where(CouncilMember.council_id == council_id)).scalar_one()
            row = {"council_id": council_id, "name": name, "role": role, "organisation": organisation,
                   "position": position, "active": True}
            mid = int(tx.conn.execute(insert(CouncilMember).values(**row)).inserted_primary_key[0])
            tx.audit("create", "council_member", mid, None, row)
            return mid

    def set_member_active(self, member_id: int, active: bool, *, actor: str | None = None) -> dict[str, Any]:
        """A member leaves the council (inactive) or comes back. An inactive member keeps their
        sheets, sittings and name in past documents, but is no longer offered as present at a new
        sitting nor counted for its quorum. Returns the member's row."""
        with self._write(actor) as tx:
            before = self._row(tx.conn, CouncilMember, member_id, "member")
            if before["active"] != bool(active):
                tx.conn.execute(update(CouncilMember).where(CouncilMember.id == member_id).values(active=bool(active)))
                tx.audit("activate" if active else "deactivate", "council_member", member_id,
                         {"active": before["active"]}, {"active": bool(active)})
            return {**before, "active": bool(active)}

    def update_council(self, council_id: int, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Correct a council's name, area or founding decision (`name`, `area`, `decision`); its level
        stays (its documents and sittings were made at that level)."""
        if "area" in fields:
            fields["area"] = (fields["area"] or "").strip()
        if "decision" in fields:
            fields["decision"] = (fields["decision"] or "").strip() or None
        return self._update(Council, "council", council_id, fields, actor, {"name", "area", "decision"})

    def council(self, council_id: int) -> dict[str, Any]:
        """A council with its members (in order)."""
        with self._read() as conn:
            c = self._row(conn, Council, council_id, "council")
            c["members"] = [dict(r._mapping) for r in conn.execute(
                select(*CouncilMember.__table__.c).where(CouncilMember.council_id == council_id)
                .order_by(CouncilMember.position, CouncilMember.id))]
            return c

    def councils(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(select(*Council.__table__.c).order_by(Council.id))]

    def open_session(self, council_id: int, held_on: date | str, *, round_id: int | None = None,
                     place: str | None = None, present: Iterable[str] | None = None,
                     dossier_ids: Iterable[str] = (), actor: str | None = None) -> int:
        """Open a sitting of a council (phiên họp) on `held_on`; `present`: member names (default:
        every active member); `dossier_ids`: the dossiers it considers. Returns the session id."""
        day = _day(held_on, "held_on")
        with self._write(actor) as tx:
            council = self.council(council_id)
            if round_id is not None:
                self._row(tx.conn, Round, round_id, "round")
            row = {"council_id": council_id, "round_id": round_id, "held_on": day, "place": place, "status": "open",
                   "opened_at": utcnow()}
            sid = int(tx.conn.execute(insert(CouncilSession).values(**row)).inserted_primary_key[0])
            by_name = {m["name"]: m for m in council["members"]}
            names = [m["name"] for m in council["members"] if m["active"]] if present is None else list(present)
            unknown = [n for n in names if n not in by_name]
            if unknown:
                raise RegistryError("unknown-member", "không phải thành viên hội đồng", "not a member of the council",
                                    location="present", value=unknown, allowed=", ".join(by_name))
            if names:
                tx.conn.execute(insert(SessionMember), [{"session_id": sid, "member_id": by_name[n]["id"]}
                                                        for n in names])
            tx.audit("open", "council_session", sid, None, {**row, "present": names})
            self.add_to_session(sid, dossier_ids)
            return sid

    def add_to_session(self, session_id: int, dossier_ids: Iterable[str], *, actor: str | None = None) -> list[str]:
        """Put dossiers on an open session's agenda, after those already there, in the order given.
        A dossier already on the agenda (or given twice) is there once, where it first was: the
        ids actually added are returned and audited. An unknown dossier refuses the whole call."""
        ids = list(dict.fromkeys(dossier_ids))
        if not ids:
            return []
        with self._write(actor) as tx:
            session = self._open_session_row(tx.conn, session_id, lock=True)
            pks = {d: self._dossier_pk(tx.conn, d) for d in ids}
            there = set(tx.conn.execute(select(SessionDossier.dossier_pk)
                                        .where(SessionDossier.session_id == session_id)).scalars())
            new = [d for d in ids if pks[d] not in there]
            if not new:
                return []
            start = tx.conn.execute(select(func.count()).select_from(SessionDossier)
                                    .where(SessionDossier.session_id == session_id)).scalar_one()
            rows = [{"session_id": session["id"], "dossier_pk": pks[d], "position": start + i}
                    for i, d in enumerate(new)]
            tx.conn.execute(insert(SessionDossier), rows)
            tx.audit("add-dossiers", "council_session", session_id, None, {"dossiers": new})
            return new

    def remove_from_session(self, session_id: int, dossier_ids: Iterable[str], *,
                            actor: str | None = None) -> list[str]:
        """Take dossiers off an open session's agenda: one put on by mistake, or withdrawn by its
        producer. The others keep their order, renumbered 0..n-1, because `add_to_session` puts the
        next dossier at the position given by the agenda's count.

        The rules are our reading of how a sitting runs, not a text of the decision: only while the
        session is open (a closed session's agenda is what its documents record); a
        dossier not on the agenda is refused by name; so is one on which a member has already saved
        a sheet in this session (draft or submitted), since taking it off would hide the points that
        member gave: the secretary deals with those sheets first; and one on which the council has
        recorded in this session that it proceeds despite diverging totals (a decision the
        session's documents must show). Any refusal, an unknown dossier
        too, refuses the whole call and removes nothing. Returns the ids removed, each once, in the
        order given; they are audited on the session."""
        ids = list(dict.fromkeys(dossier_ids))
        if not ids:
            return []
        with self._write(actor) as tx:
            self._open_session_row(tx.conn, session_id, lock=True)
            pks = {d: self._dossier_pk(tx.conn, d) for d in ids}
            agenda = list(tx.conn.execute(
                select(SessionDossier.dossier_pk, Dossier.dossier_id, SessionDossier.position)
                .join(Dossier, Dossier.id == SessionDossier.dossier_pk)
                .where(SessionDossier.session_id == session_id)
                .order_by(SessionDossier.position, Dossier.dossier_id)))
            there = {pk for pk, _, _ in agenda}
            missing = [d for d in ids if pks[d] not in there]
            if missing:
                raise RegistryError("not-on-agenda", "hồ sơ không có trong chương trình phiên họp",
                                    "the dossier is not on the session's agenda", location="dossier_id",
                                    value=", ".join(missing), allowed=", ".join(d for _, d, _ in agenda) or "—")
            scored: dict[str, list[str]] = {}
            for dossier_id, member in tx.conn.execute(
                    select(Dossier.dossier_id, MemberSheet.member).join(Dossier, Dossier.id == MemberSheet.dossier_pk)
                    .where(MemberSheet.session_id == session_id, MemberSheet.dossier_pk.in_(list(pks.values())))
                    .order_by(Dossier.dossier_id, MemberSheet.member)):
                scored.setdefault(dossier_id, []).append(member)
            if scored:
                raise RegistryError("dossier-has-sheets",
                                    "thành viên đã lưu phiếu đánh giá hồ sơ này trong phiên họp; bỏ khỏi chương trình "
                                    "sẽ che điểm đã chấm: thư ký cần xử lý các phiếu đó trước",
                                    "a member has already saved a sheet on this dossier in this session; taking it "
                                    "off the agenda would hide the points given: the secretary must deal with those "
                                    "sheets first", location="dossier_id",
                                    value="; ".join(f"{d} ({', '.join(m)})" for d, m in scored.items()))
            overridden = list(tx.conn.execute(
                select(Dossier.dossier_id).join(DivergenceOverride, DivergenceOverride.dossier_pk == Dossier.id)
                .where(DivergenceOverride.session_id == session_id, Dossier.id.in_(list(pks.values())))
                .order_by(Dossier.dossier_id).distinct()).scalars())
            if overridden:
                raise RegistryError("dossier-has-override",
                                    "hội đồng đã ghi quyết định tiếp tục dù điểm các thành viên chênh lệch cho hồ sơ "
                                    "này trong phiên họp; bỏ khỏi chương trình sẽ che quyết định đó",
                                    "the council has recorded in this session that it proceeds on this dossier despite "
                                    "diverging totals; taking it off the agenda would hide that decision",
                                    location="dossier_id", value=", ".join(overridden))
            gone = set(pks.values())
            tx.conn.execute(delete(SessionDossier).where(SessionDossier.session_id == session_id,
                                                         SessionDossier.dossier_pk.in_(list(gone))))
            kept = [(pk, position) for pk, _, position in agenda if pk not in gone]
            moved = [{"kept_pk": pk, "new_position": i} for i, (pk, position) in enumerate(kept) if position != i]
            if moved:
                tx.conn.execute(update(SessionDossier).where(SessionDossier.session_id == session_id,
                                                             SessionDossier.dossier_pk == bindparam("kept_pk"))
                                .values(position=bindparam("new_position")), moved)
            tx.audit("remove-dossiers", "council_session", session_id, {"dossiers": ids}, None)
            return ids

    def session(self, session_id: int) -> dict[str, Any]:
        """A session with the members present and its dossiers."""
        with self._read() as conn:
            s = self._row(conn, CouncilSession, session_id, "session")
            s["present"] = [dict(r._mapping) for r in conn.execute(
                select(CouncilMember.id, CouncilMember.name, CouncilMember.role)
                .join(SessionMember, SessionMember.member_id == CouncilMember.id)
                .where(SessionMember.session_id == session_id).order_by(CouncilMember.position))]
            s["dossiers"] = list(conn.execute(
                select(Dossier.dossier_id).join(SessionDossier, SessionDossier.dossier_pk == Dossier.id)
                .where(SessionDossier.session_id == session_id).order_by(SessionDossier.position)).scalars())
            return s

    def sessions(self, *, council_id: int | None = None, round_id: int | None = None,
                 status: str | None = None) -> list[dict[str, Any]]:
        q = select(*CouncilSession.__table__.c).order_by(CouncilSession.held_on, CouncilSession.id)
        for col, value in ((CouncilSession.council_id, council_id), (CouncilSession.round_id, round_id),
                           (CouncilSession.status, status)):
            if value is not None:
                q = q.where(col == value)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def close_session(self, session_id: int, *, actor: str | None = None) -> dict[str, Any]:
        """Close a session: its sheets can no longer change. It waits for saves in flight (of the web
        app, `ocop council read`, any caller of `record_sheet`), and a save that waited for it
        finds the session closed and is refused: no sheet is written into a closed session."""
        with self._write(actor) as tx:
            before = self._open_session_row(tx.conn, session_id, lock=True)
            tx.conn.execute(update(CouncilSession).where(CouncilSession.id == session_id)
                            .values(status="closed", closed_at=utcnow()))
            after = self._row(tx.conn, CouncilSession, session_id, "session")
            tx.audit("close", "council_session", session_id, before, after)
            return after

    # ------------------------------------------------------------------ sheets, overrides, results

    def record_sheet(self, dossier_id: str, member: str, scores: Mapping[str, Any], status: str = "submitted", *,
                     session_id: int | None = None, actor: str | None = None) -> int:
        """Create or replace one member's sheet on a dossier: {criterion: points} and its status
        (draft | submitted | reopened). The points are checked when the dossier is scored (kernel),
        not here. Refused in a closed session. Returns the sheet id."""
        if status not in SHEET_STATUSES:
            raise RegistryError("bad-sheet-status", "trạng thái phiếu không hợp lệ", "unknown sheet status",
                                location="status", value=status, allowed=", ".join(SHEET_STATUSES))
        with self._write(actor) as tx:
            pk = self._dossier_pk(tx.conn, dossier_id)
            member_id = None
            if session_id is not None:
                session = self._open_session_row(tx.conn, session_id, shared=True)
                member_id = tx.conn.execute(select(CouncilMember.id).where(
                    CouncilMember.council_id == session["council_id"], CouncilMember.name == member)).scalar()
            now = utcnow()
            old = tx.conn.execute(select(*MemberSheet.__table__.c).where(MemberSheet.dossier_pk == pk,
                                                                         MemberSheet.member == member)).first()
            values = {"scores": dict(scores), "status": status, "updated_at": now, "session_id": session_id,
                      "member_id": member_id, "submitted_at": now if status == "submitted" else None}
            if old is None:
                row = {"dossier_pk": pk, "member": member, "created_at": now, **values}
                sid = int(tx.conn.execute(insert(MemberSheet).values(**row)).inserted_primary_key[0])
                tx.audit("create", "member_sheet", sid, None, {**row, "dossier_id": dossier_id})
            else:
                sid = old.id
                if status != "submitted":
                    values["submitted_at"] = old.submitted_at if status == "draft" and old.status == "draft" else None
                tx.conn.execute(update(MemberSheet).where(MemberSheet.id == sid).values(**values))
                tx.audit("update", "member_sheet", sid, dict(old._mapping), {**values, "dossier_id": dossier_id})
            return sid

    def sheets_for(self, dossier_id: str) -> list[dict[str, Any]]:
        """The member sheets of a dossier (member order), with status and timestamps."""
        with self._read() as conn:
            pk = self._dossier_pk(conn, dossier_id)
            return [dict(r._mapping) for r in conn.execute(
                select(*MemberSheet.__table__.c).where(MemberSheet.dossier_pk == pk).order_by(MemberSheet.member))]

    def record_divergence_override(self, dossier_id: str, reason: str, *, session_id: int | None = None,
                                   actor: str | None = None) -> int:
        """Record that the council proceeds although members' totals diverge: why, by whom, when."""
        if not (reason or "").strip():
            raise RegistryError("reason-required", "cần ghi lý do", "a reason is required", location="reason")
        with self._write(actor) as tx:
            pk = self._dossier_pk(tx.conn, dossier_id)
            row = {"dossier_pk": pk, "session_id": session_id, "reason": reason.strip(), "by": tx.actor,
                   "at": utcnow()}
            oid = int(tx.conn.execute(insert(DivergenceOverride).values(**row)).inserted_primary_key[0])
            tx.audit("create", "divergence_override", oid, None, {**row, "dossier_id": dossier_id})
            return oid

    def overrides_for(self, dossier_id: str) -> list[dict[str, Any]]:
        with self._read() as conn:
            pk = self._dossier_pk(conn, dossier_id)
            return [dict(r._mapping) for r in conn.execute(
                select(*DivergenceOverride.__table__.c).where(DivergenceOverride.dossier_pk == pk)
                .order_by(DivergenceOverride.id))]

    def store_result(self, dossier_id: str, result: Any, *, session_id: int | None = None, decided: bool = True,
                     actor: str | None = None) -> int:
        """Store a kernel Result (`scoring.evaluate`'s, or its `to_dict()`) for a dossier, with the
        engine version and the criteria hash; `decided`: a council's decision (not a preview).
        Returns the result id; the newest result of a dossier is its current one."""
        from .importer import result_row

        data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
        if data.get("dossier_id") != dossier_id:
            raise RegistryError("result-mismatch", "kết quả thuộc hồ sơ khác", "the Result is another dossier's",
                                location="result.dossier_id", value=data.get("dossier_id"), allowed=dossier_id)
        with self._write(actor) as tx:
            pk = self._dossier_pk(tx.conn, dossier_id)
            version = tx.conn.execute(select(Dossier.version).where(Dossier.id == pk)).scalar_one()
            row = result_row(data, pk, version, source="engine")
            row["result"] = json.loads(row["result"])  # the JSON column serialises it itself here
            row.update(session_id=session_id, decided=decided)
            rid = int(tx.conn.execute(insert(ResultRow).values(**row)).inserted_primary_key[0])
            tx.audit("create", "result", rid, None, {k: v for k, v in row.items() if k != "result"}
                     | {"dossier_id": dossier_id})
            return rid

    def latest_result(self, dossier_id: str) -> dict[str, Any] | None:
        with self._read() as conn:
            pk = self._dossier_pk(conn, dossier_id)
            r = conn.execute(select(*ResultRow.__table__.c).where(ResultRow.dossier_pk == pk)
                             .order_by(ResultRow.id.desc()).limit(1)).first()
            return dict(r._mapping) if r else None

    def dossier(self, dossier_id: str) -> dict[str, Any] | None:
        """A dossier with its content, product, sheets, latest result and earlier versions (None if unknown)."""
        with self._read() as conn:
            return queries.dossier_detail(conn, dossier_id)

    # ------------------------------------------------------------------ import

    def import_dossier(self, dossier: Mapping[str, Any] | str | Path, *, round_id: int | None = None,
                       replace: bool = False, source: str | None = None, actor: str | None = None):
        """Score one dossier (rule engine) and store it with its product, sheets and Result.
        Identical content already stored: nothing changes ("unchanged"). A changed dossier with a
        known id: RegistryError `dossier-changed` listing the differences, unless `replace`."""
        from .importer import import_dossiers

        with self._write(actor) as tx:
            return import_dossiers(self, tx, [dossier], round_id=round_id, replace=replace, source=source)

    def import_file(self, path: str | Path, *, round_id: int | None = None, replace: bool = False,
                    progress: bool = False, source: str | None = None, actor: str | None = None):
        """Import a JSON dossier (or a JSON list of them) or a batch table (.csv/.xlsx/.parquet/.jsonl),
        in ONE transaction: a failure (or a kill) leaves the database as before the file. Returns an
        `ImportReport` (inserted / unchanged / replaced / rejected ids). Tables are scored by the
        batch executor (`scoring.evaluate_batch`); their rows become the member sheets. `source`:
        the file's name to store and to show in messages (default: the path)."""
        from .importer import import_path

        with self._write(actor) as tx:
            return import_path(self, tx, Path(path), round_id=round_id, replace=replace, progress=progress,
                               source=source)

    # ------------------------------------------------------------------ certificates

    def certify(self, issued_on: date | str, *, round_id: int | None = None, issued_by: str | None = None,
                actor: str | None = None) -> list[dict[str, Any]]:
        """Issue a certificate, dated `issued_on`, for each product whose newest dossier evaluated on or
        before that day has a recognised current result and no certificate (only the dossiers of
        `round_id` if given). A product's earlier valid certificate is superseded. Dossiers without a
        product are left (listed by `pipeline`). Returns the new certificates."""
        day = _day(issued_on, "issued_on")
        with self._write(actor) as tx:
            pending = queries.certifiable(tx.conn, round_id, day)
            issued = []
            for r in pending:
                if r["product_id"] is None:
                    continue
                issued.append(self.issue_certificate(r["result_id"], day, issued_by=issued_by))
            return issued

    def issue_certificate(self, result_id: int, issued_on: date | str, *, number: str | None = None,
                          issued_by: str | None = None, actor: str | None = None) -> dict[str, Any]:
        """A certificate for one recognised result: stars from the result; expiry `certificate_months`
        after issue (the result's criteria set); the re-evaluation window from the process data. The
        product's valid certificate, if any, is superseded on `issued_on`."""
        day = _day(issued_on, "issued_on")
        with self._write(actor) as tx:
            res = tx.conn.execute(select(ResultRow.id, ResultRow.stars, ResultRow.status, ResultRow.recognised_by,
                                         ResultRow.criteria_set, ResultRow.evaluated_on, Dossier.product_id,
                                         Dossier.dossier_id)
                                  .join(Dossier, Dossier.id == ResultRow.dossier_pk)
                                  .where(ResultRow.id == result_id)).first()
            if res is None:
                raise not_found("kết quả", "result", result_id, "result_id")
            if res.status != "recognised":
                raise RegistryError("not-recognised", "kết quả không được công nhận", "the result is not recognised",
                                    location="result_id", value=res.status, allowed="recognised")
            if res.product_id is None:
                raise RegistryError("no-product", "hồ sơ không gắn với sản phẩm", "the dossier has no product",
                                    location="dossier", value=res.dossier_id)
            if day < res.evaluated_on:
                raise RegistryError("issued-before-evaluation", "ngày cấp trước ngày đánh giá",
                                    "issued before the evaluation", location="issued_on", value=day.isoformat(),
                                    allowed=f"≥ {res.evaluated_on.isoformat()}")
            if tx.conn.execute(select(Certificate.number).where(Certificate.result_id == result_id)).first():
                raise RegistryError("already-certified", "kết quả đã được cấp giấy chứng nhận",
                                    "this result already has a certificate", location="result_id", value=result_id)
            months = process_of(res.criteria_set).certificate_months
            expires = expiry(day, months)
            window = reevaluation_window(expires)
            old = tx.conn.execute(select(*Certificate.__table__.c).where(Certificate.product_id == res.product_id,
                                                                         Certificate.status == "valid")).first()
            if old is not None and old.issued_on > day:
                raise RegistryError("issued-before-current", "ngày cấp trước giấy chứng nhận hiện hành",
                                    "issued before the product's current certificate", location="issued_on",
                                    value=day.isoformat(), allowed=f"≥ {old.issued_on.isoformat()} ({old.number})")
            if old is not None:  # the partial unique index allows one valid certificate: free it first
                tx.conn.execute(update(Certificate).where(Certificate.id == old.id)
                                .values(status="superseded", superseded_on=day))
            number = number or queries.next_number(tx.conn, day)
            row = {"number": number, "product_id": res.product_id, "result_id": result_id,
                   "dossier_id": res.dossier_id, "stars": res.stars,
                   "issued_on": day, "issued_by": issued_by or ISSUERS.get(res.recognised_by or "", "—"),
                   "expires_on": expires, "window_opens_on": window.opens_on if window else None,
                   "window_closes_on": window.closes_on if window else None, "status": "valid",
                   "created_at": utcnow()}
            cid = int(tx.conn.execute(insert(Certificate).values(**row)).inserted_primary_key[0])
            if old is not None:
                tx.conn.execute(update(Certificate).where(Certificate.id == old.id).values(superseded_by=cid))
                tx.audit("supersede", "certificate", old.number, dict(old._mapping),
                         {"status": "superseded", "superseded_on": day, "superseded_by": number})
            tx.audit("issue", "certificate", number, None, row)
            return {**row, "id": cid, "supersedes": old.number if old else None}

    def revoke(self, number: str, ground: str, on: date | str, *, note: str | None = None,
               actor: str | None = None) -> dict[str, Any]:
        """Revoke a certificate on `on` on a ground of the closed list (QĐ 26/2026 Điều 8 khoản 1:
        a, b, c, d, đ, e). Refused: unknown ground, a date before issue, a certificate not valid on
        that date (revoked, superseded or expired)."""
        day = _day(on, "on")
        cs = revocation_rules(day)
        try:
            cs.process.ground(ground)
        except KeyError:
            raise RegistryError("unknown-ground", "căn cứ thu hồi không có trong danh sách",
                                "not a revocation ground of the closed list", location="ground", value=ground,
                                allowed="; ".join(f"{g.code}: {g.text_en}" for g in cs.process.grounds)) from None
        with self._write(actor) as tx:
            cert = tx.conn.execute(select(*Certificate.__table__.c).where(Certificate.number == number)).first()
            if cert is None:
                raise not_found("giấy chứng nhận", "certificate", number, "number")
            if day < cert.issued_on:
                raise RegistryError("revoked-before-issue", "ngày thu hồi trước ngày cấp",
                                    "the revocation date is before the issue date", location="on",
                                    value=day.isoformat(), allowed=f"≥ {cert.issued_on.isoformat()}")
            if cert.status != "valid":
                raise RegistryError(f"already-{cert.status}", f"giấy chứng nhận không còn hiệu lực ({cert.status})",
                                    f"the certificate is {cert.status}", location="number", value=number)
            if day > cert.expires_on:
                raise RegistryError("revoke-expired", "giấy chứng nhận đã hết hạn vào ngày đó",
                                    "the certificate had expired on that date", location="on", value=day.isoformat(),
                                    allowed=f"≤ {cert.expires_on.isoformat()}")
            values = {"status": "revoked", "revoked_on": day, "revocation_ground": ground, "revocation_note": note}
            tx.conn.execute(update(Certificate).where(Certificate.id == cert.id).values(**values))
            tx.audit("revoke", "certificate", number, dict(cert._mapping), values | {"grounds_of": cs.id})
            return {**dict(cert._mapping), **values}

    def revocation_grounds(self, on: date | str | None = None) -> list[dict[str, str]]:
        """The closed list of grounds (bilingual) that applies on a date (default today)."""
        cs = revocation_rules(_day(on, "on") or date.today())
        return [{"code": g.code, "text": g.text, "text_en": g.text_en, "ref": g.ref or ""} for g in cs.process.grounds]

    def certificate(self, number: str) -> dict[str, Any]:
        with self._read() as conn:
            rows = queries.certificates(conn, as_of=date.today(), number=number)
            if not rows:
                raise not_found("giấy chứng nhận", "certificate", number, "number")
            return rows[0]

    # ------------------------------------------------------------------ queries (reports)

    def certificates(self, *, as_of: date | str | None = None, status: str | None = None,
                     due_within: int | None = None, province: str | None = None, district: str | None = None,
                     commune: str | None = None, stars: int | None = None,
                     limit: int | None = None) -> list[dict[str, Any]]:
        """Certificates issued on or before `as_of` (default today) with their status computed as of
        that day (valid / expired / revoked / superseded). With `due_within`: only those due (see
        `certificates_due`)."""
        day = _day(as_of, "as_of") or date.today()
        if due_within is not None:
            rows = self.certificates_due(day, due_within)
            return [r for r in rows if status is None or r["status"] == status][:limit]
        with self._read() as conn:
            return queries.certificates(conn, as_of=day, status=status, province=province, district=district,
                                        commune=commune, stars=stars, limit=limit)

    def certificates_due(self, as_of: date | str, within_days: int) -> list[dict[str, Any]]:
        """Certificates needing re-evaluation as of a day: valid ones whose window (180 to 120 days
        before expiry) is open, closed already, or opens within `within_days`; and expired ones not
        superseded or revoked. Each row has `due`: window-opens / window-open / window-closed / expired."""
        day = _day(as_of, "as_of")
        with self._read() as conn:
            return queries.due(conn, day, int(within_days))

    def counts_by_area(self, as_of: date | str, *, by: str = "province") -> list[dict[str, Any]]:
        """Valid certificates on a day counted by area (province; province, district; or province,
        district, commune) and stars — the basis of progress reports."""
        if by not in ("province", "district", "commune"):
            raise RegistryError("bad-area-level", "cấp địa bàn không hợp lệ", "unknown area level", location="by",
                                value=by, allowed="province, district, commune")
        with self._read() as conn:
            return queries.counts_by_area(conn, _day(as_of, "as_of"), by)

    def issued_between(self, start: date | str, end: date | str) -> list[dict[str, Any]]:
        """Certificates issued from `start` to `end` (inclusive)."""
        with self._read() as conn:
            return queries.issued_between(conn, _day(start, "start"), _day(end, "end"))

    def dossiers(self, *, round_id: int | None = None, status: str | None = None,
                 uncertified: bool = False) -> list[dict[str, Any]]:
        """The dossiers stored (of one round, if given), each with its product, area, current result
        and the certificate issued on it: what a round holds and where each dossier stands.
        `status`: recognised / not_recognised / disqualified (the current result's);
        `uncertified`: only dossiers without a certificate on their current result."""
        if status is not None and status not in RESULT_STATUSES:
            raise RegistryError("unknown-result-status", "trạng thái kết quả không có trong danh sách",
                                "not a result status", location="status", value=status,
                                allowed=", ".join(RESULT_STATUSES))
        with self._read() as conn:
            if round_id is not None:
                self._row(conn, Round, round_id, "round")
            return queries.dossiers(conn, round_id=round_id, status=status, uncertified=uncertified)

    def pipeline(self) -> list[dict[str, Any]]:
        """Dossiers whose current result is recognised (or sent up to a higher level) without a
        certificate: scored, not yet certified."""
        with self._read() as conn:
            return queries.pipeline(conn)

    def producer_contacts(self, *, province: str | None = None, district: str | None = None,
                          commune: str | None = None) -> list[dict[str, Any]]:
        """Producers with representative, phone, email and address, by area."""
        with self._read() as conn:
            return queries.producer_contacts(conn, province, district, commune)

    def audit_log(self, *, entity: str | None = None, entity_id: Any = None, actor: str | None = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
        """Audit rows, oldest first."""
        q = select(*AuditEntry.__table__.c).order_by(AuditEntry.id)
        if entity is not None:
            q = q.where(AuditEntry.entity == entity)
        if entity_id is not None:
            q = q.where(AuditEntry.entity_id == str(entity_id))
        if actor is not None:
            q = q.where(AuditEntry.actor == actor)
        if limit is not None:
            q = q.limit(limit)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ export, backup

    def export(self, path: str | Path) -> list[Path]:
        """Every entity's table to FILE: .xlsx (one sheet per table), or .csv / .parquet (one file per
        table, FILE's stem + '-<table>'). Written atomically. Returns the files written."""
        from .export import export_tables

        return export_tables(self, Path(path))

    def backup(self, path: str | Path) -> Path:
        """A consistent copy of a SQLite database (online backup API) at `path`; for PostgreSQL,
        raises with the `pg_dump` command to run instead."""
        from .export import backup

        return backup(self, Path(path))

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _row(conn: Connection, model: Any, key: Any, what: str) -> dict[str, Any]:
        r = conn.execute(select(*model.__table__.c).where(model.id == key)).first()
        if r is None:
            raise not_found(what, what, key, f"{what}_id")
        return dict(r._mapping)

    def _open_session_row(self, conn: Connection, session_id: int, *, lock: bool = False,
                          shared: bool = False) -> dict[str, Any]:
        """The session's row, refused when it is closed. `lock`: hold the row until the transaction
        ends (PostgreSQL; SQLite's writers already take turns), as an agenda change and a close do:
        it then waits for a close or a member's save in flight and reads what they wrote, and two
        changes of one agenda never count its positions at once. `shared`: hold it shared, as a
        sheet's save does, so that members save side by side while a close or an agenda change
        waits for them (and they for it). The web app's store takes the same locks."""
        if lock or shared:
            conn.execute(select(CouncilSession.id).where(CouncilSession.id == session_id)
                         .with_for_update(read=not lock))
        s = self._row(conn, CouncilSession, session_id, "session")
        if s["status"] != "open":
            raise RegistryError("session-closed", "phiên họp đã đóng", "the session is closed",
                                location="session_id", value=session_id)
        return s

    @staticmethod
    def _dossier_pk(conn: Connection, dossier_id: str) -> int:
        pk = conn.execute(select(Dossier.id).where(Dossier.dossier_id == dossier_id)).scalar()
        if pk is None:
            raise not_found("hồ sơ", "dossier", dossier_id, "dossier_id")
        return int(pk)


__all__ = ["ISSUERS", "KINDS", "Registry", "RegistryError", "Transaction", "cli_actor"]
