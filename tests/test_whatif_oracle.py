"""`upgrade_plan` is optimal: a brute force over every option combination, written from the decision.

The oracle shares nothing with the implementation but the criteria data: it enumerates, for every
criterion, every final option a plan may pick, scores each combination itself (mean of member
totals → band; a criterion below an option marked for a level caps the stars below that level;
story-only criteria count only once a story exists, i.e. once the story criterion leaves its
"Không có câu chuyện" option, and are then scored from their lowest option; a criterion with
alternative ladders stays on the ladder its points fit, and on the options common to every fitting
ladder when the points fit several) and prices it (steps on that ladder, or the cheapest chain of
rows of a cost table; "all_members" from the lowest member's option, "mean" as the mean over
members of each member's own price). Synthetic forms (2–5 criteria) are written over four forms of
a copy of QĐ 26/2026, so the real loader, validator and rule engine handle them.
"""
from __future__ import annotations

import itertools
import json
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples, criteria_root
from scoring import criteria
from scoring.evaluate import evaluate
from scoring.resources import criteria_dir
from scoring.whatif import load_costs, upgrade_plan

NO_STORY = "Không có câu chuyện sản phẩm"


def is_story_criterion(leaf) -> bool:
    """The criterion whose lowest option reads "Không có câu chuyện…" (no story), as the forms print it."""
    return not leaf.applies_when and min(leaf.options, key=lambda o: o.points).text.startswith("Không có câu chuyện")


def _leaf(num, pts, marks=None, cases=None, story_only=False, texts=None):
    marks, texts = marks or {}, texts or {}
    if cases:  # {case id: ladder}
        opts = [{"points": p, "text": f"{c}: mức {p}", "case": c} for c, ladder in cases.items() for p in ladder]
    else:
        # the option printed "Không có câu chuyện…" carries the data's flag, as the shipped forms do
        opts = [{"points": p, "text": texts.get(p, f"mức {p}"), **({"means": "no_story"} if texts.get(p) == NO_STORY else {})}
                for p in pts]
    for o in opts:
        if o["points"] in marks:
            o["stars"] = marks[o["points"]]
    out = {"number": num, "label": f"tiêu chí {num}", "gloss": f"criterion {num}", "max": max(o["points"] for o in opts),
           "options": opts}
    if cases:
        out["cases"] = [{"id": c, "label": f"Trường hợp {c}"} for c in cases]
    if story_only:
        out["applies_when"] = "story_exists"
    return out


# part → [(group, [leaves])]; every ladder is non-contiguous somewhere, every form has a star mark
FORMS = {
    "two": [[("1", [_leaf("1.1", [0, 1, 3, 5], {3: 3})])], [], [("3", [_leaf("3.1", [0, 2, 5], {5: 4})])]],
    "story": [[("1", [_leaf("1.1", [0, 1, 3, 5], {1: 3})])],
              [("5", [_leaf("5.1", [0, 1, 3, 5], {3: 4}, texts={0: NO_STORY}), _leaf("5.2", [0, 1, 2], story_only=True)])],
              [("3", [_leaf("3.1", [1, 2, 4])])]],
    "cases": [[("1", [_leaf("1.1", [0, 2, 3, 5])])],
              [("2", [_leaf("2.2", None, cases={"a": [1, 2], "b": [0, 1]}), _leaf("2.3", [0, 1, 3], {1: 3})])],
              [("3", [_leaf("3.1", [0, 1, 2, 3], {3: 5})])]],
    "five": [[("1", [_leaf("1.1", [0, 1, 3, 5], {1: 3, 3: 4}), _leaf("1.2", [1, 3])])],
             [("5", [_leaf("5.1", [0, 1, 2], texts={0: NO_STORY}), _leaf("5.2", [1, 2], story_only=True)])],
             [("3", [_leaf("3.1", None, cases={"a": [0, 2, 4], "b": [1, 2, 3]})])]],
}
SLUGS: dict[str, str] = {}


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    shutil.copytree(criteria_dir() / "qd26-2026", root / "qd26-2026")
    forms = sorted((root / "qd26-2026" / "forms").glob("*.json"))
    for (name, parts), path in zip(FORMS.items(), forms[1:]):
        doc = json.loads(path.read_text(encoding="utf-8"))
        SLUGS[name] = doc["slug"]
        out = []
        for part, groups in zip(doc["parts"], parts):
            kids = [{"number": g, "label": f"nhóm {g}", "gloss": f"group {g}", "max": sum(x["max"] for x in leaves),
                     "children": leaves} for g, leaves in groups]
            out.append(dict(part, children=kids, max=sum(k["max"] for k in kids)))
        doc.update(parts=out, status="partial", knockouts=[])
        doc["provenance"] = dict(doc["provenance"], anomalies=[])
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture()
def synthetic(synthetic_root):
    with criteria_root(synthetic_root):
        cs = criteria.load_set("qd26-2026")
        yield {name: cs.form(slug) for name, slug in SLUGS.items()}


