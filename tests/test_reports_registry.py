"""Report figures against the registry: hypothesis-generated histories (several years, upgrades,
re-evaluations, expiries, revocations, pipeline dossiers) written through the Registry API, and
every figure recomputed here with plain SQL over the registry's tables and a few lines of Python."""
from __future__ import annotations

import tempfile
import warnings
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from registry_history import AREAS, BASE, ProductStory, build, template, write_plan
from scoring.registry import Registry
from scoring.reports.compute import progress, supervision
from scoring.reports.figures import ADDITIVE, STARS
from scoring.reports.planfile import load_plan

from conftest import examples

# the plan row each AREAS entry belongs to (by hand, from registry_history.PLAN_YAML); None: outside
LEAF = {0: "10801", 1: "10802", 2: "10901", 3: "10902", 4: "298-khac", 5: "30-khac", 6: None}
AREA_INDEX = {a: i for i, a in enumerate(AREAS)}
PERIOD_START = {"Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10, "H1": 1, "H2": 7, "year": 1}
PERIOD_END = {"Q1": (3, 31), "Q2": (6, 30), "Q3": (9, 30), "Q4": (12, 31), "H1": (6, 30), "H2": (12, 31),
              "year": (12, 31)}
REWARD = {5: 30_000_000, 4: 20_000_000, 3: 10_000_000}


def test_templates_score_as_the_histories_assume():
    import scoring

    warnings.simplefilter("ignore")
    for stars in (2, 3, 4, 5):
        r = scoring.evaluate(template(stars))
        assert r.stars == stars
        assert (r.status == "recognised") == (stars >= 3)


@st.composite
def stories(draw):
    out = []
    for _ in range(draw(st.integers(1, 6))):
        first = draw(st.integers(3, 5))
        up = None
        if first < 5 and draw(st.booleans()):
            up = (draw(st.integers(30, 900)), draw(st.integers(first + 1, 5)))
        out.append(ProductStory(
            area=draw(st.integers(0, len(AREAS) - 1)), first_stars=first, first_day=draw(st.integers(0, 1500)),
            upgrade=up, reevaluate_after=draw(st.none() | st.integers(120, 180)),
            revoke_after=draw(st.none() | st.integers(1, 1200)),
            pipeline=draw(st.none() | st.integers(2, 5))))
    return out


def _oracle_rows(reg: Registry) -> list[dict]:
    q = text("""
        SELECT c.number, c.stars, c.issued_on, c.expires_on, c.revoked_on, c.superseded_on, c.product_id,
               p.province, p.district, p.commune, d.kind, prev.stars AS prev_stars
        FROM certificates c
        JOIN products p ON p.id = c.product_id
        LEFT JOIN results r ON r.id = c.result_id
        LEFT JOIN dossiers d ON d.id = r.dossier_pk
        LEFT JOIN certificates prev ON prev.superseded_by = c.id
    """)
    with reg.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        for k in ("issued_on", "expires_on", "revoked_on", "superseded_on"):
            if isinstance(r[k], str):
                r[k] = date.fromisoformat(r[k])
        r["leaf"] = LEAF[AREA_INDEX[(r["province"], r["district"], r["commune"])]]
    return rows


def _status(r: dict, d: date) -> str:
    """QĐ 26/2026 as the registry documents it, written out independently (docs/REGISTRY.md)."""
    if r["revoked_on"] is not None and r["revoked_on"] <= d:
        return "revoked"
    if r["superseded_on"] is not None and r["superseded_on"] <= d:
        return "superseded"
    return "expired" if r["expires_on"] < d else "valid"


def _check(reg: Registry, as_of: date, period_key: str, tmp: Path) -> None:
    plan = load_plan(write_plan(tmp, as_of.year))
    rep = progress(plan, reg, as_of, period_key, whatif_depth=-1)
    rows = [r for r in _oracle_rows(reg) if r["issued_on"] <= as_of]
    start = date(as_of.year, PERIOD_START[period_key], 1)
    end = min(date(as_of.year, *PERIOD_END[period_key]), as_of)
    leaves = {a.code: a for a in rep.areas}

    # each certificate has exactly one status on the day, the one the dates give (oracle: _status), and the
    # registry the report reads agrees; the report's valid counts are the valid ones
    listed = reg.certificates(as_of=as_of)
    assert sorted(r["number"] for r in listed) == sorted(r["number"] for r in rows)   # each once, none missing
    assert {r["number"]: r["status"] for r in listed} == {r["number"]: _status(r, as_of) for r in rows}
    want_valid: Counter = Counter()
    for r in rows:
        if r["leaf"] and _status(r, as_of) == "valid":
            want_valid[(r["leaf"], r["stars"])] += 1
    for code, a in leaves.items():
        if not [c for c in rep.areas if c.parent == code]:
            assert {k: a.valid.get(k, 0) for k in STARS} == {k: want_valid[(code, k)] for k in STARS}, code
    assert sum(rep.areas[0].valid.values()) == sum(1 for r in rows if r["leaf"] and _status(r, as_of) == "valid")
    assert rep.outside_plan == sum(1 for r in rows if r["leaf"] is None)
    # stars over time: at every point, the registry's own counts of valid certificates in the plan's area
    for day, counts in rep.stars_over_time:
        want_day = Counter(r["stars"] for r in rows if r["leaf"] and r["issued_on"] <= day and _status(r, day) == "valid")
        assert counts == {k: want_day[k] for k in STARS}, day
        by_registry = Counter()
        for row in reg.counts_by_area(day, by="commune"):
            if LEAF[AREA_INDEX[(row["province"], row["district"], row["commune"])]]:
                by_registry[int(row["stars"])] += int(row["count"])
        assert counts == {k: by_registry[k] for k in STARS}, day
    assert rep.stars_over_time[-1][1] == {k: rep.areas[0].valid[k] for k in STARS}

    # period flows, rewards and the year's achievements, per leaf
    want: dict[str, Counter] = {n: Counter() for n in ("new", "upgrade", "re-evaluation", "revoked", "expired")}
    reward: Counter = Counter()
    best: dict = {}
    for r in rows:
        if r["leaf"] is None:
            continue
        kind = r["kind"] or "new"
        if start <= r["issued_on"] <= end:
            want[kind][(r["leaf"], r["stars"])] += 1
            if _status(r, as_of) != "revoked":
                rate = REWARD[r["stars"]]
                reward[r["leaf"]] += (max(0, rate - REWARD.get(r["prev_stars"], 0)) if kind == "upgrade"
                                      and r["prev_stars"] else rate if kind != "re-evaluation" else 0)
        if r["revoked_on"] is not None and start <= r["revoked_on"] <= end:
            want["revoked"][(r["leaf"], r["stars"])] += 1
        gone_first = any(x is not None and x <= r["expires_on"] for x in (r["revoked_on"], r["superseded_on"]))
        if start <= r["expires_on"] + timedelta(days=1) <= end and not gone_first:
            want["expired"][(r["leaf"], r["stars"])] += 1
        if (date(as_of.year, 1, 1) <= r["issued_on"] <= as_of and kind in ("new", "upgrade")
                and _status(r, as_of) != "revoked"):
            if r["product_id"] not in best or r["stars"] > best[r["product_id"]][0]:
                best[r["product_id"]] = (r["stars"], r["leaf"])
    achieved = Counter((leaf, s) for s, leaf in best.values())
    fields = {"new": "new_in_period", "upgrade": "upgrades_in_period", "re-evaluation": "reevaluations_in_period",
              "revoked": "revoked_in_period", "expired": "expired_in_period"}
    for code, a in leaves.items():
        if [c for c in rep.areas if c.parent == code]:
            continue
        for name, attr in fields.items():
            assert {k: getattr(a, attr).get(k, 0) for k in STARS} == {k: want[name][(code, k)] for k in STARS}, \
                (code, attr)
        assert a.reward_owed == reward[code], code
        assert {k: a.achieved.get(k, 0) for k in STARS} == {k: achieved[(code, k)] for k in STARS}, code

    # rolled-up totals are the sum of their parts, for every additive figure
    for a in rep.areas:
        kids = [c for c in rep.areas if c.parent == a.code]
        if not kids:
            continue
        for name in ADDITIVE:
            v = getattr(a, name)
            if isinstance(v, dict):
                keys = set(v) | {k for c in kids for k in getattr(c, name)}
                assert {k: v.get(k, 0) for k in keys} == {k: sum(getattr(c, name).get(k, 0) for c in kids)
                                                          for k in keys}, (a.code, name)
            else:
                assert v == sum(getattr(c, name) for c in kids), (a.code, name)
    gap = rep.areas[0].gap
    for k, need in rep.areas[0].required.items():
        assert gap[k] == max(0, need - sum(rep.areas[0].achieved.get(s, 0) for s in STARS if s >= k))


def _check_supervision(reg: Registry, as_of: date, within: int) -> None:
    since = as_of - timedelta(days=365)
    rep = supervision(reg, as_of, within)
    rows = [r for r in _oracle_rows(reg) if r["issued_on"] <= as_of]
    numbers = [it.certificate_no for it in rep.items]
    assert len(numbers) == len(set(numbers))            # one category per certificate
    got = {it.certificate_no: it.category for it in rep.items}
    want = {}
    for r in rows:
        s = _status(r, as_of)
        opens, closes = r["expires_on"] - timedelta(days=180), r["expires_on"] - timedelta(days=120)
        if s == "revoked":
            if r["revoked_on"] >= since:
                want[r["number"]] = "revoked"
        elif s == "expired":
            if r["expires_on"] >= since:
                want[r["number"]] = "expired"
        elif s == "valid":
            if opens > as_of:
                if opens <= as_of + timedelta(days=within):
                    want[r["number"]] = "expiring"
            elif closes >= as_of:
                want[r["number"]] = "in_window"
            else:
                want[r["number"]] = "past_window"
    assert got == want
    for it in rep.items:
        assert it.days_to_expiry == (it.expires_on - as_of).days
        assert it.phone is None or it.phone.startswith("09")  # contacts come from the producer's record


@pytest.mark.slow
@settings(max_examples=examples(12), deadline=None)
@given(stories(), st.integers(0, 2600), st.sampled_from(["Q1", "Q2", "Q3", "Q4", "H1", "H2", "year"]),
       st.integers(0, 400))
def test_figures_equal_the_registry_on_generated_histories(story_list, offset, period_key, within):
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        reg = Registry(f"sqlite:///{tmp}/r.db")
        try:
            reg.init()
            build(reg, story_list)
            for p in reg.producer_contacts():
                reg.update_producer(p["id"], phone=f"09{p['id']:08d}", representative=f"Người {p['id']}",
                                    actor="test")
            as_of = BASE + timedelta(days=offset)
            month = PERIOD_START[period_key]
            if as_of < date(as_of.year, month, 1):
                period_key = "year"
            _check(reg, as_of, period_key, Path(tmp))
            _check(reg, date(as_of.year, 12, 31), "year", Path(tmp))
            _check_supervision(reg, as_of, within)
        finally:
            reg.close()


def test_a_fixed_history_by_hand(tmp_path):
    """One history small enough to count by hand: the numbers below are not computed by any code."""
    warnings.simplefilter("ignore")
    reg = Registry(f"sqlite:///{tmp_path}/r.db")
    reg.init()
    # product 0: Thanh Lâm, 3★ on 2026-10-01, upgraded to 4★ on 2027-03-01 (BASE + 151 days)
    # product 1: Xã 1 (Thanh Hà), 3★ on 2027-02-01 (BASE + 123), revoked 2027-05-02 (+90)
    # product 2: Tân Kỳ, 5★ on 2027-04-10 (BASE + 191)
    # product 3: Hà Giang (outside the plan), 4★ on 2027-01-01
    # product 4: Hưng Đạo (Tứ Kỳ, not listed), 3★ on 2026-12-01 (BASE + 61); a 2★ pipeline dossier
    build(reg, [ProductStory(0, 3, 0, upgrade=(151, 4)), ProductStory(1, 3, 123, revoke_after=90),
                ProductStory(2, 5, 191), ProductStory(6, 4, 92), ProductStory(4, 3, 61, pipeline=4)])
    plan = load_plan(write_plan(tmp_path, 2027))
    rep = progress(plan, reg, date(2027, 6, 30), "H1", whatif_depth=-1)
    a = {x.code: x for x in rep.areas}
    assert a["10801"].achieved == {3: 0, 4: 1, 5: 0}          # the upgrade of 2027 counts, at 4★
    assert a["10801"].upgrades_in_period == {3: 0, 4: 1, 5: 0}
    assert a["10801"].reward_owed == 10_000_000                # 20 M − 10 M: the difference
    assert a["10802"].achieved == {3: 0, 4: 0, 5: 0}          # revoked: not counted
    assert a["10802"].revoked_in_period == {3: 1, 4: 0, 5: 0}
    assert a["10802"].reward_owed == 0
    assert a["10901"].achieved == {3: 0, 4: 0, 5: 1} and a["10901"].reward_owed == 30_000_000
    assert a["298-khac"].valid == {3: 1, 4: 0, 5: 0}          # issued 2026: valid, not this year's
    assert a["298-khac"].achieved == {3: 0, 4: 0, 5: 0}
    assert a["298-khac"].pipeline == {3: 0, 4: 1, 5: 0}        # the 4★ upgrade dossier awaiting its certificate
    assert a["30"].valid == {3: 1, 4: 1, 5: 1}
    assert a["30"].achieved == {3: 0, 4: 1, 5: 1}
    assert a["30"].reward_owed == 40_000_000
    assert rep.outside_plan == 1
    # the province's targets (places 5:1, 4:3, 3:5) need ≥ 1 at 5★, ≥ 4 at ≥ 4★, ≥ 9 at ≥ 3★
    assert a["30"].required == {5: 1, 4: 4, 3: 9}
    assert a["30"].gap == {5: 0, 4: 2, 3: 7}
    # with the pipeline: the Hưng Đạo product would move from 3★ (counted? no: issued 2026) to 4★ (+1 at ≥ 3, ≥ 4)
    assert a["30"].gap_after_pipeline == {5: 0, 4: 1, 3: 6}
    reg.close()


def test_whatif_proposals_are_the_kernels_cheapest(tmp_path):
    """A commune short of its 3★ target with one 2★ dossier: the report proposes exactly what the
    kernel's upgrade_plan finds for that dossier, at the same cost."""
    import scoring
    from scoring.whatif import upgrade_plan

    warnings.simplefilter("ignore")
    reg = Registry(f"sqlite:///{tmp_path}/r.db")
    reg.init()
    d = template(2)
    d.update(dossier_id="LOW-1", product={"name": "Rượu", "producer": "HTX Rượu", "province": "Hải Dương",
                                          "district": "Tứ Kỳ", "commune": "Tân Kỳ"}, evaluated_on="2027-03-01")
    reg.import_dossier(d, actor="test")
    plan = load_plan(write_plan(tmp_path, 2027))
    rep = progress(plan, reg, date(2027, 6, 30), "H1", whatif_depth=2)
    w = {a.code: a for a in rep.areas}["10901"].whatif
    assert w is not None and w.proposals
    (p,) = [x for x in w.proposals if x.dossier_id == "LOW-1"]
    direct = upgrade_plan(scoring.evaluate(d), target_stars=3)
    assert p.stars_after >= 3 and p.cost == direct.cost
    assert [(s["criterion"], s["from_points"], s["to_points"]) for s in p.steps] == \
        [(u.criterion, u.from_points, u.to_points) for u in direct.upgrades]
    reg.close()


def test_expiry_falls_in_the_period_after_its_last_valid_day(tmp_path):
    """Valid on its expiry day, expired from the next (docs/REGISTRY.md): 'expired in the period' is the
    period holding that next day. Counted by hand from the issue dates."""
    warnings.simplefilter("ignore")
    reg = Registry(f"sqlite:///{tmp_path}/r.db")
    reg.init()
    # Thanh Lâm: issued 2026-10-01 → expires 2029-10-01 (last valid day) → expired from 2029-10-02 (Q4)
    # Tân Kỳ: issued 2027-09-30 (BASE + 364) → expires 2030-09-30 → expired from 2030-10-01 (Q4)
    build(reg, [ProductStory(0, 3, 0), ProductStory(2, 4, 364)])
    p29, p30 = load_plan(write_plan(tmp_path, 2029)), load_plan(write_plan(tmp_path, 2030))
    root = lambda rep: rep.areas[0]  # noqa: E731
    assert root(progress(p29, reg, date(2029, 9, 30), "Q3", whatif_depth=-1)).expired_in_period == {3: 0, 4: 0, 5: 0}
    assert root(progress(p29, reg, date(2029, 10, 1), "Q4", whatif_depth=-1)).expired_in_period == {3: 0, 4: 0, 5: 0}
    assert root(progress(p29, reg, date(2029, 10, 2), "Q4", whatif_depth=-1)).expired_in_period == {3: 1, 4: 0, 5: 0}
    assert root(progress(p30, reg, date(2030, 9, 30), "Q3", whatif_depth=-1)).expired_in_period == {3: 0, 4: 0, 5: 0}
    r = root(progress(p30, reg, date(2030, 10, 1), "Q4", whatif_depth=-1))
    assert r.expired_in_period == {3: 0, 4: 1, 5: 0} and r.valid == {3: 0, 4: 0, 5: 0}
    assert root(progress(p30, reg, date(2030, 12, 31), "year", whatif_depth=-1)).expired_in_period == {3: 0, 4: 1, 5: 0}
    reg.close()
