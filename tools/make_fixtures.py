"""Build the bundled fixtures: hand-specified dossiers at borderline totals, and a seeded cohort.

`python3 tools/make_fixtures.py` writes fixtures/dossiers/, fixtures/cohort/cohort.csv and the
secretary's workbook fixtures/cohort/hoi-dong-tinh-2026.xlsx; `… dossiers` only the dossiers;
`--out DIR` writes under DIR instead of fixtures/ (tests/test_fixtures.py runs it into a temporary
folder and compares with the committed files, so that what is shipped is what this script makes).
The cost table fixtures/costs.csv, the council session (fixtures/council/) and the plan
(fixtures/plans/) are written by hand, not by this script; the tests check them against the criteria.

Each member's sheet is built from the form: every criterion starts at the lowest option that meets
the per-star marks up to the intended star level (`floor`; none for QĐ 1048, whose minimums are
findings), then criteria are raised one option at a time, in form order starting at a member-specific
criterion, until the member's total is reached. So the points are reproducible, members differ the
way real sheets do, and each dossier's intended situation (a total, a missed minimum, a knock-out, a
spread) is stated in its `notes`. A criterion with alternative ladders (TH a / TH b, TH1 / TH2) is
scored on its first ladder by every member: a council scores one case, never a mix.

Totals are means of integer member totals: 49.99 needs 100 members (one illustrative dossier has
them); with a real 3-member council the closest values below an edge are edge − 1/3 (49.67, 69.67,
89.67), and the notes say so.

The cohort is `scoring.synth.generate_cohort(**COHORT)` (40 dossiers, seed 2026): products named after
their form's kind, dates inside the span each set (and form) can be scored in and never after
`synth.LAST_DAY`. The workbook is the 12-dossier QĐ 26/2026 cohort of the same seed typed as a
provincial secretary would: a title row, Vietnamese headers, "Mã hồ sơ" merged over each dossier's
rows, real Excel dates shown dd/mm/yyyy. A change to the generator changes these files: run this
script and commit them together.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring import criteria  # noqa: E402
from scoring.criteria.model import STAR_LEVELS  # noqa: E402
from scoring.synth import generate_cohort  # noqa: E402

OUT = ROOT / "fixtures"  # main(["--out", DIR]) writes elsewhere
MEMBERS = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Minh Tuấn", "Phạm Thu Hà", "Hoàng Văn Nam"]


def ladder(leaf) -> list[int]:
    """The option points a council uses for this criterion: the first case's ladder if it has cases."""
    if leaf.cases:
        first = leaf.cases[0][0]
        return sorted({o.points for o in leaf.options if o.case == first})
    return list(leaf.points)


def sheet_for(form, total: int, floor: int = 0, hold: dict[str, int] | None = None, start: int = 0,
              skip: set[str] | None = None) -> dict[str, int]:
    """A sheet of `total` points meeting every mark of levels ≤ `floor`; `hold` fixes criteria (e.g.
    one below its mark), `skip` leaves criteria unscored (after a stop-evaluation knock-out)."""
    hold, skip = hold or {}, skip or set()
    leaves = [leaf for leaf in form.leaves if leaf.number not in skip]
    star_min = form.arrays.star_min
    index = {leaf.number: i for i, leaf in enumerate(form.leaves)}
    scores = {}
    for leaf in leaves:
        need = max([int(star_min[index[leaf.number], k]) for k, lvl in enumerate(STAR_LEVELS) if lvl <= floor] + [0])
        scores[leaf.number] = hold.get(leaf.number, min(p for p in ladder(leaf) if p >= need))
    order = leaves[start % len(leaves):] + leaves[:start % len(leaves)]
    while sum(scores.values()) < total:
        moved = False
        for leaf in order:
            if leaf.number in hold or sum(scores.values()) >= total:
                continue
            steps = ladder(leaf)
            i = steps.index(scores[leaf.number])
            if i + 1 < len(steps) and sum(scores.values()) - steps[i] + steps[i + 1] <= total:
                scores[leaf.number] = steps[i + 1]
                moved = True
        if not moved:
            break
    assert sum(scores.values()) == total, (form.slug, total, sum(scores.values()))
    return {leaf.number: scores[leaf.number] for leaf in leaves}


