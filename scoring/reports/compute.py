"""The reports' figures from the registry: its query API for certificates, counts, due lists, the
pipeline and contacts (`scoring.registry.Registry`), the kernel for every score and upgrade plan
(`scoring.evaluate`, `scoring.whatif.plan`). Nothing here scores or decides a star.

Areas are matched by name (the registry records province / district / commune names): NFC, case
and spacing folded, a leading "tỉnh / huyện / xã / thị trấn / …" dropped on both sides. A product
of a district that the plan lists, in a commune it does not list, is counted under that district's
"các xã khác" row, so that every parent's figures are exactly the sum of its rows.
"""
from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any, Iterable

from ..text import nfc
from .figures import (ADDITIVE, STARS, AreaProgress, ProgressReport, SupervisionItem, SupervisionReport,
                      UpgradeProposal, WhatIf)
from .model import LEVELS, Area, Plan, Targets
from .periods import period as make_period

PREFIXES = re.compile(r"^(tỉnh|thành phố|tp\.?|huyện|quận|thị xã|xã|phường|thị trấn)\s+", re.IGNORECASE)
OTHER = "khac"


def area_key(name: str | None) -> str:
    text = " ".join(nfc(name or "").split()).casefold()
    stripped = PREFIXES.sub("", text)
    return stripped or text


def _target_text(t: Targets | None) -> str:
    if t is None or not t.stars:
        return ""
    text = ", ".join(f"{k}★: {t.stars[k]}" for k in sorted(t.stars, reverse=True))
    return text + (" (lũy kế ≥ k★)" if t.reading == "at_least" else " (số sản phẩm theo hạng)")


