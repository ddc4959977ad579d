"""The synthetic cohort looks like a real round: councils mostly agree, levels follow the process,
and the rarer cases (knock-outs, QĐ 781 findings, story_exists, omitted set, one member) occur."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.batch import evaluate_batch
from scoring.synth import generate_cohort


@pytest.fixture(scope="module")
def cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = generate_cohort(4000, seed=17)
    results, rejects = evaluate_batch(frame)
    assert len(rejects) == 0, rejects["reason"].head().tolist()
    return frame, results


def test_same_seed_same_cohort():
    pd.testing.assert_frame_equal(generate_cohort(50, seed=3), generate_cohort(50, seed=3))
    assert not generate_cohort(50, seed=3).equals(generate_cohort(50, seed=4))


def test_most_councils_agree_within_ten_points(cohort):
    _, results = cohort
    spread = results["warnings"].str.contains("council-spread").mean()
    assert 0.01 < spread < 0.15, spread


def test_levels_follow_the_process(cohort):
    _, r = cohort
    scored = r[r["knockouts"] == ""]  # an evaluation stopped by a knock-out may end anywhere
    central = scored[scored["level"] == "central"]
    assert len(central) and (central["total"] >= 88).all()
    three_level = scored["period"].isin(["qd1048", "qd148-three-level"])
    province = scored[three_level & (scored["level"] == "province")]
    assert (province["total"] >= 50).mean() > 0.9
    district = scored[scored["level"] == "district"]
    assert (district["total"] < 50).mean() > 0.3 and (district["total"] >= 70).mean() > 0.05  # broad


def test_rare_cases_occur_at_small_rates(cohort):
    frame, r = cohort
    per = frame.groupby("dossier_id", sort=False).first()
    n = len(per)
    rates = {
        "single member": (r["members"] == 1).mean(),
        "omitted criteria_set": (per["criteria_set"] == "").mean(),
        "story_exists given": (per["story_exists"] != "").mean(),
        "story_exists false": (per["story_exists"] == "không").mean(),
        "QĐ 781 finding": per["findings"].str.contains("qd781").mean(),
        "knock-out": (r["knockouts"] != "").mean(),
    }
    for name, rate in rates.items():
        assert 0 < rate < 0.2, (name, rate, n)
    stopped = frame.groupby("dossier_id", sort=False)[[c for c in frame.columns if c[0].isdigit()]].first()
    assert (stopped.isna().sum(axis=1) >= 3).any()  # an evaluation stopped: later criteria left empty
    assert (r["total"].sub(np.round(r["total"] / 10) * 10).abs() <= 1).mean() > 0.1  # borderline totals
