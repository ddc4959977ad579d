"""Dossier validation: from user JSON to a checked `Dossier`, or every problem with it.

A council secretary fixes a dossier from these messages, so each names the field
(`sheets[1].scores.6.2`), the value and what is allowed; all problems are reported at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import criteria as crit
from .criteria.model import CriteriaSet, Form, Period
from .errors import DossierInvalid, Issue
from .filing import DEFAULT_KIND, Problem, choose_set
from .schemas import schema_issues
from .text import header_key, load_json, nfc_deep

MISSING = -1  # a criterion not scored (not applicable, or after a knock-out stopped the evaluation)


@dataclass(frozen=True)
class Dossier:
    """A validated dossier, ready for either executor."""

    dossier_id: str
    criteria_set: CriteriaSet
    form: Form
    period: Period
    level: str
    evaluated_on: date
    members: tuple[str, ...]
    points: np.ndarray  # int16 [members, leaves]; MISSING where not scored
    applicable: np.ndarray  # bool [leaves]
    findings: tuple[str, ...] = ()
    story_exists: bool | None = None
    # criterion -> the alternative ladder (TH a / TH b …) its points were given on: stated in the
    # dossier's `cases`, or inferred when the points fit one ladder only; None when they fit several
    cases: Mapping[str, str | None] = field(default_factory=dict)
    cases_stated: tuple[str, ...] = ()  # the criteria whose case the dossier itself states
    product: Mapping[str, Any] = field(default_factory=dict)
    transition: bool = False
    source: str | None = None
    kind: str = DEFAULT_KIND  # new | upgrade | re-evaluation
    lodged_on: date | None = None
    previous_certificate: Mapping[str, Any] = field(default_factory=dict)  # expires_on (date), stars, number


def today() -> date:
    """Today's date (a function so that tests can fix it)."""
    return date.today()


FUTURE_CODE = "evaluated-in-future"


def future_warning(day: date) -> dict[str, str]:
    """The warning of a dossier evaluated after today: likely a typed year (2062 for 2026) or a
    day-month swap; scored as given, but said."""
    return {"code": FUTURE_CODE, "rule": "input.evaluated-in-future",
            "vi": f"Ngày đánh giá {day.strftime('%d/%m/%Y')} ở sau hôm nay ({today().strftime('%d/%m/%Y')}): kiểm tra "
                  "lại năm, ngày và tháng.",
            "en": f"The evaluation date {day.isoformat()} is after today ({today().isoformat()}): check the year, "
                  "day and month."}


def _choose_set(data: Mapping[str, Any], day: date, kind: str, lodged_on: date | None, issues: list[Issue],
                file: str | None) -> CriteriaSet | None:
    """The set the dossier is scored under, chosen by `scoring.filing.choose_set` as the batch chooses it."""
    chosen = choose_set(data.get("criteria_set"), day, kind, lodged_on, crit.load_all())
    if isinstance(chosen, Problem):
        issues.append(Issue(chosen.message, file, chosen.field, chosen.value, chosen.allowed))
        return None
    return chosen


def _dates(data: Mapping[str, Any], flagged: set[str | None], file: str | None
           ) -> tuple[dict[str, date | None], list[Issue]]:
    """evaluated_on, lodged_on and previous_certificate.expires_on as dates. A field the schema
    already flagged (wrong type or pattern) is reported once, by the schema, and read as absent."""
    out: dict[str, date | None] = {}
    issues = []
    for key, value in (("evaluated_on", data.get("evaluated_on")), ("lodged_on", data.get("lodged_on")),
                       ("previous_certificate.expires_on", (data.get("previous_certificate") or {}).get("expires_on"))):
        out[key] = None
        if not isinstance(value, str) or key in flagged:
            continue
        try:
            out[key] = date.fromisoformat(value)
        except ValueError:
            issues.append(Issue("ngày không có thật / not a calendar date", file, key, value, "YYYY-MM-DD"))
    return out, issues


