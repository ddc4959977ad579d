"""The batch's own check of alternative cases (TH a / TH b), pinned apart from the single path.

The batch flags a dossier whose members' points fit no single case and leaves the wording to the single
path, so a lookup that flags too much is invisible in the results. These tests pin the lookup table to
the criteria data and the flag to exact dossiers, so a lookup that flags too little or too much fails.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from scoring import criteria
from scoring.batch import evaluate_batch
from scoring.batch.group import _case_ladders

SETS = ("qd1048-2019", "qd148-2023", "qd26-2026")


def test_case_tables_match_the_options_of_each_case():
    checked = 0
    for sid in SETS:
        for form in criteria.load_set(sid).forms.values():
            if not form.scorable:
                continue
            top = form.arrays.valid.shape[1] - 1
            tables = dict(_case_ladders(form))
            for li, leaf in enumerate(form.leaves):
                if not getattr(leaf, "cases", ()):
                    assert li not in tables
                    continue
                fits = tables[li]
                for k, (cid, _) in enumerate(leaf.cases):
                    points = {o.points for o in leaf.options if o.case == cid}
                    expected = [p in points for p in range(-1, top + 2)]
                    assert fits[k].tolist() == expected, (sid, form.slug, leaf.number, cid)
                checked += 1
    assert checked > 26  # every QĐ 1048 form has its 3.2 with cases a/b


def _dossier(form, case_points: list[int], dossier_id: str) -> list[dict]:
    """Three members on a QĐ 1048 form: the best option of every criterion but 3.2, given as asked."""
    rows = []
    for m, p32 in enumerate(case_points, start=1):
        row = {"dossier_id": dossier_id, "criteria_set": form.criteria_set, "form": form.slug, "level": "province",
               "evaluated_on": "2022-03-01", "member": f"TV{m}"}
        for leaf in form.leaves:
            row[leaf.number] = max(o.points for o in leaf.options)
        row["3.2"] = p32
        rows.append(row)
    return rows


def test_a_mix_of_cases_is_rejected_and_one_case_is_not():
    form = criteria.load_set("qd1048-2019").form("rau-cu-qua-hat-tuoi")
    leaf = form.leaf("3.2")
    only = {cid: {o.points for o in leaf.options if o.case == cid} - {o.points for o in leaf.options if o.case != cid}
            for cid, _ in leaf.cases}
    both = set.intersection(*({o.points for o in leaf.options if o.case == cid} for cid, _ in leaf.cases))
    a_only, b_only, shared = min(only["a"]), min(only["b"]), min(both)
    frame = pd.DataFrame(_dossier(form, [a_only, b_only, a_only], "MIX")
                         + _dossier(form, [a_only, shared, a_only], "CASE-A")
                         + _dossier(form, [b_only, shared, b_only], "CASE-B")
                         + _dossier(form, [shared] * 3, "SHARED"))
    results, rejects = evaluate_batch(frame)
    assert list(rejects["dossier_id"]) == ["MIX"]
    assert list(rejects["code"]) == ["case-mixed"] and list(rejects["field"]) == ["cases.3.2"]
    assert sorted(results["dossier_id"]) == ["CASE-A", "CASE-B", "SHARED"]
    assert np.all(results["total"] > 0)


def test_a_cases_column_states_the_case_like_a_json_dossier():
    """`cases` (Trường hợp) holds '3.2=a; …' per dossier: checked exactly as a JSON dossier's `cases`,
    so the batch agrees with the single path on the stated case, an unknown case and points outside
    it; a cell that is not criterion=case pairs is a table reject naming the column."""
    from conformance import differences, issue_tuples, reject_tuples
    from scoring.batch import dossier_dicts, to_wide
    from scoring.errors import DossierInvalid
    from scoring.evaluate import evaluate
    from scoring.synth import generate_cohort

    frame = generate_cohort(8, seed=3, sets=["qd1048-2019"], forms=["rau-cu-qua-hat-tuoi"], knockout_rate=0.0)
    ids = list(frame["dossier_id"].unique())
    stated = {ids[0]: "3.2=a", ids[1]: " 3.2 = b ", ids[2]: "3.2=z", ids[3]: "1.1=a", ids[4]: "a", ids[5]: "3.2=a;3.2=b"}
    frame["Trường hợp"] = frame["dossier_id"].map(stated).fillna("")
    frame.loc[frame["dossier_id"].isin(ids[:2]), "3.2"] = 2  # an option of case a only (case b: 0, 1)
    results, rejects = evaluate_batch(frame)
    assert len(results) + rejects["dossier_id"].nunique() == len(ids)
    by_id = results.set_index("dossier_id")
    reasons = rejects.groupby("dossier_id")["reason"].agg("; ".join)
    table_level = {ids[4], ids[5]}
    for d in dossier_dicts(to_wide(frame.rename(columns={"Trường hợp": "cases"}))):
        did = d["dossier_id"]
        if did in table_level:
            assert "cases-invalid" in reasons[did] and "3.2=a; 8=TH1" in reasons[did]
            continue
        if did in stated:  # the cell, read as the dossier's `cases`
            number, case = (p.strip() for p in stated[did].split("="))
            assert d["cases"] == {number: case}
        try:
            r = evaluate(d)
        except DossierInvalid as exc:
            assert reject_tuples(rejects, did) == issue_tuples(exc.issues)
            continue
        assert differences(r, by_id.loc[did]) == [], did
    assert ids[0] in by_id.index
    assert "not an option of case b" in reasons[ids[1]]
    assert "unknown case" in reasons[ids[2]]
    assert "has no alternative cases" in reasons[ids[3]]
