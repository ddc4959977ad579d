"""Hand-made report figures for the renderer tests (no registry needed): small, with awkward text."""
from __future__ import annotations

from datetime import date, timedelta

from scoring.reports.figures import (AreaProgress, Period, ProgressReport, SupervisionItem, SupervisionReport,
                                     UpgradeProposal, WhatIf)

EVIL = '=HYPERLINK("http://x","bấm") <script>alert(1)</script>'


def progress_sample() -> ProgressReport:
    prov = AreaProgress("30", "Hải Dương", "province", 0, None, required={5: 1, 4: 21, 3: 51}, target_text="5★: 1, 4★: 20, 3★: 30",
                        achieved={3: 7, 4: 3, 5: 0}, valid={3: 20, 4: 6, 5: 1}, new_in_period={3: 4, 4: 1, 5: 0},
                        upgrades_in_period={3: 0, 4: 2, 5: 0}, pipeline={3: 2, 4: 1, 5: 0}, reward_owed=70_000_000.0)
    d1 = AreaProgress("294", "Thanh Hà", "district", 1, "30", required={4: 2, 3: 5}, target_text="4★: 2, 3★: 3",
                      achieved={3: 4, 4: 2, 5: 0}, valid={3: 12, 4: 4, 5: 1}, new_in_period={3: 3, 4: 1, 5: 0},
                      upgrades_in_period={3: 0, 4: 1, 5: 0}, pipeline={3: 1, 4: 0, 5: 0}, reward_owed=50_000_000.0)
    c1 = AreaProgress("10801", "Thanh Lâm", "commune", 2, "294", required={3: 1}, target_text="≥3★: 1–2",
                      achieved={3: 4, 4: 2, 5: 0}, valid={3: 12, 4: 4, 5: 1}, new_in_period={3: 3, 4: 1, 5: 0},
                      upgrades_in_period={3: 0, 4: 1, 5: 0}, pipeline={3: 1, 4: 0, 5: 0}, reward_owed=50_000_000.0)
    c2 = AreaProgress("10802", EVIL, "commune", 2, "294", required={3: 1}, target_text="≥3★: 1")
    d2 = AreaProgress("298", "Tứ Kỳ", "district", 1, "30", required={3: 10}, target_text="≥3★: 10–12",
                      achieved={3: 3, 4: 1, 5: 0}, valid={3: 8, 4: 2, 5: 0}, new_in_period={3: 1, 4: 0, 5: 0},
                      upgrades_in_period={3: 0, 4: 1, 5: 0}, pipeline={3: 1, 4: 1, 5: 0}, reward_owed=20_000_000.0,
                      upgrade_targets=[{"from": 3, "to": 4, "target": "1–2", "achieved": 1}],
                      new_products_target="10–12", new_products=1,
                      whatif=WhatIf(True, 33_000_000.0, "VND", [UpgradeProposal("D-1", "Vải thiều " + EVIL, 2, 3, 33_000_000.0,
                                    [{"criterion": "2.3", "from_points": 1, "to_points": 2, "cost": 8_000_000.0,
                                      "label": "tem truy xuất nguồn gốc"}])], note="ghi chú"))
    c3 = AreaProgress("10901", "Tân Kỳ", "commune", 2, "298", required={3: 2}, target_text="≥3★: 2",
                      achieved={3: 3, 4: 1, 5: 0}, valid={3: 8, 4: 2, 5: 0}, new_in_period={3: 1, 4: 0, 5: 0},
                      upgrades_in_period={3: 0, 4: 1, 5: 0}, pipeline={3: 1, 4: 1, 5: 0}, reward_owed=20_000_000.0)
    series = [(date(2025 + (q // 4), 3 * (q % 4) + 1, 1) - timedelta(days=1), {3: 5 + q, 4: q // 2, 5: q // 5})
              for q in range(1, 9)]
    return ProgressReport("hai-duong-2021", "Kế hoạch mẫu", 2026, "year", date(2026, 9, 30),
                          Period("Q3", date(2026, 7, 1), date(2026, 9, 30), "Quý III/2026"),
                          [prov, d1, c1, c2, d2, c3], series, [("2026-10", 3), ("2026-11", 0), ("2026-12", 5)],
                          ["Chỉ tiêu là số lũy kế.", "Đọc " + EVIL], database="sqlite:///ocop.db")


def supervision_sample() -> SupervisionReport:
    base = date(2026, 9, 30)
    items = []
    for i, cat in enumerate(["revoked", "expired", "past_window", "in_window", "expiring"]):
        exp = base + timedelta(days=[300, -10, 60, 150, 200][i])
        items.append(SupervisionItem(f"GCN-{i}", f"Sản phẩm {i} {EVIL if i == 2 else ''}", "HTX Thanh Hà", 3 + i % 3,
                                     exp - timedelta(days=1096), exp, exp - timedelta(days=180), exp - timedelta(days=120),
                                     cat, (exp - base).days, "Hải Dương", "Thanh Hà", "Thanh Lâm" if i % 2 else "Xã 1",
                                     "Nguyễn Văn A", "+84 912 345 678", "a@example.vn", "Thôn 1",
                                     revoked_on=base - timedelta(days=5) if cat == "revoked" else None,
                                     revocation_ground="c" if cat == "revoked" else None))
    return SupervisionReport(base, 240, date(2025, 9, 30), items, expiring_by_month=[("2026-10", 1), ("2026-11", 2)],
                             database="sqlite:///ocop.db", readings=["ghi chú"])
