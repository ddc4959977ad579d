"""The conformance kit: both executors, every declared check, the same dossiers, exact agreement.

In the spirit of scikit-learn's `check_estimator`: `check_backends()` builds valid dossiers of every
form asked for (from `scoring.synth`), derives from them invalid ones that provoke each declared
check (`scoring.checks.catalogue`) and others generated from the dossier schema's own constraints, scores all of them with the scalar path (`evaluate`, one JSON
dossier at a time) and the columnar path (`evaluate_batch`, one table), and reports every
difference: a dossier valid on one path and not the other, different issue codes or places
(`sheets[2].scores.6.2`), or a Result field that differs. It also reports declared codes that no
dossier provoked on a backend that must implement them, so a check deleted from either backend
fails the kit (tests/test_conformance_kit.py shows it with mutants).

Run it before resolving a change to a check: `python3 -m scoring.testing` (all forms of all sets).
"""
from __future__ import annotations

import copy
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Iterator

import pandas as pd

from . import criteria as crit
from .batch import evaluate_batch
from .batch.frame import dossier_dicts
from .checks import CHECKS
from .errors import DossierInvalid
from .evaluate import evaluate
from .result import Result
from .synth import generate_cohort

# codes the shipped criteria cannot provoke: every form has a source and every set's periods cover
# its whole time of use (the backends implement them; a province's edited criteria could reach them)
UNREACHABLE = {"form-missing": "no shipped form has status 'missing'",
               "period-none": "the shipped periods cover each set's whole time of use"}
# codes only a table's shape or a JSON document's shape can provoke: the kit provokes them on their
# own backend (`shape_cases`), not through a dossier both paths read
SHAPE_ONLY = {"criterion-twice"}