def bands_for(form) -> dict[int, float]:
    """Bands scaled to the form's maximum (a policy override), so that every target is within reach."""
    return {s: round(form.max * f, 1) for s, f in ((5, 0.9), (4, 0.7), (3, 0.5), (2, 0.3))}


# ----------------------------------------------------------------------------------------- the oracle


def _cases_of(leaf) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for o in leaf.options:
        out.setdefault(o.case, []).append(o.points)
    return {c: sorted(v) for c, v in out.items()}


def allowed_ladder(leaf, member_points, stated=None) -> list[int]:
    if not leaf.cases:
        return sorted({o.points for o in leaf.options})
    if stated:
        return _cases_of(leaf)[stated]
    fit = [set(ladder) for ladder in _cases_of(leaf).values() if set(member_points) <= set(ladder)]
    return sorted(set.intersection(*fit)) if fit else sorted({o.points for o in leaf.options})


def cheapest_chain(edges: dict[tuple[int, int], float], ladder: list[int], a: int, b: int) -> float | None:
    """Cheapest sum of priced steps from a to b going up the ladder (None: no chain)."""
    best = {a: 0.0}
    for node in ladder:
        if node not in best:
            continue
        for (x, y), c in edges.items():
            if x == node and y in ladder and y > x and (y not in best or best[node] + c < best[y]):
                best[y] = best[node] + c
    return best.get(b)


def oracle(form, sheets, story_exists, target, bands, assume="all_members", edges=None, cases=None):
    """The least cost over every combination of final options, or None if none reaches `target`."""
    leaves = form.leaves
    M = len(sheets)
    story_li = next((i for i, leaf in enumerate(leaves) if is_story_criterion(leaf)), None)
    dependent = [i for i, leaf in enumerate(leaves) if leaf.applies_when == "story_exists"]
    cur = {i: [s.get(leaf.number) for s in sheets] for i, leaf in enumerate(leaves)}
    cases = cases or {}

    def price(leaf, ladder, a, b):
        if a == b:
            return 0.0
        if edges is None:
            return float(ladder.index(b) - ladder.index(a))
        return cheapest_chain(edges.get(leaf.number, {}), ladder, a, b)

    choices = []
    for i, leaf in enumerate(leaves):
        if i in dependent and not story_exists:
            ladder = sorted({o.points for o in leaf.options})  # scored from its lowest option if a story is created
            choices.append(ladder)
            continue
        ladder = allowed_ladder(leaf, cur[i], cases.get(leaf.number))
        choices.append([v for v in ladder if v >= min(cur[i])])
    ordered = sorted(bands.items(), reverse=True)
    best = None
    for combo in itertools.product(*choices):
        has_story = story_exists or (story_li is not None and combo[story_li] > 0)
        if not story_exists and story_li is not None and not has_story and any(combo[i] != choices[i][0] for i in dependent):
            continue  # no story: the story-only criteria stay unscored (one representative combination)
        totals = np.zeros(M)
        means, cost, ok = {}, 0.0, True
        for i, (leaf, v) in enumerate(zip(leaves, combo)):
            if i in dependent and not has_story:
                means[i] = None
                continue
            if i in dependent and not story_exists:
                start = [choices[i][0]] * M
                ladder = choices[i]
            else:
                start = cur[i]
                ladder = allowed_ladder(leaf, cur[i], cases.get(leaf.number))
            final = [max(p, v) for p in start]
            totals += final
            means[i] = Fraction(sum(final), M)
            if assume == "all_members":
                c = price(leaf, ladder, min(start), v)
            else:
                parts = [price(leaf, ladder, p, v) for p in start if p < v]
                c = None if any(x is None for x in parts) else sum(parts) / M
            if c is None:
                ok = False
                break
            cost += c
        if not ok:
            continue
        total = Fraction(int(totals.sum()), M)
        stars = next((s for s, lo in ordered if total >= Fraction(str(lo))), 1)
        for i, leaf in enumerate(leaves):
            if means[i] is None:
                continue
            for level in (3, 4, 5):
                need = min([o.points for o in leaf.options if o.stars == level], default=None)
                if need is not None and means[i] < need:
                    stars = min(stars, level - 1)
        if stars >= target and (best is None or cost < best - 1e-9):
            best = cost
    return best


