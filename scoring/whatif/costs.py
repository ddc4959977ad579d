"""What an upgrade costs: one unit per option step by default, or a province's cost table.

A cost table (CSV or JSON) has rows `form, criterion, from_points, to_points, cost[, label]
[, criteria_set]` (or the Vietnamese headers of `ALIASES`: Tiêu chí, Từ điểm, Đến điểm, Chi phí, …);
`form` may be `*` (or empty) for every form. The same criterion number means
different things in the three criteria sets (6.2 of QĐ 1048 is not 6.2 of QĐ 26/2026), so a row
may name its `criteria_set`; a row without one applies to every set where its criterion and both
points exist. An upgrade the table does not price directly is priced along a chain of priced
steps (1→2 then 2→3) when one exists; otherwise it is not available, unless a `default_step_cost`
is given for unpriced steps. Costs are exact amounts (VND).

Every row is checked against the criteria data before any plan uses it; all problems are
reported at once, each naming the file, the row as a person counts it, the field, the value and
what is allowed (exit 2 on the command line). Nothing is truncated or silently overridden.
"""
from __future__ import annotations

import csv
import heapq
import io
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import Issue, ValidationFailed
from ..cells import amount_number
from ..text import header_key, nfc, nfc_deep, parse_json, read_text

COLUMNS = ("criteria_set", "form", "criterion", "from_points", "to_points", "cost", "label")
REQUIRED = ("criterion", "from_points", "to_points", "cost")
ANY = "*"
# headers a provincial office types, matched without regard to case, surrounding or repeated spaces
# (NFC): a table made in Excel need not be renamed to English first
ALIASES = {
    "bộ tiêu chí": "criteria_set",
    "biểu mẫu": "form", "bộ sản phẩm": "form", "mã bộ sản phẩm": "form",
    "tiêu chí": "criterion", "mã tiêu chí": "criterion",
    "từ điểm": "from_points", "điểm hiện tại": "from_points",
    "đến điểm": "to_points", "điểm mục tiêu": "to_points",
    "chi phí": "cost", "kinh phí": "cost", "chi phí (vnđ)": "cost", "chi phí (vnd)": "cost",
    "kinh phí (vnđ)": "cost", "kinh phí (vnd)": "cost",
    "nội dung": "label", "nội dung hỗ trợ": "label", "ghi chú": "label", "mô tả": "label",
}
HEADERS_VI = "Bộ tiêu chí, Bộ sản phẩm, Tiêu chí, Từ điểm, Đến điểm, Chi phí (VNĐ), Nội dung"


def canonical_field(name: Any) -> Any:
    """The English field a header or JSON key stands for (unknown names are returned as given)."""
    if not isinstance(name, str):
        return name
    key = header_key(name)
    return key if key in COLUMNS else ALIASES.get(key, nfc(name).strip())


def _canonical_row(row: Mapping[str, Any], where: str, name: str, issues: list[Issue]) -> Mapping[str, Any]:
    """The row under English field names; two fields that mean the same thing are an error."""
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    for k, v in row.items():
        c = canonical_field(k)
        if c in out:
            issues.append(Issue("[cost-field-twice] hai trường cùng nghĩa / two fields mean the same thing", name,
                                f"{where}, {k}", c, f"một trong / one of {given[c]!r}, {k!r}"))
            continue
        out[c], given[c] = v, str(k)
    return out


@dataclass(frozen=True)
class Price:
    cost: float
    label: str | None = None


Key = tuple[str, str, str]  # (criteria set or *, form or *, criterion)