@dataclass
class Report:
    """What the kit found: differences between the backends, and the codes each backend raised."""

    dossiers: int = 0
    differences: list[str] = field(default_factory=list)
    scalar_codes: Counter = field(default_factory=Counter)
    columnar_codes: Counter = field(default_factory=Counter)

    def unprovoked(self) -> dict[str, list[str]]:
        """Declared codes a backend must implement that it never raised in this run."""
        out: dict[str, list[str]] = {}
        for name, scopes, seen in (("scalar", ("both", "json"), self.scalar_codes),
                                   ("columnar", ("both", "table"), self.columnar_codes)):
            out[name] = sorted(c.code for c in CHECKS.values()
                               if c.scope in scopes and c.code not in seen and c.code not in UNREACHABLE)
        return out

    @property
    def ok(self) -> bool:
        return not self.differences and not any(self.unprovoked().values())

    def __str__(self) -> str:
        lines = [f"{self.dossiers} dossiers; {len(self.differences)} differences"]
        lines += [f"  - {d[:400]}" for d in self.differences[:25]]
        for name, codes in self.unprovoked().items():
            if codes:
                lines.append(f"  {name} backend never raised: {', '.join(codes)}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- the two paths

def table_of(dossiers: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A wide table (one row per member sheet) holding these design.md §3 dossiers, as a council
    secretary would type them: the batch's input for the very same data."""
    rows = []
    for d in dossiers:
        meta: dict[str, Any] = {k: d[k] for k in ("dossier_id", "criteria_set", "form", "level", "evaluated_on", "kind",
                                                 "lodged_on") if k in d}
        meta.update({f"previous_{k}": v for k, v in (d.get("previous_certificate") or {}).items()
                     if k in ("expires_on", "stars", "number")})
        meta.update({k: v for k, v in (d.get("product") or {}).items()
                     if k in ("product", "producer", "province", "district", "commune")})
        if "findings" in d:
            meta["findings"] = ";".join(map(str, d["findings"]))
        if "story_exists" in d:
            meta["story_exists"] = d["story_exists"]
        if d.get("cases"):
            meta["cases"] = "; ".join(f"{k}={v}" for k, v in d["cases"].items())
        sheets = d.get("sheets") or [{"member": "M1", "scores": d.get("scores", {})}]
        for sheet in sheets:
            rows.append({**meta, "member": sheet.get("member"), **{str(k): v for k, v in sheet["scores"].items()}})
    frame = pd.DataFrame(rows)
    for col in ("dossier_id", "form", "level", "evaluated_on", "member"):  # a table always has its headers
        if col not in frame.columns:
            frame[col] = None
    crit_cols = [c for c in frame.columns if c[:1].isdigit()]
    for c in crit_cols:  # a score column with a text cell is a text column, as a CSV reader gives it
        if frame[c].map(lambda v: isinstance(v, str)).any():
            frame[c] = frame[c].astype(object)
    return frame


Outcome = tuple[str, Any]  # ("result", Result | row) or ("issues", sorted [(code, field)])


def _where(location: str | None) -> str:
    loc = location or ""
    return "sheets[0]." + loc if loc.startswith("scores.") else loc


def scalar_outcome(d: dict[str, Any]) -> Outcome:
    """The Result, the issues (code, place), or the crash of the single path on one dossier (a crash
    is a difference the kit reports, not an error that stops it)."""
    try:
        return "result", evaluate(copy.deepcopy(d))
    except DossierInvalid as exc:
        return "issues", sorted((i.code or "?", _where(i.location)) for i in exc.issues)
    except Exception as exc:  # noqa: BLE001 - a mutant or a bug: reported as a difference
        return "crash", f"{type(exc).__name__}: {exc}"


def columnar_outcomes(dossiers: list[dict[str, Any]]) -> dict[str, Outcome]:
    try:
        results, rejects = evaluate_batch(table_of(dossiers), source="kit")
    except Exception as exc:  # noqa: BLE001 - a mutant or a bug: every dossier differs
        return {str(d["dossier_id"]): ("crash", f"{type(exc).__name__}: {exc}") for d in dossiers}
    out: dict[str, Outcome] = {str(r["dossier_id"]): ("result", r) for _, r in results.iterrows()}
    for did, rows in rejects.groupby("dossier_id", sort=False):
        out[str(did)] = "issues", sorted((c or "?", _where(f)) for c, f in zip(rows["code"], rows["field"]))
    return out


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def result_differences(r: Result, row: pd.Series) -> list[str]:
    """The fields of a Result's own row (`Result.row()`, the model both executors share) that differ
    from the batch's row: numbers within 1e-9, members compared as a set of name=total."""
    out = []
    for key, a in r.row().items():
        b = _none(row[key]) if key in row else row.name if key == "dossier_id" else "<missing>"
        if key == "member_totals":  # the batch writes members in natural order too; compared as a set
            a, b = set(a.split(";")) - {""}, set(str(b or "").split(";")) - {""}
        elif isinstance(a, float) and b is not None and b != "<missing>":
            if abs(a - float(b)) <= 1e-9:
                continue
        elif key in ("members", "max_total", "band_stars", "stars") and b is not None:
            b = int(b)
        elif isinstance(a, str) and b is None and a == "":
            continue
        if a != b:
            out.append(f"{key}: engine {a!r} batch {b!r}")
    return out


def compare(dossiers: list[dict[str, Any]], report: Report | None = None) -> Report:
    """Both paths over `dossiers` (distinct ids), every difference into the report."""
    report = report or Report()
    report.dossiers += len(dossiers)
    batch = columnar_outcomes(dossiers)
    for d in dossiers:
        did = str(d["dossier_id"])
        kind_a, a = scalar_outcome(d)
        kind_b, b = batch.get(did, ("missing", None))
        if kind_a == "issues":
            report.scalar_codes.update(c for c, _ in a)
        if kind_b == "issues":
            report.columnar_codes.update(c for c, _ in b)
        if kind_a != kind_b:
            report.differences.append(f"{did}: scalar {kind_a} {a if kind_a != 'result' else ''}, "
                                      f"columnar {kind_b} {b if kind_b != 'result' else ''}")
        elif kind_a != "result" and a != b:
            report.differences.append(f"{did}: scalar {a} columnar {b}")
        elif kind_a == "result":
            report.differences += [f"{did}: {x}" for x in result_differences(a, b)]
    return report


# ----------------------------------------------------------------------------- generated dossiers

def valid_dossiers(n: int, seed: int, sets: Iterable[str] | None = None, forms: Iterable[str] | None = None
                   ) -> list[dict[str, Any]]:
    """Dossiers of the synthetic cohort (`scoring.synth`) as JSON (some of which the rules knock out)."""
    frame = generate_cohort(n, seed=seed, sets=sets, forms=forms, borderline=0.4, knockout_rate=0.1,
                            members=(2, 5), story_given=0.4)
    out = []
    for d in dossier_dicts(frame):
        d = {k: v for k, v in d.items() if v is not None and v != []}
        if "story_exists" in d and isinstance(d["story_exists"], str):
            d.pop("story_exists")
        out.append(d)
    return out


def mutants(base: dict[str, Any], set_id: str, slug: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(the code it must provoke, a dossier) for each check a dossier of this form can fail: one
    change each to a valid dossier of set `set_id` and form `slug`."""
    cs = crit.load_set(set_id)
    form = cs.forms[slug]
    tag = base["dossier_id"]
    made = iter(range(10 ** 6))

    def m(code: str, **changes: Any) -> tuple[str, dict[str, Any]]:
        d = copy.deepcopy(base)
        d["dossier_id"] = f"{tag}~{code}~{next(made)}"
        for k, v in changes.items():
            if v is _DROP:
                d.pop(k, None)
            else:
                d[k] = v
        return code, d

    def sheets(fn) -> list[dict[str, Any]]:
        s = copy.deepcopy(base["sheets"])
        fn(s)
        return s

    plain = [leaf for leaf in form.leaves if not leaf.applies_when and not leaf.cases]
    first = plain[0]
    yield m("field-missing", form=_DROP)
    yield m("field-missing", level=_DROP)
    yield m("value-invalid", level="thôn")
    yield m("value-invalid", kind="renewal")
    yield m("value-invalid", evaluated_on="2026/01/02")
    yield m("value-invalid", criteria_set="QD148")
    yield m("value-invalid", story_exists="maybe")
    yield m("value-invalid", findings=["Bad_Id"])
    yield m("value-invalid", previous_certificate={"expires_on": "2027-01-01", "stars": 2})
    yield m("field-missing", previous_certificate={"stars": 4})
    yield m("date-invalid", evaluated_on=base["evaluated_on"][:5] + "02-30")
    yield m("date-invalid", lodged_on=base["evaluated_on"][:5] + "02-30")
    yield m("set-unknown", criteria_set="qd999-2030")
    yield m("set-not-applicable", lodged_on=(date.fromisoformat(base["evaluated_on"]) + timedelta(days=3)).isoformat())
    yield m("form-unknown", form="không-có-biểu-mẫu-này")
    yield m("finding-unknown", findings=["khong-co-phat-hien-nay"])
    ko = sorted(cs.knockouts)[0]
    yield m("findings-duplicate", findings=[ko, ko])
    yield m("member-blank", sheets=sheets(lambda s: s[0].update(member="")))
    if len(base["sheets"]) > 1:
        yield m("member-duplicate", sheets=sheets(lambda s: s[1].update(member=s[0]["member"])))
    yield m("criterion-unknown", sheets=sheets(lambda s: s[0]["scores"].update({"99.9": 1})))
    yield m("points-not-a-number", sheets=sheets(lambda s: s[0]["scores"].update({first.number: "ba"})))
    yield m("points-not-an-option", sheets=sheets(lambda s: s[0]["scores"].update({first.number: max(first.points) + 7})))
    yield m("points-not-an-option", sheets=sheets(lambda s: s[-1]["scores"].update({first.number: -1})))
    yield m("points-not-an-option", sheets=sheets(lambda s: s[0]["scores"].update({first.number: 1.5})))
    yield m("criterion-left-out", sheets=sheets(lambda s: s[-1]["scores"].pop(first.number, None)))
    story = [leaf for leaf in form.leaves if leaf.applies_when == "story_exists"]
    if story:
        scored = sheets(lambda s: [sh["scores"].update({story[0].number: story[0].points[0]}) for sh in s])
        yield m("criterion-not-applicable", story_exists=False, sheets=scored)
        yield m("criterion-left-out", story_exists=True,
                sheets=sheets(lambda s: [sh["scores"].pop(story[0].number, None) for sh in s]))
    level_out = [lv for lv in ("commune", "district", "province", "central")
                 if (p := cs.period_on(date.fromisoformat(base["evaluated_on"]))) and lv not in p.levels]
    if level_out:
        yield m("level-not-in-period", level=level_out[0])
    since = cs.star_minimums.get("from")
    if since and cs.requirement_findings and date.fromisoformat(base["evaluated_on"]) >= date.fromisoformat(since):
        before = (date.fromisoformat(since) - timedelta(days=1)).isoformat()
        if not getattr(form, "valid_from", None):
            yield m("finding-not-in-force", findings=[sorted(cs.requirement_findings)[0]], evaluated_on=before)
    if getattr(form, "valid_from", None):
        yield m("form-not-yet-valid", evaluated_on=(form.valid_from - timedelta(days=1)).isoformat(),
                level="province")
    for leaf in form.leaves:
        if not leaf.cases:
            continue
        ids = [cid for cid, _ in leaf.cases]
        yield m("case-unknown", cases={leaf.number: "zz"})
        yield m("case-criterion-none", cases={first.number: ids[0]})
        only = {cid: sorted({o.points for o in leaf.options if o.case == cid}) for cid in ids}
        a, b = ids[0], ids[1]
        pa = next((p for p in only[a] if p not in only[b]), None)
        pb = next((p for p in only[b] if p not in only[a]), None)
        if pa is not None and pb is not None and len(base["sheets"]) > 1:
            def on(s, pa=pa, pb=pb, number=leaf.number):
                s[0]["scores"][number] = pa
                s[1]["scores"][number] = pb
            yield m("case-mixed", sheets=sheets(on))
            yield m("case-points-mismatch", cases={leaf.number: a}, sheets=sheets(on))
        break


def schema_mutants(base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Invalid dossiers generated from the dossier schema itself: each required field dropped, and
    for each field a table can hold (text), a value outside its enum, one that breaks its pattern,
    one that is not a real date, and for `story_exists` one that is not true/false. What a check
    should say of them is the schema's business; the kit only requires both backends to say it."""
    from .resources import schema_path

    schema = json.loads(schema_path("dossier").read_text(encoding="utf-8"))
    props = schema["properties"]
    made = iter(range(10 ** 6))

    def m(key: str, value: Any) -> dict[str, Any]:
        d = copy.deepcopy(base)
        d["dossier_id"] = f"{base['dossier_id']}~schema-{key}~{next(made)}"
        if value is _DROP:
            d.pop(key, None)
        else:
            d[key] = value
        return d

    for key in schema["required"]:
        if key != "dossier_id":
            yield m(key, _DROP)
    for key, spec in props.items():
        if key in ("dossier_id", "sheets", "scores", "product", "notes", "$schema", "cases"):
            continue
        if "enum" in spec:
            yield m(key, "khong-co-" + "-".join(map(str, spec["enum"]))[:24])
        if "pattern" in spec:
            yield m(key, "?" + str(base.get(key, "x")))
        if spec.get("format") == "date":
            yield m(key, "2025-13-01")  # matches the pattern, is no date
        if spec.get("type") == "boolean":
            yield m(key, "có lẽ")
        if spec.get("type") == "array" and "pattern" in spec.get("items", {}):
            yield m(key, ["Not An Id"])
        if spec.get("type") == "object" and "properties" in spec:  # previous_certificate
            for sub, sub_spec in spec["properties"].items():
                if "enum" in sub_spec:
                    yield m(key, {"expires_on": "2027-01-01", sub: max(sub_spec["enum"]) + 1})


class _Drop:
    def __repr__(self) -> str:
        return "<dropped>"


_DROP = _Drop()


def check_backends(n: int = 60, seed: int = 0, sets: Iterable[str] | None = None,
                   forms: Iterable[str] | None = None, mutants_per_form: int = 2) -> Report:
    """The kit: `n` generated dossiers and the mutants of `mutants_per_form` of each form, through
    both paths. `Report.ok` is the verdict; `str(report)` says why not."""
    base = valid_dossiers(n, seed, sets, forms)
    for set_id in sets or crit.available_sets():  # forms that apply from a later day: always some of each
        late = [slug for slug, f in crit.load_set(set_id).forms.items()
                if getattr(f, "valid_from", None) and (forms is None or slug in forms)]
        if late:
            extra = valid_dossiers(2, seed, [set_id], late)
            base += [dict(d, dossier_id=f"{d['dossier_id']}-late") for d in extra]
    chosen: dict[tuple[str, str], int] = {}
    derived = []
    for d in base:
        kind, r = scalar_outcome(d)
        if kind != "result" or chosen.get((r.criteria_set, r.form), 0) >= mutants_per_form:
            continue
        chosen[(r.criteria_set, r.form)] = chosen.get((r.criteria_set, r.form), 0) + 1
        derived += [x for _, x in mutants(d, r.criteria_set, r.form)]
        derived += list(schema_mutants(d))
    report = compare(base + derived)
    shape_cases(report)
    return report


def shape_cases(report: Report) -> None:
    """The codes only one shape can provoke, on the backend that must raise them."""
    from .dossier import parse_dossier

    cs = crit.load_set("qd148-2023")
    form = next(f for f in cs.forms.values() if f.printed_aliases())
    printed, number = next(iter(form.printed_aliases().items()))
    leaf = form.leaf(number)
    d = {"dossier_id": "kit-twice", "criteria_set": cs.id, "form": form.slug, "level": "province",
         "evaluated_on": "2024-03-01", "sheets": [{"member": "TV1", "scores": {number: leaf.points[0],
                                                                               printed: leaf.points[0]}}]}
    try:
        parse_dossier(d)
    except DossierInvalid as exc:
        report.scalar_codes.update(i.code for i in exc.issues)
    for code, expect in (("dossier-not-object", []), ("points-shape", {"dossier_id": "x"})):
        try:
            parse_dossier(expect)
        except DossierInvalid as exc:
            report.scalar_codes.update(i.code for i in exc.issues)
    try:
        parse_dossier("/nonexistent/kit.json")
    except DossierInvalid as exc:
        report.scalar_codes.update(i.code for i in exc.issues)
    report.scalar_codes.update(c for c in ("field-unknown",) if _raises(parse_dossier, {"dossier_id": "x", "oops": 1}, c))
    # a long table: a criterion given twice, a row without member; rows that disagree, a bad cases
    # cell, two spellings of one id, a row with data but no id
    base = valid_dossiers(1, 5, sets=["qd26-2026"])[0]
    long_rows = []
    for sheet in base["sheets"]:
        for k, v in sheet["scores"].items():
            long_rows.append({"dossier_id": base["dossier_id"], "form": base["form"], "level": base["level"],
                              "evaluated_on": base["evaluated_on"], "member": sheet["member"], "criterion": k,
                              "points": v})
    long_rows.append(dict(long_rows[0]))
    long_rows.append(dict(long_rows[1], member=None))
    _, rejects = evaluate_batch(pd.DataFrame(long_rows), source="kit")
    report.columnar_codes.update(rejects["code"])
    wide = table_of([base, dict(base, dossier_id=base["dossier_id"].lower()), dict(base, dossier_id="kit-cases",
                                                                                    cases={"1.1": "a"})])
    wide.loc[len(wide)] = dict(wide.iloc[0], dossier_id=None)
    wide.loc[1, "level"] = "central" if wide.loc[0, "level"] != "central" else "province"
    wide.loc[wide["dossier_id"] == "kit-cases", "cases"] = "1.1"
    _, rejects = evaluate_batch(wide, source="kit")
    report.columnar_codes.update(rejects["code"])


def _raises(fn, arg, code: str) -> bool:
    try:
        fn(arg)
    except DossierInvalid as exc:
        return any(i.code == code for i in exc.issues)
    return False


def main() -> int:
    report = check_backends(n=400, seed=11, mutants_per_form=1)
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
