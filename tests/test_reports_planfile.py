"""Plan files: the bundled example, the cumulative reading of targets, every error located and coded."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from scoring.cli import cli
from scoring.errors import ValidationFailed
from scoring.reports import load_plan
from scoring.reports.planxlsx import write_plan_xlsx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "plans" / "hai-duong.yaml"


def _issues(path: Path) -> list:
    with pytest.raises(ValidationFailed) as exc:
        load_plan(path)
    return exc.value.issues


def _write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _costs_plan(rows: list[str]) -> str:
    """A minimal valid plan with one support line carrying these cost rows (YAML flow mappings)."""
    return ('plan: {id: x, title: T, year: 2026}\narea: {level: province, code: "30", name: Hải Dương}\n'
            "budget:\n  - id: a\n    name: Bao bì\n    purpose: packaging\n    costs:\n"
            + "".join(f"      - {r}\n" for r in rows))


def test_example_holds_the_real_plans_figures():
    plan = load_plan(EXAMPLE)
    assert plan.year == 2026 and plan.number == "4435/KH-UBND"
    root = plan.area
    assert (root.level, root.code, root.name) == ("province", "30", "Hải Dương")
    # Hải Dương 4435: 1 five-star, 20 four-star, 30 three-star = 51 products (the plan supports 51 dossiers)
    assert root.targets.required == {5: 1, 4: 21, 3: 51}
    assert root.targets.places == {5: 1, 4: 20, 3: 30}
    assert root.targets.new_products.low == 51
    districts = {a.name: a for a in root.children}
    # Thanh Hà 2021: at least 2 four-star and 3 three-star products -> ≥ 2 at ≥ 4★, ≥ 5 at ≥ 3★
    assert districts["Thanh Hà"].targets.required == {4: 2, 3: 5}
    # Tứ Kỳ 2023: 10-12 products at ≥ 3★ (read as at least), 1-2 upgrades 3★ -> 4★
    tk = districts["Tứ Kỳ"].targets
    assert tk.required == {3: 10} and tk.stretch == {3: 12}
    assert [(u.from_stars, u.to_stars, u.count.low, u.count.high) for u in tk.upgrades] == [(3, 4, 1, 2)]
    assert plan.rewards.per_star == {5: 30_000_000, 4: 20_000_000, 3: 10_000_000}
    assert plan.reporting == ("quarter", "half-year", "year")
    assert all(a.level == "commune" for d in root.children for a in d.children)
    # every support line linked to criteria is priced by rows the kernel's cost loader accepted
    model = plan.cost_model()
    assert model.unit == "VND" and ("qd1048-2019", "*", "2.3") in model.table
    assert model.table[("qd1048-2019", "*", "2.3")][(1, 2)].cost == 8_000_000


def test_example_says_what_is_from_which_plan():
    text = EXAMPLE.read_text(encoding="utf-8")
    for tag in ("[4435]", "[TH]", "[TK]", "[LM]", "ILLUSTRATIVE", "§9"):
        assert tag in text


def test_rewards_reading():
    rw = load_plan(EXAMPLE).rewards
    assert rw.owed("new", 4) == 20_000_000
    assert rw.owed("upgrade", 4, 3) == 10_000_000      # difference, the plan file's reading
    assert rw.owed("re-evaluation", 4, 4) == 0


def test_validate_command_ok_and_errors(tmp_path):
    r = CliRunner().invoke(cli, ["plan-file", "validate", str(EXAMPLE)])
    assert r.exit_code == 0, r.output
    assert "≥ 3★: 51" in r.output
    bad = _write(tmp_path, "plan: {id: x, title: T, year: 2026}\narea: {level: province, code: 30, name: X}\n")
    r = CliRunner().invoke(cli, ["plan-file", "validate", str(bad)])
    assert r.exit_code == 2
    assert "area.code" in r.output and "[area-code-not-text]" in r.output


def test_every_problem_is_listed_with_code_and_location(tmp_path):
    p = _write(tmp_path, """
plan: {id: x, year: 1999, reportng: [quarter]}
area:
  level: province
  code: "30"
  name: Hải Dương
  targets: {stars: {2: 1, 4: -3, 3: abc}, reading: sometimes}
  areas:
    - {level: province, code: "30", name: Hải Dương}
    - {level: commune, code: "1x", name: ""}
rewards: {per_product: {3: -1}, upgrade: double}
budget:
  - {id: a, name: Bao bì, purpose: packaging, criteria: ["qd26-2026:42.7", "nope"]}
  - {id: a, name: Nhãn, purpose: labels, area: "99"}
