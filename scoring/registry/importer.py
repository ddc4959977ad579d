"""`ocop registry import`: dossiers in, scored by the kernel, stored with products, sheets, results.

One file is one transaction (the caller's). JSON dossiers go through the rule engine
(`scoring.evaluate`, the full Result is stored); tables through the batch executor
(`scoring.evaluate_batch`: its result row is stored, the table's rows become the member sheets).
Rows are written in bulk (executemany in chunks), so a 10^5-dossier table is a few statements
per chunk, not a round trip per row.

Outcomes per dossier: inserted (new id), unchanged (same canonical content as stored: nothing is
written), replaced (`replace=True`: the stored version goes to dossier_versions, the new one takes
its place with new sheets and a new result; earlier results stay), rejected (the kernel refused it:
listed with the kernel's message; the rest of the file is stored). A changed dossier without
`replace` refuses the WHOLE file (nothing written), listing what differs.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import delete, func, insert, select, update

from ..errors import Issue, ValidationFailed
from ..gc_pause import collector_paused
from .errors import RegistryError
from .bulk import insert_rows, raw_json
from .identity import canonical_dossier, canonical_json, criteria_hash, differences, name_key, plain_json
from .models import KINDS, Dossier, DossierVersion, MemberSheet, Producer, Product, ResultRow, Round, utcnow

if TYPE_CHECKING:
    from .api import Registry, Transaction

CHUNK = 2000
_T0 = time.perf_counter()
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet", ".jsonl", ".ndjson")


@dataclass
class ImportReport:
    """What one file did (ids by outcome; `rejected`: [{dossier_id, reason}])."""

    source: str
    inserted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    producers_created: int = 0
    products_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "inserted": len(self.inserted), "unchanged": len(self.unchanged),
                "replaced": len(self.replaced), "rejected": self.rejected,
                "producers_created": self.producers_created, "products_created": self.products_created}


@dataclass
class Prepared:
    """A scored dossier ready to store: its canonical JSON as text (hashed, stored as is)."""

    dossier_id: str
    text: str  # canonical_json of the canonical dossier
    meta: dict[str, Any]  # the canonical dossier without its sheets (for the dossier's columns)
    result: dict[str, Any]  # a ResultRow row without dossier_pk / dossier_version; "result" as JSON text
    sheets: list[tuple[str, str]]  # (member, scores as canonical JSON text)

    @cached_property
    def hash(self) -> str:  # read three times per stored dossier: computed once
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def product(self) -> Mapping[str, Any]:
        return self.meta.get("product") or {}


def _per_dossier(rejects: Any) -> list[tuple[Any, Any]]:
    """The batch's reject rows (one per problem) grouped by dossier, in table order; rows without an
    id stay one entry each."""
    out = []
    for did, rows in rejects.groupby(rejects["dossier_id"].fillna(""), sort=False):
        if did == "":
            out += [(None, rows.iloc[[i]]) for i in range(len(rows))]
        else:
            out.append((did, rows))
    return out


def _trace(message: str) -> None:
    """Stage lines on stderr when OCOP_REGISTRY_TRACE is set (the kill test waits for them)."""
    if os.environ.get("OCOP_REGISTRY_TRACE"):
        print(f"registry: {time.perf_counter() - _T0:.2f}s {message}", file=sys.stderr, flush=True)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def result_row(data: Mapping[str, Any], dossier_pk: int | None, version: int, *, source: str) -> dict[str, Any]:
    """A ResultRow from a Result's dict (engine) or a batch result row: queryable columns, the
    engine version and the hash of the criteria data used, and the JSON itself."""
    import scoring

    data = plain_json(dict(data))
    return {"dossier_pk": dossier_pk, "dossier_version": version, "criteria_set": data["criteria_set"],
            "form": data["form"], "level": data["level"], "evaluated_on": _day(data["evaluated_on"]),
            "total": float(data["total"]), "band_stars": int(data["band_stars"]), "stars": int(data["stars"]),
            "status": data["status"], "recognised_by": data.get("recognised_by") or None,
            "escalate_to": data.get("escalate_to") or None, "engine_version": scoring.__version__,
            "criteria_hash": criteria_hash(data["criteria_set"], data["form"], os.environ.get("OCOP_CRITERIA_DIR")),
            "source": source, "result": json.dumps(data, ensure_ascii=False, default=str), "decided": False,
            "created_at": utcnow()}


def _kind_issue(d: Mapping[str, Any]) -> str | None:
    kind = d.get("kind", "new")
    if kind not in KINDS:
        return str(Issue("[kind-unknown] loại hồ sơ không có / unknown dossier kind", None, "kind", kind, ", ".join(KINDS)))
    return None


# --------------------------------------------------------------------------- JSON dossiers


def _load_json_dossiers(path: Path, label: str) -> list[Any]:
    from ..text import load_json

    try:
        data = load_json(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([Issue(f"not valid JSON: {exc}", label)], subject=label) from None
    return data if isinstance(data, list) else [data]


def prepare_json(dossiers: Iterable[Any], source: str | None, report: ImportReport) -> list[Prepared]:
    """Score each dossier with the rule engine; invalid ones go to report.rejected."""
    from ..dossier import parse_dossier
    from ..evaluate import evaluate
    from ..text import load_json

    out = []
    for i, item in enumerate(dossiers):
        if isinstance(item, (str, Path)):
            item = load_json(item)
        where = source or "dossier"
        if not isinstance(item, dict):
            report.rejected.append({"dossier_id": None, "reason": f"{where}[{i}]: not a JSON object"})
            continue
        did = item.get("dossier_id")
        kind_issue = _kind_issue(item)
        if kind_issue:
            report.rejected.append({"dossier_id": did, "reason": kind_issue})
            continue
        # kind, lodged_on and previous_certificate go to the kernel as they are: they choose the
        # criteria set in QĐ 26/2026's transition and its filing checks (scoring.filing)
        try:
            result = evaluate(parse_dossier(item, file=source))
        except ValidationFailed as exc:
            report.rejected.append({"dossier_id": did, "reason": str(exc)})
            continue
        content = canonical_dossier(item)
        sheets = content.get("sheets")
        if isinstance(sheets, list) and sheets:
            pairs = [(str(s.get("member", f"M{k + 1}")), s.get("scores") or {}) for k, s in enumerate(sheets)]
        else:  # a single member's scores at top level: the kernel names the member
            pairs = [(result.members[0] if result.members else "M1", content.get("scores") or {})]
        meta = {k: v for k, v in content.items() if k != "sheets"}
        out.append(Prepared(result.dossier_id, canonical_json(content), meta,
                            result_row(result.to_dict(), None, 1, source="engine"),
                            [(m, canonical_json(sc)) for m, sc in pairs]))
    return out


# --------------------------------------------------------------------------- tables


def prepare_table(path: Path, report: ImportReport, progress: bool, source: str) -> list[Prepared]:
    """Score a table with the batch executor; its dossiers (as design.md §3 JSON) give the stored
    content and the member sheets. `source`: the file's name in messages (import_path's label)."""
    from ..batch import dossier_dicts, evaluate_batch, read_table, to_wide
    from ..batch.tables import normalise_columns

    frame = read_table(path)
    _trace(f"read {len(frame)} rows from {path}")
    results, rejects = evaluate_batch(frame, progress=progress, source=source)
    _trace(f"scored {len(results)} dossiers, {len(rejects)} rejected")
    for did, rows in _per_dossier(rejects):  # one entry per dossier, its problems joined (and coded)
        report.rejected.append({"dossier_id": plain_json(did), "rows": ",".join(dict.fromkeys(rows["rows"])),
                                "reason": "; ".join(rows["reason"]), "codes": list(dict.fromkeys(rows["code"]))})
    if not len(results):
        return []
    from .tables import batch_result_rows, table_dossiers

    # the dossiers' own fields (kind, lodged_on, previous certificate included) as the kernel reads
    # them from the table (`dossier_dicts`: 'Phân hạng lại' is kind re-evaluation, dates as ISO text)
    wide = to_wide(normalise_columns(frame, source), source)
    rows = batch_result_rows(results)
    forms = {did: (r["criteria_set"], r["form"]) for did, r in rows.items()}
    out = []
    for did, text, meta, sheets in table_dossiers(wide, set(rows), forms):
        kind_issue = _kind_issue(meta)
        if kind_issue:
            report.rejected.append({"dossier_id": did, "reason": kind_issue})
            continue
        out.append(Prepared(did, text, meta, rows[did], sheets))
    _trace(f"prepared {len(out)} dossiers")
    return out


# --------------------------------------------------------------------------- storing


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _area(product: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(product.get("province") or "").strip(), str(product.get("district") or "").strip(),
            str(product.get("commune") or "").strip())


def _ids_of(conn: Any, group: Any, key: tuple[Any, ...], groups: Iterable[Any],
            wanted: Mapping[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], int]:
    """Ids of the rows whose `key` columns are among `wanted`, read 500 `group` values at a time."""
    found = {}
    model = group.class_
    for chunk in _chunks(sorted(set(groups)), 500):
        for r in conn.execute(select(model.id, *key).where(group.in_(list(chunk)))):
            if tuple(r[1:]) in wanted:
                found[tuple(r[1:])] = r[0]
    return found


def _resolve_products(tx: "Transaction", items: Sequence[Prepared], report: ImportReport) -> dict[str, int | None]:
    """dossier_id → product id, creating the producers and products not known yet (identity.py).
    Names are keyed once per distinct spelling; known rows are read, new ones inserted, and their
    ids read back, in a few queries per 500 provinces / producers (not per dossier or chunk)."""
    conn = tx.conn
    keys: dict[Any, str] = {}

    def key(name: Any) -> str:
        try:
            if name not in keys:
                keys[name] = name_key(name)
            return keys[name]
        except TypeError:  # an unhashable value: keyed as it is
            return name_key(name)

    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    who: dict[str, tuple[str, str, str] | None] = {}  # dossier id → (producer key, province, product key)
    first: dict[tuple[str, str, str], dict[str, Any]] = {}  # product → its columns, from its first dossier
    seen: dict[tuple[Any, ...], tuple[str, str, str] | None] = {}  # a product's cells as given → who

    def identify(p: Mapping[str, Any]) -> tuple[str, str, str] | None:
        pname, prod = p.get("producer"), p.get("name")
        if not (key(prod) and key(pname)):
            return None
        province, district, commune = _area(p)
        wanted.setdefault((key(pname), province), {"name": str(pname).strip(), "province": province,
                                                   "district": district, "commune": commune})
        return key(pname), province, key(prod)

    for it in items:  # a product's dossiers repeat its cells: each distinct spelling is keyed once
        p = it.product
        cells = (p.get("producer"), p.get("name"), p.get("province"), p.get("district"), p.get("commune"))
        try:
            w = seen[cells] if cells in seen else seen.setdefault(cells, identify(p))
        except TypeError:  # an unhashable cell: keyed as it is
            w = identify(p)
        who[it.dossier_id] = w
        if w is not None and w not in first:
            province, district, commune = _area(p)
            first[w] = {"name": str(p.get("name")).strip(), "province": province, "district": district,
                        "commune": commune, "criteria_set": it.result["criteria_set"], "form": it.result["form"]}

    def producers_of(provinces: Iterable[str]) -> dict[tuple[str, str], int]:
        return _ids_of(conn, Producer.province, (Producer.name_key, Producer.province), provinces, wanted)

    producer_ids = producers_of(k[1] for k in wanted)
    new = [k for k in wanted if k not in producer_ids]
    if new:
        rows = [{"name": wanted[k]["name"], "name_key": k[0], "province": k[1], "district": wanted[k]["district"],
                 "commune": wanted[k]["commune"]} for k in new]
        for chunk in _chunks(rows):
            insert_rows(conn, Producer, chunk)
        producer_ids.update(producers_of(k[1] for k in new))
        for row in rows:
            tx.audit("create", "producer", producer_ids[(row["name_key"], row["province"])], None, row)
        report.producers_created += len(new)

    wanted_products: dict[tuple[int, str], dict[str, Any]] = {}
    for w, row in first.items():
        wanted_products.setdefault((producer_ids[(w[0], w[1])], w[2]), row)

    def products_of(producers: Iterable[int]) -> dict[tuple[int, str], int]:
        return _ids_of(conn, Product.producer_id, (Product.producer_id, Product.name_key), producers,
                       wanted_products)

    product_ids = products_of(k[0] for k in wanted_products)
    newp = [k for k in wanted_products if k not in product_ids]
    if newp:
        rows = [{"producer_id": k[0], "name_key": k[1], **wanted_products[k]} for k in newp]
        for chunk in _chunks(rows):
            insert_rows(conn, Product, chunk)
        product_ids.update(products_of(k[0] for k in newp))
        for row in rows:
            tx.audit("create", "product", product_ids[(row["producer_id"], row["name_key"])], None, row)
        report.products_created += len(newp)
    return {did: None if w is None else product_ids[(producer_ids[(w[0], w[1])], w[2])] for did, w in who.items()}


def store(reg: "Registry", tx: "Transaction", items: Sequence[Prepared], report: ImportReport, *,
          round_id: int | None, replace: bool, source: str | None, progress: bool = False) -> ImportReport:
    conn = tx.conn
    if round_id is not None and conn.execute(select(Round.id).where(Round.id == round_id)).first() is None:
        raise RegistryError("unknown-round", "không có đợt đánh giá này", "no such round", location="--round",
                            value=round_id)
    seen: dict[str, Prepared] = {}
    for it in items:  # one id twice in one file: the later one would silently win
        if it.dossier_id in seen and seen[it.dossier_id].hash != it.hash:
            raise RegistryError("duplicate-dossier-id", "một mã hồ sơ xuất hiện hai lần với nội dung khác nhau",
                                "a dossier id appears twice with different content", location=source,
                                value=it.dossier_id)
        seen[it.dossier_id] = it
    items = list(seen.values())
    stored: dict[str, Any] = {}
    for chunk in _chunks([it.dossier_id for it in items]):
        for r in conn.execute(select(Dossier.id, Dossier.dossier_id, Dossier.content_hash, Dossier.version,
                                     Dossier.source).where(Dossier.dossier_id.in_(list(chunk)))):
            stored[r.dossier_id] = r
    fresh, changed = [], []
    for it in items:
        old = stored.get(it.dossier_id)
        if old is None:
            fresh.append(it)
        elif old.content_hash == it.hash:
            report.unchanged.append(it.dossier_id)
        else:
            changed.append(it)
    old_content = {}
    for it in changed:
        old_content[it.dossier_id] = conn.execute(select(Dossier.content)
                                                  .where(Dossier.id == stored[it.dossier_id].id)).scalar_one()
    if changed and not replace:
        details = []
        for it in changed[:20]:
            diff = differences(old_content[it.dossier_id], json.loads(it.text))
            details.append(f"{it.dossier_id}: " + "; ".join(diff[:8]) + (" …" if len(diff) > 8 else ""))
        if len(changed) > 20:
            details.append(f"… and {len(changed) - 20} more changed dossier(s)")
        raise RegistryError("dossier-changed",
                            f"{len(changed)} hồ sơ đã có trong sổ với nội dung khác; dùng --replace để thay (bản cũ được lưu)",
                            f"{len(changed)} dossier(s) already stored with different content; use --replace to "
                            "replace them (the old version is kept)", location=source,
                            value=[it.dossier_id for it in changed[:20]], details=details)
    todo = fresh + changed
    if not todo:
        return report
    products = _resolve_products(tx, todo, report)
    _trace(f"resolved {len(products)} products")
    now = utcnow()
    pks: dict[str, int] = {}
    bar = _bar(progress, len(todo))
    written = 0
    # SQLite: this transaction holds the database's write lock from its first statement (BEGIN
    # IMMEDIATE, db.py), so the new rows take the ids after the largest one, given here, and nothing
    # is read back. PostgreSQL: ids come from the sequence and are read back by the unique dossier id
    # (RETURNING with executemany goes row by row).
    next_id = (conn.execute(select(func.coalesce(func.max(Dossier.id), 0))).scalar_one() + 1
               if conn.dialect.name == "sqlite" else None)
    texts: dict[Any, str] = {}
    source_json = json.dumps(source, ensure_ascii=False)
    for chunk in _chunks(fresh):
        rows = [_dossier_values(it, products[it.dossier_id], round_id, source, texts) for it in chunk]
        if next_id is not None:
            ids = range(next_id, next_id + len(chunk))
            next_id += len(chunk)
            insert_rows(conn, Dossier, [(i, *r) for i, r in zip(ids, rows)], DOSSIER_RAW, keys=("id", *DOSSIER_KEYS))
            pks.update(zip([it.dossier_id for it in chunk], ids))
        else:
            insert_rows(conn, Dossier, rows, DOSSIER_RAW, keys=DOSSIER_KEYS)
            pks.update(conn.execute(select(Dossier.dossier_id, Dossier.id)
                                    .where(Dossier.dossier_id.in_([it.dossier_id for it in chunk]))).all())
        for it in chunk:
            tx.audit("import", "dossier", it.dossier_id, after_json=_summary_json(it, source_json, texts))
        _write_children(conn, chunk, pks, {it.dossier_id: 1 for it in chunk})
        written += len(chunk)
        _trace(f"wrote {written}/{len(todo)} dossiers")
        bar.update(len(chunk))
    for it in changed:
        old = stored[it.dossier_id]
        conn.execute(insert(DossierVersion).values(dossier_pk=old.id, version=old.version,
                                                   content=old_content[it.dossier_id],
                                                   content_hash=old.content_hash, source=old.source,
                                                   replaced_at=now, replaced_by=tx.actor))
        row = _dossier_row(it, products[it.dossier_id], round_id, source)
        row["version"] = old.version + 1
        conn.execute(update(Dossier).where(Dossier.id == old.id)
                     .values({"content": raw_json(conn.dialect.name, "content_json"), "updated_at": func.current_timestamp()}),
                     [row])
        conn.execute(delete(MemberSheet).where(MemberSheet.dossier_pk == old.id))
        pks[it.dossier_id] = old.id
        _write_children(conn, [it], pks, {it.dossier_id: old.version + 1})
        tx.audit("replace", "dossier", it.dossier_id, {"version": old.version, "content_hash": old.content_hash},
                 _summary(it, source) | {"version": old.version + 1})
        report.replaced.append(it.dossier_id)
        bar.update(1)
    bar.close()
    report.inserted.extend(it.dossier_id for it in fresh)
    tx.flush()
    if conn.dialect.name == "postgresql" and len(todo) >= ANALYZE_MIN_DOSSIERS:
        _analyze(conn)
    return report


ANALYZE_MIN_DOSSIERS = 1000
ANALYZED = ("producers", "products", "dossiers", "member_sheets", "results", "audit_log")


def _analyze(conn: Any) -> None:
    """PostgreSQL: fresh planner statistics for the tables a large import wrote (what its manual
    advises after a bulk load). Without them a connection that ran the import's lookups while a
    table was small keeps the plan it chose then: psycopg prepares a statement run five times, and
    the server's cached generic plan scanned the whole `dossiers` table for each 2,000-id lookup,
    so re-importing 10^5 dossiers in the same process took 164 s instead of ~9 s (benchmarks/README.md,
    "Registry"). ANALYZE also drops such cached plans. It runs in the import's transaction (its
    statistics are rolled back with it) and samples at most ~30,000 rows per table."""
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql("ANALYZE " + ", ".join(quote(t) for t in ANALYZED))


def _summary(it: Prepared, source: str | None) -> dict[str, Any]:
    r = it.result
    return {"content_hash": it.hash, "source": source, "members": len(it.sheets), "total": r["total"],
            "stars": r["stars"], "status": r["status"], "result_source": r["source"]}


def _summary_json(it: Prepared, source_json: str, memo: dict[Any, str]) -> str:
    """`audit_json(_summary(it, source))` by one format operation (an import audits every dossier):
    the same keys in the same order, json.dumps' separators, text values through json.dumps."""
    r = it.result
    total = r["total"]
    if type(total) is not float or not math.isfinite(total) or type(r["stars"]) is not int:
        from .api import audit_json

        return audit_json(_summary(it, json.loads(source_json)))
    words = []
    for value in (r["status"], r["source"]):
        if value not in memo:
            memo[value] = json.dumps(value, ensure_ascii=False)
        words.append(memo[value])
    return (f'{{"content_hash": "{it.hash}", "source": {source_json}, "members": {len(it.sheets)}, '
            f'"total": {total!r}, "stars": {r["stars"]}, "status": {words[0]}, "result_source": {words[1]}}}')


