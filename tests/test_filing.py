"""Dossier kind, lodging day and previous certificate (issue 13 item 4), on every boundary day, on both
executors: `evaluate` (the rule engine) and `evaluate_batch` (the vectorized scorer) of the same dossiers.

Expected values are the decisions' own dates, computed here by hand:
- QĐ 26/2026 in force from 2026-05-22; files lodged before finish under QĐ 148 within 60 days
  (evaluated on or before 2026-07-21) if new or upgrade, within 30 days (2026-06-21) if re-evaluations;
- a re-evaluation is filed 180 to 120 days before the certificate expires (Điều 7.6.a); for a certificate
  expiring 2027-06-30 that is 2026-12-31 (180 days) to 2027-03-02 (120 days);
- Điều 12 k3: a certificate expiring 2026-08-01 (last filing day 2026-04-03, before 2026-05-22) stays
  valid until decided, at most 180 days after expiry: until 2027-01-28.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from conformance import differences, frame_of
from scoring import DossierInvalid, evaluate, evaluate_batch

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers"
OLD = json.loads((FIX / "qd148-province-69.json").read_text(encoding="utf-8"))  # QĐ 148 rice form, province
NEW = json.loads((FIX / "qd26-2026-90.json").read_text(encoding="utf-8"))  # QĐ 26/2026 vegetables, province


def _d(base: dict, did: str, evaluated_on: str, set_id: str | None = None, **filing) -> dict:
    d = {k: v for k, v in base.items() if k not in ("criteria_set", "notes")}
    d.update(dossier_id=did, evaluated_on=evaluated_on, **filing)
    if set_id:
        d["criteria_set"] = set_id
    return d


# (dossier, expected set or None when refused, the refused field)
SET_CASES = [
    # no set named: the lodging day and the kind choose it
    (_d(OLD, "new-lodged-0521-eval-0721", "2026-07-21", lodged_on="2026-05-21"), "qd148-2023", None),
    (_d(OLD, "new-lodged-0521-eval-0722", "2026-07-22", lodged_on="2026-05-21"), None, "evaluated_on"),
    (_d(OLD, "upgrade-lodged-0521-eval-0721", "2026-07-21", kind="upgrade", lodged_on="2026-05-21"), "qd148-2023", None),
    (_d(OLD, "upgrade-lodged-0521-eval-0722", "2026-07-22", kind="upgrade", lodged_on="2026-05-21"), None,
     "evaluated_on"),
    (_d(OLD, "reeval-lodged-0521-eval-0621", "2026-06-21", kind="re-evaluation", lodged_on="2026-05-21"),
     "qd148-2023", None),
    (_d(OLD, "reeval-lodged-0521-eval-0622", "2026-06-22", kind="re-evaluation", lodged_on="2026-05-21"), None,
     "evaluated_on"),
    (_d(OLD, "new-lodged-0521-eval-0522", "2026-05-22", lodged_on="2026-05-21"), "qd148-2023", None),
    (_d(NEW, "new-lodged-0522-eval-0522", "2026-05-22", lodged_on="2026-05-22"), "qd26-2026", None),
    (_d(OLD, "no-lodging-eval-0521", "2026-05-21"), "qd148-2023", None),
    (_d(NEW, "no-lodging-eval-0522", "2026-05-22", kind="re-evaluation"), "qd26-2026", None),
    (_d(OLD, "lodged-after-evaluated", "2026-05-20", lodged_on="2026-05-21"), None, "lodged_on"),
    # the set named: checked against the same windows
    (_d(OLD, "named-148-reeval-0621", "2026-06-21", "qd148-2023", kind="re-evaluation"), "qd148-2023", None),
    (_d(OLD, "named-148-reeval-0622", "2026-06-22", "qd148-2023", kind="re-evaluation"), None, "evaluated_on"),
    (_d(OLD, "named-148-new-0721", "2026-07-21", "qd148-2023", lodged_on="2026-05-21"), "qd148-2023", None),
    (_d(OLD, "named-148-new-0722", "2026-07-22", "qd148-2023", lodged_on="2026-05-21"), None, "evaluated_on"),
    (_d(OLD, "named-148-lodged-0522", "2026-06-01", "qd148-2023", lodged_on="2026-05-22"), None, "lodged_on"),
    (_d(NEW, "named-26-lodged-0521-eval-0721", "2026-07-21", "qd26-2026", lodged_on="2026-05-21"), None,
     "criteria_set"),
    (_d(NEW, "named-26-lodged-0521-eval-0722", "2026-07-22", "qd26-2026", lodged_on="2026-05-21"), "qd26-2026", None),
    (_d(NEW, "named-26-reeval-lodged-0521-eval-0622", "2026-06-22", "qd26-2026", kind="re-evaluation",
        lodged_on="2026-05-21"), "qd26-2026", None),
]

EXPIRES = date(2027, 6, 30)
SHORT = date(2026, 8, 1)  # expires too soon after 2026-05-22 for the 180–120-day window: Điều 12 k3


def _reeval(did: str, lodged: date, evaluated: date, expires: date) -> dict:
    return _d(NEW, did, evaluated.isoformat(), kind="re-evaluation", lodged_on=lodged.isoformat(),
              previous_certificate={"expires_on": expires.isoformat(), "stars": 4, "number": "123/QĐ-UBND"})


# (dossier, the filing warnings expected)
WARNING_CASES = [
    (_reeval("window-181", EXPIRES - timedelta(days=181), date(2027, 2, 1), EXPIRES), ["re-evaluation-window"]),
    (_reeval("window-180", EXPIRES - timedelta(days=180), date(2027, 2, 1), EXPIRES), []),
    (_reeval("window-120", EXPIRES - timedelta(days=120), date(2027, 4, 1), EXPIRES), []),
    (_reeval("window-119", EXPIRES - timedelta(days=119), date(2027, 4, 1), EXPIRES), ["re-evaluation-window"]),
    (_reeval("expired-0", EXPIRES - timedelta(days=150), EXPIRES, EXPIRES), []),
    (_reeval("expired-1", EXPIRES - timedelta(days=150), EXPIRES + timedelta(days=1), EXPIRES),
     ["previous-certificate-expired"]),
    # Điều 12 k3: late filing not warned; valid until decided, at most 180 days after expiry
    (_reeval("k3-0", date(2026, 6, 1), SHORT, SHORT), []),
    (_reeval("k3-1", date(2026, 6, 1), SHORT + timedelta(days=1), SHORT), ["certificate-extended"]),
    (_reeval("k3-180", date(2026, 6, 1), SHORT + timedelta(days=180), SHORT), ["certificate-extended"]),
    (_reeval("k3-181", date(2026, 6, 1), SHORT + timedelta(days=181), SHORT), ["previous-certificate-expired"]),
    # a new file carries no window, whatever its dates
    (_d(NEW, "new-with-dates", "2027-02-01", lodged_on=(EXPIRES - timedelta(days=181)).isoformat(),
        previous_certificate={"expires_on": EXPIRES.isoformat()}), []),
]
FILING_WARNINGS = {"re-evaluation-window", "certificate-extended", "previous-certificate-expired"}


def test_the_boundary_dates_are_the_decisions():
    assert date(2026, 5, 22) + timedelta(days=60) == date(2026, 7, 21)
    assert date(2026, 5, 22) + timedelta(days=30) == date(2026, 6, 21)
    assert SHORT - timedelta(days=120) < date(2026, 5, 22) <= SHORT + timedelta(days=180)
    assert SHORT + timedelta(days=180) == date(2027, 1, 28)


@pytest.fixture(scope="module")
def batch():
    dossiers = [d for d, *_ in SET_CASES] + [d for d, _ in WARNING_CASES]
    results, rejects = evaluate_batch(frame_of(dossiers))
    assert len(results) + len(rejects) == len(dossiers)
    return results.set_index("dossier_id"), rejects.set_index("dossier_id")["reason"]


@pytest.mark.parametrize("d, expected, field", SET_CASES, ids=[d["dossier_id"] for d, *_ in SET_CASES])
def test_set_and_refusals_on_every_transition_boundary_day_on_both_executors(batch, d, expected, field):
    results, reasons = batch
    if expected is None:
        with pytest.raises(DossierInvalid) as info:
            evaluate(d)
        (issue,) = info.value.issues
        assert issue.location == field, str(issue)
        assert reasons[d["dossier_id"]] == str(issue)  # the batch gives the single path's message
        return
    r = evaluate(d)
    assert r.criteria_set == expected
    assert (r.kind, r.lodged_on) == (d.get("kind", "new"), d.get("lodged_on"))
    assert ("transition" in [w["code"] for w in r.warnings]) == (expected == "qd148-2023" and d["evaluated_on"] >= "2026-05-22")
    assert differences(r, results.loc[d["dossier_id"]]) == []


@pytest.mark.parametrize("d, expected", WARNING_CASES, ids=[d["dossier_id"] for d, _ in WARNING_CASES])
def test_re_evaluation_window_and_extension_on_every_boundary_day_on_both_executors(batch, d, expected):
    results, _ = batch
    r = evaluate(d)
    assert r.criteria_set == "qd26-2026"
    assert [w["code"] for w in r.warnings if w["code"] in FILING_WARNINGS] == expected
    assert differences(r, results.loc[d["dossier_id"]]) == []


def test_the_warning_says_the_days_in_both_languages():
    r = evaluate(WARNING_CASES[0][0])
    (w,) = [w for w in r.warnings if w["code"] == "re-evaluation-window"]
    assert "181 ngày" in w["vi"] and "181 days" in w["en"] and "Điều 7" in w["vi"]


def test_the_window_days_come_from_the_sets_process_data():
    """rules/15-filing.json names no day count: the window and the extension are the set's data."""
    from dataclasses import replace

    from scoring.criteria import load_all
    from scoring.rules.params import rule_params
    from scoring.rules.spec import instantiate

    r = evaluate(WARNING_CASES[0][0])
    (w,) = [w for w in r.warnings if w["code"] == "re-evaluation-window"]
    assert "sớm hơn 180 ngày" in w["vi"] and "no earlier than 180 and no later than 120 days" in w["en"]
    cs = load_all()["qd26-2026"]
    wider = replace(cs, process=replace(cs.process, window_opens_days=200))
    (early,) = [x for x in instantiate(rule_params(wider, cs.periods[-1])) if x.id == "filing.re-evaluation-early"]
    assert ("days_before_expiry", ">", 200) in [(c.field, c.op, c.value) for c in early.conditions]
    none = replace(cs, process=replace(cs.process, window_opens_days=None))  # a set recording no window
    (early,) = [x for x in instantiate(rule_params(none, cs.periods[-1])) if x.id == "filing.re-evaluation-early"]
    assert early.never


