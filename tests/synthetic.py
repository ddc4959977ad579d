"""A small synthetic criteria set for tests that need to control every number.

It follows the real format exactly (it must pass `ocop criteria validate`), but its points are
invented for testing and it is never shipped.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SET_ID = "qd99-2099"


def _leaf(number: str, points: list[int], stars: dict[int, int] | None = None, **extra: Any) -> dict[str, Any]:
    stars = stars or {}
    return {"number": number, "label": f"Tiêu chí {number}", "gloss": f"Criterion {number}", "max": max(points),
            "options": [dict({"points": p, "text": f"Mức {p}"}, **({"stars": stars[p]} if p in stars else {}))
                        for p in points], **extra}


def form_doc(slug: str = "mau-thu", number: int = 1, status: str = "complete") -> dict[str, Any]:
    a = [{"number": "1", "label": "NHÓM 1", "gloss": "Group 1", "max": 40, "children": [
        _leaf("1.1", [0, 5, 10, 20], {10: 3}), _leaf("1.2", [0, 10, 20], {20: 4})]}]
    b = [{"number": "2", "label": "NHÓM 2", "gloss": "Group 2", "max": 25, "children": [
        _leaf("2.1", [0, 5, 15], {5: 3, 15: 5}), _leaf("2.2", [0, 5, 10], applies_when="story_exists")]}]
    c = [_leaf("3", [0, 10, 20, 35], {20: 4}, knockouts=[{"id": "foreign-matter", "text": "Tạp chất"}])]
    doc = {
        "criteria_set": SET_ID, "slug": slug, "number": number, "code": None, "name": f"Mẫu thử {number}",
        "name_en": f"Test form {number}", "status": status,
        "provenance": {"sources": ["synthetic test data"], "tag": "UNCONFIRMED", "cross_check": {"status": "single-source"},
                       "anomalies": [{"kind": "suspected_typo", "criterion": "1.2", "points": [10],
                                      "description": "test anomaly"}]},
        "knockouts": [{"id": "forged-dossier", "text": "Giả mạo hồ sơ"}],
        "parts": [
            {"part": "A", "label": "PHẦN A", "label_en": "Part A", "max": 40, "children": a},
            {"part": "B", "label": "PHẦN B", "label_en": "Part B", "max": 25, "children": b},
            {"part": "C", "label": "PHẦN C", "label_en": "Part C", "max": 35, "children": c},
        ],
    }
    if status == "missing":
        doc["parts"] = []
        doc["provenance"]["anomalies"] = []
    return doc


def set_doc(slugs: list[str]) -> dict[str, Any]:
    return {
        "id": SET_ID,
        "decision": {"number": "99/2099/QĐ-TEST", "title": "Bộ tiêu chí thử", "signed": "2099-01-01"},
        "in_force": {"from": "2099-01-01", "to": None},
        "parts": [{"part": "A", "label": "A", "label_en": "A", "max": 40},
                  {"part": "B", "label": "B", "label_en": "B", "max": 25},
                  {"part": "C", "label": "C", "label_en": "C", "max": 35}],
        "total_max": 100,
        "bands": [
            {"stars": 5, "min": 90, "below": None, "label": "5 sao", "label_en": "5 stars", "tag": "CONFIRMED"},
            {"stars": 4, "min": 70, "below": 90, "label": "4 sao", "label_en": "4 stars", "tag": "CONFIRMED"},
            {"stars": 3, "min": 50, "below": 70, "label": "3 sao", "label_en": "3 stars", "tag": "CONFIRMED"},
            {"stars": 2, "min": 30, "below": 50, "label": "2 sao", "label_en": "2 stars", "tag": "CONFIRMED"},
            {"stars": 1, "min": 0, "below": 30, "label": "1 sao", "label_en": "1 star", "tag": "CONFIRMED"},
        ],
        "certificate_months": 36, "recognised_min_stars": 3,
        "star_minimums": {"mechanism": "option_marks", "cumulative": True, "tag": "UNCONFIRMED", "note": "test"},
        "periods": [{"id": "p1", "from": "2099-01-01", "to": None, "levels": ["district", "province", "central"],
                     "recognition": {"district": [3], "province": [4], "central": [5]},
                     "gates": [{"id": "district-to-province", "from_level": "district", "to_level": "province",
                                "min_total": 70, "tag": "CONFIRMED"},
                               {"id": "province-to-central", "from_level": "province", "to_level": "central",
                                "min_total": 90, "tag": "CONFIRMED"}], "tag": "CONFIRMED"}],
        "knockouts": [
            {"id": "forged-dossier", "effect": "disqualify", "label": "Giả mạo hồ sơ", "label_en": "Forged dossier",
             "tag": "CONFIRMED"},
            {"id": "foreign-matter", "effect": "stop_evaluation", "label": "Tạp chất", "label_en": "Foreign matter",
             "tag": "CONFIRMED"},
        ],
        "classification": [{"form": s, "code": None, "sector": "Thử", "group": "Thử"} for s in slugs],
        "council": {"aggregation": "mean_of_member_totals", "max_spread": 10, "tag": "UNCONFIRMED"},
        "provenance": {"sources": ["synthetic"], "tag": "UNCONFIRMED"},
    }


def write_set(root: Path, forms: list[dict[str, Any]] | None = None) -> Path:
    """Write the synthetic set under root/SET_ID; returns the set folder."""
    forms = forms or [form_doc()]
    folder = root / SET_ID
    (folder / "forms").mkdir(parents=True, exist_ok=True)
    (folder / "set.json").write_text(json.dumps(set_doc([f["slug"] for f in forms]), ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    for f in forms:
        (folder / "forms" / f"{f['number']:02d}-{f['slug']}.json").write_text(
            json.dumps(f, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder
