"""Rule-engine behaviour on a synthetic set whose every number the test controls."""
from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import synthetic
from conftest import criteria_root
from scoring import DossierInvalid
from scoring.evaluate import evaluate
from scoring.resources import schema_path

LADDERS = {"1.1": [0, 5, 10, 20], "1.2": [0, 10, 20], "2.1": [0, 5, 15], "2.2": [0, 5, 10], "3": [0, 10, 20, 35]}
MARKS = {"1.1": {3: 10}, "1.2": {4: 20}, "2.1": {3: 5, 5: 15}, "3": {4: 20}}


@pytest.fixture(scope="module", autouse=True)
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("criteria")
    synthetic.write_set(root, [synthetic.form_doc(), synthetic.form_doc("mau-thieu", 2, "partial"),
                               synthetic.form_doc("mau-mat", 3, "missing")])
    with criteria_root(root):
        yield root


RESULT_VALIDATOR = Draft202012Validator(json.loads(schema_path("result").read_text(encoding="utf-8")))


def dossier(sheets, level="district", findings=(), form="mau-thu", **extra):
    return {"dossier_id": "T", "form": form, "level": level, "evaluated_on": "2099-03-01",
            "findings": list(findings), "sheets": [{"member": f"M{i}", "scores": s} for i, s in enumerate(sheets)],
            **extra}


def expected_stars(sheets, knocked=False):
    """Independent oracle written from the synthetic set's definition (not from the engine)."""
    if knocked:
        return 0
    n = len(sheets)
    total = sum(sum(v or 0 for v in s.values()) for s in sheets) / n
    band = 5 if total >= 90 else 4 if total >= 70 else 3 if total >= 50 else 2 if total >= 30 else 1
    cap = 5
    for crit, marks in MARKS.items():
        mean = sum(s.get(crit) or 0 for s in sheets) / n
        for stars, need in marks.items():
            if mean < need:
                cap = min(cap, stars - 1)
    return min(band, cap)


def _sheet_from(floor: int) -> st.SearchStrategy[dict[str, int]]:
    """Options at or above the floor-th step of each ladder: floors 2–3 give totals of 60–100, so
    the province → central gate and the 5★ band are reached, not only the middle of the range."""
    return st.fixed_dictionaries({k: st.sampled_from(v[min(floor, len(v) - 1):]) for k, v in LADDERS.items()})


sheet_st = st.integers(0, 3).flatmap(_sheet_from)