def test_batch_reads_the_filing_columns_under_vietnamese_headers_and_kind_names():
    d = _d(OLD, "VI-1", "2026-06-21", kind="re-evaluation", lodged_on="2026-05-21")
    frame = frame_of([d]).rename(columns={"kind": "Loại hồ sơ", "lodged_on": "Ngày nộp hồ sơ"})
    frame["Loại hồ sơ"] = "Phân hạng lại"
    results, rejects = evaluate_batch(frame)
    assert rejects.empty, rejects.to_dict("records")
    row = results.iloc[0]
    assert (row["criteria_set"], row["kind"], row["lodged_on"]) == ("qd148-2023", "re-evaluation", "2026-05-21")
    frame["Ngày nộp hồ sơ"], frame["Ngày đánh giá"] = "2026-05-21", "2026-06-22"
    frame = frame.drop(columns=["evaluated_on"])
    _, rejects = evaluate_batch(frame)
    assert "21/06/2026" in rejects.iloc[0]["reason"]


def test_an_unknown_kind_is_refused_naming_the_kinds():
    d = _d(NEW, "K", "2026-09-01", kind="renewal")
    with pytest.raises(DossierInvalid) as info:
        evaluate(d)
    assert "kind" in str(info.value) and "re-evaluation" in str(info.value)
    _, rejects = evaluate_batch(frame_of([d]))
    assert rejects.iloc[0]["reason"] == "; ".join(str(i) for i in info.value.issues)


def test_the_vietnamese_sentence_uses_vietnamese_dates():
    r = evaluate(WARNING_CASES[0][0])
    (w,) = [w for w in r.warnings if w["code"] == "re-evaluation-window"]
    assert "31/12/2026" in w["vi"] and "2026-12-31" not in w["vi"] and "30/06/2027" in w["vi"] and "2027-06-30" in w["en"]


def test_a_transition_window_outside_the_sets_lapse_is_refused_by_validate(tmp_path):
    import shutil

    from click.testing import CliRunner

    from scoring.cli import cli
    from scoring.resources import data_dir

    root = tmp_path / "criteria"
    shutil.copytree(data_dir("criteria"), root, ignore=shutil.ignore_patterns("schema-stamps.txt"))
    path = root / "qd148-2023" / "set.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["in_force"]["finish_by"]["kinds"]["re-evaluation"] = "2026-07-22"  # after lapses (2026-07-21)
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    res = CliRunner().invoke(cli, ["criteria", "validate", str(root / "qd148-2023")])
    assert res.exit_code == 2 and "in_force.finish_by.kinds.re-evaluation" in res.output
