"""Dossier validation on the real criteria: each problem reported once, plainly, at its field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoring import DossierInvalid
from scoring.cli import cli
from scoring.evaluate import evaluate

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers"


def _fixture(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text(encoding="utf-8"))


def _issues(d: dict) -> list:
    with pytest.raises(DossierInvalid) as exc:
        evaluate(d)
    return exc.value.issues


def test_an_invalid_option_is_reported_once_not_also_as_left_out():
    d = _fixture("qd26-2026-55-missing-3star-minimum")
    d["sheets"][1]["scores"]["1.1"] = 4
    (issue,) = _issues(d)
    assert issue.location == "sheets[1].scores.1.1" and issue.value == 4 and issue.allowed == "1, 2, 3"


def test_both_scores_and_sheets_is_one_plain_issue_not_the_whole_dossier():
    d = _fixture("qd26-2026-55-missing-3star-minimum")
    d["scores"] = d["sheets"][0]["scores"]
    (issue,) = _issues(d)
    assert issue.location == "scores" and "sheets" in issue.message and "scores" in issue.message
    assert "dossier_id" not in str(issue) and "sheets" in issue.allowed and "scores" in issue.allowed


def test_neither_scores_nor_sheets_names_both_shapes_and_other_fields_are_still_checked():
    d = _fixture("qd26-2026-55-missing-3star-minimum")
    del d["sheets"]
    d["level"] = "huyen"
    issues = _issues(d)
    shape = next(i for i in issues if "neither" in i.message)
    assert "sheets" in shape.allowed and "scores" in shape.allowed
    assert any(i.location == "level" for i in issues)  # the rest of the dossier is checked too


def test_member_names_are_trimmed_and_compared_trimmed():
    d = _fixture("qd26-2026-55-missing-3star-minimum")
    first, second = d["sheets"][0]["member"], d["sheets"][1]["member"]
    d["sheets"][2]["member"] = first + " "
    (issue,) = _issues(d)
    assert issue.location == "sheets[2].member" and issue.value == first + " " and "duplicate" in issue.message
    d["sheets"][2]["member"] = "  TV3 "
    assert evaluate(d).members == [first, second, "TV3"]
    d["sheets"][2]["member"] = "   "
    assert "blank" in _issues(d)[0].message


def test_score_json_on_invalid_input_prints_nothing_on_stdout(tmp_path):
    d = _fixture("qd26-2026-55-missing-3star-minimum")
    d["sheets"][1]["scores"]["1.1"] = 4
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(cli, ["score", str(path), "--json"])
    assert out.exit_code == 2
    assert out.stdout == "" and "sheets[1].scores.1.1" in out.stderr


def test_after_a_stop_evaluation_knock_out_only_scored_criteria_have_minimums():
    d = _fixture("qd26-2026-55-missing-3star-minimum")
    d["findings"] = ["unacceptable-foreign-matter"]
    kept = list(d["sheets"][0]["scores"])[:10]  # the council stopped after the first ten criteria
    for s in d["sheets"]:
        s["scores"] = {k: s["scores"][k] for k in kept}
    r = evaluate(d)
    assert r.status == "disqualified" and r.unmet_minimums
    assert {u["criterion"] for u in r.unmet_minimums} <= set(kept)



@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("slug, fragment", [
    ("do-uong-khong-con-khac", "an option's points are missing at criterion 1.4; the maximum of 100 is intact"),
    ("che-tuoi-che-che-bien", "real maximum 97 instead of 100"),
])
def test_partial_form_warning_says_what_is_missing(slug, fragment):
    """QĐ 148 forms 17/18 lack one option's points but keep their maximum of 100 (criteria data):
    "real maximum 100 instead of 100" said nothing; form 11 really lacks 3 points."""
    from scoring import criteria

    form = criteria.load_set("qd148-2023").form(slug)
    d = {"dossier_id": "P", "criteria_set": "qd148-2023", "form": slug, "level": "province",
         "evaluated_on": "2025-09-01", "scores": {leaf.number: leaf.points[-1] for leaf in form.leaves}}
    (warning,) = [w for w in evaluate(d).warnings if w["code"] == "partial-form"]
    assert fragment in warning["en"] and "instead of 100" not in warning["en"].replace(fragment, "")


def test_a_form_is_refused_before_its_valid_from_like_a_missing_form():
    """The only QĐ 1048 tourism form we have is QĐ 781's (valid_from 2020-06-08 in the criteria data)."""
    from scoring import criteria

    form = criteria.load_set("qd1048-2019").form("dich-vu-du-lich-cong-dong-va-diem-du-lich")
    assert form.valid_from is not None
    d = {"dossier_id": "DL", "criteria_set": "qd1048-2019", "form": form.slug, "level": "district",
         "evaluated_on": (form.valid_from.fromordinal(form.valid_from.toordinal() - 1)).isoformat(),
         "scores": {leaf.number: leaf.points[-1] for leaf in form.leaves}}
    (issue,) = _issues(d)
    assert issue.location == "evaluated_on" and issue.value == d["evaluated_on"]
    assert form.slug in issue.message and form.valid_from.isoformat() in issue.message
    assert "chỉ áp dụng từ ngày" in issue.message and "applies only from" in issue.message
    d["evaluated_on"] = form.valid_from.isoformat()
    assert evaluate(d).form == form.slug


