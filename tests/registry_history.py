"""Registry histories for the report tests, written through the Registry API only (imports scored by
the kernel, certificates issued, superseded and revoked by the registry), so that the reports are
checked against data the registry really produces."""
from __future__ import annotations

import copy
import json
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = {  # stars the kernel gives each fixture (checked in test_reports_registry)
    2: "qd26-2026-49-67-wine.json",
    3: "qd26-2026-69-67.json",
    4: "qd26-2026-70-4star.json",
    5: "qd26-2026-90.json",   # scored at the central level: 5★ recognised by the ministry
}
ACTOR = "test-reports"


def template(stars: int) -> dict:
    d = json.loads((ROOT / "fixtures" / "dossiers" / TEMPLATES[stars]).read_text(encoding="utf-8-sig"))
    if stars == 5:
        d["level"] = "central"
    return d


# areas: (province, district, commune); the last two are outside the plan's listed communes / province
AREAS = [("Hải Dương", "Thanh Hà", "Thanh Lâm"), ("Hải Dương", "Thanh Hà", "Xã 1"), ("Hải Dương", "Tứ Kỳ", "Tân Kỳ"),
         ("Hải Dương", "Tứ Kỳ", "Quang Phục"), ("Hải Dương", "Tứ Kỳ", "Hưng Đạo"), ("Hải Dương", "Kim Thành", "Xã 9"),
         ("Hà Giang", "Mèo Vạc", "Mèo Vạc")]

PLAN_YAML = """
plan: {id: test-plan, title: Kế hoạch thử, year: YEAR, counts: COUNTS}
rewards: {per_product: {5: 30000000, 4: 20000000, 3: 10000000}, upgrade: difference}
area:
  level: province
  code: "30"
  name: Hải Dương
  targets: {stars: {5: 1, 4: 3, 3: 5}, reading: places}
  areas:
    - level: district
      code: "294"
      name: Thanh Hà
      targets: {stars: {4: 1, 3: 2}, reading: places, upgrades: [{from: 3, to: 4, count: 1}], new_products: 2}
      areas:
        - {level: commune, code: "10801", name: Thanh Lâm, targets: {stars: {3: 1}, reading: at_least}}
        - {level: commune, code: "10802", name: Xã 1}
    - level: district
      code: "298"
      name: Tứ Kỳ
      targets: {stars: {3: "2-3"}, reading: at_least}
      areas:
        - {level: commune, code: "10901", name: Tân Kỳ, targets: {stars: {3: 1}, reading: at_least}}
        - {level: commune, code: "10902", name: Quang Phục}
"""


def write_plan(folder: Path, year: int, counts: str = "year") -> Path:
    p = folder / f"plan-{year}-{counts}.yaml"
    p.write_text(PLAN_YAML.replace("YEAR", str(year)).replace("COUNTS", counts), encoding="utf-8")
    return p


@dataclass
class ProductStory:
    """One product's life: first certificate, then maybe an upgrade, a re-evaluation, a revocation."""

    area: int
    first_stars: int
    first_day: int                 # days after BASE
    upgrade: tuple[int, int] | None = None      # (days after first, new stars)
    reevaluate_after: int | None = None         # days after the last certificate
    revoke_after: int | None = None             # days after the last certificate
    pipeline: int | None = None                 # stars of a scored, uncertified dossier (2..5), or None


BASE = date(2026, 10, 1)


@dataclass
class Built:
    numbers: list[str] = field(default_factory=list)
    pipeline_ids: list[str] = field(default_factory=list)


def build(reg, stories: list[ProductStory]) -> Built:
    """Write the stories into an initialised registry (one transaction per product)."""
    out = Built()
    warnings.simplefilter("ignore")
    for i, st in enumerate(stories):
        prov, dist, comm = AREAS[st.area]
        product = {"name": f"Sản phẩm {i}", "producer": f"HTX số {i}", "province": prov, "district": dist,
                   "commune": comm}
        seq = 0

        def dossier(stars: int, kind: str, day: date) -> dict:
            nonlocal seq
            seq += 1
            d = copy.deepcopy(template(stars))
            d.update(dossier_id=f"P{i}-D{seq}", product=product, kind=kind, evaluated_on=day.isoformat())
            return d

        with reg.transaction(ACTOR):
            day = BASE + timedelta(days=st.first_day)
            d = dossier(st.first_stars, "new", day)
            reg.import_dossier(d)
            cert = reg.issue_certificate(reg.latest_result(d["dossier_id"])["id"], day)
            out.numbers.append(cert["number"])
            if st.upgrade is not None:
                day = day + timedelta(days=st.upgrade[0])
                if day <= cert["expires_on"]:
                    d = dossier(st.upgrade[1], "upgrade", day)
                    reg.import_dossier(d)
                    cert = reg.issue_certificate(reg.latest_result(d["dossier_id"])["id"], day)
                    out.numbers.append(cert["number"])
            if st.reevaluate_after is not None:
                day = cert["expires_on"] - timedelta(days=st.reevaluate_after)
                d = dossier(cert["stars"], "re-evaluation", day)
                reg.import_dossier(d)
                cert = reg.issue_certificate(reg.latest_result(d["dossier_id"])["id"], day)
                out.numbers.append(cert["number"])
            if st.revoke_after is not None:
                day = cert["issued_on"] + timedelta(days=st.revoke_after)
                if day <= cert["expires_on"]:
                    reg.revoke(cert["number"], "b", day, note="kiểm tra định kỳ")
            if st.pipeline is not None:
                d = dossier(st.pipeline, "upgrade" if st.pipeline > st.first_stars else "new",
                            cert["issued_on"] + timedelta(days=30))
                if st.pipeline <= st.first_stars:
                    d["product"] = {**product, "name": f"Sản phẩm {i} mới"}
                reg.import_dossier(d)
                out.pipeline_ids.append(d["dossier_id"])
    return out
