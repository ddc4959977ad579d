"""Semantic checks a JSON Schema cannot express: sums, uniqueness and references.

A province that edits its copy of a form must learn exactly which number is wrong and where, so
every check returns `Issue`s naming the file and the JSON path rather than raising on the first.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import Issue


def _walk(nodes: list[dict], path: str):
    for i, node in enumerate(nodes):
        here = f"{path}[{i}]"
        yield node, here
        yield from _walk(node.get("children", []), here + ".children")


def form_issues(form: dict[str, Any], file: str | None, set_meta: dict[str, Any] | None) -> list[Issue]:
    """Checks of one form document (already schema-valid) against itself and its set."""
    issues: list[Issue] = []

    def err(message: str, location: str, value: Any = None, allowed: str | None = None) -> None:
        issues.append(Issue(message, file=file, location=location, value=value, allowed=allowed))

    parts = form.get("parts", [])
    status = form.get("status")
    if status == "missing" and parts:
        err("a form with status 'missing' must have no parts", "parts")
    if status != "missing" and not parts:
        err("a form with no parts must have status 'missing'", "status", status, "'missing'")

    numbers: list[tuple[str, str]] = []
    for pi, part in enumerate(parts):
        ppath = f"parts[{pi}]"
        child_sum = sum(c.get("max", 0) for c in part.get("children", []))
        if part.get("max") != child_sum:
            err(f"Part {part.get('part')} max must equal the sum of its groups ({child_sum})", f"{ppath}.max",
                part.get("max"), str(child_sum))
        for node, here in _walk(part.get("children", []), f"{ppath}.children"):
            numbers.append((node["number"], here))
            if node.get("children"):
                s = sum(c.get("max", 0) for c in node["children"])
                if node.get("max") != s:
                    err(f"criterion {node['number']}: max must equal the sum of its sub-criteria ({s})",
                        f"{here}.max", node.get("max"), str(s))
                for child in node["children"]:
                    if not child["number"].startswith(node["number"] + ".") and "." in child["number"]:
                        err(f"criterion {child['number']} is not numbered under its heading {node['number']}",
                            here, child["number"], f"{node['number']}.N")
            else:
                options = node.get("options", [])
                best = max((o["points"] for o in options), default=None)
                if node.get("max") != best:
                    err(f"criterion {node['number']}: max must equal its best option ({best})", f"{here}.max",
                        node.get("max"), str(best))
                case_ids = [c["id"] for c in node.get("cases", [])]
                if len(set(case_ids)) != len(case_ids):
                    err(f"criterion {node['number']}: duplicate case ids", f"{here}.cases", case_ids)
                for oi, opt in enumerate(options):
                    if case_ids and opt.get("case") not in case_ids:
                        err(f"criterion {node['number']}: option belongs to no declared case", f"{here}.options[{oi}].case",
                            opt.get("case"), ", ".join(case_ids))
                    if not case_ids and "case" in opt:
                        err(f"criterion {node['number']}: option names case '{opt['case']}' but the criterion declares no cases",
                            f"{here}.options[{oi}].case", opt["case"], "declare 'cases' on the criterion")
            for ki, ko in enumerate(node.get("knockouts", [])):
                _check_knockout(ko, f"{here}.knockouts[{ki}]", set_meta, err)

    counts = Counter(n for n, _ in numbers)
    for number, where in numbers:
        if counts[number] > 1:
            err(f"criterion number {number} appears {counts[number]} times in this form", f"{where}.number", number,
                "numbers unique within a form")

    known = {n for n, _ in numbers}
    for ai, anomaly in enumerate(form.get("provenance", {}).get("anomalies", [])):
        crit = anomaly.get("criterion")
        if crit is not None and crit not in known and anomaly.get("kind") not in ("points_missing", "numbering"):
            err(f"anomaly refers to criterion {crit}, which is not in this form", f"provenance.anomalies[{ai}].criterion",
                crit, "a criterion number of this form")
    for ki, ko in enumerate(form.get("knockouts", [])):
        _check_knockout(ko, f"knockouts[{ki}]", set_meta, err)

    if set_meta is not None:
        if form.get("criteria_set") != set_meta.get("id"):
            err("form belongs to another criteria set than the folder's set.json", "criteria_set",
                form.get("criteria_set"), repr(set_meta.get("id")))
        set_parts = {p["part"]: p["max"] for p in set_meta.get("parts", [])}
        if status == "complete":
            form_parts = {p["part"]: p["max"] for p in parts}
            for letter, mx in set_parts.items():
                if form_parts.get(letter) != mx:
                    err(f"complete form: Part {letter} max must equal the set's ({mx})", f"parts[{letter}]",
                        form_parts.get(letter), str(mx))
        marks = set_meta.get("star_minimums", {}).get("mechanism")
        has_marks = any("stars" in o for p in parts for n, _ in _walk(p["children"], "") for o in n.get("options", []))
        if has_marks and marks != "option_marks":
            err("options carry star marks but the set's star_minimums mechanism is not 'option_marks'",
                "parts", marks, "'option_marks'")
        levels = {b["stars"] for b in set_meta.get("bands", [])}
        for pi, part in enumerate(parts):
            for node, here in _walk(part["children"], f"parts[{pi}].children"):
                for oi, opt in enumerate(node.get("options", [])):
                    if "stars" in opt and opt["stars"] not in levels:
                        err("star mark refers to a star level the set has no band for", f"{here}.options[{oi}].stars",
                            opt["stars"], ", ".join(map(str, sorted(levels))))
    return issues


def _check_knockout(ko: dict, where: str, set_meta: dict | None, err) -> None:
    if set_meta is None:
        return
    ids = {k["id"] for k in set_meta.get("knockouts", [])}
    if ko.get("id") not in ids:
        err("knock-out id is not in the set's knock-out catalogue", f"{where}.id", ko.get("id"),
            ", ".join(sorted(ids)) or "(catalogue empty)")


def set_issues(meta: dict[str, Any], file: str | None, form_slugs: set[str]) -> list[Issue]:
    """Checks of a set.json (already schema-valid): bands, periods, references to forms."""
    issues: list[Issue] = []

    def err(message: str, location: str, value: Any = None, allowed: str | None = None) -> None:
        issues.append(Issue(message, file=file, location=location, value=value, allowed=allowed))

    total = sum(p["max"] for p in meta.get("parts", []))
    if total != meta.get("total_max"):
        err(f"total_max must equal the sum of the part maxima ({total})", "total_max", meta.get("total_max"), str(total))
    if sorted(p["part"] for p in meta.get("parts", [])) != ["A", "B", "C"]:
        err("parts must be A, B and C once each", "parts", [p["part"] for p in meta.get("parts", [])])

    bands = sorted(meta.get("bands", []), key=lambda b: b["min"])
    if [b["stars"] for b in bands] != [1, 2, 3, 4, 5]:
        err("bands must give stars 1..5 in increasing order of points", "bands", [b["stars"] for b in bands])
    if bands and bands[0]["min"] != 0:
        err("the lowest band must start at 0 (bands must cover every total)", "bands[min]", bands[0]["min"], "0")
    for lower, upper in zip(bands, bands[1:]):
        if lower["below"] != upper["min"]:
            err(f"band {lower['stars']}★ must end where band {upper['stars']}★ starts (half-open, no gap or overlap)",
                "bands", lower["below"], str(upper["min"]))
    if bands and bands[-1]["below"] is not None:
        err("the top band must be closed at total_max (below: null)", "bands", bands[-1]["below"], "null")

    levels_order = ["commune", "district", "province", "central"]
    periods = sorted(meta.get("periods", []), key=lambda p: p["from"])
    for i, period in enumerate(periods):
        where = f"periods[{period['id']}]"
        for level in period["recognition"]:
            if level not in period["levels"]:
                err(f"recognition names level '{level}' that does not score in this period", f"{where}.recognition",
                    level, ", ".join(period["levels"]))
        for g, gate in enumerate(period["gates"]):
            for key in ("from_level", "to_level"):
                if gate[key] not in period["levels"]:
                    err(f"gate {gate['id']} names level '{gate[key]}' that does not score in this period",
                        f"{where}.gates[{g}].{key}", gate[key], ", ".join(period["levels"]))
            if levels_order.index(gate["to_level"]) <= levels_order.index(gate["from_level"]):
                err(f"gate {gate['id']} must go to a higher level", f"{where}.gates[{g}]", gate["to_level"])
        if i + 1 < len(periods) and period["to"] is not None and period["to"] >= periods[i + 1]["from"]:
            err("periods overlap", where, period["to"], f"before {periods[i + 1]['from']}")
    ids = [k["id"] for k in meta.get("knockouts", [])]
    for kid, n in Counter(ids).items():
        if n > 1:
            err("knock-out id defined twice", "knockouts", kid)
    for ci, row in enumerate(meta.get("classification", [])):
        if row["form"] not in form_slugs:
            err("classification row points to a form that does not exist", f"classification[{ci}].form", row["form"],
                "a form slug of this set")
    classified = {row["form"] for row in meta.get("classification", [])}
    for slug in sorted(form_slugs - classified):
        err("form is not listed in the set's classification", "classification", slug)
    for ri, req in enumerate(meta.get("star_minimums", {}).get("requirements", []) or []):
        if req.get("tag") != "GAP" and not req.get("finding"):
            err("a known per-star requirement needs the finding id a council records when it is not met",
                f"star_minimums.requirements[{ri}].finding", req.get("finding"))
    return issues