def _dossier_row(it: Prepared, product_id: int | None, round_id: int | None, source: str | None) -> dict[str, Any]:
    c = it.meta
    return {"dossier_id": it.dossier_id, "product_id": product_id, "round_id": round_id,
            "kind": c.get("kind") or "new", "criteria_set": it.result["criteria_set"], "form": it.result["form"],
            "level": it.result["level"], "evaluated_on": it.result["evaluated_on"], "lodged_on": _day(c.get("lodged_on")),
            "findings": list(c.get("findings") or []), "cases": c.get("cases"), "story_exists": c.get("story_exists"),
            "content_json": it.text, "content_hash": it.hash, "version": 1, "source": source}


DOSSIER_KEYS = ("dossier_id", "product_id", "round_id", "kind", "criteria_set", "form", "level", "evaluated_on",
                "lodged_on", "findings_json", "cases_json", "story_exists", "content_json", "content_hash", "version",
                "source")
DOSSIER_RAW = ("content", "findings", "cases")


def _json_text(value: Any, memo: dict[Any, str]) -> str:
    """JSON text as SQLAlchemy's JSON type writes it (json.dumps with its default settings; None is
    JSON null, not SQL NULL), once per distinct list of findings (most dossiers have none)."""
    if isinstance(value, list):
        key = tuple(value)
        try:
            if key not in memo:
                memo[key] = json.dumps(value)
            return memo[key]
        except TypeError:  # an unhashable entry: written as it is
            return json.dumps(value)
    return json.dumps(value)


