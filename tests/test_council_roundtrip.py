"""Sheets out → filled with openpyxl → read back → scored gives the Result of scoring the same
points directly, on every complete form of the three criteria sets."""
from __future__ import annotations

import pytest

import scoring
from scoring.council import make_sheets, read_sheets

from council_helpers import MEMBERS, complete_forms, fill_workbook, synthetic_dossier


@pytest.mark.slow
def test_round_trip_every_complete_form_gives_the_direct_result(tmp_path):
    forms = complete_forms()
    assert len(forms) >= 70  # 24 + 20 + 26 complete forms today; a form turned partial would shrink it
    originals = {d["dossier_id"]: d for d in (synthetic_dossier(cs, f, seed=i) for i, (cs, f) in enumerate(forms))}
    identities = [{k: v for k, v in d.items() if k != "sheets"} for d in originals.values()]
    written = make_sheets(identities, MEMBERS, tmp_path / "sheets", pdf=False)
    assert [p.name for p in written] == ["01-nguyen-van-hung.xlsx", "02-tran-thi-mai.xlsx", "03-le-minh-tuan.xlsx"]

    def points_for(dossier_id, member):
        return next(s["scores"] for s in originals[dossier_id]["sheets"] if s["member"] == member)

    for path in written:
        fill_workbook(path, points_for)
    outcome = read_sheets([tmp_path / "sheets"])
    assert outcome.problems == []
    assert sorted(d["dossier_id"] for d in outcome.dossiers) == sorted(originals)
    for d in outcome.dossiers:
        direct = scoring.evaluate(originals[d["dossier_id"]]).to_dict()
        assert scoring.evaluate(d).to_dict() == direct, d["dossier_id"]
        assert [s["member"] for s in d["sheets"]] == MEMBERS
