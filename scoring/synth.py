"""A seeded generator of realistic synthetic cohorts (member sheets), for tests and benchmarks.

Each dossier gets a latent quality; each council member scores every criterion near the option
that quality suggests, with personal leniency and noise (so members' totals spread as real
councils' do, sometimes beyond 10 points). A share of dossiers is nudged to land just around the
star thresholds (49–51, 69–71, 89–91), and a few carry knock-out findings. Same seed, same cohort.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

import numpy as np
import pandas as pd

from . import criteria as crit

PLACES = {
    "Hải Dương": ["Thanh Hà", "Chí Linh", "Kinh Môn"],
    "Bắc Giang": ["Lục Ngạn", "Lục Nam", "Yên Thế"],
    "Sơn La": ["Mộc Châu", "Mai Sơn"],
    "Bến Tre": ["Chợ Lách", "Mỏ Cày Nam", "Giồng Trôm"],
    "Hà Giang": ["Đồng Văn", "Mèo Vạc"],
    "Quảng Nam": ["Hội An", "Đại Lộc", "Tiên Phước"],
}
PRODUCTS = ["Vải thiều", "Chè Shan tuyết", "Mật ong bạc hà", "Nước mắm", "Gạo ST25", "Kẹo dừa", "Cam sành",
            "Miến dong", "Rượu ngô", "Tinh dầu quế", "Mây tre đan", "Lụa tơ tằm", "Cà phê", "Bưởi da xanh"]
THRESHOLDS = (50.0, 70.0, 90.0)


def _date_in(rng: np.random.Generator, cs: crit.CriteriaSet, size: int) -> np.ndarray:
    end = cs.end or max(date(2026, 11, 1), cs.start + timedelta(days=365))
    span = (end - cs.start).days
    offs = rng.integers(0, span + 1, size=size)
    base = np.datetime64(cs.start)
    return (base + offs.astype("timedelta64[D]")).astype("datetime64[D]")


def generate_cohort(n_dossiers: int, *, seed: int = 0, sets: Iterable[str] | None = None,
                    forms: Iterable[str] | None = None, members: tuple[int, int] = (3, 9),
                    borderline: float = 0.15, knockout_rate: float = 0.02, include_partial: bool = True) -> pd.DataFrame:
    """A wide table: one row per dossier × member, criterion columns named by criterion number."""
    rng = np.random.default_rng(seed)
    all_sets = crit.load_all()
    set_ids = list(sets) if sets else list(all_sets)
    pool = [(sid, f.slug) for sid in set_ids for f in all_sets[sid].forms.values()
            if f.status == "complete" or (include_partial and f.status == "partial")]
    if forms:
        wanted = set(forms)
        pool = [p for p in pool if p[1] in wanted]
    if not pool:
        raise ValueError("no form matches the requested sets/forms")
    pick = rng.integers(0, len(pool), size=n_dossiers)
    frames = []
    provinces = list(PLACES)
    for gi in np.unique(pick):
        sid, slug = pool[gi]
        cs = all_sets[sid]
        form = cs.forms[slug]
        idx = np.flatnonzero(pick == gi)
        nd = len(idx)
        nm = rng.integers(members[0], members[1] + 1, size=nd)
        owner = np.repeat(np.arange(nd), nm)
        nrows = len(owner)
        quality = rng.beta(2.2, 1.6, size=nd)
        leniency = rng.normal(0, 0.08, size=nrows)
        leaves = form.leaves
        P = np.zeros((nrows, len(leaves)), dtype=np.int64)
        for li, leaf in enumerate(leaves):
            ladder = np.array(leaf.points)
            pos = quality[owner] + leniency + rng.normal(0, 0.12, size=nrows)
            k = np.clip(np.rint(pos * (len(ladder) - 1)), 0, len(ladder) - 1).astype(np.int64)
            P[:, li] = ladder[k]
        # story criteria: no story for low-quality products (left empty = not applicable)
        story_cols = np.flatnonzero(form.arrays.story)
        no_story = quality < 0.25
        # nudge a share of dossiers to land around a threshold
        nudge = rng.random(nd) < borderline
        starts = np.r_[0, np.cumsum(nm)[:-1]]
        for d in np.flatnonzero(nudge):
            rows = slice(starts[d], starts[d] + nm[d])
            goal = rng.choice(THRESHOLDS) + rng.choice([-0.5, -0.01, 0.0, 0.01, 0.5, 1.0])
            for _ in range(400):
                total = P[rows].sum(axis=1).mean()
                if abs(total - goal) < 1.0 / nm[d] + 1e-9:
                    break
                m = starts[d] + rng.integers(0, nm[d])
                li = rng.integers(0, len(leaves))
                ladder = leaves[li].points
                j = ladder.index(P[m, li])
                if total < goal and j + 1 < len(ladder):
                    P[m, li] = ladder[j + 1]
                elif total > goal and j > 0:
                    P[m, li] = ladder[j - 1]
        frame = pd.DataFrame(P.astype(float), columns=[leaf.number for leaf in leaves])
        for li in story_cols:
            frame.iloc[np.flatnonzero(no_story[owner]), li] = np.nan
        days = _date_in(rng, cs, nd)
        levels = []
        for day in days.astype(object):
            period = cs.period_on(day)
            levels.append(period.levels[rng.integers(0, len(period.levels))])
        ko_ids = sorted(cs.knockouts)
        findings = np.full(nd, "", dtype=object)
        if ko_ids:
            hit = rng.random(nd) < knockout_rate
            findings[hit] = [ko_ids[i] for i in rng.integers(0, len(ko_ids), size=int(hit.sum()))]
        prov = rng.integers(0, len(provinces), size=nd)
        dist = [PLACES[provinces[p]][rng.integers(0, len(PLACES[provinces[p]]))] for p in prov]
        meta = pd.DataFrame({
            "dossier_id": [f"{sid.upper()}-{form.number:02d}-{seed}-{i:07d}" for i in idx],
            "criteria_set": sid, "form": slug, "level": levels,
            "evaluated_on": pd.to_datetime(days).strftime("%Y-%m-%d"),
            "findings": findings,
            "product": [f"{PRODUCTS[i % len(PRODUCTS)]} {provinces[p]}" for i, p in zip(idx, prov)],
            "producer": [f"HTX {PRODUCTS[i % len(PRODUCTS)].split()[0]} số {i % 97}" for i in idx],
            "province": [provinces[p] for p in prov], "district": dist, "commune": [f"Xã {i % 13 + 1}" for i in idx],
        })
        sheet = meta.iloc[owner].reset_index(drop=True)
        sheet.insert(5, "member", [f"TV{k + 1}" for d in range(nd) for k in range(nm[d])])
        frames.append(pd.concat([sheet, frame], axis=1))
    out = pd.concat(frames, ignore_index=True, sort=False)
    fixed = ["dossier_id", "criteria_set", "form", "level", "evaluated_on", "member", "findings", "product",
             "producer", "province", "district", "commune"]
    crit_cols = sorted((c for c in out.columns if c not in fixed), key=lambda c: tuple(int(x) for x in c.split(".")))
    return out[fixed + crit_cols]