def council(form, totals: list[int], floor: int = 0, hold: dict[str, int] | None = None,
            skip: set[str] | None = None) -> list[dict[str, int]]:
    """One sheet per member, each with its own total and its own spread of points."""
    return [sheet_for(form, t, floor, hold, start=3 * i, skip=skip) for i, t in enumerate(totals)]


def dossier(did: str, cs: str, slug: str, level: str, day: str, sheets, notes: str, product: dict[str, str],
            findings=()) -> None:
    names = MEMBERS if len(sheets) <= len(MEMBERS) else [f"TV{i + 1:03d}" for i in range(len(sheets))]
    d = {"dossier_id": did, "criteria_set": cs, "form": slug, "level": level, "evaluated_on": day,
         "product": product, "findings": list(findings),
         "sheets": [{"member": names[i], "scores": s} for i, s in enumerate(sheets)], "notes": notes}
    path = OUT / "dossiers" / f"{did}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def product(name: str, producer: str, province: str, district: str | None, commune: str) -> dict[str, str]:
    p = {"name": name, "producer": producer, "province": province, "commune": commune}
    if district:
        p["district"] = district
    return p


VAI = product("Vải thiều Thanh Hà", "HTX Nông nghiệp Thanh Lâm", "Hải Dương", "Thanh Hà", "Thanh Lâm")
CHE = product("Chè Shan tuyết Suối Giàng", "HTX Chè Suối Giàng", "Yên Bái", "Văn Chấn", "Suối Giàng")
MAY_TRE = product("Giỏ mây tre đan Phú Vinh", "HTX Mây tre đan Phú Vinh", "Hà Nội", "Chương Mỹ", "Phú Nghĩa")
MY_PHAM = product("Dầu gội bồ kết thảo dược", "Công ty TNHH Thảo mộc Hòa Bình", "Hòa Bình", "Lương Sơn", "Lâm Sơn")
DU_LICH = product("Du lịch cộng đồng bản Lác", "HTX Du lịch bản Lác", "Hòa Bình", "Mai Châu", "Chiềng Châu")
GAO = product("Gạo ST25 Sóc Trăng", "HTX Nông nghiệp Hòa Tú", "Sóc Trăng", "Mỹ Xuyên", "Hòa Tú 1")
GOM = product("Gốm Bát Tràng men lam", "HTX Gốm sứ Bát Tràng", "Hà Nội", "Gia Lâm", "Bát Tràng")
MUOP = product("Mướp đắng sấy khô", "Tổ hợp tác Rau an toàn Văn Đức", "Hà Nội", "Gia Lâm", "Văn Đức")
RUOU = product("Rượu Làng Vân", "HTX Rượu Làng Vân", "Bắc Giang", None, "Vân Hà")
NHAN = product("Nhãn lồng Hưng Yên", "HTX Nhãn lồng Hồng Nam", "Hưng Yên", None, "Hồng Nam")
MAT_ONG = product("Mật ong bạc hà Mèo Vạc", "HTX Ong mật Mèo Vạc", "Hà Giang", None, "Mèo Vạc")


