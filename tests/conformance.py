"""Comparison of evaluate_batch rows with evaluate Results, field by field (shared by tests)."""
from __future__ import annotations

import math

import pandas as pd

from scoring.testing import result_differences


def _none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


differences = result_differences  # a Result against its batch row, field by field (scoring.testing)


# ----------------------------------------------------------------------------- edge-case cohorts

from datetime import date, timedelta  # noqa: E402

import numpy as np  # noqa: E402

from scoring import criteria as crit  # noqa: E402
from scoring.synth import generate_cohort  # noqa: E402


def exact_sheet(form, total: int, rotate: int = 0) -> dict[str, float] | None:
    """Points per criterion summing exactly to `total` (story criteria included), or None when no
    combination of options does; a different `rotate` gives another sheet of the same total."""
    leaves = form.leaves[rotate % len(form.leaves):] + form.leaves[:rotate % len(form.leaves)]
    reach = [np.zeros(total + 1, dtype=bool)]  # per prefix of leaves: the sums it can make
    reach[0][0] = True
    for leaf in leaves:
        nxt = np.zeros(total + 1, dtype=bool)
        for p in leaf.points:
            if p <= total:
                nxt[p:] |= reach[-1][:total + 1 - p]
        reach.append(nxt)
    if not reach[-1][total]:
        return None
    out, s = {}, total
    for i in range(len(leaves), 0, -1):  # the highest option that still leaves a reachable rest
        p = next(p for p in sorted(leaves[i - 1].points, reverse=True) if p <= s and reach[i - 1][s - p])
        out[leaves[i - 1].number] = float(p)
        s -= p
    return out


def _with_sheets(base: pd.DataFrame, did: str, sheets: list[dict[str, float]]) -> pd.DataFrame:
    """A dossier like `base`'s first one, with these member sheets."""
    first = base.iloc[0]
    crit_cols = [c for c in base.columns if c[0].isdigit()]
    rows = []
    for k, sheet in enumerate(sheets):
        row = first.copy()
        row["dossier_id"], row["member"] = did, f"TV{k + 1}"
        row[crit_cols] = np.nan
        for c, v in sheet.items():
            row[c] = v
        rows.append(row)
    return pd.DataFrame(rows)


