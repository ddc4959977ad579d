"""Plan files: read a YAML (or XLSX, see `planxlsx`) plan, check every field, build a `model.Plan`.

Every problem is reported at once, each as an `Issue` naming the file, the field (YAML path such as
`area.areas[1].targets.stars.4`, or the sheet and cell of an XLSX plan), the value and what is
allowed, with a stable code in brackets and the message in Vietnamese and English. Nothing is
dropped or rounded silently: an unknown key is an error (a typo would otherwise lose a target), an
area code must be text (YAML reads 01 as the number 1 and would lose the zero).

The layout is documented in docs/REPORTS.md; `fixtures/plans/hai-duong.yaml` is a full example.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import Issue, ValidationFailed
from ..text import nfc_deep, read_text
from .model import (COUNTS, LEVELS, PURPOSES, READINGS, REEVALUATION_REWARD, REPORTING, STAR_LEVELS, UPGRADE_REWARD,
                    Area, BudgetLine, Plan, Range, Rewards, Targets, UpgradeTarget)

Path_ = tuple[Any, ...]
Locate = Callable[[Path_], str]

PLAN_KEYS = {"id", "title", "number", "issued_by", "issued_on", "year", "reporting", "counts", "source", "notes"}
TOP_KEYS = {"plan", "area", "rewards", "budget"}
AREA_KEYS = {"level", "code", "name", "targets", "areas", "source"}
TARGET_KEYS = {"stars", "reading", "upgrades", "new_products", "source"}
REWARD_KEYS = {"per_product", "upgrade", "reevaluation", "source"}
BUDGET_KEYS = {"id", "name", "purpose", "amount", "area", "criteria", "costs", "cost_table", "source"}
UPGRADE_KEYS = {"from", "to", "count"}
CODE_RE = re.compile(r"^[0-9]{1,6}$")
KERNEL_COST_ROW = re.compile(r"^(?:dòng / )?row (\d+)(?: \([^)]*\))?,?(.*)$")
RANGE_RE = re.compile(r"^\s*(\d+)\s*[-–]\s*(\d+)\s*$")


def yaml_location(path: Path_) -> str:
    out, prev = "", None
    for p in path:  # list positions as [i]; star keys of a mapping (stars: {4: …}) as .4
        out += f"[{p}]" if isinstance(p, int) and prev not in ("stars", "per_product") else (f".{p}" if out else str(p))
        prev = p
    return out or "(top)"


class _Checker:
    """Collects issues while converting; each check returns the converted value or None."""

    def __init__(self, file: str, locate: Locate) -> None:
        self.file, self.locate, self.issues = file, locate, []

    def bad(self, code: str, path: Path_, vi: str, en: str, value: Any = None, allowed: str | None = None) -> None:
        self.issues.append(Issue(f"[{code}] {vi} / {en}", self.file, self.locate(path), value, allowed))

    def mapping(self, value: Any, path: Path_, keys: set[str], required: tuple[str, ...] = ()) -> dict | None:
        if not isinstance(value, Mapping):
            self.bad("plan-not-a-mapping", path, "phải là một bảng khóa: giá trị", "must be a mapping of keys to values",
                     type(value).__name__, ", ".join(sorted(keys)))
            return None
        for k in value:
            if k not in keys:
                self.bad("plan-unknown-key", (*path, k), "khóa không có trong bố cục kế hoạch", "unknown key",
                         k, ", ".join(sorted(keys)))
        for k in required:
            if value.get(k) in (None, ""):
                self.bad("plan-field-missing", (*path, k), "thiếu trường bắt buộc", "a required field is missing",
                         None, k)
        return dict(value)

    def text(self, value: Any, path: Path_, *, required: bool = False) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.bad("plan-field-missing", path, "thiếu trường bắt buộc", "a required field is missing", value,
                         "văn bản không rỗng / a non-empty text")
            return None
        if not isinstance(value, str):
            self.bad("plan-not-text", path, "phải là văn bản (đặt trong dấu nháy)", "must be text (quote it)",
                     value, "văn bản, ví dụ \"Thanh Hà\" / text, e.g. \"Thanh Hà\"")
            return None
        return value.strip()

    def code(self, value: Any, path: Path_) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.bad("area-code-not-text", path, "mã địa bàn phải viết trong dấu nháy, nếu không số 0 ở đầu bị mất",
                     "an area code must be quoted text: a number loses its leading zeros", value,
                     "chữ số trong dấu nháy, ví dụ \"01\" (mã theo QĐ 19/2025/QĐ-TTg) / digits in quotes, e.g. \"01\" "
                     "(codes of QĐ 19/2025/QĐ-TTg)")
            return None
        text = self.text(value, path, required=True)
        if text is not None and not CODE_RE.match(text):
            self.bad("area-code-invalid", path, "mã địa bàn không hợp lệ", "invalid area code", text,
                     "1 đến 6 chữ số (mã đơn vị hành chính, QĐ 19/2025/QĐ-TTg) / 1 to 6 digits "
                     "(administrative-unit codes, QĐ 19/2025/QĐ-TTg)")
            return None
        return text

    def count(self, value: Any, path: Path_) -> Range | None:
        allowed = ('số nguyên ≥ 0, hoặc khoảng "10-12" hay {min: 10, max: 12} / a whole number ≥ 0, or a range '
                   '"10-12" or {min: 10, max: 12}')
        lo = hi = None
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            lo = hi = value
        elif isinstance(value, str) and RANGE_RE.match(value):
            m = RANGE_RE.match(value)
            lo, hi = int(m.group(1)), int(m.group(2))
        elif isinstance(value, str) and value.strip().isdigit():
            lo = hi = int(value.strip())
        elif isinstance(value, Mapping) and set(value) <= {"min", "max"} and "min" in value:
            a, b = value.get("min"), value.get("max", value.get("min"))
            if all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b)):
                lo, hi = a, b
        if lo is None or hi is None or lo < 0 or hi < lo:
            self.bad("target-count-invalid", path, "số lượng chỉ tiêu không hợp lệ", "invalid target count", value,
                     allowed)
            return None
        return Range(lo, hi)

    def amount(self, value: Any, path: Path_, *, required: bool = True) -> float | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0 \
                or value in (float("inf"),):
            self.bad("amount-invalid", path, "số tiền không hợp lệ", "invalid amount", value,
                     "số đồng ≥ 0, không có dấu phân cách (30000000) / a number of VND ≥ 0, without "
                     "separators (30000000)")
            return None
        return float(value)

    def choice(self, value: Any, path: Path_, allowed: Mapping[str, str], default: str, code: str) -> str | None:
        if value is None:
            return default
        if value not in allowed:
            self.bad(code, path, "giá trị không được phép", "value not allowed", value, ", ".join(allowed))
            return None
        return value

    def stars_key(self, key: Any, path: Path_) -> int | None:
        try:
            k = int(str(key).strip().rstrip("★*").strip())
        except ValueError:
            k = None
        if k not in STAR_LEVELS:
            self.bad("target-stars-invalid", path, "chỉ tiêu chỉ đặt cho sản phẩm 3, 4, 5 sao (được công nhận)",
                     "targets and rewards are set for 3, 4 and 5 stars only (the recognised levels)", key, "3, 4, 5")
            return None
        return k

    def day(self, value: Any, path: Path_) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return datetime.strptime(value.strip(), fmt).date()
                except ValueError:
                    pass
        self.bad("date-invalid", path, "ngày không hợp lệ", "not a calendar date", value, "YYYY-MM-DD hoặc / or dd/mm/yyyy")
        return None


def build_plan(data: Any, file: str, locate: Locate = yaml_location, base: Path | None = None) -> Plan:
    """A Plan from parsed data (YAML or the XLSX reader's dict); ValidationFailed lists every problem."""
    ck = _Checker(file, locate)
    data = nfc_deep(data)
    top = ck.mapping(data, (), TOP_KEYS, ("plan", "area"))
    if top is None:
        raise ValidationFailed(ck.issues, subject=file)
    head = ck.mapping(top.get("plan") or {}, ("plan",), PLAN_KEYS, ("id", "title", "year")) or {}
    year = head.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
        ck.bad("plan-year-invalid", ("plan", "year"), "năm kế hoạch không hợp lệ", "invalid plan year", year,
               "một năm, ví dụ 2026 / a year such as 2026")
        year = None
    reporting = head.get("reporting") or []
    if isinstance(reporting, str):
        reporting = [r.strip() for r in reporting.split(",") if r.strip()]
    rep_ok = []
    for i, r in enumerate(reporting if isinstance(reporting, list) else [reporting]):
        if r not in REPORTING:
            ck.bad("plan-reporting-invalid", ("plan", "reporting", i), "kỳ báo cáo không hợp lệ",
                   "unknown reporting period", r, ", ".join(REPORTING))
        else:
            rep_ok.append(r)
    counts = ck.choice(head.get("counts"), ("plan", "counts"), COUNTS, "year", "plan-counts-invalid")
    issued_on = ck.day(head.get("issued_on"), ("plan", "issued_on"))  # checked with the rest, listed together
    notes = head.get("notes") or []
    if isinstance(notes, str):
        notes = [notes]

    codes: dict[str, Path_] = {}
    area = _area(ck, top.get("area"), ("area",), None, codes)
    rewards = _rewards(ck, top.get("rewards"), ("rewards",)) if top.get("rewards") is not None else None
    budget = tuple(b for b in (_budget_line(ck, x, ("budget", i), codes, base)
                               for i, x in enumerate(_list(ck, top.get("budget"), ("budget",)))) if b is not None)
    ids = [b.id for b in budget]
    for i, b in enumerate(budget):
        if ids.count(b.id) > 1 and ids.index(b.id) != i:
            ck.bad("budget-id-duplicate", ("budget", i, "id"), "mã hạng mục kinh phí bị trùng",
                   "duplicate budget line id", b.id, "mỗi mã một lần / each id once")
    if ck.issues:
        raise ValidationFailed(ck.issues, subject=file)
    plan = Plan(id=ck.text(head.get("id"), ("plan", "id")), title=head.get("title"), year=year, area=area,
                rewards=rewards, budget=budget, number=head.get("number"), issued_by=head.get("issued_by"),
                issued_on=issued_on, reporting=tuple(rep_ok),
                counts=counts, notes=tuple(str(n) for n in notes), file=file,
                extra={"source": head.get("source")} if head.get("source") else {})
    from ..whatif import load_costs

    for i, line in enumerate(budget):  # each line's rows, checked by the kernel's own loader, located in the line
        if not line.cost_rows:
            continue
        try:
            load_costs(list(line.cost_rows))
        except ValidationFailed as exc:
            for it in exc.issues:
                loc = it.location or ""
                m = KERNEL_COST_ROW.match(loc)  # the kernel's "dòng / row N, FIELD": the plan's own place
                if m:
                    rest = m.group(2).strip()
                    loc = locate(("budget", i, "costs", int(m.group(1)) - 1)) + (f" ({rest})" if rest else "")
                ck.issues.append(Issue(f"[budget-costs-invalid] chi phí theo tiêu chí không hợp lệ / invalid criterion "
                                       f"cost: {it.message}", file, loc, it.value, it.allowed))
    if not ck.issues:
        try:
            plan.cost_model()
        except ValidationFailed as exc:  # a cost table file, or two prices for one step
            ck.issues += [it if it.message.startswith("[") else
                          Issue("[budget-cost-table-invalid] bảng chi phí không hợp lệ / invalid cost table: "
                                + it.message, it.file, it.location, it.value, it.allowed)
                          for it in exc.issues]
    if ck.issues:
        raise ValidationFailed(ck.issues, subject=file)
    return plan


def _list(ck: _Checker, value: Any, path: Path_) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        ck.bad("plan-not-a-list", path, "phải là một danh sách", "must be a list", type(value).__name__, "một danh sách / a list")
        return []
    return value


def _area(ck: _Checker, value: Any, path: Path_, parent: str | None, codes: dict[str, Path_]) -> Area | None:
    a = ck.mapping(value, path, AREA_KEYS, ("level", "code", "name"))
    if a is None:
        return None
    level = ck.choice(a.get("level"), (*path, "level"), {k: k for k in LEVELS}, None, "area-level-invalid")
    if level and parent and LEVELS.index(level) <= LEVELS.index(parent):
        ck.bad("area-level-order", (*path, "level"), "cấp của địa bàn con phải thấp hơn cấp trên",
               "a sub-area must be of a lower level than its parent", level,
               ", ".join(LEVELS[LEVELS.index(parent) + 1:]) or "không có (xã không có địa bàn con) / none (a commune has "
               "no sub-areas)")
    code = ck.code(a.get("code"), (*path, "code"))
    if code is not None:
        if code in codes:
            ck.bad("area-code-duplicate", (*path, "code"), "mã địa bàn bị trùng", "duplicate area code", code,
                   f"mỗi mã một lần (đã có ở {ck.locate(codes[code])}) / each code once (also at "
                   f"{ck.locate(codes[code])})")
        codes[code] = (*path, "code")
    name = ck.text(a.get("name"), (*path, "name"), required=False)
    targets = _targets(ck, a.get("targets"), (*path, "targets")) if a.get("targets") is not None else None
    children = []
    names: set[str] = set()
    for i, c in enumerate(_list(ck, a.get("areas"), (*path, "areas"))):
        child = _area(ck, c, (*path, "areas", i), level, codes)
        if child is not None:
            if child.name.casefold() in names:
                ck.bad("area-name-duplicate", (*path, "areas", i, "name"), "hai địa bàn cùng cấp trùng tên",
                       "two sibling areas have the same name", child.name, "tên khác nhau / distinct names")
            names.add(child.name.casefold())
            children.append(child)
    if not (level and code and name):
        return None
    return Area(level, code, name, targets, tuple(children), a.get("source"))


def _targets(ck: _Checker, value: Any, path: Path_) -> Targets | None:
    t = ck.mapping(value, path, TARGET_KEYS)
    if t is None:
        return None
    reading = ck.choice(t.get("reading"), (*path, "reading"), READINGS, "places", "target-reading-invalid")
    stars: dict[int, Range] = {}
    raw = t.get("stars") or {}
    if not isinstance(raw, Mapping):
        ck.bad("plan-not-a-mapping", (*path, "stars"), "chỉ tiêu theo sao phải là bảng số sao: số lượng",
               "star targets must map stars to counts", raw, "{5: 1, 4: 20, 3: 30}")
        raw = {}
    for k, v in raw.items():
        s = ck.stars_key(k, (*path, "stars", k))
        r = ck.count(v, (*path, "stars", k))
        if s is not None and r is not None:
            stars[s] = r
    if reading == "at_least":
        given = sorted(stars.items(), reverse=True)
        for (hi_k, hi_r), (lo_k, lo_r) in zip(given, given[1:]):
            if lo_r.low < hi_r.low:
                ck.bad("target-not-cumulative", (*path, "stars", lo_k),
                       f"đọc 'at_least': số sản phẩm ≥ {lo_k} sao không thể ít hơn số ≥ {hi_k} sao",
                       f"reading 'at_least': products with ≥ {lo_k}★ cannot be fewer than those with ≥ {hi_k}★",
                       lo_r.low, f"≥ {hi_r.low} (hoặc dùng / or use reading: places)")
    upgrades = []
    for i, u in enumerate(_list(ck, t.get("upgrades"), (*path, "upgrades"))):
        um = ck.mapping(u, (*path, "upgrades", i), UPGRADE_KEYS, ("from", "to", "count"))
        if um is None:
            continue
        a = ck.stars_key(um.get("from"), (*path, "upgrades", i, "from")) if um.get("from") is not None else None
        b = ck.stars_key(um.get("to"), (*path, "upgrades", i, "to")) if um.get("to") is not None else None
        r = ck.count(um.get("count"), (*path, "upgrades", i, "count")) if um.get("count") is not None else None
        if a is not None and b is not None and b <= a:
            ck.bad("upgrade-invalid", (*path, "upgrades", i, "to"), "nâng hạng phải tăng số sao",
                   "an upgrade must raise the stars", f"{a} → {b}", "to > from, ví dụ / e.g. from: 3, to: 4")
        elif a is not None and b is not None and r is not None:
            upgrades.append(UpgradeTarget(a, b, r))
    new = ck.count(t["new_products"], (*path, "new_products")) if t.get("new_products") is not None else None
    return Targets(stars, reading or "places", tuple(upgrades), new, t.get("source"))


def _rewards(ck: _Checker, value: Any, path: Path_) -> Rewards | None:
    r = ck.mapping(value, path, REWARD_KEYS, ("per_product",))
    if r is None:
        return None
    per: dict[int, float] = {}
    raw = r.get("per_product") or {}
    if not isinstance(raw, Mapping):
        ck.bad("plan-not-a-mapping", (*path, "per_product"), "mức thưởng phải là bảng số sao: số tiền",
               "rewards must map stars to amounts", raw, "{5: 30000000, 4: 20000000, 3: 10000000}")
        raw = {}
    for k, v in raw.items():
        s = ck.stars_key(k, (*path, "per_product", k))
        a = ck.amount(v, (*path, "per_product", k))
        if s is not None and a is not None:
            per[s] = a
    up = ck.choice(r.get("upgrade"), (*path, "upgrade"), UPGRADE_REWARD, "difference", "reward-mode-invalid")
    re_ = ck.choice(r.get("reevaluation"), (*path, "reevaluation"), REEVALUATION_REWARD, "none", "reward-mode-invalid")
    return Rewards(per, up or "difference", re_ or "none", r.get("source"))


def _budget_line(ck: _Checker, value: Any, path: Path_, codes: dict[str, Path_], base: Path | None) -> BudgetLine | None:
    b = ck.mapping(value, path, BUDGET_KEYS, ("id", "name", "purpose"))
    if b is None:
        return None
    purpose = ck.choice(b.get("purpose"), (*path, "purpose"), PURPOSES, None, "budget-purpose-invalid")
    amount = ck.amount(b.get("amount"), (*path, "amount"), required=False)
    area = b.get("area")
    if area is not None:
        area = ck.code(area, (*path, "area"))
        if area is not None and area not in codes:
            ck.bad("budget-area-unknown", (*path, "area"), "mã địa bàn không có trong kế hoạch",
                   "area code not in the plan", area, ", ".join(sorted(codes)))
    links = []
    for i, c in enumerate(_list(ck, b.get("criteria"), (*path, "criteria"))):
        link = _criterion_link(ck, c, (*path, "criteria", i))
        if link:
            links.append(link)
    rows = _list(ck, b.get("costs"), (*path, "costs"))
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            ck.bad("plan-not-a-mapping", (*path, "costs", i), "dòng chi phí phải là bảng khóa: giá trị",
                   "a cost row must be a mapping", row, "criteria_set, form, criterion, from_points, to_points, cost")
    table = None
    if b.get("cost_table") is not None:
        name = ck.text(b.get("cost_table"), (*path, "cost_table"))
        if name:
            table = (base / name) if base is not None and not Path(name).is_absolute() else Path(name)
            if not table.is_file():
                ck.bad("budget-cost-table-missing", (*path, "cost_table"), "không tìm thấy bảng chi phí",
                       "cost table not found", str(table), "một bảng chi phí CSV/JSON, đường dẫn tính từ thư mục của tệp kế hoạch / a CSV/JSON "
                       "cost table, path relative to the plan file")
                table = None
    if not (b.get("id") and b.get("name") and purpose):
        return None
    return BudgetLine(str(b["id"]), str(b["name"]), purpose, amount, area, tuple(links),
                      tuple(dict(r) for r in rows if isinstance(r, Mapping)), table, b.get("source"))


def _criterion_link(ck: _Checker, value: Any, path: Path_) -> str | None:
    """'qd26-2026:2.3' — the criterion must be on at least one form of that set."""
    from .. import criteria as crit

    allowed = ("BỘ:TIÊU_CHÍ, bộ tiêu chí trong `ocop criteria list` và số tiêu chí có trong một bộ sản phẩm của nó / "
               "SET:CRITERION with a set from `ocop criteria list` and a criterion number on one of its forms")
    if not isinstance(value, str) or ":" not in value:
        ck.bad("budget-criterion-invalid", path, "liên kết tiêu chí không hợp lệ", "invalid criterion link", value,
               allowed)
        return None
    set_id, number = (p.strip() for p in value.split(":", 1))
    if set_id not in crit.available_sets():
        ck.bad("budget-criterion-invalid", path, "bộ tiêu chí không tồn tại", "unknown criteria set", set_id,
               ", ".join(crit.available_sets()))
        return None
    cs = crit.load_set(set_id)
    if not any(number in f.leaf_numbers for f in _forms(cs)):
        ck.bad("budget-criterion-invalid", path, f"tiêu chí {number} không có trong bộ {set_id}",
               f"criterion {number} is on no form of {set_id}", value, allowed)
        return None
    return f"{set_id}:{number}"


def _forms(cs):
    import warnings

    from .. import criteria as crit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", crit.PartialFormWarning)
        return [cs.form(s) for s in cs.forms]


def load_plan(path: str | Path) -> Plan:
    """Read and check a plan file (.yaml/.yml or .xlsx)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from .planxlsx import read_plan_xlsx

        return read_plan_xlsx(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ValidationFailed([Issue("[plan-format] định dạng tệp kế hoạch không hỗ trợ / unsupported plan file "
                                      "format", str(path), None, path.suffix, ".yaml, .yml or .xlsx")], subject=str(path))
    import yaml

    try:
        data = yaml.safe_load(read_text(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed([Issue(f"[plan-unreadable] không đọc được tệp / cannot read the file: {exc}",
                                      str(path))], subject=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1} / line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise ValidationFailed([Issue(f"[plan-not-yaml] không phải YAML hợp lệ / not valid YAML: "
                                      f"{getattr(exc, 'problem', exc)}", str(path), where)], subject=str(path)) from None
    return build_plan(data, str(path), yaml_location, path.parent)
