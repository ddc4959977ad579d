"""The conformance kit (scoring.testing): both backends agree on every declared check, and the kit
fails when a check is removed from either backend (mutants)."""
from __future__ import annotations

import copy
import warnings

import pytest
from hypothesis import given, settings, strategies as st

from scoring.checks import CHECKS, COLUMNAR, SCALAR, CheckCoverageError
from scoring.testing import UNREACHABLE, check_backends, compare, mutants, scalar_outcome, valid_dossiers

from conftest import examples

warnings.filterwarnings("ignore", message=r".*partial-form.*")


def test_every_declared_check_is_implemented_by_the_backends_its_scope_names():
    assert SCALAR.missing() == [] and COLUMNAR.missing() == []
    for check in CHECKS.values():
        assert (check.code in SCALAR.codes()) == (check.scope in ("both", "json")), check.code
        assert (check.code in COLUMNAR.codes()) == (check.scope in ("both", "table")), check.code


def test_the_kit_passes_on_all_three_sets_with_every_code_provoked():
    report = check_backends(n=45, seed=3, mutants_per_form=1)
    assert report.ok, str(report)
    assert report.dossiers > 500


def test_duplicate_findings_get_the_same_answer_from_both_paths():
    base = next(d for d in valid_dossiers(12, 4, sets=["qd26-2026"]) if scalar_outcome(d)[0] == "result")
    cs_ko = "forged-dossier"
    d = dict(copy.deepcopy(base), dossier_id="XX-dup", findings=[cs_ko, cs_ko])
    report = compare([d])
    assert report.differences == []
    assert report.scalar_codes["findings-duplicate"] == 1 == report.columnar_codes["findings-duplicate"]


# a small cohort with a form that has alternative cases, so that every check can be provoked
CASES_FORM = dict(n=8, seed=2, sets=["qd1048-2019"], forms=["rau-cu-qua-hat-tuoi"], mutants_per_form=2)


@pytest.mark.parametrize("backend", [SCALAR, COLUMNAR], ids=lambda b: b.name)
@pytest.mark.parametrize("check", ["findings", "members", "left-out", "cases", "level"])
def test_the_kit_fails_when_a_check_is_deleted_from_a_backend(monkeypatch, backend, check):
    # the codes only this check raises (the scalar schema also says a blank member, for one)
    others = {c for name, (cs, _) in backend.checks.items() if name != check for c in cs}
    codes = set(backend.checks[check][0]) - set(UNREACHABLE) - others
    before = check_backends(**CASES_FORM)  # the unmutated backends agree here and raise these codes
    assert before.differences == [] and not codes & set(before.unprovoked()[backend.name])
    monkeypatch.delitem(backend.checks, check)
    with pytest.raises(CheckCoverageError, match="no implementation"):
        backend.seal()  # what an import of the backend would raise
    report = check_backends(**CASES_FORM)
    assert not report.ok
    assert report.differences, "the backends agree although one lost a check"
    assert codes and codes <= set(report.unprovoked()[backend.name])


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 10_000), picks=st.lists(st.integers(0, 60), min_size=2, max_size=4, unique=True))
def test_dossiers_with_several_problems_at_once_get_the_same_codes_and_places(seed, picks):
    """Two to four of the kit's single changes applied to one dossier: every problem is reported by
    both backends, at the same places (the checks interact: a form refused stops the rest, cases are
    checked only on an otherwise clean dossier, an unusable date keeps the named set)."""
    pool = [d for d in valid_dossiers(6, seed, sets=["qd148-2023", "qd1048-2019"]) if scalar_outcome(d)[0] == "result"]
    if not pool:
        return
    base = pool[0]
    r = scalar_outcome(base)[1]
    changes = [d for _, d in mutants(base, r.criteria_set, r.form)]
    combined = copy.deepcopy(base)
    for i in picks:
        m = changes[i % len(changes)]
        for key in set(m) | set(base):
            if key == "dossier_id":
                continue
            if key not in m:
                combined.pop(key, None)
            elif m[key] != base.get(key):
                combined[key] = copy.deepcopy(m[key])
    combined["dossier_id"] = f"multi-{seed}-{'-'.join(map(str, picks))}"
    report = compare([combined])
    assert report.differences == [], report.differences


def test_a_result_and_its_batch_row_are_one_model():
    """`Result.row()` is the batch row of the same dossier: lists as the keys of their entries, member
    totals as name=points (computed here from the fixture's own sheets), the batch's columns."""
    import json
    from pathlib import Path

    from scoring import evaluate, evaluate_batch
    from scoring.batch.vector import RESULT_COLUMNS
    from scoring.testing import result_differences, table_of

    path = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers" / "qd1048-knockout-ip-infringement.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    row = evaluate(d).row()
    assert set(row) <= set(RESULT_COLUMNS)
    assert row["knockouts"] == "ip-infringement" and row["status"] == "disqualified"
    sums = {s["member"]: sum(v for v in s["scores"].values() if v) for s in d["sheets"]}
    assert dict(e.split("=") for e in row["member_totals"].split(";")) == {m: str(t) for m, t in sums.items()}
    assert row["members"] == len(d["sheets"])
    results, _ = evaluate_batch(table_of([d]))
    assert result_differences(evaluate(d), results.iloc[0]) == []


def test_docs_list_every_declared_code_with_its_scope():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "CHECKS.md").read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            documented[cells[0].strip("`")] = cells[1]
    assert documented == {c.code: c.scope for c in CHECKS.values()}
