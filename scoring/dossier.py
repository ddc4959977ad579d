"""Dossier validation: from user JSON to a checked `Dossier`, or every problem with it.

A council secretary fixes a dossier from these messages, so each names the field
(`sheets[1].scores.6.2`), the value and what is allowed; all problems are reported at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import criteria as crit
from .criteria.model import CriteriaSet, Form, Period
from .checks import MEMBER_ALLOWED, SCALAR, issue, schema_coded
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


def _problem_issue(problem: Problem, file: str | None) -> Issue:
    """A `choose_set` problem as the Issue of its check (worded by scoring.filing, coded here)."""
    return issue(problem.code, file, problem.field, problem.value, problem.allowed,
                 message=problem.message.split("] ", 1)[-1])


_SCORE_PATH = re.compile(r"^(sheets\[\d+\]\.scores|scores)\.(.+)$")


def _schema_code(error: Any, location: str) -> tuple[str, str]:
    """The check a schema error belongs to, and where it is (a missing field is named by its own
    path, not its parent's): the batch reads the same problems from a table and must code them alike."""
    v = error.validator
    if v == "required":
        match = re.match(r"^'(.+)' is a required property$", error.message)
        name = match.group(1) if match else ""
        return "field-missing", (f"{location}.{name}" if location != "(top level)" else name) if name else location
    if v == "additionalProperties":
        return "field-unknown", location
    if v == "uniqueItems" and location == "findings":
        return "findings-duplicate", location
    if v == "minLength" and re.fullmatch(r"sheets\[\d+\]\.member", location):
        return "member-blank", location
    if _SCORE_PATH.match(location):  # a negative number or a fraction is a number, just not an option
        number = isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool)
        return ("points-not-an-option" if v == "minimum" or number else "points-not-a-number"), location
    if v == "propertyNames":
        return "criterion-unknown", location
    return "value-invalid", location


_SHAPES = ("sheets: [{\"member\": …, \"scores\": {…}}, …] (one sheet per council member), or, for a "
           "single member, scores: {\"1.1\": 3, …} at top level")


@SCALAR.register("shape", "points-shape")
def _sheets_or_scores(data: Mapping[str, Any], file: str | None) -> list[Issue]:
    """The schema's oneOf (sheets xor scores) reports its failure as the whole dossier, or as
    "'sheets' is a required property" without a word about `scores`: say it plainly here."""
    has_sheets, has_scores = "sheets" in data, "scores" in data
    if has_sheets and has_scores:
        return [issue("points-shape", file, "scores", None, _SHAPES,
                      message="có cả 'sheets' và 'scores': chỉ dùng một trong hai / both 'sheets' and 'scores' are "
                              "given: use one of them")]
    if not has_sheets and not has_scores:
        return [issue("points-shape", file, "(top level)", None, _SHAPES,
                      message="thiếu điểm: không có 'sheets' hoặc 'scores' / no points: neither 'sheets' nor 'scores' "
                              "is given")]
    return []