class AreaTree:
    """The plan's areas as report rows, and the rule that puts a registry row in one of them."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rows: dict[str, AreaProgress] = {}
        self.order: list[str] = []
        self.nodes: dict[str, Area] = {}
        self.children: dict[str, list[str]] = defaultdict(list)
        for depth, a in plan.areas():
            parent = next((p.code for _, p in plan.areas() if a in p.children), None)
            self._add(AreaProgress(a.code, a.name, a.level, depth, parent,
                                   required=a.targets.required if a.targets else {},
                                   stretch=a.targets.stretch if a.targets else {}, target_text=_target_text(a.targets),
                                   upgrade_targets=[{"from": u.from_stars, "to": u.to_stars, "target": str(u.count),
                                                     "low": u.count.low, "achieved": 0}
                                                    for u in (a.targets.upgrades if a.targets else ())],
                                   new_products_target=str(a.targets.new_products) if a.targets and
                                   a.targets.new_products else None), a)

    def _add(self, row: AreaProgress, area: Area | None) -> None:
        self.rows[row.code] = row
        if area is not None:
            self.nodes[row.code] = area
        if row.parent:
            self.children[row.parent].append(row.code)

    def _other(self, parent: str) -> str:
        code = f"{parent}-{OTHER}"
        if code not in self.rows:
            p = self.rows[parent]
            below = LEVELS[min(LEVELS.index(p.level) + 1, len(LEVELS) - 1)]
            label = {"district": "Các huyện khác (ngoài kế hoạch)", "commune": "Các xã khác (ngoài kế hoạch)"}[below]
            self._add(AreaProgress(code, label, below, p.depth + 1, parent, synthetic=True), None)
        return code

    def locate(self, province: str | None, district: str | None, commune: str | None) -> str | None:
        """The report row of a registry row's area (None: outside the plan's root area); remembered per
        (province, district, commune), of which a registry holds a few thousand for 10^5 rows."""
        key = (province, district, commune)
        try:
            return self._located[key]
        except KeyError:
            pass
        except AttributeError:
            self._located: dict[tuple, str | None] = {}
        hit = self._located[key] = self._locate(province, district, commune)
        return hit

    def _locate(self, province: str | None, district: str | None, commune: str | None) -> str | None:
        names = {"province": area_key(province), "district": area_key(district), "commune": area_key(commune)}
        root = self.plan.area
        if names[root.level] != area_key(root.name):
            return None
        node = root
        while node.children:
            level = node.children[0].level
            hit = [c for c in node.children if area_key(c.name) == names[level]] if names[level] else []
            if not hit and level == "district" and not names["district"] and names["commune"]:
                # a product recorded without a district (QĐ 19/2025 two-level areas): its commune, if unique
                hit = [d for d in node.children if any(area_key(c.name) == names["commune"] for c in d.children)]
                hit = hit if len(hit) == 1 else []
            if not hit:
                return self._other(node.code)
            node = hit[0]
        return node.code

    def ordered(self) -> list[AreaProgress]:
        out: list[AreaProgress] = []

        def visit(code: str) -> None:
            out.append(self.rows[code])
            kids = self.children.get(code, [])
            for c in sorted(kids, key=lambda k: self.rows[k].synthetic):  # the plan's order, "other" last
                visit(c)

        visit(self.plan.area.code)
        return out

    def roll_up(self) -> None:
        """Parents' additive figures = the sum of their rows' (leaves hold the registry's rows)."""
        for row in reversed(self.ordered()):
            kids = [self.rows[c] for c in self.children.get(row.code, [])]
            if not kids:
                continue
            for name in ADDITIVE:
                value = getattr(row, name)
                if isinstance(value, dict):
                    total: dict = Counter()
                    for k in kids:
                        total.update(getattr(k, name))
                    setattr(row, name, {**{s: 0 for s in value}, **dict(total)} if value or total else value)
                else:
                    setattr(row, name, sum(getattr(k, name) for k in kids))


def progress(plan: Plan, registry: Any, as_of: date, period_key: str = "year", *, whatif_depth: int = 1,
             whatif_candidates: int = 20, series_points: int = 9, costs: Any = None) -> ProgressReport:
    """A progress report of `plan` on the registry's data as of `as_of` (see docs/REPORTS.md)."""
    from .queries import certificate_kinds, dossier_products

    per = make_period(period_key, plan.year, as_of)
    p_end = min(per.end, as_of)
    y_start, y_end = date(plan.year, 1, 1), min(date(plan.year, 12, 31), as_of)
    tree = AreaTree(plan)
    rows = registry.certificates(as_of=as_of)
    with registry.engine.connect() as conn:
        kinds = certificate_kinds(conn, as_of)
        products_of = dossier_products(conn, y_start, as_of)
    outside = 0
    year_best: dict[Any, tuple[int, str]] = {}   # product → (stars, leaf) of its best certificate in the year
    counted_product_stars: dict[Any, int] = {}
    expiring: Counter = Counter()
    horizon = as_of + timedelta(days=366)
    rewards = plan.rewards
    for r in rows:
        leaf = tree.locate(r["province"], r["district"], r["commune"])
        if leaf is None:
            outside += 1
            continue
        a = tree.rows[leaf]
        s, status = int(r["stars"]), r["status"]
        kind, prev = kinds.get(r["number"], ("new", None))
        issued = r["issued_on"]
        revoked_by_then = status == "revoked"
        if status == "valid":
            a.valid[s] = a.valid.get(s, 0) + 1
            if as_of < r["expires_on"] <= horizon:
                expiring[r["expires_on"].strftime("%Y-%m")] += 1
        if per.start <= issued <= p_end:
            bucket = {"new": a.new_in_period, "upgrade": a.upgrades_in_period,
                      "re-evaluation": a.reevaluations_in_period}[kind]
            bucket[s] = bucket.get(s, 0) + 1
            if rewards is not None and not revoked_by_then:
                a.reward_owed += rewards.owed(kind, s, prev)
        if r["revoked_on"] is not None and per.start <= r["revoked_on"] <= p_end:
            a.revoked_in_period[s] = a.revoked_in_period.get(s, 0) + 1
        last_valid = r["expires_on"]
        ended_before = any(d is not None and d <= last_valid for d in (r["revoked_on"], r["superseded_on"]))
        if per.start <= last_valid + timedelta(days=1) <= p_end and not ended_before:
            a.expired_in_period[s] = a.expired_in_period.get(s, 0) + 1
        if y_start <= issued <= y_end and kind in ("new", "upgrade") and not revoked_by_then:
            best = year_best.get(r["product_id"])
            if best is None or s > best[0]:
                year_best[r["product_id"]] = (s, leaf)
            if kind == "new":
                a.new_products += 1
            elif prev is not None:
                a.upgrade_pairs[f"{prev}-{s}"] = a.upgrade_pairs.get(f"{prev}-{s}", 0) + 1
        if plan.counts == "stock" and status == "valid":
            a.achieved[s] = a.achieved.get(s, 0) + 1
            counted_product_stars[r["product_id"]] = s
    if plan.counts == "year":
        for pid, (s, leaf) in year_best.items():
            row = tree.rows[leaf]
            row.achieved[s] = row.achieved.get(s, 0) + 1
            counted_product_stars[pid] = s

    # the pipeline: scored, not certified (as the registry holds it now), evaluated by the report date
    pipe = [p for p in registry.pipeline() if p["evaluated_on"] is not None and p["evaluated_on"] <= as_of]
    pipe_leaf: list[tuple[dict, str]] = []
    for p in pipe:
        leaf = tree.locate(p["province"], p["district"], p["commune"])
        if leaf is None:
            continue
        pipe_leaf.append((p, leaf))
        s = int(p["stars"])
        row = tree.rows[leaf]
        if s >= 3:
            row.pipeline[s] = row.pipeline.get(s, 0) + 1
            pid = products_of.get(p["dossier_id"])
            before = counted_product_stars.get(pid) if pid is not None else None
            if before is None or s > before:
                row.pipeline_delta[s] = row.pipeline_delta.get(s, 0) + 1
                if before is not None:  # an upgrade moves the product; its old stars leave the count
                    row.pipeline_delta[before] = row.pipeline_delta.get(before, 0) - 1
                if pid is not None:
                    counted_product_stars[pid] = s
    tree.roll_up()
    areas = tree.ordered()
    for a in areas:
        for u in a.upgrade_targets:
            u["achieved"] = sum(n for pair, n in a.upgrade_pairs.items()
                                if int(pair.split("-")[0]) == u["from"] and int(pair.split("-")[1]) >= u["to"])

    readings = _readings(plan, per, as_of)
    report = ProgressReport(plan.id, plan.title, plan.year, plan.counts, as_of, per, areas,
                            stars_over_time=_series(rows, tree, as_of, series_points),
                            expiring_by_month=_months(expiring, as_of), readings=readings, outside_plan=outside,
                            database=getattr(registry, "safe_url", ""))
    if whatif_depth >= 0 and whatif_candidates > 0:
        _whatif(report, registry, tree, plan, rows, pipe_leaf, as_of, whatif_depth, whatif_candidates, costs)
    return report


def _months(counter: Counter, as_of: date, n: int = 12) -> list[tuple[str, int]]:
    out, y, m = [], as_of.year, as_of.month
    for _ in range(n):
        out.append((f"{y:04d}-{m:02d}", counter.get(f"{y:04d}-{m:02d}", 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _series(rows: list[dict], tree: AreaTree, as_of: date, points: int) -> list[tuple[date, dict[int, int]]]:
    """Certificates of the plan's area valid at the end of each of the last quarters and on the report
    date, by stars: from the rows already read (every certificate issued by the report date, with its
    dates), by the registry's rule of validity on a day (docs/REGISTRY.md: issued by then, not past its
    expiry, neither revoked nor superseded by then). One query a point took 0.4 s at 50,000
    certificates; tests compare these counts with the registry's own."""
    days: list[date] = []
    y, q = as_of.year, (as_of.month - 1) // 3  # quarters completed this year
    while len(days) < points - 1:
        if q == 0:
            y, q = y - 1, 4
        end_month = 3 * q
        days.append(date(y, end_month, 31 if end_month in (3, 12) else 30))
        q -= 1
    days = sorted(set(days + [as_of]))
    counts = {d: {k: 0 for k in STARS} for d in days}
    for r in rows:
        if tree.locate(r["province"], r["district"], r["commune"]) is None:
            continue
        s = int(r["stars"])
        ends = min((x for x in (r["revoked_on"], r["superseded_on"]) if x is not None), default=None)
        for d in days:
            if r["issued_on"] <= d <= r["expires_on"] and (ends is None or ends > d) and s in counts[d]:
                counts[d][s] += 1
    return [(d, counts[d]) for d in days]


def _readings(plan: Plan, per, as_of: date) -> list[str]:
    from .model import COUNTS, REEVALUATION_REWARD, UPGRADE_REWARD

    out = [
        "Chỉ tiêu là số lũy kế: 'ít nhất N sản phẩm ≥ k sao'; với cách đọc 'places' (kế hoạch ghi 5★: 1, 4★: 20, 3★: 30), "
        "cần ≥ 1 sản phẩm 5★, ≥ 21 sản phẩm ≥ 4★ và ≥ 51 sản phẩm ≥ 3★ / targets are cumulative (reading of ours, as "
        "the kernel's support planner reads them; Hải Dương 4435/KH-UBND supports 51 = 1 + 20 + 30 products).",
        f"Cách đếm '{plan.counts}': {COUNTS[plan.counts]} (our reading; configurable in the plan file, plan.counts).",
        "Trạng thái giấy chứng nhận tại một ngày theo sổ đăng ký: thu hồi, bị thay thế, hết hạn (sau ngày hết hạn), còn "
        "hiệu lực — mỗi giấy đúng một trạng thái / statuses as of the date are the registry's (revoked, superseded, "
        "expired after its expiry day, valid).",
        f"Trong kỳ: từ {per.start.strftime('%d/%m/%Y')} đến {min(per.end, as_of).strftime('%d/%m/%Y')}; 'hết hạn trong kỳ' "
        "là giấy hết hiệu lực trong kỳ mà không bị thu hồi hay thay thế trước đó.",
        "Hồ sơ đang xét: kết quả được công nhận hoặc đã chuyển cấp trên nhưng chưa được cấp giấy, theo sổ đăng ký hiện "
        "tại, đánh giá đến ngày báo cáo; một hồ sơ nâng hạng chuyển sản phẩm sang số sao mới / the pipeline is the "
        "registry's current state, limited to evaluations up to the report date.",
        "Kỳ báo cáo quý, sáu tháng, cả năm là yêu cầu của kế hoạch địa phương (Long Mỹ 2020: 'định kỳ quý, sáu tháng, "
        "cả năm'); QĐ 26/2026/QĐ-TTg không quy định báo cáo định kỳ / periodic reporting comes from local plans, "
        "QĐ 26/2026 sets none (reference/qd26-2026-process.md §9).",
    ]
    if plan.rewards:
        out.append(f"Thưởng: {', '.join(f'{k}★ {v:,.0f} ₫' for k, v in sorted(plan.rewards.per_star.items(), reverse=True))}"
                   f" cho giấy cấp trong kỳ, không tính giấy đã bị thu hồi; nâng hạng: {UPGRADE_REWARD[plan.rewards.upgrade]};"
                   f" đánh giá lại: {REEVALUATION_REWARD[plan.rewards.reevaluation]} (NOT IN TEXT: readings of ours, "
                   "set in the plan file).")
    return out


def _whatif(report: ProgressReport, registry: Any, tree: AreaTree, plan: Plan, cert_rows: list[dict],
            pipe_leaf: list[tuple[dict, str]], as_of: date, depth: int, limit: int, costs: Any) -> None:
    """For each area down to `depth` still short of its target after the pipeline: the kernel's cheapest
    plan over the area's candidates (products counted below the top target level, pipeline dossiers,
    scored dossiers below 3★), at most `limit` of them, the closest to the next band first.

    Candidates are ranked on the stars and total the registry stored for them, and only the `limit`
    taken are re-scored by the kernel (a province's pool holds every certified product: re-scoring
    them all took minutes at 50,000 certificates; benchmarks/reports.py)."""
    from scoring.whatif import plan as support_plan

    from .queries import certificate_totals, scored_not_recognised

    with registry.engine.connect() as conn:
        below = scored_not_recognised(conn, date(plan.year, 1, 1), as_of)
        totals = certificate_totals(conn, as_of)

    def under(code: str) -> set[str]:  # an area and every row below it (synthetic rows made since included)
        return {code}.union(*(under(c) for c in tree.children.get(code, [])))

    leaves_of = {a.code: under(a.code) for a in report.areas}
    # (leaf, dossier_id, product, stored stars, stored total)
    candidates: list[tuple[str, str, str, int, float]] = []
    for r in cert_rows:
        if r["status"] == "valid" and r.get("dossier_id"):
            leaf = tree.locate(r["province"], r["district"], r["commune"])
            if leaf is not None:
                candidates.append((leaf, r["dossier_id"], r["product"], int(r["stars"]),
                                   float(totals.get(r["number"], 0.0))))
    for p, leaf in pipe_leaf:
        candidates.append((leaf, p["dossier_id"], p["product"], int(p["stars"]), float(p["total"] or 0.0)))
    for b in below:
        leaf = tree.locate(b["province"], b["district"], b["commune"])
        if leaf is not None:
            candidates.append((leaf, b["dossier_id"], b["product"] or b["dossier_id"], int(b["stars"] or 0),
                               float(b["total"] or 0.0)))
    model = costs if costs is not None else plan.cost_model()
    cache: dict[str, Any] = {}
    for a in report.areas:
        if a.depth > depth or a.synthetic or not a.required or not sum(a.gap_after_pipeline.values()):
            continue
        top = max(a.required)
        seen: set[str] = set()
        ranked = []
        for c in sorted((c for c in candidates if c[0] in leaves_of[a.code] and c[3] < top),
                        key=lambda c: (-c[4], c[1])):
            if c[1] not in seen:
                seen.add(c[1])
                ranked.append(c)
        total_pool = len(ranked)
        pool = []
        for i in range(0, len(ranked), max(limit, 1)):
            if len(pool) >= limit:
                break
            chunk = ranked[i:i + limit]
            _results(registry, [c[1] for c in chunk], cache)
            pool += [(cache[c[1]], c[2]) for c in chunk if cache.get(c[1]) is not None and cache[c[1]].stars < top]
        pool = sorted(pool, key=lambda x: (-x[0].total, x[0].dossier_id))[:limit]
        # products outside the pool keep counting where they are; the pool must supply the rest, as the
        # kernel's places (cumulative needs made non-increasing in the stars, then differenced)
        counted = at_least_counts(a)
        fixed = {k: counted[k] - sum(1 for r, _ in pool if r.stars >= k) for k in a.required}
        places, above = {}, 0
        for k in sorted(a.required, reverse=True):
            need = max(0, a.required[k] - fixed[k], above)
            places[k], above = need - above, need
        if not pool or not any(places.values()):
            a.whatif = WhatIf(False, 0.0, model.unit, [], dict(a.gap_after_pipeline),
                              "không có hồ sơ nào có điểm chi tiết để lập đề xuất / no scored dossier to plan with",
                              0, total_pool)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cp = support_plan([r for r, _ in pool], {k: v for k, v in places.items() if v}, costs=model)
        names = {r.dossier_id: n for r, n in pool}
        proposals = [UpgradeProposal(c.dossier_id, names.get(c.dossier_id, c.dossier_id), c.stars_before, c.stars_after,
                                     c.cost, [{"criterion": u.criterion, "from_points": u.from_points,
                                               "to_points": u.to_points, "cost": u.cost, "label": u.label}
                                              for u in (c.plan.upgrades if c.plan else [])])
                     for c in cp.supported]
        note = (f"{len(pool)} / {total_pool} hồ sơ gần ngưỡng sao nhất được xét / candidates considered (the closest "
                f"to the next band)" + (f"; {cp.shortfall_reason}" if cp.shortfall_reason else ""))
        a.whatif = WhatIf(bool(cp.feasible), float(cp.cost), cp.cost_unit, proposals, dict(cp.unmet_targets), note,
                          len(pool), total_pool)


def at_least_counts(a: AreaProgress) -> dict[int, int]:
    from .figures import at_least

    return at_least({k: a.achieved[k] + a.pipeline_delta.get(k, 0) for k in STARS})


REGISTRY_ONLY = ("kind", "round", "lodged_on")  # dossier fields the registry keeps beside the kernel's schema


def _results(registry: Any, dossier_ids: list[str], cache: dict[str, Any]) -> None:
    """The kernel's full Results of stored dossiers, into `cache` (re-scored from their canonical content,
    so that a result imported by the batch path also carries the per-criterion points the planner
    needs); the contents are read in one query."""
    import scoring

    from .queries import dossier_contents

    todo = [d for d in dossier_ids if d not in cache]
    if not todo:
        return
    with registry.engine.connect() as conn:
        contents = dossier_contents(conn, todo)
    for did in todo:
        content, res = contents.get(did), None
        if content:
            content = {k: v for k, v in content.items() if k not in REGISTRY_ONLY}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = scoring.evaluate(content)
            except Exception:  # a dossier the kernel refuses today is simply not a candidate
                res = None
        cache[did] = res


# --------------------------------------------------------------------------- supervision

DUE_CATEGORY = {"expired": "expired", "window-opens": "expiring", "window-open": "in_window",
                "window-closed": "past_window"}


def supervision(registry: Any, as_of: date, within: int = 180, since: date | None = None,
                areas: Iterable[str] | None = None) -> SupervisionReport:
    """Certificates to follow up as of `as_of`: due (the registry's due list: window opening within
    `within` days, open, closed, expired) and revoked since `since` (default one year back), with the
    contacts of each certificate's producer (the registry's producer record of the product)."""
    from .queries import product_contacts

    since = since or (as_of - timedelta(days=365))
    due = registry.certificates_due(as_of, within)
    revoked = [r for r in registry.certificates(as_of=as_of, status="revoked")
               if r["revoked_on"] is not None and r["revoked_on"] >= since]
    with registry.engine.connect() as conn:  # the producers of the listed certificates only
        contacts = product_contacts(conn, sorted({r["product_id"] for r in due + revoked}))
    items: list[SupervisionItem] = []
    windows: Counter = Counter()
    for r, cat in [(r, DUE_CATEGORY[r["due"]]) for r in due] + [(r, "revoked") for r in revoked]:
        if cat == "expired" and r["expires_on"] < since:
            continue
        if areas is not None and area_key(r["province"]) not in areas:
            continue
        c = contacts.get(r["product_id"], {})
        opens = r.get("window_opens_on") or r["expires_on"]
        closes = r.get("window_closes_on") or r["expires_on"]
        windows[((r["expires_on"] - opens).days, (r["expires_on"] - closes).days)] += 1
        items.append(SupervisionItem(
            r["number"], r["product"], r["producer"], int(r["stars"]), r["issued_on"], r["expires_on"], opens, closes,
            cat, (r["expires_on"] - as_of).days, r["province"] or None, r["district"] or None, r["commune"] or None,
            c.get("representative"), c.get("phone"), c.get("email"), c.get("address"), r.get("revoked_on"),
            r.get("revocation_ground")))
    months: Counter = Counter(it.expires_on.strftime("%Y-%m") for it in items
                              if it.category in ("expiring", "in_window", "past_window"))
    window = windows.most_common(1)[0][0] if windows else (180, 120)
    readings = [
        f"Thời hạn nộp hồ sơ đánh giá lại: không sớm hơn {window[0]} ngày và không muộn hơn {window[1]} ngày trước ngày "
        "hết hạn (QĐ 26/2026 Điều 7 khoản 6 điểm a; ngày mở/đóng lấy từ sổ đăng ký) / the re-evaluation window as the "
        "registry stored it at issue.",
        "Mỗi giấy chứng nhận thuộc đúng một nhóm: thu hồi; hết hạn; quá hạn nộp (còn hiệu lực); trong thời hạn nộp; sắp "
        f"hết hạn (thời hạn nộp mở trong {within} ngày tới) / exclusive categories.",
        f"Giấy hết hạn và giấy bị thu hồi được liệt kê từ ngày {since.strftime('%d/%m/%Y')}; giấy hết hạn đã được cấp "
        "giấy mới (thay thế) không còn trong danh sách.",
    ]
    return SupervisionReport(as_of, within, since, items, window=window, expiring_by_month=sorted(months.items()),
                             database=getattr(registry, "safe_url", ""), readings=readings)