# ----------------------------------------------------------------------------------------- strategies


@st.composite
def cases_st(draw, form):
    leaves = form.leaves
    story_li = next((i for i, leaf in enumerate(leaves) if is_story_criterion(leaf)), None)
    story = draw(st.booleans()) if story_li is not None else True
    M = draw(st.integers(1, 3))
    sheets = []
    case_pick = {leaf.number: draw(st.sampled_from(sorted(_cases_of(leaf)))) for leaf in leaves if leaf.cases}
    stated = {n: c for n, c in case_pick.items() if draw(st.booleans())}  # a council may state the case
    for _ in range(M):
        s = {}
        for i, leaf in enumerate(leaves):
            if leaf.applies_when == "story_exists" and not story:
                s[leaf.number] = None
            elif i == story_li:
                s[leaf.number] = draw(st.sampled_from([p for p in leaf.points if (p > 0) == story]))
            elif leaf.cases:  # a council scores one case (members on different ladders are refused)
                s[leaf.number] = draw(st.sampled_from(_cases_of(leaf)[case_pick[leaf.number]]))
            else:
                s[leaf.number] = draw(st.sampled_from(list(leaf.points)))
        sheets.append(s)
    return sheets, story, stated


def dossier(form, sheets, story, cases=None):
    d = {"dossier_id": "SYN", "criteria_set": "qd26-2026", "form": form.slug, "level": "province",
         "evaluated_on": "2026-08-01", "story_exists": story,
         "sheets": [{"member": f"M{i}", "scores": s} for i, s in enumerate(sheets)]}
    if cases:
        d["cases"] = cases
    return d


def check(form, sheets, story, target, assume="all_members", edges=None, bands=None, cases=None):
    bands = bands or bands_for(form)
    model = None
    if edges is not None:
        model = load_costs([{"form": form.slug, "criterion": n, "from_points": a, "to_points": b, "cost": c}
                            for n, e in edges.items() for (a, b), c in e.items()])
    p = upgrade_plan(dossier(form, sheets, story, cases), target, model, assume=assume, overrides={"bands": bands})
    expected = oracle(form, sheets, story, target, bands, assume, edges, cases)
    if expected is None:
        assert not p.feasible and p.reason, p.as_dict(with_result=False)
        return None
    assert p.feasible, (p.reason, expected)
    assert p.cost == pytest.approx(expected), (p.as_dict(with_result=False), expected)
    after = p.result_after
    assert after.stars >= target
    # never lowers a criterion, never beyond an option's max; story-only criteria scored iff a story exists
    for c in after.criteria:
        for m, pts in c["points"].items():
            before = sheets[int(m[1:])][c["id"]]
            if before is not None:
                assert pts >= before
            assert pts is None or pts <= c["max"]
        if form.leaf(c["id"]).applies_when:
            assert c["applicable"] == (story or p.story_created)
    # the plan applied to the JSON dossier, validated and re-scored from scratch, gives the same result
    raised = [dict(s) for s in sheets]
    for u in p.upgrades:
        for s in raised:
            s[u.criterion] = max(s[u.criterion] if s[u.criterion] is not None else -1, u.to_points)
    if p.story_created:
        for leaf in form.leaves:
            if leaf.applies_when:
                for s in raised:
                    s[leaf.number] = s[leaf.number] if s[leaf.number] is not None else min(leaf.points)
    again = evaluate(dossier(form, raised, story or p.story_created, cases), overrides={"bands": bands})
    assert again.stars == after.stars and again.total == pytest.approx(after.total)
    return expected


