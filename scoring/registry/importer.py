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

import os
import sys
from dataclasses import dataclass, field
from functools import cache
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import delete, insert, select, tuple_, update

from ..errors import Issue, ValidationFailed
from .errors import RegistryError
from .identity import plain_json, canonical_dossier, content_hash, criteria_hash, differences, name_key
from .models import KINDS, Dossier, DossierVersion, MemberSheet, Producer, Product, ResultRow, Round, utcnow

if TYPE_CHECKING:
    from .api import Registry, Transaction

CHUNK = 2000
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
    """A scored dossier ready to store."""

    dossier_id: str
    content: dict[str, Any]
    hash: str
    result: dict[str, Any]  # a ResultRow row without dossier_pk / dossier_version
    sheets: list[tuple[str, dict[str, Any]]]
    product: Mapping[str, Any]


def _trace(message: str) -> None:
    """Stage lines on stderr when OCOP_REGISTRY_TRACE is set (the kill test waits for them)."""
    if os.environ.get("OCOP_REGISTRY_TRACE"):
        print(f"registry: {message}", file=sys.stderr, flush=True)


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
            "source": source, "result": data, "decided": False, "created_at": utcnow()}


def _kind_issue(d: Mapping[str, Any]) -> str | None:
    kind = d.get("kind", "new")
    if kind not in KINDS:
        return str(Issue("unknown dossier kind", None, "kind", kind, ", ".join(KINDS)))
    return None


# --------------------------------------------------------------------------- JSON dossiers


