"""Semantic checks a JSON Schema cannot express: sums, uniqueness and references.

A province that edits its copy of a form must learn exactly which number is wrong and where, so
every check returns `Issue`s naming the file and the JSON path rather than raising on the first.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from ..errors import Issue


def _int(value: Any) -> int | None:
    """The value if it is an integer (not a bool), else None: a check whose input is ill-typed is skipped."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _items(value: Any) -> list[tuple[int, dict]]:
    """(index, item) of the dict items of a list, keeping the original index for the JSON path."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _sum_max(children: Any) -> int | None:
    """Sum of the children's maxima, or None when one is unreadable (the schema reports it)."""
    if not isinstance(children, list):
        return None
    values = [_int(c.get("max")) if isinstance(c, dict) else None for c in children]
    return None if None in values else sum(values)


def _walk(nodes: Any, path: str):
    for i, node in _items(nodes):
        here = f"{path}[{i}]"
        yield node, here
        yield from _walk(node.get("children"), here + ".children")


def form_issues(form: dict[str, Any], file: str | None, set_meta: dict[str, Any] | None) -> list[Issue]:
    """Checks of one form document against itself and its set.

    The form need not be schema-valid: `ocop criteria validate` reports the schema's problems and
    these together, so every check runs on whatever part of the data is well-typed and skips what is
    not (the schema has already named it) rather than reporting a consequence of it.
    """
    issues: list[Issue] = []

    def err(message: str, location: str, value: Any = None, allowed: str | None = None) -> None:
        issues.append(Issue(message, file=file, location=location, value=value, allowed=allowed))

    if not isinstance(form, dict):
        return issues
    parts = form.get("parts") if isinstance(form.get("parts"), list) else []
    status = form.get("status")
    if status == "missing" and parts:
        err("[form-status-parts] biểu mẫu có trạng thái 'missing' không được có phần nào / a form with status 'missing' must have no parts", "parts")
    if status in ("complete", "partial") and not parts and isinstance(form.get("parts"), list):
        err("[form-status-parts] biểu mẫu không có phần nào phải có trạng thái 'missing' / a form with no parts must have status 'missing'", "status", status, "'missing'")

    valid_from = _date(form.get("valid_from"))
    if isinstance(form.get("valid_from"), str) and valid_from is None:
        err("[date-invalid] valid_from không phải ngày có thật / valid_from is not a real date", "valid_from", form.get("valid_from"),
            "ngày ISO / an ISO date YYYY-MM-DD")

    numbers: list[tuple[str, str]] = []
    for pi, part in _items(parts):
        ppath = f"parts[{pi}]"
        child_sum, part_max = _sum_max(part.get("children")), _int(part.get("max"))
        if child_sum is not None and part_max is not None and part_max != child_sum:
            err(f"[max-not-sum] điểm tối đa Phần {part.get('part')} phải bằng tổng các nhóm ({child_sum}) / "
                f"Part {part.get('part')} max must equal the sum of its groups ({child_sum})", f"{ppath}.max",
                part_max, str(child_sum))
        for node, here in _walk(part.get("children"), f"{ppath}.children"):
            number = node.get("number") if isinstance(node.get("number"), str) else None
            name = number or here
            if number is not None:
                numbers.append((number, here))
            has_children, has_options = "children" in node, "options" in node
            if has_children and has_options:
                continue  # the schema reports it; neither reading of the node can be checked
            node_max = _int(node.get("max"))
            if has_children:
                s = _sum_max(node.get("children"))
                if s is not None and node_max is not None and node_max != s:
                    err(f"[max-not-sum] tiêu chí {name}: điểm tối đa phải bằng tổng các tiêu chí con ({s}) / "
                        f"criterion {name}: max must equal the sum of its sub-criteria ({s})", f"{here}.max",
                        node_max, str(s))
                for _, child in _items(node.get("children")):
                    cnum = child.get("number")
                    if (number is not None and isinstance(cnum, str) and "." in cnum
                            and not cnum.startswith(number + ".")):
                        err(f"[number-outside-heading] tiêu chí {cnum} không được đánh số dưới mục {number} / criterion {cnum} "
                            f"is not numbered under its heading {number}", here, cnum, f"{number}.N")
            elif has_options:
                options = node.get("options")
                points = [_int(o.get("points")) if isinstance(o, dict) else None
                          for o in (options if isinstance(options, list) else [None])]
                if points and None not in points and node_max is not None and node_max != max(points):
                    err(f"[max-not-best-option] tiêu chí {name}: điểm tối đa phải bằng mức cao nhất ({max(points)}) / "
                        f"criterion {name}: max must equal its best option ({max(points)})", f"{here}.max",
                        node_max, str(max(points)))
                cases = _items(node.get("cases"))
                case_ids = [c.get("id") for _, c in cases]
                if len(set(map(str, case_ids))) != len(case_ids):
                    err(f"[case-duplicate] tiêu chí {name}: mã trường hợp bị lặp / criterion {name}: duplicate case ids", f"{here}.cases", case_ids)
                for oi, opt in _items(options):
                    if case_ids and opt.get("case") not in case_ids:
                        err(f"[case-unknown] tiêu chí {name}: lựa chọn không thuộc trường hợp nào đã khai / criterion {name}: "
                            f"option belongs to no declared case", f"{here}.options[{oi}].case",
                            opt.get("case"), ", ".join(map(str, case_ids)))
                    if not case_ids and "case" in opt and "cases" not in node:
                        err(f"[case-undeclared] tiêu chí {name}: lựa chọn nêu trường hợp '{opt['case']}' nhưng tiêu chí không khai "
                            f"trường hợp nào / criterion {name}: option names case '{opt['case']}' but the criterion "
                            "declares no cases", f"{here}.options[{oi}].case", opt["case"],
                            "khai 'cases' ở tiêu chí / declare 'cases' on the criterion")
            for ki, ko in _items(node.get("knockouts")):
                _check_knockout(ko, f"{here}.knockouts[{ki}]", set_meta, err)

    counts = Counter(n for n, _ in numbers)
    for number, where in numbers:
        if counts[number] > 1:
            err(f"[number-duplicate] số tiêu chí {number} xuất hiện {counts[number]} lần trong biểu mẫu / criterion number "
                f"{number} appears {counts[number]} times in this form", f"{where}.number", number,
                "số không lặp trong một biểu mẫu / numbers unique within a form")

    known = {n for n, _ in numbers}
    provenance = form.get("provenance") if isinstance(form.get("provenance"), dict) else {}
    for ai, anomaly in _items(provenance.get("anomalies")):
        crit = anomaly.get("criterion")
        if isinstance(crit, str) and crit not in known and anomaly.get("kind") not in ("points_missing", "numbering"):
            err(f"[anomaly-criterion-unknown] ghi chú bất thường nói về tiêu chí {crit}, không có trong biểu mẫu / anomaly "
                f"refers to criterion {crit}, which is not in this form", f"provenance.anomalies[{ai}].criterion",
                crit, "số tiêu chí của biểu mẫu này / a criterion number of this form")
    for ki, ko in _items(form.get("knockouts")):
        _check_knockout(ko, f"knockouts[{ki}]", set_meta, err)

    if set_meta is not None:
        if form.get("criteria_set") != set_meta.get("id"):
            err("[form-set-mismatch] biểu mẫu thuộc bộ tiêu chí khác với set.json của thư mục / form belongs to another "
                "criteria set than the folder's set.json", "criteria_set",
                form.get("criteria_set"), repr(set_meta.get("id")))
        start, last = (_date(set_meta.get("in_force", {}).get(k)) for k in ("from", "lapses"))
        last = last or _date(set_meta.get("in_force", {}).get("to"))
        if valid_from is not None and start is not None and not (start < valid_from and (last is None or valid_from <= last)):
            err("[valid-from-outside-set] valid_from phải sau ngày bộ tiêu chí bắt đầu và trong thời gian hiệu lực / "
                "valid_from must fall after the set's start and within its validity (else it says nothing or "
                "the form can never be used)", "valid_from", form.get("valid_from"),
                f"sau / after {start.isoformat()}" + (f", đến / until {last.isoformat()}" if last else ""))
        set_parts = {p["part"]: p["max"] for p in set_meta.get("parts", [])}
        readable = all(isinstance(p, dict) and p.get("part") in set_parts and _int(p.get("max")) is not None
                       for p in parts)
        if status == "complete" and readable:
            form_parts = {p["part"]: p["max"] for p in parts}
            for letter, mx in set_parts.items():
                if form_parts.get(letter) != mx:
                    err(f"[part-max-mismatch] biểu mẫu đầy đủ: điểm tối đa Phần {letter} phải bằng của bộ ({mx}) / "
                        f"complete form: Part {letter} max must equal the set's ({mx})", f"parts[{letter}]",
                        form_parts.get(letter), str(mx))
        marks = set_meta.get("star_minimums", {}).get("mechanism")
        all_options = [(opt, f"{here}.options[{oi}]") for pi, p in _items(parts)
                       for node, here in _walk(p.get("children"), f"parts[{pi}].children")
                       for oi, opt in _items(node.get("options"))]
        if any("stars" in o for o, _ in all_options) and marks != "option_marks":
            err("[star-marks-unexpected] lựa chọn có đánh dấu sao nhưng cơ chế star_minimums của bộ không phải "
                "'option_marks' / options carry star marks but the set's star_minimums mechanism is not 'option_marks'",
                "parts", marks, "'option_marks'")
        levels = {b["stars"] for b in set_meta.get("bands", [])}
        for opt, where in all_options:
            if "stars" in opt and opt["stars"] not in levels:
                err("[star-mark-unknown] đánh dấu sao chỉ một hạng sao bộ không có / star mark refers to a star level the set "
                    "has no band for", f"{where}.stars",
                    opt["stars"], ", ".join(map(str, sorted(levels))))
    return issues