""")
    got = {(i.location, i.message.split("]")[0] + "]") for i in _issues(p)}
    expected = {
        ("plan.reportng", "[plan-unknown-key]"), ("plan.title", "[plan-field-missing]"),
        ("plan.year", "[plan-year-invalid]"), ("area.targets.stars.2", "[target-stars-invalid]"),
        ("area.targets.stars.4", "[target-count-invalid]"), ("area.targets.stars.3", "[target-count-invalid]"),
        ("area.targets.reading", "[target-reading-invalid]"), ("area.areas[0].level", "[area-level-order]"),
        ("area.areas[0].code", "[area-code-duplicate]"), ("area.areas[1].code", "[area-code-invalid]"),
        ("area.areas[1].name", "[plan-field-missing]"), ("rewards.per_product.3", "[amount-invalid]"),
        ("rewards.upgrade", "[reward-mode-invalid]"), ("budget[0].criteria[0]", "[budget-criterion-invalid]"),
        ("budget[0].criteria[1]", "[budget-criterion-invalid]"), ("budget[1].area", "[budget-area-unknown]"),
        ("budget[1].id", "[budget-id-duplicate]"),
    }
    assert expected <= got, expected - got
    msgs = " ".join(str(i) for i in _issues(p))
    assert " / " in msgs  # Vietnamese / English


def test_at_least_must_not_grow_with_stars(tmp_path):
    p = _write(tmp_path, 'plan: {id: x, title: T, year: 2026}\narea: {level: district, code: "298", name: Tứ Kỳ, '
                         'targets: {stars: {4: 5, 3: 2}, reading: at_least}}\n')
    (issue,) = _issues(p)
    assert issue.location == "area.targets.stars.3" and "[target-not-cumulative]" in issue.message


def test_cost_rows_are_checked_by_the_kernel(tmp_path):
    p = _write(tmp_path, _costs_plan(['{criteria_set: qd26-2026, form: "*", criterion: "2.3", from_points: 1, '
                                      'to_points: 9, cost: 5}']))
    (issue,) = _issues(p)
    assert "[budget-costs-invalid]" in issue.message and "not both options" in issue.message
    assert "[cost-points-not-options] 1 → 9 không đều là mức điểm của tiêu chí 2.3" in issue.message  # the kernel's detail
    assert issue.location == "budget[0].costs[0] (from_points/to_points)"


def test_not_yaml_names_the_line(tmp_path):
    p = _write(tmp_path, "plan: {id: x\narea: [\n")
    (issue,) = _issues(p)
    assert "[plan-not-yaml]" in issue.message and issue.location.startswith("dòng ") and "/ line " in issue.location


def test_xlsx_round_trip_and_cell_locations(tmp_path):
    plan = load_plan(EXAMPLE)
    out = write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    again = load_plan(out)
    assert again.area == plan.area and again.rewards == plan.rewards and again.budget == plan.budget
    assert (again.year, again.reporting, again.issued_on) == (plan.year, plan.reporting, plan.issued_on)
    wb = openpyxl.load_workbook(out)
    ws = wb["Địa bàn"]
    header = [c.value for c in ws[1]]
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
    ws[f"{col['3 sao']}3"] = "nhiều"
    ws[f"{col['Mã']}4"] = "x9"
    wb["Thưởng"]["B2"] = -1
    wb.save(tmp_path / "bad.xlsx")
    issues = _issues(tmp_path / "bad.xlsx")
    where = {i.location: i.message for i in issues}
    assert "[target-count-invalid]" in where[f"'Địa bàn'!{col['3 sao']}3"]
    assert "[area-code-invalid]" in where[f"'Địa bàn'!{col['Mã']}4"]
    assert "[amount-invalid]" in where["'Thưởng'!B2"]


def test_convert_refuses_to_overwrite_its_input(tmp_path):
    src = tmp_path / "p.yaml"
    costs = (ROOT / "fixtures" / "costs.csv").as_posix()
    src.write_text(EXAMPLE.read_text(encoding="utf-8").replace("../costs.csv", costs), encoding="utf-8")
    r = CliRunner().invoke(cli, ["plan-file", "convert", str(src), "-o", str(tmp_path / "p.xlsx")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["plan-file", "convert", str(tmp_path / "p.xlsx"), "-o", str(tmp_path / "p.xlsx")])
    assert r.exit_code == 2


ENGLISH_MARKERS = {"a", "an", "the", "or", "each", "e.g.", "only", "with", "without", "number", "text", "digits",
                   "none", "use", "list", "another", "amount", "whole", "year", "date", "code"}


def _bilingual(text: str) -> bool:
    """Vietnamese first, then English: a ' / ' with Vietnamese (non-ASCII letters) before it."""
    vi, sep, en = text.partition(" / ")
    return bool(sep) and any(ord(ch) > 127 for ch in vi) and bool(en.strip())


def _check_bilingual(issues) -> None:
    import re

    for it in issues:
        m = re.match(r"^\[([a-z0-9-]+)\] (.+)$", it.message)
        assert m, it.message                                    # a stable code in brackets first
        assert _bilingual(m.group(2)), it.message
        allowed = it.allowed or ""
        names = all(re.fullmatch(r"[\w*.:-]+", x.strip()) for x in allowed.split(","))  # a list of keys / values
        words = {w.strip(",.;:()\"'").lower() for w in allowed.split()}
        if not names and words & ENGLISH_MARKERS:                              # prose saying what is allowed: both languages
            assert _bilingual(it.allowed), (it.message, it.allowed)


BROKEN = """
plan: {id: x, year: 1999, reportng: [quarter], issued_on: "31/02/2026", counts: sometimes}
area:
  level: province
  code: 30
  name: Hải Dương
  targets:
    stars: {2: 1, 4: -3, 3: abc}
    reading: sometimes
    upgrades: [{from: 4, to: 3, count: 1}]
  areas:
    - {level: province, code: "30", name: Hải Dương}
    - {level: commune, code: "1x", name: ""}
    - {level: district, code: "31", name: A, areas: [{level: commune, code: "32", name: B}]}
    - {level: district, code: "33", name: a}
    - {level: district, code: "34", name: C, targets: {stars: {4: 5, 3: 2}, reading: at_least}}
    - {level: district, code: "35", name: D, areas: {}}
