"""QĐ 26/2026: what the second copy of Phụ lục II adds (issue 13, items 2 and 3).

Form 16 (nước khoáng / nước uống đóng chai) prints after 6.4 'Nếu được 0 điểm tại một trong các chỉ
tiêu trên, sẽ không đánh giá các bước tiếp theo': a knock-out that stops the evaluation, recorded by the
council as the finding `sensory-zero-score`, on both executors. Each form records its cross-check.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance import differences, frame_of
from scoring import criteria, evaluate, evaluate_batch
from scoring.cli import cli

FORM16 = "nuoc-khoang-thien-nhien-nuoc-uong-dong-chai"


def _form16_dossier(findings: list[str], stop_after_sensory: bool) -> dict:
    """Three members; 6.1 (Tạp chất lạ) scored 0 by one of them. Every other criterion gets its best
    option, except that after a stop the criteria following group 6 are left out."""
    form = criteria.load_set("qd26-2026").form(FORM16)
    sheets = []
    for m, zero in (("TV1", True), ("TV2", False), ("TV3", False)):
        scores = {}
        for leaf in form.leaves:
            group = leaf.number.split(".")[0]
            if stop_after_sensory and int(group) > 6:
                continue
            scores[leaf.number] = min(leaf.points) if (zero and leaf.number == "6.1") else max(leaf.points)
        sheets.append({"member": m, "scores": scores})
    return {"dossier_id": "F16", "criteria_set": "qd26-2026", "form": FORM16, "level": "province",
            "evaluated_on": "2026-09-01", "findings": findings, "sheets": sheets}


def test_form16_carries_the_note_after_6_4_as_a_stop_evaluation_knockout():
    cs = criteria.load_set("qd26-2026")
    form = cs.form(FORM16)
    (ko,) = form.leaf("6.4").knockouts
    assert ko.id == "sensory-zero-score" and "Nếu được 0 điểm tại một trong các chỉ tiêu trên" in ko.text
    assert cs.knockouts["sensory-zero-score"].effect == "stop_evaluation"
    assert min(form.leaf("6.1").points) == 0  # the note can fire: 6.1 has a 0 option


def test_form16_knockout_stops_the_evaluation_on_both_executors():
    d = _form16_dossier(["sensory-zero-score"], stop_after_sensory=True)
    r = evaluate(d)
    assert [k["id"] for k in r.knockouts] == ["sensory-zero-score"]
    assert (r.status, r.stars) == ("disqualified", 0)  # knocked out, whatever the total (79 here)
    results, rejects = evaluate_batch(frame_of([d]))
    assert rejects.empty, rejects.to_dict("records")
    assert differences(r, results.set_index("dossier_id").loc["F16"]) == []
    assert results.iloc[0]["knockouts"] == "sensory-zero-score"


def test_form16_without_the_finding_needs_every_criterion():
    """Without the finding the evaluation goes on: leaving out the criteria after group 6 is refused."""
    with pytest.raises(Exception) as info:
        evaluate(_form16_dossier([], stop_after_sensory=True))
    assert "left out" in str(info.value)
    r = evaluate(_form16_dossier([], stop_after_sensory=False))
    assert not r.knockouts


@pytest.mark.parametrize("slug, number, text", [
    ("thit-thuy-san-trung-sua-tuoi", "7", "(Chất lượng: Có nét riêng, khác biệt,"),
    ("gao-ngu-coc-hat-so-che-khac", "8", "(Chất lượng: Có nét riêng, khác biệt,"),
    ("do-an-nhanh", "8", "Ghi chú: Sản Tiêu chuẩn sản phẩm phải có phiếu kiểm nghiệm"),
])
def test_notes_of_the_second_copy_are_carried(slug, number, text):
    leaf = criteria.load_set("qd26-2026").form(slug).leaf(number)
    assert any(n.startswith(text) for n in leaf.notes), leaf.notes


def _crosscheck_table() -> dict[int, str] | None:
    root = Path(__file__).resolve().parents[1]
    for base in (root.parent, root.parent.parent):
        path = base / "shared" / "reference" / "qd26-2026-crosscheck.md"
        if path.is_file():
            rows = re.findall(r"^\| (\d+) \| [^|]+ \| \**(CROSS-CHECKED(?:-EXCEPT)?)\** \|", path.read_text("utf-8"), re.M)
            return {int(n): s.lower() for n, s in rows}
    return None


def test_every_form_records_the_cross_check_as_the_reference_found_it():
    forms = {f.number: f for f in criteria.load_set("qd26-2026").forms.values()}
    statuses = {n: f.provenance["cross_check"]["status"] for n, f in forms.items()}
    assert sorted(statuses.values()).count("cross-checked") == 21
    assert sorted(n for n, s in statuses.items() if s == "cross-checked-except") == [4, 7, 10, 11, 23]
    table = _crosscheck_table()
    if table is not None:  # the reference beside the clone (CI): the same verdict, form by form
        assert table == statuses
    for f in forms.values():
        cc = f.provenance["cross_check"]
        assert cc["independent"] is False and cc["official_text_checked"] is False
    assert [(d["criterion"], d["other"]) for d in forms[4].provenance["cross_check"]["differences"]] == [
        ("1.2", []), ("7", [13])]


def test_suspected_typos_stay_as_printed_flagged_with_the_other_forms():
    forms = {f.number: f for f in criteria.load_set("qd26-2026").forms.values()}
    assert [o.points for o in forms[7].leaf("3.1").options] == [1, 1, 3]
    assert [o.points for o in forms[23].leaf("6.2").options] == [1, 1, 3, 5]
    for n, number, words in ((7, "3.1", "all 25 other forms"), (23, "6.2", "Form 24")):
        (a,) = [a for a in forms[n].provenance["anomalies"] if a.get("criterion") == number]
        assert a["kind"] == "suspected_typo" and words in a["other_forms"]


def test_criteria_show_prints_the_cross_check_in_text_and_json():
    res = CliRunner().invoke(cli, ["criteria", "show", "qd26-2026", "hoa"])
    assert res.exit_code == 0, res.output
    assert "cross-checked-except" in res.output and "NOT independent" in res.output
    assert "Công báo" in res.output and "elsewhere" in res.output
    res = CliRunner().invoke(cli, ["criteria", "show", "qd26-2026", "hoa", "--json"])
    cc = json.loads(res.output)["provenance"]["cross_check"]
    assert cc["status"] == "cross-checked-except" and cc["criteria_differing"] == 1


def test_a_council_overrides_a_suspected_typo_through_an_edited_pack(tmp_path):
    """docs/DATA.md: copy the packs, change form 7's 3.1 to the 1/2/3 the other forms print, validate the
    copy, point OCOP_CRITERIA_DIR at it. The shipped pack refuses 2 there; the edited one scores it."""
    import shutil

    from conftest import criteria_root
    from scoring import DossierInvalid
    from scoring.resources import data_dir

    root = tmp_path / "criteria"
    shutil.copytree(data_dir("criteria"), root, ignore=shutil.ignore_patterns("schema-stamps.txt"))
    (path,) = (root / "qd26-2026" / "forms").glob("07-*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    leaf = next(c for c in doc["parts"][0]["children"][2]["children"] if c["number"] == "3.1")
    assert [o["points"] for o in leaf["options"]] == [1, 1, 3]
    leaf["options"][1]["points"] = 2
    prov = doc["provenance"]
    prov["anomalies"] = [a for a in prov["anomalies"] if a.get("criterion") != "3.1"]
    prov["notes"].append("Tỉnh X, Hội đồng OCOP 2026: 3.1 đọc là 1/2/3 như các biểu mẫu khác (quyết định số …).")
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    res = CliRunner().invoke(cli, ["criteria", "validate", str(root)])
    assert res.exit_code == 0, res.output

    form = criteria.load_set("qd26-2026").form("che-bien-tu-rau-cu-qua-hat")
    scores = {leaf.number: max(leaf.points) for leaf in form.leaves}
    scores["3.1"] = 2
    d = {"dossier_id": "X", "criteria_set": "qd26-2026", "form": form.slug, "level": "province",
         "evaluated_on": "2026-09-01", "scores": scores}
    with pytest.raises(DossierInvalid) as info:
        evaluate(d)
    assert "2 is not an option of criterion 3.1" in str(info.value)
    with criteria_root(root):
        r = evaluate(d)
        assert next(c for c in r.criteria if c["id"] == "3.1")["mean"] == 2
        assert r.total == 100 - 1  # every best option, 3.1 at 2 of 3
        assert "suspected-typo" not in [w["code"] for w in r.warnings]