EDGES = st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 5)).filter(lambda e: e[0] < e[1]),
                        st.integers(1, 30), max_size=6)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), name=st.sampled_from(sorted(FORMS)), target=st.integers(2, 5),
       assume=st.sampled_from(["all_members", "mean"]), priced=st.booleans())
def test_plan_is_optimal_against_brute_force_on_synthetic_forms(synthetic, data, name, target, assume, priced):
    form = synthetic[name]
    sheets, story, stated = data.draw(cases_st(form))
    edges = None
    if priced:  # a cost table: every adjacent step priced (so most targets stay reachable) plus some jumps
        edges = {}
        for leaf in form.leaves:
            pts = sorted(leaf.points)
            e = {(a, b): data.draw(st.integers(1, 20)) for a, b in zip(pts, pts[1:])}
            e.update({k: v for k, v in data.draw(EDGES).items() if k[0] in pts and k[1] in pts})
            edges[leaf.number] = e
    check(form, sheets, story, target, assume, edges, cases=stated)


def test_pinned_boundary_cases(synthetic):
    """Cases the property must hit, each with a known answer worked out by hand from the forms."""
    two, story, cases, five = (synthetic[k] for k in ("two", "story", "cases", "five"))
    # "two" (max 10, 4★ from 7): 0/0 → 4★ needs 1.1 ≥ 3 (*** mark) and 3.1 = 5 (**** mark): 2 + 2 steps
    assert check(two, [{"1.1": 0, "3.1": 0}], True, 4) == 4
    # members disagree: priced from the lowest member (all_members) or the mean of their own steps (mean)
    assert check(two, [{"1.1": 0, "3.1": 5}, {"1.1": 3, "3.1": 5}], True, 4) == 2
    assert check(two, [{"1.1": 0, "3.1": 5}, {"1.1": 3, "3.1": 5}], True, 4, assume="mean") == 1
    # no story: 4★ needs 5.1 ≥ 3 (**** mark), which creates the story; the oracle and the plan agree
    assert check(story, [{"1.1": 1, "5.1": 0, "5.2": None, "3.1": 4}], False, 4) is not None
    # 2.2 = 1 fits both ladders (top of b, bottom of a): the plan never moves it onto a's 2, so a 5★ band at
    # 12.5 of 13 is out of reach; 2.2 = 0 is on ladder b only: 0 → 1 is one step
    high = {2: 3, 3: 6, 4: 9, 5: 12.5}
    assert check(cases, [{"1.1": 5, "2.2": 1, "2.3": 3, "3.1": 3}], True, 5, bands=high) is None
    assert check(cases, [{"1.1": 5, "2.2": 2, "2.3": 3, "3.1": 3}], True, 5, bands=high) == 0
    assert check(cases, [{"1.1": 5, "2.2": 0, "2.3": 3, "3.1": 3}], True, 5) == 1
    # the council states ladder a: then 1 → 2 is its one step, and the same 12.5 band is reached
    assert check(cases, [{"1.1": 5, "2.2": 1, "2.3": 3, "3.1": 3}], True, 5, bands=high, cases={"2.2": "a"}) == 1
    # "five" (max 16, 3★ from 8, 1.1 ≥ 1 for 3★): +7 points with 1.1 raised costs 4 steps at least
    assert check(five, [{"1.1": 0, "1.2": 1, "5.1": 0, "5.2": None, "3.1": 0}], False, 3) == 4


def test_plan_creates_a_story_when_that_is_cheaper(synthetic):
    """Without a story 5.2 cannot be bought; with one (5.1 raised) it can: the plan picks the cheaper branch."""
    form = synthetic["story"]
    sheets = [{"1.1": 1, "5.1": 0, "5.2": None, "3.1": 1}]
    p = upgrade_plan(dossier(form, sheets, False), 4, overrides={"bands": bands_for(form)})
    assert p.feasible and p.story_created
    after = {c["id"]: c for c in p.result_after.criteria}
    assert after["5.1"]["points"]["M0"] > 0 and after["5.2"]["applicable"] and after["5.2"]["points"]["M0"] is not None
