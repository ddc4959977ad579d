"""Plan files as XLSX: the same plan as the YAML layout, in five sheets a provincial office can fill.

Sheets (headers in row 1, Vietnamese or English, any case; data from row 2; docs/REPORTS.md):

- `Kế hoạch` (plan): two columns Trường / Giá trị (field / value): id, title, number, issued_by,
  issued_on, year, reporting (comma list), counts, reward_upgrade, reward_reevaluation, source.
- `Địa bàn` (areas): Cấp, Mã, Tên, Mã cấp trên, 5 sao, 4 sao, 3 sao, Cách đọc, Nâng hạng 3→4,
  Nâng hạng 4→5, Sản phẩm mới, Nguồn. One row per area; the first row without a parent is the root.
- `Thưởng` (rewards): Số sao, Mức thưởng (VND).
- `Kinh phí` (budget): Mã, Nội dung, Mục đích, Kinh phí (VND), Mã địa bàn, Tiêu chí, Bảng chi phí, Nguồn.
- `Chi phí` (criterion costs): Mã kinh phí, then the cost-table columns of `ocop plan` (Bộ tiêu chí,
  Bộ sản phẩm, Tiêu chí, Từ điểm, Đến điểm, Chi phí, Nội dung).

The reader turns the workbook into the YAML structure and remembers the cell of every value, so
that `planfile.build_plan` reports problems as `'Địa bàn'!C5`. `write_plan_xlsx` writes a Plan in
this layout (a YAML plan converted for an office that prefers Excel), text cells never as formulas.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Issue, ValidationFailed
from ..safe_files import atomic_write
from ..text import header_key, nfc
from .model import Plan
from .planfile import build_plan

SHEETS = {"plan": "Kế hoạch", "areas": "Địa bàn", "rewards": "Thưởng", "budget": "Kinh phí", "costs": "Chi phí"}
SHEET_ALIASES = {header_key(v): k for k, v in SHEETS.items()} | {k: k for k in SHEETS}
COLUMNS = {
    "plan": {"trường": "field", "giá trị": "value", "field": "field", "value": "value"},
    "areas": {"cấp": "level", "mã": "code", "tên": "name", "mã cấp trên": "parent", "5 sao": "5", "4 sao": "4",
              "3 sao": "3", "cách đọc": "reading", "nâng hạng 3→4": "up34", "nâng hạng 4→5": "up45",
              "nâng hạng 3→5": "up35", "sản phẩm mới": "new_products", "nguồn chỉ tiêu": "target_source", "nguồn": "source"},
    "rewards": {"số sao": "stars", "mức thưởng (vnd)": "amount", "mức thưởng": "amount"},
    "budget": {"mã": "id", "nội dung": "name", "mục đích": "purpose", "kinh phí (vnd)": "amount", "kinh phí": "amount",
               "mã địa bàn": "area", "tiêu chí": "criteria", "bảng chi phí": "cost_table", "nguồn": "source"},
    "costs": {"mã kinh phí": "line", "bộ tiêu chí": "criteria_set", "bộ sản phẩm": "form", "tiêu chí": "criterion",
              "từ điểm": "from_points", "đến điểm": "to_points", "chi phí": "cost", "chi phí (vnd)": "cost",
              "nội dung": "label"},
}
HEADERS_OUT = {
    "plan": ["Trường", "Giá trị"],
    "areas": ["Cấp", "Mã", "Tên", "Mã cấp trên", "5 sao", "4 sao", "3 sao", "Cách đọc", "Nâng hạng 3→4",
              "Nâng hạng 4→5", "Sản phẩm mới", "Nguồn chỉ tiêu", "Nguồn"],
    "rewards": ["Số sao", "Mức thưởng (VND)"],
    "budget": ["Mã", "Nội dung", "Mục đích", "Kinh phí (VND)", "Mã địa bàn", "Tiêu chí", "Bảng chi phí", "Nguồn"],
    "costs": ["Mã kinh phí", "Bộ tiêu chí", "Bộ sản phẩm", "Tiêu chí", "Từ điểm", "Đến điểm", "Chi phí (VND)", "Nội dung"],
}
UPGRADE_COLS = {"up34": (3, 4), "up45": (4, 5), "up35": (3, 5)}
PLAN_FIELDS = {"id", "title", "number", "issued_by", "issued_on", "year", "reporting", "counts", "source",
               "reward_upgrade", "reward_reevaluation", "reward_source"}


def _cell_text(v: Any) -> Any:
    if isinstance(v, str):
        v = nfc(v).strip()
        return v or None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def read_plan_xlsx(path: Path) -> Plan:
    from openpyxl import load_workbook

    file = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise ValidationFailed([Issue(f"[plan-unreadable] không đọc được tệp Excel / cannot read the workbook: {exc}",
                                      file)], subject=file) from None
    issues: list[Issue] = []
    cells: dict[tuple, str] = {}
    sheets: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
    for ws in wb.worksheets:
        kind = SHEET_ALIASES.get(header_key(ws.title))
        if kind is None:
            issues.append(Issue("[plan-sheet-unknown] trang tính không có trong bố cục / unknown sheet", file,
                                ws.title, ws.title, ", ".join(SHEETS.values())))
            continue
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            sheets[kind] = []
            continue
        from openpyxl.utils import get_column_letter

        header = [COLUMNS[kind].get(header_key(str(h))) if h is not None else None for h in rows[0]]
        for j, h in enumerate(rows[0]):
            if h is not None and header[j] is None:
                issues.append(Issue("[plan-column-unknown] cột không có trong bố cục / unknown column", file,
                                    f"'{ws.title}'!{get_column_letter(j + 1)}1", h, ", ".join(HEADERS_OUT[kind])))
        out = []
        for i, row in enumerate(rows[1:], start=2):
            vals = {header[j]: _cell_text(v) for j, v in enumerate(row) if j < len(header) and header[j]}
            if all(v is None for v in vals.values()):
                continue
            where = {header[j]: f"'{ws.title}'!{get_column_letter(j + 1)}{i}" for j in range(len(header)) if header[j]}
            where["row"] = f"'{ws.title}'!{i}"
            out.append((i, vals, where))
        sheets[kind] = out
    for kind in ("plan", "areas"):
        if kind not in sheets:
            issues.append(Issue("[plan-sheet-missing] thiếu trang tính bắt buộc / a required sheet is missing", file,
                                SHEETS[kind], None, ", ".join(SHEETS.values())))
    if issues:
        raise ValidationFailed(issues, subject=file)

    data: dict[str, Any] = {"plan": {}}
    for _, vals, where in sheets["plan"]:
        key = vals.get("field")
        if key in ("reward_upgrade", "reward_reevaluation", "reward_source"):
            data.setdefault("rewards", {"per_product": {}})[key.split("_", 1)[1]] = vals.get("value")
            cells[("rewards", key.split("_", 1)[1])] = where.get("value", where["row"])
        else:
            data["plan"][key] = vals.get("value")
            cells[("plan", key)] = where.get("value", where["row"])
    if isinstance(data["plan"].get("reporting"), str):
        data["plan"]["reporting"] = [r.strip() for r in data["plan"]["reporting"].split(",")]
    cells[("plan",)] = f"'{SHEETS['plan']}'"
    if sheets.get("rewards"):
        per = data.setdefault("rewards", {"per_product": {}})["per_product"]
        for _, vals, where in sheets["rewards"]:
            per[vals.get("stars")] = vals.get("amount")
            cells[("rewards", "per_product", vals.get("stars"))] = where.get("amount", where["row"])

    # areas: rows with a parent code hang under it; the first row without one is the root
    nodes: dict[Any, dict] = {}
    root = None
    order = []
    for _, vals, where in sheets["areas"]:
        node: dict[str, Any] = {k: vals.get(k) for k in ("level", "code", "name", "source") if vals.get(k) is not None}
        stars = {k: vals[k] for k in ("5", "4", "3") if vals.get(k) is not None}
        ups = [{"from": a, "to": b, "count": vals[c]} for c, (a, b) in UPGRADE_COLS.items() if vals.get(c) is not None]
        if stars or ups or vals.get("new_products") is not None:
            node["targets"] = {"stars": {int(k): v for k, v in stars.items()}}
            if vals.get("reading"):
                node["targets"]["reading"] = vals["reading"]
            if ups:
                node["targets"]["upgrades"] = ups
            if vals.get("new_products") is not None:
                node["targets"]["new_products"] = vals["new_products"]
            if vals.get("target_source") is not None:
                node["targets"]["source"] = vals["target_source"]
        order.append((node, vals.get("parent"), where))
        if node.get("code") is not None:
            nodes.setdefault(str(node["code"]), node)
    paths: dict[int, tuple] = {}
    for node, parent, where in order:
        if parent is None and root is None:
            root = node
            paths[id(node)] = ("area",)
        elif parent is None or str(parent) not in nodes:
            issues.append(Issue("[area-parent-unknown] mã cấp trên không có trong trang Địa bàn / parent code not "
                                "found", file, where.get("parent", where["row"]), parent,
                                "mã của một dòng khác (chỉ dòng gốc không có cấp trên) / the code of another row (only the "
                                "root row has no parent)"))
            continue
        else:
            siblings = nodes[str(parent)].setdefault("areas", [])
            siblings.append(node)
        for key, col in (("level", "level"), ("code", "code"), ("name", "name"), ("source", "source")):
            cells[("@", id(node), key)] = where.get(col, where["row"])
        for k in ("5", "4", "3"):
            cells[("@", id(node), "targets", "stars", int(k))] = where.get(k, where["row"])
        for c, (a, b) in UPGRADE_COLS.items():
            cells[("@", id(node), "targets", "upgrades", (a, b))] = where.get(c, where["row"])
        cells[("@", id(node), "targets", "reading")] = where.get("reading", where["row"])
        cells[("@", id(node), "targets", "new_products")] = where.get("new_products", where["row"])
        cells[("@", id(node), "targets", "source")] = where.get("target_source", where["row"])
        cells[("@", id(node))] = where["row"]
    if issues:
        raise ValidationFailed(issues, subject=file)
    data["area"] = root

    lines: dict[Any, dict] = {}
    line_index: dict[Any, int] = {}
    for idx, (_, vals, where) in enumerate(sheets.get("budget", [])):
        line = {k: vals.get(k) for k in ("id", "name", "purpose", "amount", "area", "cost_table", "source")
                if vals.get(k) is not None}
        if vals.get("criteria"):
            line["criteria"] = [c.strip() for c in str(vals["criteria"]).split(",") if c.strip()]
        data.setdefault("budget", []).append(line)
        lines.setdefault(line.get("id"), line)
        line_index.setdefault(line.get("id"), idx)
        for k, col in (("id", "id"), ("name", "name"), ("purpose", "purpose"), ("amount", "amount"),
                       ("area", "area"), ("criteria", "criteria"), ("cost_table", "cost_table")):
            cells[("budget", idx, k)] = where.get(col, where["row"])
        cells[("budget", idx)] = where["row"]
    for _, vals, where in sheets.get("costs", []):
        line = lines.get(vals.get("line"))
        if line is None:
            issues.append(Issue("[budget-line-unknown] mã kinh phí không có trong trang Kinh phí / budget line not "
                                "found", file, where.get("line", where["row"]), vals.get("line"),
                                ", ".join(str(k) for k in lines)))
            continue
        line.setdefault("costs", []).append({k: vals[k] for k in ("criteria_set", "form", "criterion", "from_points",
                                                                  "to_points", "cost", "label") if vals.get(k) is not None})
        # a cost row's problems are located on its own row of the 'Chi phí' sheet
        cells[("budget", line_index[vals.get("line")], "costs", len(line["costs"]) - 1)] = where["row"]
    if issues:
        raise ValidationFailed(issues, subject=file)

    def locate(path: tuple) -> str:
        # area paths ("area", "areas", 0, …, key…) are resolved through the node they reach
        if path and path[0] == "area":
            node, rest = data["area"], list(path[1:])
            while len(rest) >= 2 and rest[0] == "areas" and isinstance(rest[1], int):
                try:
                    node = node["areas"][rest[1]]
                except (KeyError, IndexError, TypeError):
                    break
                rest = rest[2:]
            if rest[:2] == ["targets", "upgrades"] and len(rest) >= 3:
                ups = node.get("targets", {}).get("upgrades", [])
                if isinstance(rest[2], int) and rest[2] < len(ups):
                    u = ups[rest[2]]
                    return cells.get(("@", id(node), "targets", "upgrades", (u["from"], u["to"])), cells.get(("@", id(node))))
            for n in range(len(rest), -1, -1):
                hit = cells.get(("@", id(node), *rest[:n]))
                if hit:
                    return hit + (f" ({'.'.join(map(str, rest))})" if n < len(rest) else "")
            return f"'{SHEETS['areas']}'"
        for n in range(len(path), 0, -1):
            hit = cells.get(tuple(path[:n]))
            if hit:
                return hit + (f" ({'.'.join(map(str, path[n:]))})" if n < len(path) else "")
        return {"rewards": f"'{SHEETS['rewards']}'", "budget": f"'{SHEETS['budget']}'"}.get(
            path[0] if path else "", f"'{SHEETS['plan']}'")

    return build_plan(data, file, locate, path.parent)


def write_plan_xlsx(plan: Plan, out: str | Path) -> Path:
    """The plan in the XLSX layout, written atomically (temp file + os.replace)."""
    from openpyxl import Workbook

    from .xlsxsafe import put

    out = Path(out)
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet(SHEETS["plan"])
    ws.append(HEADERS_OUT["plan"])
    rows = [("id", plan.id), ("title", plan.title), ("number", plan.number), ("issued_by", plan.issued_by),
            ("issued_on", plan.issued_on.isoformat() if plan.issued_on else None), ("year", plan.year),
            ("reporting", ", ".join(plan.reporting) or None), ("counts", plan.counts),
            ("source", plan.extra.get("source"))]
    if plan.rewards:
        rows += [("reward_upgrade", plan.rewards.upgrade), ("reward_reevaluation", plan.rewards.reevaluation),
                 ("reward_source", plan.rewards.source)]
    for r, (k, v) in enumerate((x for x in rows if x[1] is not None), start=2):
        put(ws, r, 1, k)
        put(ws, r, 2, v)
    ws = wb.create_sheet(SHEETS["areas"])
    ws.append(HEADERS_OUT["areas"])
    parent_of: dict[str, str | None] = {}
    for _, a in plan.areas():
        for c in a.children:
            parent_of[c.code] = a.code
    for r, (_, a) in enumerate(plan.areas(), start=2):
        t = a.targets
        ups = {(u.from_stars, u.to_stars): str(u.count) for u in (t.upgrades if t else ())}
        vals = [a.level, a.code, a.name, parent_of.get(a.code)]
        vals += [str(t.stars[k]) if t and k in t.stars else None for k in (5, 4, 3)]
        vals += [t.reading if t else None, ups.get((3, 4)), ups.get((4, 5)),
                 str(t.new_products) if t and t.new_products else None, t.source if t else None, a.source]
        for c, v in enumerate(vals, start=1):
            put(ws, r, c, v.replace("–", "-") if isinstance(v, str) and v[:1].isdigit() else v)
    if plan.rewards:
        ws = wb.create_sheet(SHEETS["rewards"])
        ws.append(HEADERS_OUT["rewards"])
        for r, (k, v) in enumerate(sorted(plan.rewards.per_star.items(), reverse=True), start=2):
            put(ws, r, 1, k)
            put(ws, r, 2, v)
    ws = wb.create_sheet(SHEETS["budget"])
    ws.append(HEADERS_OUT["budget"])
    wc = wb.create_sheet(SHEETS["costs"])
    wc.append(HEADERS_OUT["costs"])
    rc = 2
    for r, b in enumerate(plan.budget, start=2):
        table = str(b.cost_table) if b.cost_table else None
        for c, v in enumerate([b.id, b.name, b.purpose, b.amount, b.area_code, ", ".join(b.criteria) or None, table,
                               b.source], start=1):
            put(ws, r, c, v)
        for row in b.cost_rows:
            for c, k in enumerate(["criteria_set", "form", "criterion", "from_points", "to_points", "cost", "label"],
                                  start=2):
                put(wc, rc, c, row.get(k))
            put(wc, rc, 1, b.id)
            rc += 1
    return atomic_write(out, wb.save)