def _check_knockout(ko: dict, where: str, set_meta: dict | None, err) -> None:
    if set_meta is None or not isinstance(ko.get("id"), str):
        return
    ids = {k["id"] for k in set_meta.get("knockouts", [])}
    if ko.get("id") not in ids:
        err("[knockout-unknown] mã điều kiện loại không có trong danh mục của bộ / knock-out id is not in the set's "
            "knock-out catalogue", f"{where}.id", ko.get("id"), ", ".join(sorted(ids)) or "(danh mục trống / catalogue empty)")


def set_issues(meta: dict[str, Any], file: str | None, form_slugs: set[str] | None) -> list[Issue]:
    """Checks of a set.json (already schema-valid): bands, periods, references to forms. With
    `form_slugs` None (the set read before its forms, for scoring) the references to forms are left
    to the full check that runs when the forms are read."""
    issues: list[Issue] = []

    def err(message: str, location: str, value: Any = None, allowed: str | None = None) -> None:
        issues.append(Issue(message, file=file, location=location, value=value, allowed=allowed))

    total = sum(p["max"] for p in meta.get("parts", []))
    if total != meta.get("total_max"):
        err(f"[max-not-sum] total_max phải bằng tổng điểm tối đa các phần ({total}) / total_max must equal the sum of "
            f"the part maxima ({total})", "total_max", meta.get("total_max"), str(total))
    if sorted(p["part"] for p in meta.get("parts", [])) != ["A", "B", "C"]:
        err("[parts-invalid] các phần phải là A, B và C, mỗi phần một lần / parts must be A, B and C once each", "parts", [p["part"] for p in meta.get("parts", [])])

    bands = sorted(meta.get("bands", []), key=lambda b: b["min"])
    if [b["stars"] for b in bands] != [1, 2, 3, 4, 5]:
        err("[bands-invalid] các hạng phải cho 1..5 sao theo điểm tăng dần / bands must give stars 1..5 in increasing "
            "order of points", "bands", [b["stars"] for b in bands])
    if bands and bands[0]["min"] != 0:
        err("[bands-invalid] hạng thấp nhất phải bắt đầu từ 0 / the lowest band must start at 0 (bands must cover every total)", "bands[min]", bands[0]["min"], "0")
    for lower, upper in zip(bands, bands[1:]):
        if lower["below"] != upper["min"]:
            err(f"[bands-invalid] hạng {lower['stars']}★ phải kết thúc nơi hạng {upper['stars']}★ bắt đầu / band "
                f"{lower['stars']}★ must end where band {upper['stars']}★ starts (half-open, no gap or overlap)",
                "bands", lower["below"], str(upper["min"]))
    if bands and bands[-1]["below"] is not None:
        err("[bands-invalid] hạng cao nhất phải kết thúc ở total_max (below: null) / the top band must be closed at "
            "total_max (below: null)", "bands", bands[-1]["below"], "null")

    levels_order = ["commune", "district", "province", "central"]
    periods = sorted(meta.get("periods", []), key=lambda p: p["from"])
    for i, period in enumerate(periods):
        where = f"periods[{period['id']}]"
        for level in period["recognition"]:
            if level not in period["levels"]:
                err(f"[period-level-unknown] recognition nêu cấp '{level}' không chấm trong giai đoạn này / recognition names "
                    f"level '{level}' that does not score in this period", f"{where}.recognition",
                    level, ", ".join(period["levels"]))
        for g, gate in enumerate(period["gates"]):
            for key in ("from_level", "to_level"):
                if gate[key] not in period["levels"]:
                    err(f"[period-level-unknown] ngưỡng {gate['id']} nêu cấp '{gate[key]}' không chấm trong giai đoạn này / "
                        f"gate {gate['id']} names level '{gate[key]}' that does not score in this period",
                        f"{where}.gates[{g}].{key}", gate[key], ", ".join(period["levels"]))
            if levels_order.index(gate["to_level"]) <= levels_order.index(gate["from_level"]):
                err(f"[gate-direction] ngưỡng {gate['id']} phải chuyển lên cấp cao hơn / gate {gate['id']} must go to a higher "
                    "level", f"{where}.gates[{g}]", gate["to_level"])
        if i + 1 < len(periods) and period["to"] is not None and period["to"] >= periods[i + 1]["from"]:
            err("[periods-overlap] các giai đoạn chồng lên nhau / periods overlap", where, period["to"],
                f"trước / before {periods[i + 1]['from']}")
    span = meta.get("in_force", {})
    fb, end, lapses = span.get("finish_by"), _date(span.get("to")), _date(span.get("lapses"))
    if fb:  # the transition windows (QĐ 26/2026 Điều 12 k2): after the set's end, within its lapse
        if end is None or _date(fb["lodged_before"]) != end + timedelta(days=1):
            err("[transition-invalid] finish_by.lodged_before phải là ngày sau in_force.to / finish_by.lodged_before must "
                "be the day after in_force.to (the successor's start)",
                "in_force.finish_by.lodged_before", fb["lodged_before"],
                (end + timedelta(days=1)).isoformat() if end else "cần in_force.to trước / an in_force.to date first")
        for kind, day in fb["kinds"].items():
            d = _date(day)
            if end is not None and d is not None and not (end < d and (lapses is None or d <= lapses)):
                err(f"[transition-invalid] ngày đánh giá cuối của hồ sơ {kind} phải sau in_force.to và không sau lapses / the "
                    f"last evaluation day of a {kind} file must fall after in_force.to and not after lapses",
                    f"in_force.finish_by.kinds.{kind}", day,
                    f"sau / after {end.isoformat()}" + (f", đến / until {lapses.isoformat()}" if lapses else ""))
    ids = [k["id"] for k in meta.get("knockouts", [])]
    for kid, n in Counter(ids).items():
        if n > 1:
            err("[knockout-duplicate] mã điều kiện loại được khai hai lần / knock-out id defined twice", "knockouts", kid)
    for ci, row in enumerate(meta.get("classification", []) if form_slugs is not None else ()):
        if row["form"] not in form_slugs:
            err("[classification-form-unknown] dòng phân loại trỏ tới biểu mẫu không có / classification row points to a "
                "form that does not exist", f"classification[{ci}].form", row["form"],
                "mã biểu mẫu của bộ này / a form slug of this set")
    classified = {row["form"] for row in meta.get("classification", [])}
    for slug in sorted((form_slugs or set()) - classified):
        err("[form-unclassified] biểu mẫu không có trong bảng phân loại của bộ / form is not listed in the set's "
            "classification", "classification", slug)
    for ri, req in enumerate(meta.get("star_minimums", {}).get("requirements", []) or []):
        if req.get("tag") != "GAP" and not req.get("finding"):
            err("[requirement-no-finding] yêu cầu theo hạng sao cần mã phát hiện mà hội đồng ghi khi chưa đạt / a known "
                "per-star requirement needs the finding id a council records when it is not met",
                f"star_minimums.requirements[{ri}].finding", req.get("finding"))
    return issues