def _shape_checked(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The dossier as the schema should see it once `_sheets_or_scores` has reported the shape: the
    other fields are still checked (every problem at once) without a duplicate oneOf error."""
    if "sheets" in data and "scores" in data:
        return {k: v for k, v in data.items() if k != "scores"}
    if "sheets" not in data and "scores" not in data:
        return dict(data, scores={})
    return data


@SCALAR.register("schema", "field-missing", "field-unknown", "value-invalid", "findings-duplicate", "member-blank",
                 "points-not-a-number")
def _schema(data: Mapping[str, Any], file: str | None) -> list[Issue]:
    # worded by the check, as the batch words the same problem in a table
    return [_printed_hint(schema_coded(i)) for i in schema_issues(_shape_checked(data), "dossier", file, code=_schema_code)]


@SCALAR.register("dates", "date-invalid")
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
            issues.append(issue("date-invalid", file, key, value, "YYYY-MM-DD"))
    return out, issues


@SCALAR.register("criteria-set", "set-unknown", "set-not-applicable")
def _criteria_set(data: Mapping[str, Any], day: date | None, kind: str, lodged_on: date | None, dates_ok: bool,
                  file: str | None) -> tuple[CriteriaSet | None, list[Issue]]:
    """The set the dossier is scored under, chosen by `scoring.filing.choose_set` as the batch chooses
    it. Without its dates the set cannot be chosen; a set the dossier names still lets the form,
    members and points be checked, so that every problem is reported at once."""
    if not dates_ok:
        set_id, ids = data.get("criteria_set"), crit.available_sets()
        if set_id is not None and set_id not in ids:
            return None, [issue("set-unknown", file, "criteria_set", set_id, ", ".join(ids))]
        return (crit.load_set(set_id) if set_id is not None else None), []
    chosen = choose_set(data.get("criteria_set"), day, kind, lodged_on, crit.load_all())
    if isinstance(chosen, Problem):
        return None, [_problem_issue(chosen, file)]
    return chosen, []


@SCALAR.register("form", "form-unknown", "form-missing", "form-not-yet-valid")
def _form(cs: CriteriaSet, data: Mapping[str, Any], day: date | None, flagged: set[str | None],
          file: str | None) -> tuple[Form | None, list[Issue]]:
    slug = resolve_form(cs, data.get("form"))
    if slug is None:
        if "form" in flagged:
            return None, []
        return None, [issue("form-unknown", file, "form", data.get("form"),
                            f"a slug, number, code or name from `ocop criteria list --set {cs.id}`", set=cs.id)]
    form = cs.form(slug)
    if form.status == "missing":
        return None, [issue("form-missing", file, "form", form.slug, "a form whose status is complete or partial")]
    valid_from = getattr(form, "valid_from", None)
    if day is not None and valid_from is not None and day < valid_from:
        # e.g. the QĐ 1048 tourism form we have is QĐ 781's (from 2020-06-08); the original is missing,
        # so an earlier dossier has no form to be scored on, exactly as for a missing form
        return None, [issue("form-not-yet-valid", file, "evaluated_on", day.isoformat(),
                            f"an evaluation date from {valid_from.isoformat()}", form=form.slug, set=cs.id,
                            valid_from=valid_from.isoformat(), day=day.isoformat())]
    return form, []


@dataclass
class _Checked:
    """What the checks within a form share (one dossier)."""

    data: Mapping[str, Any]
    file: str | None
    flagged: set[str | None]
    issues: list[Issue]
    cs: CriteriaSet
    form: Form
    day: date
    day_known: bool
    period: Period | None = None
    findings: tuple[str, ...] = ()
    knocked: bool = False
    members: list[str] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    points: np.ndarray | None = None
    reported: np.ndarray | None = None
    story: bool | None = None
    applicable: np.ndarray | None = None
    cases: dict[str, str | None] = field(default_factory=dict)

    def where(self, si: int) -> str:
        return f"sheets[{si}].scores" if "sheets" in self.data else "scores"


@SCALAR.register("level", "period-none", "level-not-in-period")
def _level(c: _Checked) -> None:
    level = c.data.get("level")
    if not c.day_known or "level" in c.flagged:
        return
    if c.period is None:
        c.issues.append(issue("period-none", c.file, "evaluated_on", c.day.isoformat(),
                              ", ".join(f"{p.start}…{p.end or ''}" for p in c.cs.periods), set=c.cs.id))
    elif level not in c.period.levels:
        c.issues.append(issue("level-not-in-period", c.file, "level", level, ", ".join(c.period.levels),
                              period=c.period.id, set=c.cs.id))


@SCALAR.register("findings", "finding-unknown", "finding-not-in-force")
def _findings(c: _Checked) -> None:
    cs, day = c.cs, c.day
    requirements = cs.requirement_findings
    known = set(cs.knockouts) | set(requirements)
    since = cs.star_minimums.get("from")
    for i, fid in enumerate(c.findings):
        if fid not in known:
            c.issues.append(issue("finding-unknown", c.file, f"findings[{i}]", fid, ", ".join(sorted(known)), set=cs.id))
        elif fid in requirements and since and c.day_known and day.isoformat() < since:
            # QĐ 781/2020 added the per-star requirements on 2020-06-08: a dossier evaluated before
            # cannot have failed them, and capping it would apply a rule not yet in force
            c.issues.append(issue(
                "finding-not-in-force", c.file, f"findings[{i}]", fid,
                f"knock-out findings only ({', '.join(sorted(cs.knockouts))}), or an evaluation date from {since}",
                since=since, day=day.isoformat(), set=cs.id))


@SCALAR.register("members", "member-blank", "member-duplicate")
def _members(c: _Checked) -> None:
    """Names are compared and reported trimmed (NFC already), as the batch reader reads them: "TV1 " is TV1."""
    for i, m in enumerate(c.members):
        if f"sheets[{i}].member" in c.flagged or f"sheets[{i}]" in c.flagged:
            continue
        if not m:
            c.issues.append(issue("member-blank", c.file, f"sheets[{i}].member", c.sheets[i]["member"], MEMBER_ALLOWED))
        elif c.members.index(m) != i:
            c.issues.append(issue("member-duplicate", c.file, f"sheets[{i}].member", c.sheets[i]["member"],
                                  "each member once"))


@SCALAR.register("points", "criterion-twice", "criterion-unknown", "points-not-an-option", "criterion-not-applicable")
def _points(c: _Checked) -> None:
    form, leaves = c.form, c.form.leaves
    index = {leaf.number: i for i, leaf in enumerate(leaves)}
    for si, sheet in enumerate(c.sheets):
        where = c.where(si)
        for number, value in _keyed_by_number(form, sheet["scores"], where, c.issues, c.file).items():
            if number not in index:
                c.issues.append(unknown_criterion(form, c.cs, number, value, f"{where}.{number}", c.file))
                if form.renumbered().get(number) in index:  # told its new key: not also "12.1 is left out"
                    c.reported[si, index[form.renumbered()[number]]] = True
                continue
            leaf = leaves[index[number]]
            if value is None:
                continue
            if f"{where}.{number}" in c.flagged or isinstance(value, bool) or not isinstance(value, (int, float)):
                c.reported[si, index[number]] = True  # reported by the schema (a number is needed)
                continue
            if value not in leaf.points:
                c.issues.append(issue("points-not-an-option", c.file, f"{where}.{number}", value,
                                      ", ".join(map(str, leaf.points)), points=value, number=number, label=leaf.label))
                c.reported[si, index[number]] = True
                continue
            if leaf.applies_when == "story_exists" and c.story is False:
                c.issues.append(issue("criterion-not-applicable", c.file, f"{where}.{number}", value, "null",
                                      number=number))
                c.reported[si, index[number]] = True
                continue
            c.points[si, index[number]] = value


@SCALAR.register("left-out", "criterion-left-out")
def _left_out(c: _Checked) -> None:
    for li, leaf in enumerate(c.form.leaves):
        if not c.applicable[li] or c.knocked:
            continue  # after a knock-out the evaluation may have stopped: criteria left out score 0
        scored = c.points[:, li] != MISSING
        for si in np.flatnonzero(~scored & ~c.reported[:, li]):
            cond = " (it applies: story_exists is true or another member scored it)" if leaf.applies_when else ""
            c.issues.append(issue("criterion-left-out", c.file, f"{c.where(si)}.{leaf.number}", None,
                                  "one of " + ", ".join(map(str, leaf.points))
                                  + ("" if leaf.applies_when else "; only criteria that apply conditionally may be null"),
                                  number=leaf.number, label=leaf.label, cond=cond))


@SCALAR.register("cases", "case-criterion-none", "case-unknown", "case-points-mismatch", "case-mixed")
def _alternative_cases(c: _Checked) -> None:
    """The ladder each criterion with alternative cases was scored on. A council scores one case
    (the product is, say, run by a board or by one household head, TH a / TH b), so every member's
    points must be options of that case: the dossier may state it in `cases`; otherwise it is
    inferred from the points, and points that fit no single case for all members are a mix."""
    form, file = c.form, c.file
    stated = dict(c.data.get("cases") or {}) if isinstance(c.data.get("cases"), dict) else {}
    by_number = {leaf.number: (li, leaf) for li, leaf in enumerate(form.leaves)}
    for number, case in stated.items():
        leaf = by_number.get(number, (None, None))[1]
        if leaf is None or not leaf.cases:
            with_cases = [f"{lf.number}" for lf in form.leaves if lf.cases]
            c.issues.append(issue("case-criterion-none", file, f"cases.{number}", case,
                                  "criteria with cases: " + (", ".join(with_cases) or "none"),
                                  number=number, form=form.slug))
        elif case not in dict(leaf.cases):
            c.issues.append(issue("case-unknown", file, f"cases.{number}", case,
                                  ", ".join(f"{cid} ({label})" for cid, label in leaf.cases), number=number))
    for number, (li, leaf) in by_number.items():
        if not leaf.cases:
            continue
        ladders = {cid: {o.points for o in leaf.options if o.case == cid} for cid, _ in leaf.cases}
        shown = "; ".join(f"{cid} ({label}): {', '.join(map(str, sorted(ladders[cid])))}" for cid, label in leaf.cases)
        given = [(si, int(p)) for si, p in enumerate(c.points[:, li]) if p != MISSING]
        case = stated.get(number)
        if case in ladders:
            for si, p in given:
                if p not in ladders[case]:
                    c.issues.append(issue("case-points-mismatch", file, f"{c.where(si)}.{number}", p,
                                          ", ".join(map(str, sorted(ladders[case]))), points=p, case=case, number=number))
            c.cases[number] = case
            continue
        if case is not None:
            continue  # an unknown case, reported above
        fits = [cid for cid in ladders if all(p in ladders[cid] for _, p in given)]
        if given and not fits:
            c.issues.append(issue("case-mixed", file, f"cases.{number}", None,
                                  f"one case for every member, stated as cases.{number} — {shown}", number=number,
                                  given=", ".join(f"{c.where(si)}.{number} = {p}" for si, p in given)))
        c.cases[number] = fits[0] if len(fits) == 1 else None


def _printed_hint(i: Issue) -> Issue:
    """A score keyed by the number printed on the paper form ("1.a"): say which criterion number it is."""
    means = crit.printed_numbers().get(header_key(i.value)) if isinstance(i.value, str) else None
    if not means or "scores" not in (i.location or ""):
        return i
    return replace(i, allowed="a criterion number, not the one printed on the form: "
                   + ", ".join(f"{i.value} is {n} ({s})" for s, n in means)
                   + " — see `ocop criteria show SET FORM`")


def _keyed_by_number(form: Form, scores: Mapping[str, Any], where: str, issues: list[Issue],
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
            issues.append(issue("criterion-twice", file, f"{where}.{key}", value, "one key per criterion",
                                message=f"tiêu chí {number} được cho điểm hai lần / criterion {number} is given twice, "
                                        f"as {given_as[number]!r} and {key!r} (a number printed on the form stands for it)"))
            continue
        out[number], given_as[number] = value, key
    return out


def unknown_criterion(form: Form, cs: CriteriaSet, number: str, value: Any, location: str,
                      file: str | None) -> Issue:
    """A key that is no criterion of the form; a QĐ 148 group keyed the old way ("12") is told its key.
    Both backends word an unknown criterion with this function."""
    new = form.renumbered().get(number)
    if new:
        return issue("criterion-unknown", file, location, value, f"the key {new}",
                     message=f"tiêu chí {number} nay là {new} (nhóm in '{number}. … a) …' được đánh số {new}, như quy "
                             f"tắc '1. a)' → '1.1') / criterion {number} of form {form.slug} ({cs.id}) is now {new}: the "
                             f"group printed '{number}. … a) …' is numbered {new}, by the rule '1. a)' → '1.1'")
    means = [leaf.number for leaf in form.leaves if leaf.printed and header_key(leaf.printed) == header_key(number)]
    if means:  # printed twice on this form: which one is meant cannot be told
        return issue("criterion-unknown", file, location, value,
                     "the criterion number: " + ", ".join(f"{number} is {n}" for n in means)
                     + " — see `ocop criteria show SET FORM`",
                     message=f"số {number} được in cho nhiều tiêu chí / {number} is printed on form {form.slug} "
                             f"({cs.id}) for more than one criterion")
    return issue("criterion-unknown", file, location, value, "criterion numbers: " + ", ".join(form.leaf_numbers),
                 message=f"tiêu chí {number} không có trên biểu mẫu / criterion {number} is not on form {form.slug} "
                         f"({cs.id})")


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


def _document(data: Any, file: str | None) -> tuple[Any, str | None]:
    """The dossier as a mapping (read from a path), or the reason it is none."""
    if isinstance(data, (str, Path)):
        file = str(data)
        try:
            data = load_json(data)
        except (OSError, ValueError) as exc:
            raise DossierInvalid([issue("dossier-unreadable", file, error=exc)], subject=file) from None
    if not isinstance(data, Mapping):
        raise DossierInvalid([issue("dossier-not-object", file, "(top level)", type(data).__name__,
                                    "an object with dossier_id, form, level, evaluated_on and sheets")],
                             subject=file or "dossier")
    return data, file


SCALAR.register("document", "dossier-unreadable", "dossier-not-object")(_document)
SCALAR.seal()


def parse_dossier(data: Mapping[str, Any] | str | Path, *, file: str | None = None) -> Dossier:
    """Validate a dossier (dict, or path to a JSON file) and return it ready for scoring.

    Every problem is reported at once: schema, date, set, form, level, findings, members and points
    are each checked as far as the others allow (a wrongly typed field is reported once, by the
    schema, and left out of the later checks). Each check is a function registered with
    `scoring.checks.SCALAR` under the codes of `scoring.checks.catalogue` it raises; the batch
    implements the same checks on columns (`scoring.batch.checks`)."""
    run = SCALAR.run
    data, file = run("document", data, file)
    data = nfc_deep(dict(data))
    if "level" in data:
        data["level"] = level_code(data["level"])
    subject = file or f"dossier {data.get('dossier_id', '?')}"
    issues = (run("shape", data, file) or []) + (run("schema", data, file) or [])
    flagged = {i.location for i in issues}

    days, date_issues = run("dates", data, flagged, file) or ({k: None for k in (
        "evaluated_on", "lodged_on", "previous_certificate.expires_on")}, [])
    issues += date_issues
    day, lodged_on = days["evaluated_on"], days["lodged_on"]
    kind = data.get("kind", DEFAULT_KIND)
    if "criteria_set" in flagged:
        data = {k: v for k, v in data.items() if k != "criteria_set"}
        cs = None
    else:
        dates_ok = not (day is None or any(i.location == "lodged_on" for i in date_issues) or "kind" in flagged)
        cs, set_issues = run("criteria-set", data, day, kind, lodged_on, dates_ok, file) or (None, [])
        issues += set_issues
    if cs is None:
        raise DossierInvalid(issues or [issue("field-missing", file, "evaluated_on")], subject=subject)
    form, form_issues = run("form", cs, data, day, flagged, file) or (None, [])
    if form is None:
        raise DossierInvalid(issues + form_issues, subject=subject)

    day_known = day is not None
    day = day if day is not None else cs.start  # the set was named, the date is wrong: the points can still be checked
    c = _Checked(data, file, flagged, issues, cs, form, day, day_known, period=cs.period_on(day))
    run("level", c)
    c.findings = tuple(f for f in (data.get("findings") or ()) if isinstance(f, str)) \
        if isinstance(data.get("findings", ()), list) else ()
    run("findings", c)
    c.knocked = any(f in cs.knockouts for f in c.findings)

    sheets = data.get("sheets") or [{"member": "M1", "scores": data.get("scores", {})}]
    if not isinstance(sheets, list):
        raise DossierInvalid(issues, subject=subject)
    # a sheet the schema refused (not an object, member not text, scores not an object) is checked no further
    sheets = [sh if isinstance(sh, dict) else {} for sh in sheets]
    c.sheets = [dict(sh, member=sh["member"] if isinstance(sh.get("member"), str) else f"<sheet {i}>",
                     scores=sh["scores"] if isinstance(sh.get("scores"), dict) else {}) for i, sh in enumerate(sheets)]
    c.members = [s["member"].strip() for s in c.sheets]
    run("members", c)

    leaves = form.leaves
    c.points = np.full((len(c.sheets), len(leaves)), MISSING, dtype=np.int16)
    c.reported = np.zeros_like(c.points, dtype=bool)  # cells already reported (not also "left out")
    c.story = data.get("story_exists") if isinstance(data.get("story_exists"), bool) else None
    run("points", c)
    c.applicable = np.ones(len(leaves), dtype=bool)
    for li, leaf in enumerate(leaves):
        if leaf.applies_when == "story_exists":
            c.applicable[li] = bool(c.story) if c.story is not None else bool((c.points[:, li] != MISSING).any())
    run("left-out", c)
    if issues:
        raise DossierInvalid(issues, subject=subject)
    run("cases", c)
    if issues:
        raise DossierInvalid(issues, subject=subject)
    points, applicable = c.points, c.applicable
    points.flags.writeable = False
    applicable.flags.writeable = False
    return Dossier(
        dossier_id=data["dossier_id"], criteria_set=cs, form=form, period=c.period, level=data.get("level"),
        evaluated_on=day, members=tuple(c.members), points=points, applicable=applicable, findings=c.findings,
        story_exists=c.story, product=dict(data.get("product", {})), transition=not cs.in_force_on(day), source=file,
        cases=c.cases, cases_stated=tuple(n for n in (data.get("cases") or {}) if n in c.cases), kind=kind,
        lodged_on=lodged_on,
        previous_certificate={**(data.get("previous_certificate") or {}),
                              **({"expires_on": days["previous_certificate.expires_on"]}
                                 if days["previous_certificate.expires_on"] else {})},
    )
