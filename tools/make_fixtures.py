"""Build the bundled fixtures: hand-specified dossiers at borderline totals, and a seeded cohort.

Totals are reached by raising criteria one option at a time from the lowest options, in form order,
so each dossier's points are reproducible and its intended situation (a total, a missed minimum, a
knock-out, a spread) is stated in its `notes`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring import criteria  # noqa: E402
from scoring.synth import generate_cohort  # noqa: E402

OUT = ROOT / "fixtures"


def sheet_for(form, total: int, hold: dict[str, int] | None = None) -> dict[str, int]:
    hold = hold or {}
    scores = {leaf.number: hold.get(leaf.number, leaf.points[0]) for leaf in form.leaves}
    while sum(scores.values()) < total:
        moved = False
        for leaf in form.leaves:
            if leaf.number in hold or sum(scores.values()) >= total:
                continue
            ladder = leaf.points
            i = ladder.index(scores[leaf.number])
            if i + 1 < len(ladder) and sum(scores.values()) - ladder[i] + ladder[i + 1] <= total:
                scores[leaf.number] = ladder[i + 1]
                moved = True
        if not moved:
            break
    assert sum(scores.values()) == total, (form.slug, total, sum(scores.values()))
    return scores


def dossier(did, cs, slug, level, day, sheets, notes, findings=(), product=None):
    d = {"dossier_id": did, "criteria_set": cs, "form": slug, "level": level, "evaluated_on": day,
         "product": product or {"name": "Sản phẩm mẫu", "producer": "HTX mẫu", "province": "Hải Dương",
                                "district": "Thanh Hà", "commune": "Thanh Lâm"},
         "findings": list(findings), "sheets": [{"member": f"TV{i + 1}", "scores": s} for i, s in enumerate(sheets)],
         "notes": notes}
    (OUT / "dossiers" / f"{did}.json").write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    c26 = criteria.load_set("qd26-2026")
    f26 = c26.form("rau-cu-qua-hat-tuoi")
    c48 = criteria.load_set("qd148-2023")
    f48 = c48.form("gao-ngu-coc-hat-so-che-khac") if c48.has_form("gao-ngu-coc-hat-so-che-khac") else list(c48.forms.values())[2]
    c10 = criteria.load_set("qd1048-2019")
    f10 = c10.form("rau-cu-qua-hat-tuoi")
    # QĐ 26/2026: 55 points but 2.2 (bao bì) below its *** minimum of 2 → not recognised
    dossier("qd26-2026-55-missing-3star-minimum", "qd26-2026", f26.slug, "province", "2026-08-10",
            [sheet_for(f26, 55, {"2.2": 1})] * 3,
            "55 điểm nhưng tiêu chí 2.2 dưới mức tối thiểu *** (2 điểm) / 55 points, 2.2 below its *** minimum")
    # QĐ 1048: district gate at 50 (three members: 49.99 is not reachable with integer points, 149/3 = 49.67)
    dossier("qd1048-district-50-escalates", "qd1048-2019", f10.slug, "district", "2021-05-20",
            [sheet_for(f10, 50)] * 3, "50 điểm tại cấp huyện → lên tỉnh / 50 points at district → province")
    dossier("qd1048-district-49-67-stays", "qd1048-2019", f10.slug, "district", "2021-05-20",
            [sheet_for(f10, 50), sheet_for(f10, 50), sheet_for(f10, 49)],
            "49,67 điểm (149/3) tại cấp huyện: không lên tỉnh / 49.67 points at district: not escalated")
    dossier("qd1048-province-90", "qd1048-2019", f10.slug, "province", "2022-03-01", [sheet_for(f10, 90)] * 3,
            "90 điểm tại tỉnh → trung ương / 90 points at province → central")
    dossier("qd1048-province-89-67", "qd1048-2019", f10.slug, "province", "2022-03-01",
            [sheet_for(f10, 90), sheet_for(f10, 90), sheet_for(f10, 89)], "89,67 điểm: 4 sao, tỉnh công nhận")
    dossier("qd1048-spread-11", "qd1048-2019", f10.slug, "province", "2022-03-01",
            [sheet_for(f10, 60), sheet_for(f10, 65), sheet_for(f10, 71)], "3 thành viên chênh 11 điểm / 11-point spread")
    dossier("qd1048-knockout-forged-origin", "qd1048-2019", f10.slug, "province", "2022-03-01", [sheet_for(f10, 80)] * 3,
            "nguyên liệu không rõ nguồn gốc / knock-out", findings=[sorted(c10.knockouts)[0]])
    dossier("qd148-district-70", "qd148-2023", f48.slug, "district", "2024-04-02", [sheet_for(f48, 70)] * 4,
            "70 điểm tại huyện (2024) / 70 points at district")
    dossier("qd148-province-69", "qd148-2023", f48.slug, "province", "2025-09-01", [sheet_for(f48, 69)] * 4,
            "69 điểm tại tỉnh (sau 06/7/2025) / 69 points at province after 2025-07-06")
    dossier("qd26-2026-90", "qd26-2026", f26.slug, "province", "2026-09-15",
            [sheet_for(f26, 100)] * 2 + [sheet_for(f26, 70)], "90 điểm / 90 points")
    cohort = generate_cohort(40, seed=2026, members=(3, 5))
    cohort.to_csv(OUT / "cohort" / "cohort.csv", index=False, encoding="utf-8-sig")
    (OUT / "costs.csv").write_text(
        "form,criterion,from_points,to_points,cost,label\n"
        f"{f26.slug},2.2,1,2,15000000,thiết kế bao bì\n"
        f"{f26.slug},2.3,1,3,8000000,tem truy xuất nguồn gốc\n"
        f"{f26.slug},9,2,4,12000000,công bố tiêu chuẩn chất lượng\n", encoding="utf-8")


if __name__ == "__main__":
    main()