def _with_32(points: list[int], cases: dict | None = None) -> dict:
    d = _fixture("qd1048-province-89-67")  # QĐ 1048 3.2: case a (board) 1/2, case b (household head) 0/1
    for sheet, p in zip(d["sheets"], points):
        sheet["scores"]["3.2"] = p
    if cases is not None:
        d["cases"] = cases
    return d


def test_alternative_cases_inferred_stated_and_a_mix_refused():
    r = evaluate(_with_32([2, 2, 1]))
    assert next(c for c in r.criteria if c["id"] == "3.2")["case"] == "a"  # 2 only exists in case a
    assert next(c for c in evaluate(_with_32([1, 1, 1])).criteria if c["id"] == "3.2")["case"] is None  # fits both
    assert next(c for c in evaluate(_with_32([1, 1, 1], {"3.2": "b"})).criteria if c["id"] == "3.2")["case"] == "b"
    (mix,) = _issues(_with_32([0, 2, 2]))  # 0 only in case b, 2 only in case a
    assert mix.location == "cases.3.2" and "a (Trường hợp a): 1, 2" in mix.allowed and "sheets[0]" in mix.message
    issues = _issues(_with_32([2, 2, 1], {"3.2": "b"}))
    assert [(i.location, i.value, i.allowed) for i in issues] == [("sheets[0].scores.3.2", 2, "0, 1"),
                                                                  ("sheets[1].scores.3.2", 2, "0, 1")]
    (unknown,) = _issues(_with_32([2, 2, 2], {"3.2": "c"}))
    assert unknown.location == "cases.3.2" and "a (Trường hợp a)" in unknown.allowed
    (no_cases,) = _issues(_with_32([2, 2, 2], {"1.1": "a"}))
    assert no_cases.location == "cases.1.1" and "3.2" in no_cases.allowed


def test_the_case_decision_is_in_the_trace():
    rules = lambda d: [t["rule"] for t in evaluate(d).trace if t["rule"].startswith("applicability.case")]  # noqa: E731
    assert rules(_with_32([2, 2, 1])) == ["applicability.case.inferred"]
    assert rules(_with_32([1, 1, 1])) == ["applicability.case.either"]
    assert rules(_with_32([1, 1, 1], {"3.2": "b"})) == ["applicability.case.stated"]


def test_a_score_keyed_by_the_printed_number_is_read_as_its_criterion_where_unambiguous():
    """QĐ 148 paper forms print '1.a', '12.a' where the data (and every result) says 1.1, 12.1: accepted as
    aliases; the same criterion under both keys is refused (which value would count?)."""
    from scoring.batch import dossier_dicts, to_wide
    from scoring.dossier import parse_dossier
    from scoring.synth import generate_cohort

    d = next(dossier_dicts(to_wide(generate_cohort(1, seed=2, sets=["qd148-2023"]))))
    plain = parse_dossier(d)
    keyed = json.loads(json.dumps(d))
    for sheet in keyed["sheets"]:
        sheet["scores"]["1.A"] = sheet["scores"].pop("1.1")
    assert (parse_dossier(keyed).points == plain.points).all()
    keyed["sheets"][0]["scores"]["1.1"] = keyed["sheets"][0]["scores"]["1.A"]
    with pytest.raises(DossierInvalid) as info:
        parse_dossier(keyed)
    assert "criterion 1.1 is given twice, as '1.A' and '1.1'" in str(info.value)


def test_a_printed_number_that_stands_for_two_criteria_is_refused_with_both():
    """QĐ 148 forms 18 and 19 print 'c)' twice in group 3 (3.3 and 3.6, the second out of order)."""
    d = _fixture("qd148-cosmetics-province-90")
    for sheet in d["sheets"]:
        sheet["scores"]["3.c"] = sheet["scores"].pop("3.6")
    issues = _issues(d)
    assert any("3.c is 3.3, 3.c is 3.6" in i.allowed for i in issues), [str(i) for i in issues]

def test_a_qd148_group_keyed_the_old_way_is_told_its_new_key():
    """QĐ 148 groups printed '12. … / a) …' were keyed '12' before issue 13; they are 12.1 now."""
    d = _fixture("qd148-district-70")
    for sheet in d["sheets"]:
        sheet["scores"]["12"] = sheet["scores"].pop("12.1")
    issues = _issues(d)
    assert {i.location for i in issues} == {f"sheets[{k}].scores.12" for k in range(len(d["sheets"]))}
    assert all("is now 12.1" in i.message and i.allowed == "the key 12.1" for i in issues)
    from conformance import frame_of, issue_tuples, reject_tuples
    from scoring import evaluate_batch

    _, rejects = evaluate_batch(frame_of([d]))  # a table with a column "12": the same issues
    assert reject_tuples(rejects, d["dossier_id"]) == issue_tuples(issues)
    for sheet in d["sheets"]:  # the printed form of the new key is accepted
        sheet["scores"]["12.a"] = sheet["scores"].pop("12")
    assert evaluate(d).total == evaluate(_fixture("qd148-district-70")).total