def write_dossiers() -> None:
    c10, c48, c26 = (criteria.load_set(s) for s in ("qd1048-2019", "qd148-2023", "qd26-2026"))
    f10 = {s: c10.form(s) for s in ("rau-cu-qua-hat-tuoi", "che-tuoi-che-bien", "thu-cong-my-nghe-gia-dung",
                                    "thu-cong-my-nghe-trang-tri", "my-pham", "dich-vu-du-lich-cong-dong-va-diem-du-lich")}
    f48 = {s: c48.form(s) for s in ("gao-ngu-coc-hat-so-che-khac", "thu-cong-my-nghe-gia-dung-trang-tri",
                                    "my-pham-co-thanh-phan-tu-thao-duoc",
                                    "dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich")}
    f26 = {s: c26.form(s) for s in ("rau-cu-qua-hat-tuoi", "thu-cong-my-nghe", "my-pham-co-thanh-phan-tu-duoc-lieu",
                                    "dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich", "ruou-trang",
                                    "mat-ong-mat-khac-va-nong-san-thuc-pham-khac")}
    S1048, S148, S26 = "qd1048-2019", "qd148-2023", "qd26-2026"
    veg10, tea10, house10, deco10 = (f10[s] for s in ("rau-cu-qua-hat-tuoi", "che-tuoi-che-bien",
                                                      "thu-cong-my-nghe-gia-dung", "thu-cong-my-nghe-trang-tri"))
    cos10, tour10 = f10["my-pham"], f10["dich-vu-du-lich-cong-dong-va-diem-du-lich"]

    # ---------------------------------------------------------------- QĐ 1048/2019 (+ QĐ 781/2020)
    dossier("qd1048-district-50-escalates", S1048, veg10.slug, "district", "2021-05-20", council(veg10, [49, 50, 51]),
            "Tổng điểm TB 50 tại cấp huyện → chuyển lên tỉnh / mean 50 at district level → sent up to the province", VAI)
    dossier("qd1048-district-49-67-stays", S1048, veg10.slug, "district", "2021-05-20", council(veg10, [50, 50, 49]),
            "49,67 điểm (149/3; với 3 thành viên và điểm nguyên, 49,67 là giá trị gần 50 nhất) tại cấp huyện: không lên "
            "tỉnh / 49.67 points (149/3: with 3 members and whole points the closest value below 50) at district: "
            "not sent up", VAI)
    dossier("qd1048-district-49-99-illustrative-100-members", S1048, tea10.slug, "district", "2021-09-14",
            council(tea10, [50] * 99 + [49]),
            "Minh họa: 49,99 điểm cần 100 thành viên (4999/100) — Hội đồng thật không có 100 thành viên; chỉ để kiểm tra "
            "ngưỡng 50 / illustrative: a mean of 49.99 needs 100 members (4999/100) — no real council has 100 members; "
            "it only tests the 50-point gate", CHE)
    dossier("qd1048-province-90", S1048, veg10.slug, "province", "2022-03-01", council(veg10, [91, 90, 89]),
            "90 điểm tại tỉnh → trung ương xét 5 sao / 90 points at province → central council for 5 stars", VAI)
    dossier("qd1048-province-89-67", S1048, veg10.slug, "province", "2022-03-01", council(veg10, [90, 90, 89]),
            "89,67 điểm (269/3, giá trị gần 90 nhất với 3 thành viên): 4 sao, tỉnh công nhận / 89.67 points (269/3, the "
            "closest below 90 with 3 members): 4 stars, recognised by the province", VAI)
    dossier("qd1048-spread-11", S1048, veg10.slug, "province", "2022-03-01", council(veg10, [60, 65, 71]),
            "3 thành viên chênh nhau 11 điểm (60/65/71) → cảnh báo / members' totals 11 points apart → warning", VAI)
    dossier("qd1048-knockout-food-safety-certificate", S1048, veg10.slug, "province", "2022-03-01",
            council(veg10, [79, 80, 81]),
            "Điều kiện loại: giấy chứng nhận ATTP không đạt (không đánh giá tiếp), dù đã chấm 80 điểm / knock-out: "
            "food-safety certificate not compliant (evaluation stops), although scored 80",
            VAI, findings=["food-safety-certificate-noncompliant"])
    dossier("qd1048-knockout-ip-infringement", S1048, deco10.slug, "province", "2021-11-10",
            council(deco10, [74, 75, 76]),
            "Hàng thủ công vi phạm sở hữu trí tuệ → bị loại / handicraft infringing IP → disqualified", GOM,
            findings=["ip-infringement"])
    dossier("qd1048-district-55-missing-781-3star", S1048, veg10.slug, "district", "2021-06-15",
            council(veg10, [54, 55, 56]),
            "55 điểm nhưng Hội đồng ghi nhận chưa công bố tiêu chuẩn sản phẩm (yêu cầu 3 sao của QĐ 781) → 2 sao, không "
            "chuyển lên tỉnh ('từ 50 đến 100 điểm (3–5 sao)') / 55 points but the council recorded the QĐ 781 3-star "
            "quality-declaration requirement as unmet → 2 stars, not sent up", VAI,
            findings=["qd781-3-quality-declaration"])
    dossier("qd1048-province-69-67-household-handicraft", S1048, house10.slug, "province", "2021-10-05",
            council(house10, [70, 70, 69]),
            "69,67 điểm (209/3, gần 70 nhất với 3 thành viên): 3 sao, tỉnh công nhận / 69.67 points (209/3): 3 stars, "
            "recognised by the province", MAY_TRE)
    dossier("qd1048-province-70-cosmetics", S1048, cos10.slug, "province", "2022-08-22", council(cos10, [69, 70, 71]),
            "70 điểm, mỹ phẩm: 4 sao, tỉnh công nhận / 70 points, cosmetics: 4 stars, recognised by the province", MY_PHAM)
    dossier("qd1048-tourism-district-55", S1048, tour10.slug, "district", "2021-03-18", council(tour10, [54, 55, 56]),
            "Dịch vụ du lịch cộng đồng (mẫu QĐ 781, từ 08/6/2020), 55 điểm tại huyện → lên tỉnh / community tourism "
            "(QĐ 781 form, from 2020-06-08), 55 points at district → sent up to the province", DU_LICH)

    # ---------------------------------------------------------------- QĐ 148/2023 (+ QĐ 1489/2025)
    rice, hand48, cos48 = (f48[s] for s in ("gao-ngu-coc-hat-so-che-khac", "thu-cong-my-nghe-gia-dung-trang-tri",
                                            "my-pham-co-thanh-phan-tu-thao-duoc"))
    tour48 = f48["dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich"]
    dossier("qd148-district-70", S148, rice.slug, "district", "2024-04-02", council(rice, [69, 70, 71], floor=4),
            "70 điểm tại huyện (2024), đạt mọi mức tối thiểu 4 sao → 4 sao: huyện không công nhận 4 sao, chuyển lên "
            "tỉnh / 70 points at district (2024), every 4-star mark met → 4 stars: the district does not certify "
            "4 stars, sent up to the province", GAO)
    dossier("qd148-district-3star-2024", S148, rice.slug, "district", "2024-06-12", council(rice, [61, 62, 63], floor=3),
            "62 điểm tại huyện (2024), đạt mức tối thiểu 3 sao → huyện công nhận 3 sao / 62 points at district "
            "(2024), 3-star marks met → recognised 3 stars by the district", GAO)
    dossier("qd148-district-69-67", S148, rice.slug, "district", "2023-10-20", council(rice, [70, 70, 69], floor=3),
            "69,67 điểm (209/3) tại huyện: 3 sao, huyện công nhận, chưa tới ngưỡng 70 lên tỉnh / 69.67 points at "
            "district: 3 stars recognised by the district, below the 70-point gate", GAO)
    dossier("qd148-province-3star-2024", S148, rice.slug, "province", "2024-09-05", council(rice, [64, 65, 66], floor=3),
            "65 điểm tại tỉnh năm 2024: 3 sao do cấp huyện (cấp dưới) công nhận, tỉnh chỉ công nhận 4 sao / 65 points at "
            "province in 2024: 3 stars are certified by the district (a lower level); the province certifies 4 stars",
            GAO)
    dossier("qd148-province-69", S148, rice.slug, "province", "2025-09-01", council(rice, [68, 69, 70], floor=3),
            "69 điểm tại tỉnh sau 06/7/2025 (QĐ 1489: không còn cấp huyện): tỉnh công nhận 3 sao / 69 points at "
            "province after 2025-07-06 (QĐ 1489: no district level): 3 stars recognised by the province", GAO)
    dossier("qd148-handicraft-province-80", S148, hand48.slug, "province", "2025-10-14",
            council(hand48, [79, 80, 81], floor=4),
            "Thủ công mỹ nghệ 80 điểm, đạt mức 4 sao: tỉnh công nhận 4 sao / handicraft, 80 points, 4-star marks met: "
            "recognised 4 stars by the province", MAY_TRE)
    dossier("qd148-cosmetics-province-90", S148, cos48.slug, "province", "2025-11-03",
            council(cos48, [89, 90, 91], floor=5),
            "Mỹ phẩm 90 điểm, đạt mọi mức 5 sao → trình Bộ (trung ương) xét 5 sao / cosmetics, 90 points, every 5-star "
            "mark met → sent to the central council", MY_PHAM)
    dossier("qd148-tourism-province-75", S148, tour48.slug, "province", "2025-08-19",
            council(tour48, [74, 75, 76], floor=4),
            "Du lịch cộng đồng 75 điểm (trường hợp 1: cộng đồng cung cấp): 4 sao, tỉnh công nhận / community tourism, "
            "75 points (case 1: community-run): 4 stars recognised by the province", DU_LICH)

    # ---------------------------------------------------------------- QĐ 26/2026
    veg26, hand26 = f26["rau-cu-qua-hat-tuoi"], f26["thu-cong-my-nghe"]
    cos26, tour26 = f26["my-pham-co-thanh-phan-tu-duoc-lieu"], f26["dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich"]
    wine26, honey26 = f26["ruou-trang"], f26["mat-ong-mat-khac-va-nong-san-thuc-pham-khac"]
    dossier("qd26-2026-55-missing-3star-minimum", S26, veg26.slug, "province", "2026-08-10",
            council(veg26, [55, 55, 55], hold={"2.2": 1}),
            "55 điểm nhưng tiêu chí 2.2 (bao bì) dưới mức tối thiểu *** (2 điểm) → 2 sao, không công nhận / 55 points, "
            "2.2 (packaging) below its *** minimum of 2 → 2 stars, not recognised", NHAN)
    dossier("qd26-2026-90", S26, veg26.slug, "province", "2026-09-15", council(veg26, [89, 90, 91], floor=5),
            "90 điểm, đạt mọi mức ***** → tỉnh trình Bộ NN&MT xét 5 sao (Điều 7.3.e) / 90 points, every ***** mark met "
            "→ the province sends it to the ministry for 5 stars (Art. 7.3.e)", NHAN)
    dossier("qd26-2026-90-capped-4star", S26, veg26.slug, "province", "2026-09-15",
            council(veg26, [89, 90, 91], floor=4, hold={"4.1": 3}),
            "90 điểm nhưng 4.1 (khu vực phân phối) 3 < 5 (mức *****) → 4 sao, tỉnh công nhận, không trình Bộ (cách hiểu: "
            "không có 'tiềm năng đạt 5 sao') / 90 points but 4.1 below its ***** mark → 4 stars recognised by the "
            "province, not sent to the ministry (reading: no '5-star potential')", NHAN)
    dossier("qd26-2026-89-67", S26, veg26.slug, "province", "2026-10-01", council(veg26, [90, 90, 89], floor=4),
            "89,67 điểm (269/3): 4 sao, tỉnh công nhận / 89.67 points (269/3): 4 stars recognised by the province", NHAN)
    dossier("qd26-2026-70-4star", S26, honey26.slug, "province", "2026-10-01", council(honey26, [70, 70, 70], floor=4),
            "Đúng 70 điểm, đạt mọi mức **** → 4 sao / exactly 70 points, every **** mark met → 4 stars", MAT_ONG)
    dossier("qd26-2026-69-67", S26, honey26.slug, "province", "2026-10-01", council(honey26, [70, 70, 69], floor=4),
            "69,67 điểm (209/3, gần 70 nhất với 3 thành viên): 3 sao / 69.67 points (209/3): 3 stars", MAT_ONG)
    dossier("qd26-2026-50-wine", S26, wine26.slug, "province", "2026-07-01", council(wine26, [49, 50, 51], floor=3),
            "Rượu trắng 50 điểm, đạt mức *** → 3 sao, tỉnh công nhận / white spirit, 50 points, *** marks met → 3 stars "
            "recognised by the province", RUOU)
    dossier("qd26-2026-49-67-wine", S26, wine26.slug, "province", "2026-07-01", council(wine26, [50, 50, 49], floor=3),
            "49,67 điểm (149/3): 2 sao, không công nhận / 49.67 points (149/3): 2 stars, not recognised", RUOU)
    dossier("qd26-2026-handicraft-78", S26, hand26.slug, "province", "2026-11-20", council(hand26, [76, 78, 80], floor=4),
            "Thủ công mỹ nghệ 78 điểm: 4 sao, tỉnh công nhận / handicraft, 78 points: 4 stars recognised by the province",
            GOM)
    dossier("qd26-2026-knockout-forged-dossier", S26, hand26.slug, "province", "2026-11-20",
            council(hand26, [70, 72, 74], floor=4),
            "Hồ sơ giả mạo → bị loại (dù chấm 72 điểm) / forged dossier → disqualified (although scored 72)", GOM,
            findings=["forged-dossier"])
    dossier("qd26-2026-knockout-foreign-matter-stops", S26, veg26.slug, "province", "2026-09-15",
            council(veg26, [40, 41, 42], skip={leaf.number for leaf in veg26.leaves if leaf.part == "C"}),
            "Phát hiện tạp chất không chấp nhận được ở phần cảm quan: không đánh giá các bước tiếp theo, phần C không chấm "
            "/ unacceptable foreign matter found at the sensory check: evaluation stops, Part C not scored", NHAN,
            findings=["unacceptable-foreign-matter"])
    dossier("qd26-2026-cosmetics-central-85", S26, cos26.slug, "central", "2026-12-02",
            council(cos26, [84, 85, 86], floor=4),
            "Hội đồng trung ương chấm 85 điểm (< 90): không công nhận 5 sao; tỉnh có thể công nhận 4 sao theo kết quả này "
            "(Điều 7.4) / the central council scores 85 (< 90): no 5 stars; the province may recognise 4 stars on this "
            "result (Art. 7.4)", MY_PHAM)
    dossier("qd26-2026-tourism-province-72", S26, tour26.slug, "province", "2026-08-25",
            council(tour26, [71, 72, 73], floor=4),
            "Du lịch cộng đồng 72 điểm (trường hợp 1: cộng đồng cung cấp): 4 sao, tỉnh công nhận / community tourism, "
            "72 points (case 1: community-run): 4 stars recognised by the province", DU_LICH)


