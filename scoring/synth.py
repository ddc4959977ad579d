"""A seeded generator of realistic synthetic cohorts (member sheets), for tests and benchmarks.

Each dossier gets a latent quality; each council member scores every criterion near the option
that quality suggests, with a small personal leniency and noise, so that most councils' totals stay
within 10 points (a few spread more, as real councils do). A share of dossiers is nudged to land
just around the star thresholds (49–51, 69–71, 89–91). Levels follow the process: district (and, in
two-level periods, province) councils see every product, a province council in a three-level period
mostly products past the 50-point gate, the central council those at about 90 and above. Small
shares carry what real rounds hold: knock-out findings (with criteria left unscored after an
evaluation stopped), QĐ 781 minimum findings, an explicit story_exists, an omitted criteria_set,
single-member dossiers and dates on the boundaries of sets and periods. Same seed, same cohort.
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
# products that belong to each product set, keyed by words of the form's slug (first match wins), so
# that a synthetic "Nước mắm" is never filed under honey or handicrafts
PRODUCTS_BY_FORM = (  # matched as whole words of the slug, in this order (the specific before the general)
    ("du-lich", ["Du lịch cộng đồng bản", "Homestay sinh thái", "Điểm du lịch làng nghề"]),
    ("my-pham", ["Dầu gội bồ kết", "Xà bông nghệ"]), ("thuc-pham-chuc-nang", ["Cao atiso", "Viên nghệ mật ong"]),
    ("tinh-dau", ["Tinh dầu quế", "Tinh dầu tràm"]), ("thao-duoc", ["Trà giảo cổ lam", "Cao atiso"]),
    ("duoc-lieu", ["Tinh dầu quế", "Cao atiso"]), ("thu-cong", ["Mây tre đan", "Gốm men lam", "Giỏ cói"]),
    ("vai", ["Lụa tơ tằm", "Thổ cẩm"]), ("cay-canh", ["Bonsai sam hương", "Mai vàng"]),
    ("dong-vat-canh", ["Cá Koi", "Chim chào mào"]), ("hoa", ["Hoa lan", "Hoa cúc"]),
    ("khong-con", ["Nước cốt chanh leo", "Nước ép dứa"]), ("co-con", ["Rượu vang sim", "Rượu ngô"]),
    ("ruou", ["Rượu ngô", "Rượu làng Vân"]), ("nuoc-khoang", ["Nước khoáng thiên nhiên"]),
    ("che-bien-tu-rau", ["Mứt gừng", "Vải sấy", "Kẹo dừa"]), ("che-bien-tu-thit", ["Lạp xưởng", "Khô bò"]),
    ("che-bien-tu-gao", ["Miến dong", "Bánh đa"]), ("thuy-hai-san", ["Cá khô", "Mực một nắng"]),
    ("y-te", ["Dụng cụ xoa bóp bằng gỗ", "Túi chườm thảo dược"]), ("ca-phe", ["Cà phê", "Ca cao"]),
    ("tu-che", ["Trà sen", "Trà xanh túi lọc"]), ("che-tuoi", ["Chè Shan tuyết", "Chè búp Thái Nguyên"]),
    ("tra", ["Trà hoa vàng", "Trà sen"]), ("nuoc-mam", ["Nước mắm", "Tương bần"]),
    ("gia-vi", ["Muối tôm", "Tỏi Lý Sơn", "Hạt tiêu"]), ("mat-ong", ["Mật ong bạc hà", "Mật ong hoa nhãn"]),
    ("do-an-nhanh", ["Chả cá", "Giò bò"]), ("gao", ["Gạo ST25", "Gạo nếp cái hoa vàng"]),
    ("thit", ["Gà đồi", "Trứng vịt"]), ("rau-cu-qua", ["Vải thiều", "Cam sành", "Bưởi da xanh"]),
)
THRESHOLDS = (50.0, 70.0, 90.0)


def products_for(slug: str) -> list[str]:
    """Product names that fit a form (see PRODUCTS_BY_FORM); the general list for other forms."""
    for word, names in PRODUCTS_BY_FORM:
        if f"-{word}-" in f"-{slug}-":
            return names
    return PRODUCTS


LAST_DAY = date(2026, 11, 1)  # the cohort's "today": no synthetic council meets after it


def _date_in(rng: np.random.Generator, cs: crit.CriteriaSet, form: crit.Form, size: int, boundary: float
             ) -> np.ndarray:
    """Dates in the span the form can be scored in; a share `boundary` on the very days a set or
    period starts or ends (or on the last day of its transition), where off-by-one errors live."""
    first = max(cs.start, getattr(form, "valid_from", None) or cs.start)
    end = cs.end or max(LAST_DAY, cs.start + timedelta(days=90))  # never after the data's own date
    span = (end - first).days
    offs = rng.integers(0, span + 1, size=size)
    base = np.datetime64(first)
    days = (base + offs.astype("timedelta64[D]")).astype("datetime64[D]")
    edges = sorted(d for d in {cs.start, *(d for d in (cs.end, cs.lapses) if d)}
                   | {d for p in cs.periods for d in (p.start, p.end) if d} | {first} if d >= first)
    on_edge = rng.random(size) < boundary
    days[on_edge] = np.array(edges, dtype="datetime64[D]")[rng.integers(0, len(edges), size=int(on_edge.sum()))]
    return days


def _levels(rng: np.random.Generator, levels: tuple[str, ...], totals: np.ndarray) -> list[str]:
    """The council that scored each dossier, given its total: the process sends a product up only
    past a gate, so a central council sees ~90+ and a province council (below it) mostly 50+."""
    u = rng.random(len(totals))
    out = []
    for t, x in zip(totals, u):
        top = "central" if "central" in levels else levels[-1]
        if t >= 90 or (t >= 88 and x < 0.3):  # sent up at 90; re-scored a little lower sometimes
            out.append(top if x < 0.5 else levels[-2] if len(levels) > 1 else levels[0])
        elif len(levels) >= 3 and t >= 50:
            out.append(levels[1] if x < 0.55 else levels[0])
        elif len(levels) >= 3:
            out.append(levels[1] if x < 0.03 else levels[0])
        else:
            out.append(levels[0])
    return out


def generate_cohort(n_dossiers: int, *, seed: int = 0, sets: Iterable[str] | None = None,
                    forms: Iterable[str] | None = None, members: tuple[int, int] = (3, 9),
                    borderline: float = 0.15, knockout_rate: float = 0.02, include_partial: bool = True,
                    single_member: float = 0.01, story_given: float = 0.1, set_omitted: float = 0.03,
                    minimum_findings: float = 0.03, boundary_dates: float = 0.02) -> pd.DataFrame:
    """A wide table: one row per dossier × member, criterion columns named by criterion number.
    The rates after `include_partial` are shares of dossiers (see the module docstring)."""
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
        nm[rng.random(nd) < single_member] = 1
        owner = np.repeat(np.arange(nd), nm)
        nrows = len(owner)
        quality = rng.beta(2.2, 1.6, size=nd)
        leniency = rng.normal(0, 0.01, size=nrows)
        leaves = form.leaves
        P = np.zeros((nrows, len(leaves)), dtype=np.int64)
        for li, leaf in enumerate(leaves):
            pos = quality[owner] + leniency + rng.normal(0, 0.045, size=nrows)
            cases = getattr(leaf, "cases", ())
            if not cases:
                ladder = np.array(leaf.points)
                k = np.clip(np.rint(pos * (len(ladder) - 1)), 0, len(ladder) - 1).astype(np.int64)
                P[:, li] = ladder[k]
                continue
            # alternative ladders (TH a / TH b): the council scores the one case the product is in
            case = rng.integers(0, len(cases), size=nd)[owner]
            for c, (cid, _) in enumerate(cases):
                ladder = np.array(sorted({o.points for o in leaf.options if o.case == cid}))
                k = np.clip(np.rint(pos * (len(ladder) - 1)), 0, len(ladder) - 1).astype(np.int64)
                P[case == c, li] = ladder[k][case == c]
        # story criteria: no story for low-quality products (left empty = not applicable)
        story_cols = np.flatnonzero(form.arrays.story)
        no_story = quality < 0.25
        P[np.ix_(np.flatnonzero(no_story[owner]), story_cols)] = 0
        # nudge a share of dossiers to land around a threshold (the sum of sheets kept as we go)
        nudge = rng.random(nd) < borderline
        starts = np.r_[0, np.cumsum(nm)[:-1]]
        ladders = [leaf.points for leaf in leaves]
        is_story = form.arrays.story
        has_cases = [bool(getattr(leaf, "cases", ())) for leaf in leaves]
        for d in np.flatnonzero(nudge):
            a, k = int(starts[d]), int(nm[d])
            goal = rng.choice(THRESHOLDS) + rng.choice([-0.5, -0.01, 0.0, 0.01, 0.5, 1.0])
            cur = int(P[a:a + k].sum())
            turn = (a + (rng.integers(0, k) + np.arange(400)) % k).tolist()  # members in turn: no one sheet drifts
            for m, li in zip(turn, rng.integers(0, len(leaves), size=400).tolist()):
                if abs(cur / k - goal) < 1.0 / k + 1e-9:
                    break
                if (no_story[d] and is_story[li]) or has_cases[li]:  # a case leaf keeps its case's ladder
                    continue
                ladder = ladders[li]
                j = ladder.index(P[m, li])
                step = 1 if cur / k < goal else -1
                if 0 <= j + step < len(ladder):
                    cur += ladder[j + step] - ladder[j]
                    P[m, li] = ladder[j + step]
        totals = np.add.reduceat(P.sum(axis=1), starts) / nm
        frame = pd.DataFrame(P.astype(float), columns=[leaf.number for leaf in leaves])
        for li in story_cols:
            frame.iloc[np.flatnonzero(no_story[owner]), li] = np.nan
        days = _date_in(rng, cs, form, nd, boundary_dates)
        levels = np.full(nd, "", dtype=object)
        for period in cs.periods:
            sel = np.flatnonzero((days >= np.datetime64(period.start))
                                 & ((days <= np.datetime64(period.end)) if period.end else True))
            levels[sel] = _levels(rng, period.levels, totals[sel])
        findings = np.full(nd, "", dtype=object)
        ko_ids = sorted(cs.knockouts)
        if ko_ids:
            hit = np.flatnonzero(rng.random(nd) < knockout_rate)
            findings[hit] = [ko_ids[i] for i in rng.integers(0, len(ko_ids), size=len(hit))]
            # an evaluation that stopped: the later criteria were never scored
            stopped = [d for d in hit if cs.knockouts[findings[d]].effect == "stop_evaluation" and rng.random() < 0.5]
            tail = list(range(len(leaves) * 2 // 3, len(leaves)))
            for d in stopped:
                frame.iloc[starts[d]:starts[d] + nm[d], tail] = np.nan
        reqs = list(cs.requirement_findings.values())
        if reqs:
            since = np.datetime64(cs.star_minimums.get("from") or cs.start)
            hit = np.flatnonzero((rng.random(nd) < minimum_findings) & (days >= since))
            for d in hit:
                fid = reqs[rng.integers(0, len(reqs))]["finding"]
                findings[d] = f"{findings[d]};{fid}" if findings[d] else fid
        given_set = np.full(nd, sid, dtype=object)
        in_force = (days >= np.datetime64(cs.start)) & ((days <= np.datetime64(cs.end)) if cs.end else True)
        given_set[in_force & (rng.random(nd) < set_omitted)] = ""  # the date picks the set
        story = np.full(nd, "", dtype=object)
        if len(story_cols):
            told = rng.random(nd) < story_given
            story[told] = np.where(no_story[told], "không", "có")
        prov = rng.integers(0, len(provinces), size=nd)
        dist = [PLACES[provinces[p]][rng.integers(0, len(PLACES[provinces[p]]))] for p in prov]
        names = products_for(slug)
        meta = pd.DataFrame({
            "dossier_id": [f"{sid.upper()}-{form.number:02d}-{seed}-{i:07d}" for i in idx],
            "criteria_set": given_set, "form": slug, "level": levels,
            "evaluated_on": pd.to_datetime(days).strftime("%Y-%m-%d"),
            "findings": findings, "story_exists": story,
            "product": [f"{names[i % len(names)]} {provinces[p]}" for i, p in zip(idx, prov)],
            "producer": [f"HTX {names[i % len(names)].split()[0]} số {i % 97}" for i in idx],
            "province": [provinces[p] for p in prov], "district": dist, "commune": [f"Xã {i % 13 + 1}" for i in idx],
        })
        sheet = meta.iloc[owner].reset_index(drop=True)
        sheet.insert(5, "member", [f"TV{k + 1}" for d in range(nd) for k in range(nm[d])])
        frames.append(pd.concat([sheet, frame], axis=1))
    out = pd.concat(frames, ignore_index=True, sort=False)
    fixed = ["dossier_id", "criteria_set", "form", "level", "evaluated_on", "member", "findings", "story_exists",
             "product", "producer", "province", "district", "commune"]
    crit_cols = sorted((c for c in out.columns if c not in fixed), key=lambda c: tuple(int(x) for x in c.split(".")))
    return out[fixed + crit_cols]