def _dossier_values(it: Prepared, product_id: int | None, round_id: int | None, source: str | None,
                    memo: dict[Any, str]) -> tuple[Any, ...]:
    """`_dossier_row` as a tuple in DOSSIER_KEYS order, its JSON columns as text (no dict per dossier)."""
    c, r = it.meta, it.result
    return (it.dossier_id, product_id, round_id, c.get("kind") or "new", r["criteria_set"], r["form"], r["level"],
            r["evaluated_on"], _day(c.get("lodged_on")), _json_text(list(c.get("findings") or []), memo),
            _json_text(c.get("cases"), memo), c.get("story_exists"), it.text, it.hash, 1, source)


SHEET_KEYS = ("dossier_pk", "member", "scores_json", "status")
RESULT_FIELDS = ("criteria_set", "form", "level", "evaluated_on", "total", "band_stars", "stars", "status",
                 "recognised_by", "escalate_to", "engine_version", "criteria_hash", "source", "decided", "result")
RESULT_KEYS = ("dossier_pk", "dossier_version", *RESULT_FIELDS[:-1], "result_json")


def _write_children(conn: Any, chunk: Sequence[Prepared], pks: Mapping[str, int], versions: Mapping[str, int]) -> None:
    """The chunk's member sheets and results, as tuples (no dict per row: 6·10^5 sheets per 10^5 dossiers)."""
    sheets = [(pk, m, s, "submitted") for it in chunk for pk in (pks[it.dossier_id],) for m, s in it.sheets]
    if sheets:
        insert_rows(conn, MemberSheet, sheets, ["scores"], keys=SHEET_KEYS)
    fields = itemgetter(*RESULT_FIELDS)
    results = [(pks[it.dossier_id], versions[it.dossier_id], *fields(it.result)) for it in chunk]
    insert_rows(conn, ResultRow, results, ["result"], keys=RESULT_KEYS)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(progress: bool, total: int) -> Any:
    if not progress or total < 1000:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="hồ sơ", desc="ghi / writing", file=sys.stderr)