@dataclass
class CostModel:
    """Prices criterion upgrades. Without a table: one unit per option step raised."""

    table: Mapping[Key, Mapping[tuple[int, int], Price]] = field(default_factory=dict)
    default_step_cost: float | None = None
    unit: str = "step"

    @property
    def has_table(self) -> bool:
        return bool(self.table)

    def _edges(self, criteria_set: str | None, form: str, criterion: str, ladder: tuple[int, ...]
               ) -> dict[tuple[int, int], Price]:
        """Priced steps on this ladder, the most specific row winning (set+form over set over form over *)."""
        on = set(ladder)
        edges: dict[tuple[int, int], Price] = {}
        for key in ((ANY, ANY, criterion), (ANY, form, criterion), (criteria_set or ANY, ANY, criterion),
                    (criteria_set or ANY, form, criterion)):
            for (a, b), p in self.table.get(key, {}).items():
                if a in on and b in on:
                    edges[(a, b)] = p
        return edges

    def price(self, form: str, criterion: str, ladder: tuple[int, ...], start: int, to: int, *,
              criteria_set: str | None = None) -> Price | None:
        """Cheapest price from `start` to `to` points on this criterion, or None if not available."""
        if to == start:
            return Price(0)
        steps = ladder.index(to) - ladder.index(start)
        if not self.has_table:
            return Price(float(steps))
        edges = self._edges(criteria_set, form, criterion, ladder)
        # cheapest chain over priced edges (Dijkstra on the ladder, edges only upwards)
        best: dict[int, tuple[float, list[str]]] = {start: (0.0, [])}
        heap = [(0.0, start)]
        while heap:
            c, node = heapq.heappop(heap)
            if node == to:
                break
            if c > best[node][0]:
                continue
            for (a, b), p in edges.items():
                if a == node and b > a:
                    nc = c + p.cost
                    if b not in best or nc < best[b][0]:
                        best[b] = (nc, best[node][1] + ([p.label] if p.label else []))
                        heapq.heappush(heap, (nc, b))
        options = [Price(best[to][0], " + ".join(best[to][1]) or None)] if to in best else []
        if self.default_step_cost is not None:
            options.append(Price(steps * self.default_step_cost, None))
        return min(options, key=lambda p: p.cost) if options else None


def _rows_from_file(path: Path, issues: list[Issue]) -> list[tuple[str, Mapping[str, Any]]] | None:
    """(location, row) pairs; locations count rows as a person does (CSV: the file's line)."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(Issue(f"[costs-unreadable] không đọc được bảng chi phí / cannot read the cost table: {exc}",
                            str(path), None, None, "UTF-8 CSV hoặc JSON / UTF-8 CSV or JSON"))
        return None
    if path.suffix.lower() == ".json":
        try:
            data = nfc_deep(parse_json(text))
        except ValueError as exc:
            issues.append(Issue(f"[costs-json] JSON không hợp lệ / not valid JSON: {exc}", str(path), None, None,
                                '{"costs": [{"form": …, "criterion": …, "from_points": …, "to_points": …, "cost": …}]} '
                                "hoặc danh sách các dòng như vậy / or a list of such rows"))
            return None
        if isinstance(data, dict):
            if "costs" not in data:
                issues.append(Issue("[costs-json-no-list] bảng chi phí JSON cần danh sách 'costs' / a JSON cost table "
                                    "needs a 'costs' list", str(path), "costs", sorted(data),
                                    '{"costs": [ … ]} hoặc danh sách dòng / or a list of rows'))
                return None
            data = data["costs"]
        if not isinstance(data, list):
            issues.append(Issue("[costs-json-no-list] các dòng chi phí phải là một danh sách / the cost rows must be a "
                                "list", str(path), "costs", type(data).__name__, "danh sách dòng / a list of rows"))
            return None
        return [(f"dòng / row {i + 1} (costs[{i}])", r) for i, r in enumerate(data)]
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    typed = [h.strip() for h in (reader.fieldnames or [])]
    header = [canonical_field(h) for h in typed]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [t for t, h in zip(typed, header) if h not in COLUMNS]
    twice = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or twice:
        issues.append(Issue("[costs-header] dòng tiêu đề của bảng chi phí không đúng / the cost table's header is not "
                            "as expected", str(path), "dòng / line 1", ",".join(typed),
                            f"các cột / columns {', '.join(COLUMNS)} (bắt buộc / required: {', '.join(REQUIRED)}; "
                            f"nhận cả tiêu đề tiếng Việt / Vietnamese headers accepted: {HEADERS_VI})"
                            + (f"; thiếu / missing: {', '.join(missing)}" if missing else "")
                            + (f"; không rõ / unknown: {', '.join(unknown)}" if unknown else "")
                            + (f"; lặp / given twice: {', '.join(twice)}" if twice else "")))
        return None
    reader.fieldnames = header
    return [(f"dòng / line {reader.line_num}", row) for row in _numbered(reader)]


def _numbered(reader: csv.DictReader) -> Iterable[Mapping[str, Any]]:
    for row in reader:
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            yield row


def _whole(value: Any) -> int | None:
    """A whole number of points, or None (1.5, 'abc', True and nan are not points)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(x) if math.isfinite(x) and x.is_integer() else None