# Pinned sheets (totals in the comments) for the band edges; MARKS met unless said otherwise.
S = {
    25: {"1.1": 10, "1.2": 10, "2.1": 5, "2.2": 0, "3": 0},
    30: {"1.1": 10, "1.2": 10, "2.1": 5, "2.2": 5, "3": 0},
    45: {"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 0, "3": 10},
    50: {"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 5, "3": 10},
    65: {"1.1": 20, "1.2": 20, "2.1": 5, "2.2": 0, "3": 20},
    70: {"1.1": 20, "1.2": 20, "2.1": 5, "2.2": 5, "3": 20},
    "70-capped": {"1.1": 20, "1.2": 20, "2.1": 15, "2.2": 5, "3": 10},  # 3 below its 4★ mark → 3★
    85: {"1.1": 20, "1.2": 20, "2.1": 15, "2.2": 10, "3": 20},
    90: {"1.1": 20, "1.2": 20, "2.1": 15, "2.2": 0, "3": 35},
    "95-capped": {"1.1": 20, "1.2": 20, "2.1": 5, "2.2": 10, "3": 35},  # 2.1 below its 5★ mark → 4★
}
# With totals in steps of 5, six members give the closest mean below an edge: edge - 5/6.
EDGE_PINS = [[S[t]] * 5 + [S[t - 5]] for t in (30, 50, 70, 90)] + [[S[t]] for t in (30, 50, 70, 90)] + [
    [S["70-capped"]], [S["95-capped"]] * 3]


def pinned(*levels: str):
    """@example decorators: every edge pin at each level (a property must hit every band edge)."""
    def wrap(fn):
        for sheets in EDGE_PINS:
            for level in levels:
                fn = example(sheets, level)(fn)
        return fn
    return wrap


@given(st.lists(sheet_st, min_size=1, max_size=6), st.sampled_from(["district", "province", "central"]))
@pinned("district")
def test_stars_match_an_independent_oracle_and_results_validate(sheets, level):
    r = evaluate(dossier(sheets, level))
    assert r.stars == expected_stars(sheets)
    n = len(sheets)
    assert r.total == pytest.approx(sum(sum(s.values()) for s in sheets) / n, abs=1e-12)
    RESULT_VALIDATOR.validate(json.loads(json.dumps(r.to_dict())))
    fired_bands = [t["rule"] for t in r.trace if t["rule"].startswith("band.")]
    assert fired_bands == [f"band.{r.band_stars}"]  # exactly one band rule fires


@given(st.lists(sheet_st, min_size=1, max_size=5), st.data())
def test_raising_any_criterion_never_lowers_the_stars(sheets, data):
    before = evaluate(dossier(sheets)).stars
    m = data.draw(st.integers(0, len(sheets) - 1))
    crit = data.draw(st.sampled_from(sorted(LADDERS)))
    ladder = LADDERS[crit]
    higher = [p for p in ladder if p > sheets[m][crit]]
    if not higher:
        return
    raised = [dict(s) for s in sheets]
    raised[m][crit] = data.draw(st.sampled_from(higher))
    assert evaluate(dossier(raised)).stars >= before


@given(st.lists(sheet_st, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_result_is_invariant_under_member_order(sheets, rnd):
    a = evaluate(dossier(sheets)).to_dict()
    shuffled = list(enumerate(sheets))
    rnd.shuffle(shuffled)
    d = dossier([s for _, s in shuffled])
    d["sheets"] = [{"member": f"M{i}", "scores": s} for i, s in shuffled]
    b = evaluate(d).to_dict()
    for key in ("total", "band_stars", "stars", "status", "recognised_by", "escalate_to", "parts", "member_totals"):
        assert a[key] == b[key]
    assert sorted(u["requirement"] for u in a["unmet_minimums"]) == sorted(u["requirement"] for u in b["unmet_minimums"])


RECOGNISES = {"district": (3,), "province": (4,), "central": (5,)}  # the synthetic set's period
GATES = {"district": (70, "province"), "province": (90, "central")}


@given(st.lists(sheet_st, min_size=1, max_size=6), st.sampled_from(["district", "province", "central"]))
@pinned("district", "province", "central")
def test_gate_fires_exactly_when_the_total_reaches_it_at_its_level(sheets, level):
    """A dossier goes up when its total reaches the gate at the gate's level and its stars (after the
    minimums) are ones the next level certifies; a total at the gate with fewer stars stays, with a
    warning, and is recognised where its stars are certified."""
    r = evaluate(dossier(sheets, level))
    stars = expected_stars(sheets)
    total = sum(sum(s.values()) for s in sheets) / len(sheets)
    reaches = level in GATES and total >= GATES[level][0]
    fits = level in GATES and stars >= min(RECOGNISES[GATES[level][1]])
    assert r.escalate_to == (GATES[level][1] if reaches and fits else None)
    assert ("gate-held-by-stars" in [w["code"] for w in r.warnings]) == (reaches and not fits)
    recognised = stars in RECOGNISES[level]
    assert (r.status, r.recognised_by) == (("recognised", level) if recognised else ("not_recognised", None))


def test_knockout_disqualifies_and_stops_escalation():
    top = {k: v[-1] for k, v in LADDERS.items()}
    r = evaluate(dossier([top], findings=["forged-dossier"]))
    assert (r.stars, r.status, r.escalate_to, r.recognised_by) == (0, "disqualified", None, None)
    assert r.band_stars == 5 and [k["id"] for k in r.knockouts] == ["forged-dossier"]


def test_stop_evaluation_allows_criteria_left_out():
    r = evaluate(dossier([{"1.1": 20, "1.2": 20}], findings=["foreign-matter"]))
    assert r.status == "disqualified"
    assert any(c["note"].startswith("không chấm") for c in r.criteria if c.get("note"))


def test_story_criterion_not_applicable_scores_zero_with_a_note():
    s = {"1.1": 20, "1.2": 20, "2.1": 15, "3": 35}
    r = evaluate(dossier([s]))
    crit = next(c for c in r.criteria if c["id"] == "2.2")
    assert crit["applicable"] is False and crit["mean"] == 0
    assert any(t["rule"] == "applicability.story" for t in r.trace)


def test_story_criterion_left_out_when_story_exists_is_an_error():
    s = {"1.1": 20, "1.2": 20, "2.1": 15, "3": 35}
    with pytest.raises(DossierInvalid) as exc:
        evaluate(dossier([s], story_exists=True))
    assert "2.2" in str(exc.value)


def test_spread_over_ten_points_warns():
    low = {"1.1": 5, "1.2": 10, "2.1": 5, "2.2": 5, "3": 10}
    high = {"1.1": 10, "1.2": 10, "2.1": 5, "2.2": 5, "3": 20}
    r = evaluate(dossier([low, high]))
    assert "council-spread" in [w["code"] for w in r.warnings]
    r2 = evaluate(dossier([low, low]))
    assert "council-spread" not in [w["code"] for w in r2.warnings]
    # max_spread null (allowed in set.json and as an override) means no spread check, not "any spread"
    r3 = evaluate(dossier([low, high]), overrides={"max_spread": None})
    assert "council-spread" not in [w["code"] for w in r3.warnings]
    assert not any(t["rule"] == "council.spread" for t in r3.trace)
    assert "council-spread" in [w["code"] for w in evaluate(dossier([low, high]), overrides={"max_spread": 5}).warnings]


def test_suspected_typo_warns_only_when_the_score_uses_it():
    base = {"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 5, "3": 20}
    assert "suspected-typo" not in [w["code"] for w in evaluate(dossier([base])).warnings]
    base["1.2"] = 10
    assert "suspected-typo" in [w["code"] for w in evaluate(dossier([base])).warnings]


def test_partial_form_scores_with_a_warning_and_missing_form_is_refused():
    s = {"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 5, "3": 20}
    r = evaluate(dossier([s], form="mau-thieu"))
    assert "partial-form" in [w["code"] for w in r.warnings]
    with pytest.raises(DossierInvalid) as exc:
        evaluate(dossier([s], form="mau-mat"))
    assert "missing from our sources" in str(exc.value)


@pytest.mark.parametrize("change, where, fragment", [
    (lambda d: d.update(form="khong-co"), "form", "unknown form"),
    (lambda d: d["sheets"][0]["scores"].update({"9.9": 1}), "scores.9.9", "not on form"),
    (lambda d: d["sheets"][0]["scores"].update({"1.1": 7}), "scores.1.1", "not an option"),
    (lambda d: d["sheets"][0]["scores"].pop("1.2"), "scores.1.2", "left out"),
    (lambda d: d["sheets"].append(dict(d["sheets"][0])), "sheets[1].member", "duplicate member"),
    (lambda d: d.update(level="commune"), "level", "no council scores at this level"),
    (lambda d: d.update(evaluated_on="2020-01-01"), "evaluated_on", "no criteria set is in force"),
    (lambda d: d.update(criteria_set="qd1-2000"), "criteria_set", "unknown criteria set"),
    (lambda d: d.update(findings=["khong-ro"]), "findings[0]", "unknown finding"),
])
def test_invalid_dossiers_name_the_field_the_value_and_what_is_allowed(change, where, fragment):
    d = dossier([{"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 5, "3": 20}])
    change(d)
    with pytest.raises(DossierInvalid) as exc:
        evaluate(d)
    issue = next(i for i in exc.value.issues if fragment in i.message)
    assert where in (issue.location or "")
    assert issue.allowed


def test_overrides_change_thresholds_without_editing_rules():
    s = {"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 5, "3": 20}  # 60 points
    assert evaluate(dossier([s])).escalate_to is None
    r = evaluate(dossier([s]), overrides={"gates": {"district-to-province": 60}})
    assert r.escalate_to is None and "gate-held-by-stars" in [w["code"] for w in r.warnings]  # 3★: the district's
    r = evaluate(dossier([s]), overrides={"bands": {4: 60}})
    assert r.band_stars == 4
    r = evaluate(dossier([s]), overrides={"bands": {4: 60}, "gates": {"district-to-province": 60}})
    assert (r.stars, r.escalate_to) == (4, "province")


@pytest.mark.parametrize("overrides, location, code", [
    ({"bands": {7: 60}}, "overrides.bands.7", "override-band-stars"),
    ({"bands": {"x": 60}}, "overrides.bands.x", "override-band-stars"),
    ({"bands": {4: "cao"}}, "overrides.bands.4", "override-not-a-number"),
    ({"bands": {4: 40}}, "overrides.bands", "override-bands-order"),
    ({"gates": {"nowhere": 60}}, "overrides.gates.nowhere", "override-gate-unknown"),
    ({"gates": {"district-to-province": float("nan")}}, "overrides.gates.district-to-province", "override-not-a-number"),
    ({"max_spread": -1}, "overrides.max_spread", "override-spread-negative"),
    ({"band": {4: 60}}, "overrides", "override-unknown"),
])
def test_a_bad_override_names_the_field_in_our_error(overrides, location, code):
    from scoring.errors import PolicyInvalid

    s = {"1.1": 10, "1.2": 20, "2.1": 5, "2.2": 5, "3": 20}
    with pytest.raises(PolicyInvalid) as exc:
        evaluate(dossier([s]), overrides=overrides)
    (issue,) = exc.value.issues
    assert issue.location == location and f"[{code}]" in issue.message and issue.allowed
    assert isinstance(exc.value, ValueError)  # what the library raised before


def test_a_set_whose_max_spread_is_null_has_no_spread_check(tmp_path):
    """set.json may say `max_spread: null` (no spread rule in that set): no warning on any spread."""
    import json as _json

    folder = synthetic.write_set(tmp_path)
    doc = _json.loads((folder / "set.json").read_text(encoding="utf-8"))
    doc["council"]["max_spread"] = None
    (folder / "set.json").write_text(_json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    low = {"1.1": 5, "1.2": 10, "2.1": 5, "2.2": 5, "3": 10}
    high = {"1.1": 20, "1.2": 20, "2.1": 15, "2.2": 10, "3": 35}
    with criteria_root(tmp_path):
        r = evaluate(dossier([low, high]))
    assert r.total == 67.5 and "council-spread" not in [w["code"] for w in r.warnings]
