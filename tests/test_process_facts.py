"""Process facts as data (issue 13 item 5): what the criteria sets say, checked against the reference
(reference/qd26-2026-process.md), and the checks that keep edited packs honest."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pandas as pd
from hypothesis import given, strategies as st

from scoring import criteria as crit
from scoring.registry.dates import add_months, reevaluation_window


def test_qd26_process_facts_match_the_reference():
    p = crit.load_set("qd26-2026").process
    assert (p.certificate_months, p.certificate.ref, p.certificate.tag) == (36, "Điều 4 khoản 3", "CONFIRMED")
    assert (p.window_opens_days, p.window_closes_days, p.window.ref) == (180, 120, "Điều 7 khoản 6 điểm a")
    assert (p.reevaluation_days, p.reevaluation_day_kind) == (45, "calendar")
    assert (p.extension_days, p.extension_transitional, p.extension.ref) == (180, True, "Điều 12 khoản 3")
    assert [(d.level, d.number, d.proposed_before, d.finish_by) for d in p.round_deadlines] == [
        ("province", 1, (4, 30), (6, 30)), ("province", 2, (10, 30), (12, 30)),
        ("central", 1, (7, 30), (9, 30)), ("central", 2, (1, 30), (3, 30))]
    assert dict(p.min_rounds_per_year) == {"province": 2, "central": 2}
    assert [g.code for g in p.grounds] == ["a", "b", "c", "d", "đ", "e"] and p.grounds_closed
    assert p.ground("đ").text == "Chủ thể OCOP không còn hoạt động sản xuất sản phẩm OCOP."
    assert all(g.text_en and g.ref.startswith("Điều 8 khoản 1 điểm ") for g in p.grounds)


def test_older_sets_record_validity_and_their_gaps():
    for set_id in ("qd148-2023", "qd1048-2019"):
        p = crit.load_set(set_id).process
        assert p.certificate_months == 36 and p.certificate.tag == "CONFIRMED"
        assert p.window_opens_days is None and p.window.tag == "GAP"
        assert p.grounds == () and p.gaps


def test_an_edited_pack_with_inconsistent_process_facts_is_refused(tmp_path):
    root = tmp_path / "criteria"
    shutil.copytree(crit.load_set("qd26-2026").source_dir, root / "qd26-2026")
    path = root / "qd26-2026" / "set.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["process"]["reevaluation_window"]["opens_days_before_expiry"] = 100  # opens after it closes (120)
    doc["process"]["revocation_grounds"]["grounds"][1]["code"] = "a"  # two grounds "a"
    doc["process"]["reevaluation_limit"]["days"] = None  # no value but not tagged GAP
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    messages = [i.message for i in crit.validate_path(root / "qd26-2026")]
    assert any("window must open" in m for m in messages)
    assert any("same code" in m for m in messages)
    assert any("tagged GAP" in m for m in messages)


def test_36_months_by_hand():
    assert add_months(date(2026, 8, 31), 36) == date(2029, 8, 31)
    assert add_months(date(2028, 2, 29), 36) == date(2031, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # 2028 is a leap year
    # 2029-08-31 − 180 days = 2029-03-04; − 120 days = 2029-05-03
    w = reevaluation_window(date(2029, 8, 31))
    assert (w.opens_on, w.closes_on, w.set_id) == (date(2029, 3, 4), date(2029, 5, 3), "qd26-2026")


@given(st.dates(min_value=date(2019, 1, 1), max_value=date(2040, 12, 31)), st.integers(0, 120))
def test_add_months_agrees_with_pandas(day, months):
    # pandas' DateOffset(months=…) also keeps the day number and clips to the month's end
    assert add_months(day, months) == (pd.Timestamp(day) + pd.DateOffset(months=months)).date()