def _load_json_dossiers(path: Path) -> list[Any]:
    from ..text import load_json

    try:
        data = load_json(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([Issue(f"not valid JSON: {exc}", str(path))], subject=str(path)) from None
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
        # kind / lodged_on: the kernel checks them once its dossier schema has them (issue 13); until
        # then they are the registry's own fields and are not sent to it
        base = {k: v for k, v in item.items() if k not in ("kind", "lodged_on") or _kernel_knows(k)}
        try:
            result = evaluate(parse_dossier(base, file=source))
        except ValidationFailed as exc:
            report.rejected.append({"dossier_id": did, "reason": str(exc)})
            continue
        content = canonical_dossier(item)
        data = result.to_dict()
        sheets = item.get("sheets")
        if isinstance(sheets, list) and sheets:
            pairs = [(str(s.get("member", result.members[k] if k < len(result.members) else f"M{k + 1}")),
                      dict(s.get("scores") or {})) for k, s in enumerate(sheets)]
        else:
            pairs = [(result.members[0] if result.members else "M1", dict(item.get("scores") or {}))]
        out.append(Prepared(result.dossier_id, content, content_hash(content),
                            result_row(data, None, 1, source="engine"), _clean_sheets(pairs),
                            dict(item.get("product") or {})))
    return out


@cache
def _kernel_knows(name: str) -> bool:
    """True when the dossier schema defines this top-level field."""
    import json

    from ..resources import schema_path

    return name in json.loads(schema_path("dossier").read_text(encoding="utf-8")).get("properties", {})


def _clean_sheets(pairs: Sequence[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(m, {k: v for k, v in plain_json(s).items() if v is not None}) for m, s in pairs]


# --------------------------------------------------------------------------- tables


def prepare_table(path: Path, report: ImportReport, progress: bool) -> list[Prepared]:
    """Score a table with the batch executor; its dossiers (as design.md §3 JSON) give the stored
    content and the member sheets."""
    from ..batch import dossier_dicts, evaluate_batch, read_table, to_wide
    from ..batch.tables import normalise_columns

    frame = read_table(path)
    _trace(f"read {len(frame)} rows from {path}")
    results, rejects = evaluate_batch(frame, progress=progress, source=str(path))
    _trace(f"scored {len(results)} dossiers, {len(rejects)} rejected")
    for r in rejects.to_dict("records"):
        report.rejected.append({"dossier_id": plain_json(r.get("dossier_id")), "rows": str(r.get("rows")),
                                "reason": str(r.get("reason"))})
    if not len(results):
        return []
    wide = to_wide(normalise_columns(frame, str(path)), str(path))
    extra = {c: _first_by_dossier(wide, c) for c in ("kind", "lodged_on") if c in wide.columns}
    rows = {str(r["dossier_id"]): r for r in results.to_dict("records")}
    out = []
    for d in dossier_dicts(wide):
        did = d["dossier_id"]
        row = rows.get(did)
        if row is None:
            continue  # rejected: listed above
        for c, values in extra.items():
            if values.get(did) is not None:
                d[c] = values[did]
        if "product" in d and "product" in d["product"]:  # the table's product column is design.md §3's name
            d["product"] = {("name" if k == "product" else k): v for k, v in d["product"].items()}
        kind_issue = _kind_issue(d)
        if kind_issue:
            report.rejected.append({"dossier_id": did, "reason": kind_issue})
            continue
        content = canonical_dossier(d)
        sheets = [(s.get("member", f"M{k + 1}"), s["scores"]) for k, s in enumerate(content.get("sheets", []))]
        out.append(Prepared(did, content, content_hash(content), result_row(row, None, 1, source="batch"), sheets,
                            dict(d.get("product") or {})))
    return out


def _first_by_dossier(wide: Any, column: str) -> dict[str, Any]:
    import pandas as pd

    values = wide[[column]].assign(_id=wide["dossier_id"].astype(str)).dropna(subset=[column])
    firsts = values.groupby("_id", sort=False)[column].first()
    return {k: (v.isoformat()[:10] if isinstance(v, pd.Timestamp) else str(v).strip()) for k, v in firsts.items()}


# --------------------------------------------------------------------------- storing


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _area(product: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(product.get("province") or "").strip(), str(product.get("district") or "").strip(),
            str(product.get("commune") or "").strip())


def _resolve_products(tx: "Transaction", items: Sequence[Prepared], report: ImportReport) -> dict[str, int | None]:
    """dossier_id → product id, creating the producers and products not known yet (identity.py)."""
    conn = tx.conn
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for it in items:
        p = it.product
        if name_key(p.get("name")) and name_key(p.get("producer")):
            province, district, commune = _area(p)
            wanted.setdefault((name_key(p["producer"]), province),
                              {"name": str(p["producer"]).strip(), "province": province, "district": district,
                               "commune": commune})
    producer_ids: dict[tuple[str, str], int] = {}
    keys = list(wanted)
    for chunk in _chunks(keys):
        for r in conn.execute(select(Producer.id, Producer.name_key, Producer.province)
                              .where(tuple_(Producer.name_key, Producer.province).in_(list(chunk)))):
            producer_ids[(r.name_key, r.province)] = r.id
    new = [k for k in keys if k not in producer_ids]
    if new:
        now = utcnow()
        rows = [{"name": wanted[k]["name"], "name_key": k[0], "province": k[1], "district": wanted[k]["district"],
                 "commune": wanted[k]["commune"], "created_at": now} for k in new]
        for chunk in _chunks(rows):
            got = conn.execute(insert(Producer).returning(Producer.id, sort_by_parameter_order=True), list(chunk))
            for row, pid in zip(chunk, got.scalars()):
                producer_ids[(row["name_key"], row["province"])] = pid
                tx.audit("create", "producer", pid, None, row)
        report.producers_created += len(new)

    wanted_products: dict[tuple[int, str], dict[str, Any]] = {}
    for it in items:
        p = it.product
        if name_key(p.get("name")) and name_key(p.get("producer")):
            province, district, commune = _area(p)
            pid = producer_ids[(name_key(p["producer"]), province)]
            wanted_products.setdefault((pid, name_key(p["name"])), {
                "name": str(p["name"]).strip(), "province": province, "district": district, "commune": commune,
                "criteria_set": it.result["criteria_set"], "form": it.result["form"]})
    product_ids: dict[tuple[int, str], int] = {}
    pkeys = list(wanted_products)
    for chunk in _chunks(pkeys):
        for r in conn.execute(select(Product.id, Product.producer_id, Product.name_key)
                              .where(tuple_(Product.producer_id, Product.name_key).in_(list(chunk)))):
            product_ids[(r.producer_id, r.name_key)] = r.id
    newp = [k for k in pkeys if k not in product_ids]
    if newp:
        now = utcnow()
        rows = [{"producer_id": k[0], "name_key": k[1], **wanted_products[k], "created_at": now} for k in newp]
        for chunk in _chunks(rows):
            got = conn.execute(insert(Product).returning(Product.id, sort_by_parameter_order=True), list(chunk))
            for row, pid in zip(chunk, got.scalars()):
                product_ids[(row["producer_id"], row["name_key"])] = pid
                tx.audit("create", "product", pid, None, row)
        report.products_created += len(newp)
    out: dict[str, int | None] = {}
    for it in items:
        p = it.product
        if name_key(p.get("name")) and name_key(p.get("producer")):
            pid = producer_ids[(name_key(p["producer"]), _area(p)[0])]
            out[it.dossier_id] = product_ids[(pid, name_key(p["name"]))]
        else:
            out[it.dossier_id] = None
    return out


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
                                     Dossier.content, Dossier.source).where(Dossier.dossier_id.in_(list(chunk)))):
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
    if changed and not replace:
        details = []
        for it in changed[:20]:
            diff = differences(stored[it.dossier_id].content, it.content)
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
    now = utcnow()
    pks: dict[str, int] = {}
    bar = _bar(progress, len(todo))
    written = 0
    for chunk in _chunks(fresh):
        rows = [_dossier_row(it, products[it.dossier_id], round_id, source, now) for it in chunk]
        got = conn.execute(insert(Dossier).returning(Dossier.id, sort_by_parameter_order=True), rows)
        for it, pk in zip(chunk, got.scalars()):
            pks[it.dossier_id] = pk
            tx.audit("import", "dossier", it.dossier_id, None, _summary(it, source))
        _write_children(conn, chunk, pks, {it.dossier_id: 1 for it in chunk})
        written += len(chunk)
        _trace(f"wrote {written}/{len(todo)} dossiers")
        bar.update(len(chunk))
    for it in changed:
        old = stored[it.dossier_id]
        conn.execute(insert(DossierVersion).values(dossier_pk=old.id, version=old.version, content=old.content,
                                                   content_hash=old.content_hash, source=old.source,
                                                   replaced_at=now, replaced_by=tx.actor))
        row = _dossier_row(it, products[it.dossier_id], round_id, source, now)
        del row["created_at"]
        row["version"] = old.version + 1
        conn.execute(update(Dossier).where(Dossier.id == old.id).values(**row))
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
    return report