def edge_cohort(set_id: str, slug: str) -> pd.DataFrame:
    """Dossiers of one form that hit the edges: generated ones (borderline totals), an omitted
    criteria_set, story not applicable, one member, knock-outs of both effects (one with criteria
    left unscored), exact band totals, QĐ 781 findings (one before QĐ 781), the first and last
    days of sets and periods, and an invalid option."""
    cs = crit.load_set(set_id)
    form = cs.forms[slug]
    seed = form.number * 7 + len(set_id)
    gen = generate_cohort(2, seed=seed, sets=[set_id], forms=[slug], borderline=0.6, knockout_rate=0.0,
                          members=(2, 5), single_member=0.0, story_given=0.0, set_omitted=0.0,
                          minimum_findings=0.0, boundary_dates=0.0)
    ids = list(dict.fromkeys(gen["dossier_id"]))
    one = gen[gen["dossier_id"] == ids[0]].reset_index(drop=True)
    tag = f"E-{set_id}-{form.number:02d}"
    crit_cols = [c for c in gen.columns if c[0].isdigit()]
    leaves = [leaf.number for leaf in form.leaves]
    story = [leaf.number for leaf in form.leaves if leaf.applies_when == "story_exists"]
    parts = [gen]

    def variant(name: str, frame: pd.DataFrame, **values) -> None:
        frame = frame.copy()
        frame["dossier_id"] = f"{tag}-{name}"
        for k, v in values.items():
            frame[k] = v
        parts.append(frame)

    first_day = max(cs.start, getattr(form, "valid_from", None) or cs.start)
    in_force = (cs.end or date(2026, 12, 1)) - timedelta(days=1)
    level_on = lambda day: cs.period_on(day).levels[-1] if cs.period_on(day) else "province"  # noqa: E731
    variant("set-omitted", one, criteria_set="", evaluated_on=in_force.isoformat(), level=level_on(in_force))
    variant("single", one.iloc[:1])
    if story:
        no_story = one.copy()
        no_story[story] = np.nan
        variant("story-na", no_story, story_exists="không")
        variant("story-na-implicit", no_story, story_exists="")
        variant("story-yes", one, story_exists="có")
        variant("story-false-but-scored", one.assign(**{story[0]: one[story[0]].fillna(0.0)}), story_exists="không")
    effects = {}
    for kid, k in sorted(cs.knockouts.items()):
        effects.setdefault(k.effect, kid)
    for effect, kid in effects.items():  # a disqualification on full sheets, a stop with criteria unscored
        if effect == "stop_evaluation":
            one_ko = one.copy()
            one_ko[leaves[len(leaves) // 2:]] = np.nan
        else:
            one_ko = one
        variant(f"ko-{effect}", one_ko, findings=kid)
    variant("unscored-no-ko", one.assign(**{leaves[-1]: np.nan}))
    for target in (30, 50, 70, 90):
        a, b = exact_sheet(form, target), exact_sheet(form, target - 1, rotate=3)
        c = exact_sheet(form, target + 1, rotate=5)
        if a and b and c:
            variant(f"exact-{target}", _with_sheets(one, "x", [a, a]))
            if target > 30:
                variant(f"mean-{target}", _with_sheets(one, "x", [b, c]))  # (t-1 + t+1) / 2 = t
                variant(f"below-{target}", _with_sheets(one, "x", [b, a, b]))  # t - 2/3
    reqs = [r["finding"] for r in cs.star_minimums.get("requirements", []) or [] if r.get("finding")]
    if reqs:
        since = date.fromisoformat(cs.star_minimums["from"])
        variant("qd781", one, findings=";".join(reqs[:2]), evaluated_on=max(since, first_day).isoformat(),
                level=level_on(max(since, first_day)))
        variant("qd781-before", one, findings=reqs[0], evaluated_on=(since - timedelta(days=1)).isoformat(),
                level=level_on(since - timedelta(days=1)))
    days = {cs.start, first_day, *(d for d in (cs.end, cs.lapses) if d)}
    days |= {d for p in cs.periods for d in (p.start, p.end) if d}
    days |= {d + timedelta(days=1) for d in (cs.lapses or cs.end,) if d}
    days |= {first_day - timedelta(days=1)}
    for day in sorted(days):
        variant(f"day-{day.isoformat()}", one, evaluated_on=day.isoformat(), level=level_on(day))
    bad = one.copy()
    bad.loc[0, crit_cols[0]] = 97.0
    variant("not-an-option", bad)
    if form.number == 1:  # the filing columns depend on the set only: one form per set
        _filing_variants(cs, one, variant, level_on)
    return pd.concat(parts, ignore_index=True)


def _filing_variants(cs, one: pd.DataFrame, variant, level_on) -> None:
    """Kinds and lodging days on the edges of QĐ 26/2026 Điều 12 (transition windows, the 180–120-day
    re-evaluation window, the 180 days of k3), in both spellings of the kind."""
    on = lambda day: dict(evaluated_on=day, level=level_on(date.fromisoformat(day)))  # noqa: E731
    mid = (cs.end or date(2026, 12, 1)) - timedelta(days=1)
    variant("kind-upgrade", one, kind="upgrade", **on(mid.isoformat()))
    variant("kind-vi", one, kind="Phân hạng lại", **on(mid.isoformat()))
    variant("kind-bad", one, kind="renewal", **on(mid.isoformat()))
    variant("lodged-after-evaluated", one, lodged_on=(mid + timedelta(days=1)).isoformat(), **on(mid.isoformat()))
    if cs.finish_by:
        before = (date.fromisoformat(cs.finish_by["lodged_before"]) - timedelta(days=1)).isoformat()
        for kind, last in cs.finish_by["kinds"].items():
            end = date.fromisoformat(last)
            for day in (end, end + timedelta(days=1)):
                for named in (cs.id, ""):
                    variant(f"{kind}-{day.isoformat()}-{named or 'omitted'}", one, kind=kind, lodged_on=before,
                            criteria_set=named, **on(day.isoformat()))
        variant("lodged-late-named", one, kind="new", lodged_on=cs.finish_by["lodged_before"], criteria_set=cs.id,
                **on(cs.finish_by["lodged_before"]))
    if cs.end is None:  # the set in force now: re-evaluation windows and the extension of Điều 12 k3
        expires = date(2027, 6, 30)
        for offset in (181, 180, 120, 119):
            variant(f"reeval-{offset}", one, kind="re-evaluation", previous_expires_on=expires.isoformat(),
                    previous_stars=4, lodged_on=(expires - timedelta(days=offset)).isoformat(),
                    **on((expires - timedelta(days=offset - 30)).isoformat()))
        short = date(2026, 8, 1)  # last filing day 2026-04-03, before QĐ 26/2026 took effect: k3
        for after in (0, 1, 180, 181):
            variant(f"k3-{after}", one, kind="re-evaluation", previous_expires_on=short.isoformat(),
                    lodged_on="2026-06-01", **on((short + timedelta(days=after)).isoformat()))
        variant("new-set-for-old-file", one, kind="new", lodged_on="2026-05-21", criteria_set=cs.id,
                **on("2026-06-01"))


def all_forms() -> list[tuple[str, str]]:
    return [(sid, slug) for sid, cs in crit.load_all().items() for slug in cs.forms]


def frame_of(dossiers: list[dict]) -> pd.DataFrame:
    """A wide table (one row per member sheet) holding these design.md §3 dossiers: the batch's input
    for a hand-made dossier, so that both executors score the very same data."""
    rows = []
    for d in dossiers:
        meta = {k: d[k] for k in ("dossier_id", "criteria_set", "form", "level", "evaluated_on", "kind", "lodged_on")
                if k in d}
        prev = d.get("previous_certificate") or {}
        meta.update({f"previous_{k}": v for k, v in prev.items()})
        meta["findings"] = ";".join(d.get("findings", []))
        for sheet in d["sheets"]:
            rows.append({**meta, "member": sheet["member"], **sheet["scores"]})
    return pd.DataFrame(rows)


def issue_tuples(issues) -> list[tuple]:
    """Issues as (code, field, message, value as text, allowed): what a batch reject row holds
    (sorted: the single path lists a sheet's problems in its keys' order, the batch in the form's)."""
    return sorted((i.code, i.location, i.message, None if i.value is None else str(i.value), i.allowed) for i in issues)


def reject_tuples(rejects: pd.DataFrame, dossier_id: str) -> list[tuple]:
    """The reject rows of one dossier as `issue_tuples`, to compare with the single path's issues."""
    rows = rejects[rejects["dossier_id"] == dossier_id]
    return sorted((r["code"], r["field"], r["message"], _none(r["value"]), _none(r["allowed"])) for _, r in rows.iterrows())