# a knock-out share above the generator's default, so that the demo cohort has knocked-out products
# (3 of 40) for `plan` to skip and explain
COHORT = {"n_dossiers": 40, "seed": 2026, "members": (3, 5), "knockout_rate": 0.1}
WORKBOOK = {"n_dossiers": 12, "seed": 2026, "sets": ["qd26-2026"], "members": (3, 5)}
WORKBOOK_TITLE = "BẢNG TỔNG HỢP ĐIỂM ĐÁNH GIÁ SẢN PHẨM OCOP"
WORKBOOK_HEADERS = {"dossier_id": "Mã hồ sơ", "criteria_set": "Bộ tiêu chí", "form": "Bộ sản phẩm",
                    "level": "Cấp đánh giá", "evaluated_on": "Ngày đánh giá", "member": "Thành viên hội đồng",
                    "findings": "Điều kiện loại"}


def write_cohort() -> None:
    """fixtures/cohort/cohort.csv (UTF-8 with a BOM, as Excel saves it; "\n" line ends everywhere)."""
    path = OUT / "cohort" / "cohort.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    cohort = generate_cohort(**COHORT)
    cohort.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_workbook() -> None:
    """fixtures/cohort/hoi-dong-tinh-2026.xlsx: a cohort as a secretary types it (see the module doc)."""
    import datetime as dt
    import math

    import openpyxl

    cohort = generate_cohort(**WORKBOOK)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Chấm điểm"
    ws.append([WORKBOOK_TITLE])
    ws.append([])
    ws.append([WORKBOOK_HEADERS.get(c, c) for c in cohort.columns])

    def cell(column: str, value):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            return None
        if column == "evaluated_on":
            return dt.datetime.strptime(value, "%Y-%m-%d")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    first_row: dict[str, int] = {}
    for row in cohort.itertuples(index=False):
        values = dict(zip(cohort.columns, row))
        first_row.setdefault(values["dossier_id"], ws.max_row + 1)
        ws.append([cell(c, values[c]) for c in cohort.columns])
        ws.cell(ws.max_row, list(cohort.columns).index("evaluated_on") + 1).number_format = "dd/mm/yyyy"
    ends = sorted(first_row.values()) + [ws.max_row + 1]
    for start, stop in zip(ends, ends[1:]):
        if stop - 1 > start:
            ws.merge_cells(start_row=start, start_column=1, end_row=stop - 1, end_column=1)
    path = OUT / "cohort" / "hoi-dong-tinh-2026.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def main(argv: list[str]) -> None:
    global OUT
    args = list(argv[1:])
    if "--out" in args:
        i = args.index("--out")
        OUT = Path(args[i + 1]).resolve()
        del args[i:i + 2]
    write_dossiers()
    if args != ["dossiers"]:
        write_cohort()
        write_workbook()


if __name__ == "__main__":
    main(sys.argv)