rewards: {per_product: {3: -1}, upgrade: double}
budget:
  - {id: a, name: Bao bì, purpose: packaging, criteria: ["qd26-2026:42.7", "nope", "qd99:1.1"]}
  - {id: a, name: Nhãn, purpose: labels, area: "99", amount: abc, cost_table: missing.csv}
  - {id: b, name: Khác, purpose: nothing, costs: [1]}
"""


def test_every_validation_message_is_vietnamese_then_english(tmp_path):
    """Every problem a plan file can have is coded, located and worded in Vietnamese first, then English,
    including the kernel's cost-table problems and the XLSX reader's own."""
    issues = _issues(_write(tmp_path, BROKEN))
    codes = {i.message.split("]")[0][1:] for i in issues}
    assert {"plan-unknown-key", "plan-year-invalid", "plan-counts-invalid", "area-code-not-text", "area-level-order",
            "area-code-invalid", "area-name-duplicate", "target-not-cumulative", "upgrade-invalid",
            "target-count-invalid", "amount-invalid", "budget-criterion-invalid", "budget-area-unknown",
            "budget-cost-table-missing", "budget-purpose-invalid", "plan-not-a-list",
            "plan-not-a-mapping", "date-invalid"} <= codes, codes
    assert all(i.file == str(tmp_path / "plan.yaml") and i.location for i in issues)
    _check_bilingual(issues)
    costs = _write(tmp_path, _costs_plan([
        '{criteria_set: qd26-2026, form: "*", criterion: "2.3", from_points: 1, to_points: 9, cost: 5}',
        '{criteria_set: qd99, criterion: "2.3", from_points: 1, to_points: 2, cost: 5}',
        '{criterion: "42.1", from_points: 1, to_points: 2, cost: -5}',
        '{criterion: "2.3", from_points: 2, to_points: 1, cost: 5, colour: red}']), "costs.yaml")
    issues = _issues(costs)
    assert len(issues) >= 4 and all("[budget-costs-invalid]" in i.message for i in issues)
    for i in issues:  # the kernel's English detail follows a Vietnamese rendering of it
        detail = i.message.split("invalid criterion cost: ", 1)[1]
        assert _bilingual(detail), i.message
        assert not detail.startswith("bảng chi phí không hợp lệ"), i.message   # every one has its own translation
    _check_bilingual(issues)
    r = CliRunner().invoke(cli, ["plan-file", "validate", str(costs)])
    assert r.exit_code == 2 and "budget[0].costs[1]" in r.output and "giá trị / got 'qd99'" in r.output


def test_xlsx_messages_name_sheet_cell_and_are_bilingual(tmp_path):
    out = write_plan_xlsx(load_plan(EXAMPLE), tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Địa bàn"]
    ws["D5"] = "99999"                      # a parent code no row has
    wb["Chi phí"]["G3"] = -7                # a negative cost on the second cost row
    wb.create_sheet("Ghi chú")
    wb["Kinh phí"]["Z1"] = "Màu"
    wb.save(tmp_path / "bad.xlsx")
    issues = _issues(tmp_path / "bad.xlsx")
    where = {i.location: i.message for i in issues}
    assert "[plan-sheet-unknown]" in where["Ghi chú"] and "[plan-column-unknown]" in where["'Kinh phí'!Z1"]
    _check_bilingual(issues)
    wb = openpyxl.load_workbook(out)
    wb["Địa bàn"]["D5"] = "99999"
    wb.save(tmp_path / "bad2.xlsx")
    (issue,) = _issues(tmp_path / "bad2.xlsx")
    assert issue.location == "'Địa bàn'!D5" and "[area-parent-unknown]" in issue.message
    _check_bilingual([issue])
    wb = openpyxl.load_workbook(out)
    wb["Chi phí"]["G3"] = -7
    wb.save(tmp_path / "bad3.xlsx")
    (issue,) = _issues(tmp_path / "bad3.xlsx")
    assert issue.location == "'Chi phí'!3 (cost)" and "[budget-costs-invalid]" in issue.message
    _check_bilingual([issue])