def _contexts(set_id: str, form: str, criterion: str):
    """(set, form) pairs where this row can apply: its criterion is on the form."""
    from .. import criteria as crit

    sets = crit.available_sets() if set_id == ANY else [set_id]
    out = []
    for s in sets:
        cs = crit.load_set(s)
        with warnings.catch_warnings():  # pricing a partial form is fine: its dossiers carry the warning
            warnings.simplefilter("ignore", crit.PartialFormWarning)
            forms = cs.forms.values() if form == ANY else ([cs.form(form)] if cs.has_form(form) else [])
        for f in forms:
            if criterion in f.leaf_numbers:
                out.append((s, f))
    return out


def load_costs(source: str | Path | Iterable[Mapping[str, Any]], *, default_step_cost: float | None = None) -> CostModel:
    """A CostModel from a CSV/JSON file or rows; every bad row is reported with its number."""
    from .. import criteria as crit

    is_file = isinstance(source, (str, Path))
    name = str(source) if is_file else "bảng chi phí / cost table"
    issues: list[Issue] = []
    if default_step_cost is not None and not (math.isfinite(default_step_cost) and default_step_cost >= 0):
        issues.append(Issue("[cost-invalid] chi phí mặc định mỗi bước phải là số hữu hạn ≥ 0 / the default step cost "
                            "must be a finite amount ≥ 0", name, "--default-step-cost", default_step_cost,
                            "một số ≥ 0 / a number ≥ 0"))
    if is_file:
        located = _rows_from_file(Path(source), issues)
        if located is None:
            raise ValidationFailed(issues, subject=name)
    else:
        located = [(f"dòng / row {i + 1}", r) for i, r in enumerate(source)]
    sets = crit.available_sets()
    table: dict[Key, dict[tuple[int, int], Price]] = {}
    seen: dict[tuple[Key, int, int], str] = {}
    for where, row in located:
        def bad(fld: str, message: str, value: Any, allowed: str) -> None:
            issues.append(Issue(message, name, f"{where}, {fld}", value, allowed))

        if not isinstance(row, Mapping):
            bad("row", "[cost-row-not-object] mỗi dòng chi phí phải có các trường có tên / a cost row must be an "
                "object with named fields", row, ", ".join(COLUMNS))
            continue
        row = _canonical_row(row, where, name, issues)
        unknown = [k for k in row if k not in COLUMNS]
        if unknown:
            bad(unknown[0], "[cost-field-unknown] trường không có / unknown field", unknown, ", ".join(COLUMNS))
        absent = [c for c in REQUIRED if row.get(c) is None or str(row.get(c)).strip() == ""]
        for c in absent:
            bad(c, "[cost-field-missing] thiếu trường bắt buộc hoặc để trống / a required field is empty or missing",
                row.get(c), _ALLOWED[c])
        set_id = str(row.get("criteria_set") or ANY).strip() or ANY
        if set_id != ANY and set_id not in sets:
            bad("criteria_set", "[cost-set-unknown] bộ tiêu chí không có / unknown criteria set", set_id,
                ", ".join(sets) + " hoặc để trống cho mọi bộ / or empty for every set")
            continue
        form = str(row.get("form") or ANY).strip() or ANY
        if form != ANY and not any(crit.load_set(s).has_form(form) for s in (sets if set_id == ANY else [set_id])):
            in_set = "" if set_id == ANY else f" ({set_id})"
            bad("form", f"[cost-form-unknown] biểu mẫu không có{in_set} / unknown form{in_set}", form,
                "mã biểu mẫu trong `ocop criteria list`, hoặc * cho mọi biểu mẫu / a slug from `ocop criteria list`, "
                "or * for every form")
            continue
        if absent:
            continue
        criterion = str(row["criterion"]).strip()
        a, b = _whole(row["from_points"]), _whole(row["to_points"])
        for fld, v in (("from_points", a), ("to_points", b)):
            if v is None:
                bad(fld, "[cost-points-not-whole] điểm phải là số nguyên / points must be a whole number", row[fld],
                    _ALLOWED[fld])
        try:
            if isinstance(row["cost"], (int, float)):
                cost = float(row["cost"])
            else:  # '20.000.000' (Vietnamese thousands dots), '1.234,5', '20000000'
                parsed = amount_number(str(row["cost"]))
                cost = math.nan if parsed is None else parsed
        except (TypeError, ValueError):
            cost = math.nan
        if isinstance(row["cost"], bool) or not math.isfinite(cost) or cost < 0:
            bad("cost", "[cost-invalid] chi phí phải là số tiền hữu hạn ≥ 0 / the cost must be a finite amount ≥ 0",
                row["cost"], _ALLOWED["cost"])
            continue
        if a is None or b is None:
            continue
        if b <= a:
            bad("to_points", "[cost-not-upgrade] nâng hạng phải tăng điểm / an upgrade must raise the points",
                f"{a} → {b}", "to_points > from_points")
            continue
        contexts = _contexts(set_id, form, criterion)
        if not contexts:
            where_vi = (form if form != ANY else "biểu mẫu nào") + ("" if set_id == ANY else f" của {set_id}")
            where_en = (form if form != ANY else "any form") + ("" if set_id == ANY else f" of {set_id}")
            bad("criterion", f"[cost-criterion-unknown] tiêu chí {criterion} không có trên {where_vi} / criterion "
                f"{criterion} is not on {where_en}", criterion,
                "số tiêu chí in trên biểu mẫu / a criterion number printed on the form (`ocop criteria show SET FORM`)")
            continue
        if not any(a in f.leaf(criterion).points and b in f.leaf(criterion).points for _, f in contexts):
            ladders = sorted({(s, f.leaf(criterion).points) for s, f in contexts})[:6]
            bad("from_points/to_points", f"[cost-points-not-options] {a} → {b} không đều là mức điểm của tiêu chí "
                f"{criterion} / {a} → {b} are not both options of criterion {criterion}", f"{a} → {b}",
                "; ".join(f"{s}: {', '.join(map(str, p))}" for s, p in ladders))
            continue
        key = (set_id, form, criterion)
        if (key, a, b) in seen:
            bad("from_points/to_points", f"[cost-row-duplicate] dòng lặp: cùng mức nâng đã có giá ở {seen[(key, a, b)]} "
                f"/ duplicate row: the same upgrade is priced in {seen[(key, a, b)]}", f"{form} {criterion} {a} → {b}",
                "mỗi (criteria_set, form, criterion, from, to) một lần / each (criteria_set, form, criterion, from, to) once")
            continue
        seen[(key, a, b)] = where
        label = str(row.get("label") or "").strip() or None
        table.setdefault(key, {})[(a, b)] = Price(cost, label)
    if issues:
        raise ValidationFailed(issues, subject=name)
    return CostModel(table, default_step_cost, unit="VND")


_POINTS = "số điểm nguyên, một mức của tiêu chí / a whole number of points, an option of the criterion"
_ALLOWED = {
    "criterion": "số tiêu chí in trên biểu mẫu, ví dụ 2.2 / a criterion number printed on the form, e.g. 2.2",
    "from_points": _POINTS,
    "to_points": _POINTS,
    "cost": "số tiền hữu hạn ≥ 0 (VNĐ), ví dụ 20.000.000 / a finite amount ≥ 0 (VND), e.g. 20.000.000",
}