# --------------------------------------------------------------------------- entry points


def import_dossiers(reg: "Registry", tx: "Transaction", dossiers: Sequence[Any], *, round_id: int | None,
                    replace: bool, source: str | None) -> ImportReport:
    report = ImportReport(source or "dossier")
    with collector_paused():  # ../gc_pause.py: the prepared dossiers are many small objects
        items = prepare_json(dossiers, source, report)
        return store(reg, tx, items, report, round_id=round_id, replace=replace, source=source)


def import_path(reg: "Registry", tx: "Transaction", path: Path, *, round_id: int | None, replace: bool,
                progress: bool, source: str | None = None) -> ImportReport:
    """`source`: the name stored with the dossiers and given in the report and the kernel's
    messages (default the path; the web app gives an upload's own file name, not its temporary path)."""
    label = source or str(path)
    if not path.is_file():
        raise ValidationFailed([Issue("[file-missing] không có tệp này / no such file", label)], subject=label)
    report = ImportReport(label)
    suffix = path.suffix.lower()
    if suffix != ".json" and suffix not in TABLE_SUFFIXES:
        raise ValidationFailed([Issue("[input-format] định dạng tệp không hỗ trợ / unsupported input format", label, None, suffix,
                                      ".json (dossier or list of dossiers), " + ", ".join(TABLE_SUFFIXES))],
                               subject=label)
    with collector_paused():  # ../gc_pause.py: its passes took 2–2.6 s of an 18 s import of 10^5 dossiers
        if suffix == ".json":
            items = prepare_json(_load_json_dossiers(path, label), label, report)
        else:
            items = prepare_table(path, report, progress, label)
        return store(reg, tx, items, report, round_id=round_id, replace=replace, source=label, progress=progress)
