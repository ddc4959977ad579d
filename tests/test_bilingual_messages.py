"""Every sentence `ocop` says to a user is Vietnamese first, then English, with a stable code (issue
12, item 7): the cost table's checks, `criteria validate` (and `--criteria DIR`), the plan's reasons,
and the option errors. Each case provokes the messages for real and checks their shape, so a new
English-only message on these paths fails here."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoring import criteria
from scoring.cli import cli
from scoring.errors import ValidationFailed
from scoring.whatif import load_costs

ROOT = Path(__file__).resolve().parents[1]
COHORT = ROOT / "fixtures" / "cohort" / "cohort.csv"
DOSSIER = ROOT / "fixtures" / "dossiers" / "qd26-2026-55-missing-3star-minimum.json"

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
CODED = re.compile(r"^\[[a-z0-9-]+\] ")


def assert_bilingual(message: str) -> None:
    """'[code] Vietnamese … / English …': a code, Vietnamese before the first ' / ', English after it."""
    assert CODED.match(message), message
    vi, sep, en = message.partition(" / ")
    assert sep and VIETNAMESE.search(vi), message
    assert re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", en), message


def _issues(call) -> list:
    with pytest.raises(ValidationFailed) as info:
        call()
    return info.value.issues


def test_every_cost_table_problem_is_bilingual_and_coded(tmp_path):
    rows = ["criteria_set,form,criterion,from_points,to_points,cost,label",
            "qd26-2026,rau-cu-qua-hat-tuoi,2.2,1,2,15000000,ok",
            "qd26-2026,rau-cu-qua-hat-tuoi,2.2,1,2,16000000,twice",       # duplicate row
            "qd0-1900,*,2.2,1,2,1,",                                       # unknown set
            "qd26-2026,khong-co,2.2,1,2,1,",                               # unknown form
            "qd26-2026,rau-cu-qua-hat-tuoi,99.9,1,2,1,",                   # criterion not on the form
            "qd26-2026,rau-cu-qua-hat-tuoi,2.2,1.5,2,1,",                  # points not whole
            "qd26-2026,rau-cu-qua-hat-tuoi,2.2,2,1,1,",                    # not an upgrade
            "qd26-2026,rau-cu-qua-hat-tuoi,2.2,1,7,1,",                    # not options
            "qd26-2026,rau-cu-qua-hat-tuoi,2.2,1,2,-5,",                   # negative cost
            "qd26-2026,rau-cu-qua-hat-tuoi,,1,2,1,"]                       # required field empty
    path = tmp_path / "costs.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    issues = _issues(lambda: load_costs(path))
    codes = {i.message.split(" ")[0] for i in issues}
    assert codes == {"[cost-row-duplicate]", "[cost-set-unknown]", "[cost-form-unknown]", "[cost-criterion-unknown]",
                     "[cost-points-not-whole]", "[cost-not-upgrade]", "[cost-points-not-options]", "[cost-invalid]",
                     "[cost-field-missing]"}, codes
    for issue in issues:
        assert_bilingual(issue.message)
        assert issue.file == str(path) and issue.location.startswith("dòng / line ")
    header = tmp_path / "header.csv"
    header.write_text("Tiêu chí,Từ điểm,Giá\n2.2,1,2\n", encoding="utf-8")
    (issue,) = _issues(lambda: load_costs(header))
    assert_bilingual(issue.message)
    assert "thiếu / missing: to_points, cost" in issue.allowed and "không rõ / unknown: Giá" in issue.allowed
    broken = tmp_path / "costs.json"
    broken.write_text('{"costs": [', encoding="utf-8")
    (issue,) = _issues(lambda: load_costs(broken))
    assert_bilingual(issue.message)
    for given in ({"rows": []}, {"costs": {}}):
        broken.write_text(json.dumps(given), encoding="utf-8")
        assert_bilingual(_issues(lambda: load_costs(broken))[0].message)
    for issue in _issues(lambda: load_costs([{"criterion": "2.2", "from_points": 1, "to_points": 2, "cost": 1,
                                              "tiêu chí": "2.3", "price": 3}, "not a row"])):
        assert_bilingual(issue.message)


def _corrupt_copy(tmp_path: Path) -> Path:
    """A copy of qd26-2026 with one problem of each kind the semantic checks find."""
    folder = tmp_path / "criteria" / "qd26-2026"
    shutil.copytree(criteria.load_set("qd26-2026").source_dir, folder)
    meta_path = folder / "set.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["total_max"] = 101
    meta["knockouts"].append(dict(meta["knockouts"][0]))
    meta["classification"][0]["form"] = "khong-co"
    meta["process"]["reevaluation_window"]["opens_days_before_expiry"] = 100
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    form_path = sorted((folder / "forms").glob("*.json"))[0]
    form = json.loads(form_path.read_text(encoding="utf-8"))
    form["parts"][0]["max"] += 1
    form["criteria_set"] = "qd148-2023"
    leaf = form["parts"][1]["children"][0]
    while "children" in leaf:
        leaf = leaf["children"][0]
    leaf["knockouts"] = [{"id": "khong-co-dieu-kien", "text": "?"}]
    leaf["options"][0]["case"] = "z"
    form_path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    (sorted((folder / "forms").glob("*.json"))[1]).write_text("{ not json", encoding="utf-8")
    return folder


def test_criteria_validation_problems_are_bilingual_and_coded(tmp_path):
    folder = _corrupt_copy(tmp_path)
    issues = criteria.validate_path(folder)
    codes = {i.message.split(" ")[0] for i in issues}
    for code in ("[max-not-sum]", "[knockout-duplicate]", "[classification-form-unknown]", "[process-window-invalid]",
                 "[form-set-mismatch]", "[knockout-unknown]", "[case-undeclared]", "[json-invalid]"):
        assert code in codes, (code, codes)
    for issue in issues:
        assert_bilingual(issue.message)
    assert_bilingual(criteria.validate_path(tmp_path / "nowhere")[0].message)


def test_criteria_validate_and_criteria_dir_say_it_in_both_languages(tmp_path):
    folder = _corrupt_copy(tmp_path)
    run = CliRunner().invoke(cli, ["criteria", "validate", str(folder)])
    assert run.exit_code == 2
    lines = [line for line in run.output.splitlines() if line.startswith("✗ ")]
    assert lines and all(VIETNAMESE.search(line) for line in lines)
    assert re.search(r"\d+ lỗi / \d+ problem\(s\)", run.output)
    ok = CliRunner().invoke(cli, ["criteria", "validate"])
    assert ok.exit_code == 0 and "hợp lệ / valid" in ok.output
    shutil.copy(DOSSIER, tmp_path / "d.json")
    run = CliRunner().invoke(cli, ["score", str(tmp_path / "d.json"), "--criteria", str(folder.parent)])
    assert run.exit_code == 2 and "bộ tiêu chí không hợp lệ / criteria invalid" in run.output
    assert "[knockout-duplicate] mã điều kiện loại được khai hai lần / knock-out id defined twice" in run.output


def test_plan_reasons_are_bilingual_and_coded():
    from scoring.evaluate import evaluate
    from scoring.whatif import plan, upgrade_plan
    from scoring.whatif.costs import CostModel, Price

    result = evaluate(DOSSIER)
    knocked = evaluate(ROOT / "fixtures" / "dossiers" / "qd26-2026-knockout-forged-dossier.json")
    assert_bilingual(upgrade_plan(knocked, 4).reason)
    unreachable = plan([result], "5:2")  # two 5★ products wanted, one product in the cohort
    assert not unreachable.feasible
    assert_bilingual(unreachable.shortfall_reason)
    assert_bilingual(unreachable.note)
    over = plan([result], "3:1", budget=0)
    assert not over.feasible and over.shortfall is not None
    assert_bilingual(over.shortfall_reason)
    one_step = CostModel({("*", "*", "2.2"): {(1, 2): Price(1.0)}})  # only one step is priced: 5★ is out of reach
    assert_bilingual(upgrade_plan(result, 5, one_step).reason)
    skipped = plan([result, knocked], "4:2")
    assert skipped.skipped and all(assert_bilingual(s["reason"]) is None for s in skipped.skipped)


@pytest.mark.parametrize("args, words", [
    (["plan", str(COHORT), "--targets", "4:x"], "[targets-invalid] mục tiêu / target '4:x'"),
    (["plan", str(COHORT), "--targets", "4:1,4:2"], "[targets-invalid] mục tiêu 4★ được cho hai lần"),
    (["plan", str(COHORT), "--targets", "4:1", "--rewards", "9:1"], "[rewards-invalid] mức thưởng / reward 9:1"),
    (["plan", str(COHORT), "--targets", "4:1", "--default-step-cost", "3"], "[option-needs-costs] chỉ dùng cùng --costs"),
    (["policy", str(COHORT), "--gate", "district-to-province"], "[override-invalid] 'district-to-province': cần"),
    (["policy", str(COHORT), "--gate", "khong-co=70"], "[override-gate-unknown] không bộ tiêu chí nào có ngưỡng"),
    (["policy", str(COHORT), "--band", "1=5"], "[override-band-stars] hạng sao không có ngưỡng"),
])
def test_option_errors_are_bilingual_and_exit_2(args, words):
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 2, run.output
    assert words in " ".join(run.output.split()), run.output
