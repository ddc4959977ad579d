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


def test_a_mix_of_cases_is_rejected_and_one_case_is_not(monkeypatch):
    import scoring.batch.vector as vector

    handed_back: list[str] = []  # dossiers the vectorized checks flag for the single path's verdict
    single = vector.parse_dossier

    def recording(dossier):
        handed_back.append(dossier["dossier_id"])
        return single(dossier)

    monkeypatch.setattr(vector, "parse_dossier", recording)
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
    assert "3.2" in rejects["reason"].iloc[0]
    assert sorted(results["dossier_id"]) == ["CASE-A", "CASE-B", "SHARED"]
    assert np.all(results["total"] > 0)
    assert handed_back == ["MIX"]  # flagging one-case dossiers too would only show here