def _summary(it: Prepared, source: str | None) -> dict[str, Any]:
    r = it.result
    return {"content_hash": it.hash, "source": source, "members": len(it.sheets), "total": r["total"],
            "stars": r["stars"], "status": r["status"], "result_source": r["source"]}


def _dossier_row(it: Prepared, product_id: int | None, round_id: int | None, source: str | None, now: Any
                 ) -> dict[str, Any]:
    c = it.content
    return {"dossier_id": it.dossier_id, "product_id": product_id, "round_id": round_id,
            "kind": c.get("kind") or "new", "criteria_set": it.result["criteria_set"], "form": it.result["form"],
            "level": it.result["level"], "evaluated_on": it.result["evaluated_on"], "lodged_on": _day(c.get("lodged_on")),
            "findings": list(c.get("findings") or []), "cases": c.get("cases"), "story_exists": c.get("story_exists"),
            "content": c, "content_hash": it.hash, "version": 1, "source": source, "created_at": now,
            "updated_at": now}


def _write_children(conn: Any, chunk: Sequence[Prepared], pks: Mapping[str, int], versions: Mapping[str, int]) -> None:
    now = utcnow()
    sheets = [{"dossier_pk": pks[it.dossier_id], "member": m, "scores": s, "status": "submitted", "created_at": now,
               "updated_at": now, "submitted_at": now} for it in chunk for m, s in it.sheets]
    if sheets:
        conn.execute(insert(MemberSheet), sheets)
    results = [{**it.result, "dossier_pk": pks[it.dossier_id], "dossier_version": versions[it.dossier_id]}
               for it in chunk]
    conn.execute(insert(ResultRow), results)


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
    items = prepare_json(dossiers, source, report)
    return store(reg, tx, items, report, round_id=round_id, replace=replace, source=source)


def import_path(reg: "Registry", tx: "Transaction", path: Path, *, round_id: int | None, replace: bool,
                progress: bool) -> ImportReport:
    if not path.is_file():
        raise ValidationFailed([Issue("no such file", str(path))], subject=str(path))
    report = ImportReport(str(path))
    suffix = path.suffix.lower()
    if suffix == ".json":
        items = prepare_json(_load_json_dossiers(path), str(path), report)
    elif suffix in TABLE_SUFFIXES:
        items = prepare_table(path, report, progress)
    else:
        raise ValidationFailed([Issue("unsupported input format", str(path), None, suffix,
                                      ".json (dossier or list of dossiers), " + ", ".join(TABLE_SUFFIXES))],
                               subject=str(path))
    return store(reg, tx, items, report, round_id=round_id, replace=replace, source=str(path), progress=progress)