_SHAPES = ("sheets: [{\"member\": …, \"scores\": {…}}, …] (one sheet per council member), or, for a "
           "single member, scores: {\"1.1\": 3, …} at top level")


def _sheets_or_scores(data: Mapping[str, Any], file: str | None) -> list[Issue]:
    """The schema's oneOf (sheets xor scores) reports its failure as the whole dossier, or as
    "'sheets' is a required property" without a word about `scores`: say it plainly here."""
    has_sheets, has_scores = "sheets" in data, "scores" in data
    if has_sheets and has_scores:
        return [Issue("có cả 'sheets' và 'scores': chỉ dùng một trong hai / both 'sheets' and 'scores' are given: "
                      "use one of them", file, "scores", None, _SHAPES)]
    if not has_sheets and not has_scores:
        return [Issue("thiếu điểm: không có 'sheets' hoặc 'scores' / no points: neither 'sheets' nor 'scores' is given",
                      file, "(top level)", None, _SHAPES)]
    return []


def _shape_checked(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The dossier as the schema should see it once `_sheets_or_scores` has reported the shape: the
    other fields are still checked (every problem at once) without a duplicate oneOf error."""
    if "sheets" in data and "scores" in data:
        return {k: v for k, v in data.items() if k != "scores"}
    if "sheets" not in data and "scores" not in data:
        return dict(data, scores={})
    return data


def _alternative_cases(form: Form, data: Mapping[str, Any], points: np.ndarray, issues: list[Issue],
                       file: str | None) -> dict[str, str | None]:
    """The ladder each criterion with alternative cases was scored on. A council scores one case
    (the product is, say, run by a board or by one household head, TH a / TH b), so every member's
    points must be options of that case: the dossier may state it in `cases`; otherwise it is
    inferred from the points, and points that fit no single case for all members are a mix."""
    stated = dict(data.get("cases") or {})
    by_number = {leaf.number: (li, leaf) for li, leaf in enumerate(form.leaves)}
    for number, case in stated.items():
        leaf = by_number.get(number, (None, None))[1]
        if leaf is None or not leaf.cases:
            with_cases = [f"{lf.number}" for lf in form.leaves if lf.cases]
            issues.append(Issue(f"tiêu chí {number} của biểu mẫu {form.slug} không có các trường hợp / criterion {number} of form {form.slug} has no alternative cases", file,
                                f"cases.{number}", case, "criteria with cases: " + (", ".join(with_cases) or "none")))
        elif case not in dict(leaf.cases):
            issues.append(Issue(f"trường hợp không có ở tiêu chí {number} / unknown case for criterion {number}", file, f"cases.{number}", case,
                                ", ".join(f"{cid} ({label})" for cid, label in leaf.cases)))
    out: dict[str, str | None] = {}
    for number, (li, leaf) in by_number.items():
        if not leaf.cases:
            continue
        ladders = {cid: {o.points for o in leaf.options if o.case == cid} for cid, _ in leaf.cases}
        shown = "; ".join(f"{cid} ({label}): {', '.join(map(str, sorted(ladders[cid])))}" for cid, label in leaf.cases)
        given = [(si, int(p)) for si, p in enumerate(points[:, li]) if p != MISSING]
        where = (lambda si: f"sheets[{si}].scores.{number}") if "sheets" in data else (lambda si: f"scores.{number}")
        case = stated.get(number)
        if case in ladders:
            for si, p in given:
                if p not in ladders[case]:
                    issues.append(Issue(f"{p} không phải lựa chọn của trường hợp {case}, tiêu chí {number} / {p} is not an option of case {case} of criterion {number}, the case the "
                                        f"dossier states (cases.{number})", file, where(si), p,
                                        ", ".join(map(str, sorted(ladders[case])))))
            out[number] = case
            continue
        if case is not None:
            continue  # an unknown case, reported above
        fits = [cid for cid in ladders if all(p in ladders[cid] for _, p in given)]
        if given and not fits:
            issues.append(Issue(
                f"các thành viên chấm tiêu chí {number} theo các trường hợp khác nhau / members scored criterion "
                f"{number} on different alternative cases ({', '.join(f'{where(si)} = {p}' for si, p in given)}): a council "
                f"scores one case", file, f"cases.{number}", None,
                f"one case for every member, stated as cases.{number} — {shown}"))
        out[number] = fits[0] if len(fits) == 1 else None
    return out


def _printed_hint(issue: Issue) -> Issue:
    """A score keyed by the number printed on the paper form ("1.a"): say which criterion number it is."""
    means = crit.printed_numbers().get(header_key(issue.value)) if isinstance(issue.value, str) else None
    if not means or "scores" not in (issue.location or ""):
        return issue
    return replace(issue, allowed="a criterion number, not the one printed on the form: "
                   + ", ".join(f"{issue.value} is {n} ({s})" for s, n in means)
                   + " — see `ocop criteria show SET FORM`")


def _keyed_by_number(form: Form, cs: CriteriaSet, scores: Mapping[str, Any], where: str, issues: list[Issue],
                     file: str | None) -> dict[str, Any]:
    """A sheet's scores keyed by criterion number: a key printed on the paper form ("12.a" for 12.1 on
    the QĐ 148 forms) is accepted where it stands for one criterion of the form; the same criterion
    given under both keys is refused (which value would count?)."""
    aliases = form.printed_aliases()
    out: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for key, value in scores.items():
        number = aliases.get(header_key(key), key) if key not in form.leaf_numbers else key
        if number in out:
            issues.append(Issue(f"tiêu chí {number} được cho điểm hai lần / criterion {number} is given twice, as "
                                f"{given_as[number]!r} and {key!r} (a number printed on the form stands for it)",
                                file, f"{where}.{key}", value, "one key per criterion"))
            continue
        out[number], given_as[number] = value, key
    return out


def _unknown_criterion(form: Form, cs: CriteriaSet, number: str, value: Any, location: str,
                       file: str | None) -> Issue:
    """A key that is no criterion of the form; a QĐ 148 group keyed the old way ("12") is told its key."""
    new = form.renumbered().get(number)
    if new:
        return Issue(f"tiêu chí {number} nay là {new} (nhóm in '{number}. … a) …' được đánh số {new}, như quy tắc "
                     f"'1. a)' → '1.1') / criterion {number} of form {form.slug} ({cs.id}) is now {new}: the group "
                     f"printed '{number}. … a) …' is numbered {new}, by the rule '1. a)' → '1.1'", file, location,
                     value, f"the key {new}")
    means = [leaf.number for leaf in form.leaves if leaf.printed and header_key(leaf.printed) == header_key(number)]
    if means:  # printed twice on this form: which one is meant cannot be told
        return Issue(f"số {number} được in cho nhiều tiêu chí / {number} is printed on form {form.slug} ({cs.id}) for "
                     "more than one criterion", file, location,
                     value, "the criterion number: " + ", ".join(f"{number} is {n}" for n in means)
                     + " — see `ocop criteria show SET FORM`")
    return Issue(f"tiêu chí {number} không có trên biểu mẫu / criterion {number} is not on form {form.slug} ({cs.id})",
                 file, location, value,
                 "criterion numbers: " + ", ".join(form.leaf_numbers))


LEVEL_NAMES = {  # Vietnamese names of the levels (header_key form) -> the level codes of the schema
    "xã": "commune", "cấp xã": "commune", "huyện": "district", "cấp huyện": "district", "tỉnh": "province",
    "cấp tỉnh": "province", "trung ương": "central", "cấp trung ương": "central", "tw": "central",
}


def level_code(value: Any) -> Any:
    """A level as the schema names it: `tỉnh` / `Cấp tỉnh` / `Province` are `province`."""
    if not isinstance(value, str):
        return value
    key = header_key(value)
    return LEVEL_NAMES.get(key, key if key in ("commune", "district", "province", "central") else value)


def resolve_form(cs: CriteriaSet, value: Any) -> str | None:
    """The slug of a form named by slug (or alias), number within the set ("5"), official code
    ("I.2.b") or Vietnamese name ("Rau, củ, quả, hạt tươi"), compared NFC, case- and space-folded.
    None when nothing (or more than one form) matches."""
    if not isinstance(value, str) and not (isinstance(value, int) and not isinstance(value, bool)):
        return None
    text = str(value)
    if cs.has_form(text):
        return cs.form(text, warn=False).slug
    key = header_key(text)
    hits = {f.slug for f in cs.forms.values()
            if key in (str(f.number), header_key(f.code or "\0"), header_key(f.name), header_key(f.slug))}
    return hits.pop() if len(hits) == 1 else None


def parse_dossier(data: Mapping[str, Any] | str | Path, *, file: str | None = None) -> Dossier:
    """Validate a dossier (dict, or path to a JSON file) and return it ready for scoring.

    Every problem is reported at once: schema, date, set, form, level, findings, members and points
    are each checked as far as the others allow (a wrongly typed field is reported once, by the
    schema, and left out of the later checks)."""
    if isinstance(data, (str, Path)):
        file = str(data)
        try:
            data = load_json(data)
        except (OSError, ValueError) as exc:
            raise DossierInvalid([Issue(f"không đọc được hồ sơ / cannot read dossier: {exc}", file)], subject=file) from None
    if not isinstance(data, Mapping):
        raise DossierInvalid([Issue("[dossier-not-object] hồ sơ phải là một đối tượng JSON {…} / a dossier is a JSON "
                                    "object {…}", file, "(top level)", type(data).__name__,
                                    "an object with dossier_id, form, level, evaluated_on and sheets")],
                             subject=file or "dossier")
    data = nfc_deep(dict(data))
    if "level" in data:
        data["level"] = level_code(data["level"])
    subject = file or f"dossier {data.get('dossier_id', '?')}"
    issues = _sheets_or_scores(data, file) + schema_issues(_shape_checked(data), "dossier", file)
    issues = [_printed_hint(i) for i in issues]
    flagged = {i.location for i in issues}

    days, date_issues = _dates(data, flagged, file)
    issues += date_issues
    day, lodged_on = days["evaluated_on"], days["lodged_on"]
    kind = data.get("kind", DEFAULT_KIND)
    if "criteria_set" in flagged:
        data = {k: v for k, v in data.items() if k != "criteria_set"}
        cs = None
    elif day is None or any(i.location == "lodged_on" for i in date_issues) or "kind" in flagged:
        # Without its dates the set cannot be chosen; a set the dossier names still lets the form,
        # members and points be checked, so that every problem is reported at once.
        set_id, ids = data.get("criteria_set"), crit.available_sets()
        cs = crit.load_set(set_id) if set_id in ids else None
        if set_id is not None and cs is None:
            issues.append(Issue("bộ tiêu chí không có / unknown criteria set", file, "criteria_set", set_id,
                                ", ".join(ids)))
    else:
        cs = _choose_set(data, day, kind, lodged_on, issues, file)
    if cs is None:
        raise DossierInvalid(issues or [Issue("thiếu ngày đánh giá / no evaluation date", file, "evaluated_on")],
                             subject=subject)

    slug = resolve_form(cs, data.get("form"))
    if slug is None:
        if "form" not in flagged:
            issues.append(Issue(f"biểu mẫu không có trong {cs.id} / unknown form for {cs.id}", file, "form", data.get("form"),
                                f"a slug, number, code or name from `ocop criteria list --set {cs.id}`"))
        raise DossierInvalid(issues, subject=subject)
    form = cs.form(slug)
    if form.status == "missing":
        raise DossierInvalid(issues + [Issue("biểu mẫu chưa có trong nguồn, không chấm được / this form is missing from our sources and cannot be scored", file, "form",
                                             form.slug, "a form whose status is complete or partial")], subject=subject)
    valid_from = getattr(form, "valid_from", None)
    if day is not None and valid_from is not None and day < valid_from:
        # e.g. the QĐ 1048 tourism form we have is QĐ 781's (from 2020-06-08); the original is missing,
        # so an earlier dossier has no form to be scored on, exactly as for a missing form
        raise DossierInvalid(issues + [Issue(
            f"biểu mẫu {form.slug} của {cs.id} chỉ áp dụng từ ngày {valid_from.isoformat()} (xem provenance của biểu "
            f"mẫu); nguồn dữ liệu không có biểu mẫu nào cho bộ sản phẩm này trước ngày đó, nên hồ sơ đánh giá ngày "
            f"{day.isoformat()} không chấm được / form {form.slug} of {cs.id} applies only from "
            f"{valid_from.isoformat()} (see the form's provenance); our sources have no form for this product set "
            f"before that day, so a dossier evaluated on {day.isoformat()} cannot be scored",
            file, "evaluated_on", day.isoformat(), f"an evaluation date from {valid_from.isoformat()}")],
            subject=subject)
    if day is None:  # the set was named, the date is wrong: the points can still be checked
        day = cs.start
        day_known = False
    else:
        day_known = True

    period = cs.period_on(day)
    level = data.get("level")
    if not day_known or "level" in flagged:
        pass
    elif period is None:
        issues.append(Issue(f"không giai đoạn nào của {cs.id} chứa ngày đánh giá / no process period of {cs.id} covers the evaluation date", file, "evaluated_on",
                            day.isoformat(), ", ".join(f"{p.start}…{p.end or ''}" for p in cs.periods)))
    elif level not in period.levels:
        issues.append(Issue(f"giai đoạn {period.id} của {cs.id} không có hội đồng cấp này / no council scores at this level in period {period.id} of {cs.id}", file, "level", level,
                            ", ".join(period.levels)))

    requirements = cs.requirement_findings
    known_findings = set(cs.knockouts) | set(requirements)
    findings = tuple(f for f in (data.get("findings") or ()) if isinstance(f, str)) \
        if isinstance(data.get("findings", ()), list) else ()
    minimums_from = cs.star_minimums.get("from")
    for i, fid in enumerate(findings):
        if fid not in known_findings:
            issues.append(Issue(f"điều kiện loại không có trong {cs.id} / unknown finding for {cs.id}", file, f"findings[{i}]", fid,
                                ", ".join(sorted(known_findings))))
        elif fid in requirements and minimums_from and day_known and day.isoformat() < minimums_from:
            # QĐ 781/2020 added the per-star requirements on 2020-06-08: a dossier evaluated before
            # cannot have failed them, and capping it would apply a rule not yet in force
            issues.append(Issue(
                f"yêu cầu tối thiểu theo hạng sao này chỉ áp dụng từ ngày {minimums_from}, ngày đánh giá là "
                f"{day.isoformat()} / this per-star requirement of {cs.id} applies only from {minimums_from}; "
                f"the dossier is evaluated on {day.isoformat()}",
                file, f"findings[{i}]", fid,
                f"knock-out findings only ({', '.join(sorted(cs.knockouts))}), or an evaluation date from {minimums_from}"))
    knocked = any(f in cs.knockouts for f in findings)

    sheets = data.get("sheets") or [{"member": "M1", "scores": data.get("scores", {})}]
    if not isinstance(sheets, list):
        raise DossierInvalid(issues, subject=subject)
    # a sheet the schema refused (not an object, member not text, scores not an object) is checked no further
    sheets = [sh if isinstance(sh, dict) else {} for sh in sheets]
    sheets = [dict(sh, member=sh["member"] if isinstance(sh.get("member"), str) else f"<sheet {i}>",
                   scores=sh["scores"] if isinstance(sh.get("scores"), dict) else {}) for i, sh in enumerate(sheets)]
    # names are compared and reported trimmed (NFC already), as the batch reader reads them: "TV1 " is TV1
    members = [s["member"].strip() for s in sheets]
    for i, m in enumerate(members):
        if f"sheets[{i}].member" in flagged or f"sheets[{i}]" in flagged:
            continue
        if not m:
            issues.append(Issue("tên thành viên để trống / member name is blank", file, f"sheets[{i}].member", sheets[i]["member"],
                                "a non-blank name (surrounding spaces are trimmed)"))
        elif members.index(m) != i:
            issues.append(Issue("thành viên bị lặp / duplicate member (names compared trimmed and NFC-normalised)", file,
                                f"sheets[{i}].member", sheets[i]["member"], "each member once"))

    leaves = form.leaves
    index = {leaf.number: i for i, leaf in enumerate(leaves)}
    points = np.full((len(sheets), len(leaves)), MISSING, dtype=np.int16)
    reported = np.zeros_like(points, dtype=bool)  # cells already reported (not also "left out")
    story = data.get("story_exists") if isinstance(data.get("story_exists"), bool) else None
    for si, sheet in enumerate(sheets):
        where = f"sheets[{si}].scores" if "sheets" in data else "scores"
        for key, value in _keyed_by_number(form, cs, sheet["scores"], where, issues, file).items():
            number = key
            if number not in index:
                issues.append(_unknown_criterion(form, cs, number, value, f"{where}.{number}", file))
                if form.renumbered().get(number) in index:  # told its new key: not also "12.1 is left out"
                    reported[si, index[form.renumbered()[number]]] = True
                continue
            leaf = leaves[index[number]]
            if value is None:
                continue
            if f"{where}.{number}" in flagged or isinstance(value, bool) or not isinstance(value, (int, float)):
                reported[si, index[number]] = True  # reported by the schema (a number is needed)
                continue
            if value not in leaf.points:
                issues.append(Issue(f"{value} không phải mức điểm của tiêu chí {number} / {value} is not an option of criterion {number} ({leaf.label})", file,
                                    f"{where}.{number}", value, ", ".join(map(str, leaf.points))))
                reported[si, index[number]] = True
                continue
            if leaf.applies_when == "story_exists" and story is False:
                issues.append(Issue(f"tiêu chí {number} chỉ chấm khi có câu chuyện sản phẩm / criterion {number} applies only when a story exists, and story_exists is false",
                                    file, f"{where}.{number}", value, "null"))
                reported[si, index[number]] = True
                continue
            points[si, index[number]] = value

    applicable = np.ones(len(leaves), dtype=bool)
    for li, leaf in enumerate(leaves):
        scored = points[:, li] != MISSING
        if leaf.applies_when == "story_exists":
            applies = bool(story) if story is not None else bool(scored.any())
            applicable[li] = applies
            if not applies:
                continue
        if knocked:
            continue  # the evaluation may have stopped: criteria left out score 0
        for si in np.flatnonzero(~scored & ~reported[:, li]):
            where = f"sheets[{si}].scores" if "sheets" in data else "scores"
            cond = " (it applies: story_exists is true or another member scored it)" if leaf.applies_when else ""
            issues.append(Issue(f"tiêu chí {leaf.number} chưa được chấm / criterion {leaf.number} ({leaf.label}) is left out{cond}", file,
                                f"{where}.{leaf.number}", None,
                                "one of " + ", ".join(map(str, leaf.points))
                                + ("" if leaf.applies_when else "; only criteria that apply conditionally may be null")))
    if issues:
        raise DossierInvalid(issues, subject=subject)
    cases = _alternative_cases(form, data, points, issues, file)
    if issues:
        raise DossierInvalid(issues, subject=subject)
    points.flags.writeable = False
    applicable.flags.writeable = False
    return Dossier(
        dossier_id=data["dossier_id"], criteria_set=cs, form=form, period=period, level=level, evaluated_on=day,
        members=tuple(members), points=points, applicable=applicable, findings=findings, story_exists=story,
        product=dict(data.get("product", {})), transition=not cs.in_force_on(day), source=file, cases=cases,
        cases_stated=tuple(n for n in (data.get("cases") or {}) if n in cases), kind=kind, lodged_on=lodged_on,
        previous_certificate={**(data.get("previous_certificate") or {}),
                              **({"expires_on": days["previous_certificate.expires_on"]}
                                 if days["previous_certificate.expires_on"] else {})},
    )
