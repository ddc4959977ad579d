"""The shipped criteria packs: validity, sums, and spot checks typed from the reference texts."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from scoring import criteria
from scoring.cli import cli

SETS = ("qd1048-2019", "qd148-2023", "qd26-2026")


def test_every_shipped_file_validates():
    assert criteria.validate_path() == []


@pytest.mark.parametrize("set_id", SETS)
def test_sums_hold_and_complete_forms_match_the_set_parts(set_id):
    cs = criteria.load_set(set_id)
    assert len(cs.forms) == 26
    for form in cs.forms.values():
        for node in form.nodes():
            if node.children:
                assert node.max == sum(c.max for c in node.children), (form.slug, node.number)
            else:
                assert node.max == max(o.points for o in node.options), (form.slug, node.number)
        for part in form.parts:
            assert part.max == sum(c.max for c in part.children)
        if form.status == "complete":
            assert form.part_max == dict(cs.parts), form.slug
            assert form.max == 100
        numbers = [n.number for n in form.nodes()]
        assert len(numbers) == len(set(numbers))


def test_part_maxima_per_decision():
    assert dict(criteria.load_set("qd1048-2019").parts) == {"A": 35, "B": 25, "C": 40}
    assert dict(criteria.load_set("qd148-2023").parts) == {"A": 40, "B": 25, "C": 35}
    assert dict(criteria.load_set("qd26-2026").parts) == {"A": 40, "B": 25, "C": 35}


def _ladder(set_id, slug, number):
    leaf = criteria.load_set(set_id).form(slug).leaf(number)
    return [(o.points, o.stars) for o in leaf.options]


# (set, form, criterion, [(points, star mark)]) — values typed from ../shared/reference
SPOT = [
    # QĐ 26/2026, Appendix A form 1
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "1.1", [(1, None), (2, None), (3, None)]),
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "1.3", [(1, None), (2, None), (3, 5)]),
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "2.2", [(0, None), (1, None), (2, 3), (3, None)]),
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "4.1", [(1, None), (2, 3), (3, 4), (5, 5)]),
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "7", [(0, None), (1, None), (3, None)]),
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "9", [(2, 3), (4, None), (5, None)]),
    ("qd26-2026", "rau-cu-qua-hat-tuoi", "10", [(1, 3), (3, 4), (5, None)]),
    # QĐ 1048, §4.1 form #1 (cross-checked)
    ("qd1048-2019", "rau-cu-qua-hat-tuoi", "1.1", [(1, None), (2, None), (3, None)]),
    ("qd1048-2019", "rau-cu-qua-hat-tuoi", "6.2", [(0, None), (1, None), (3, None), (5, None), (8, None)]),
    ("qd1048-2019", "rau-cu-qua-hat-tuoi", "4.2", [(0, None), (1, None), (3, None), (5, None)]),
    ("qd1048-2019", "rau-cu-qua-hat-tuoi", "11", [(1, None), (3, None), (5, None)]),
    # QĐ 1048, §4.4 form #2 sensory 6.1 Tạp chất; §7 settles #6 6.2 and #10 Tính độc đáo
    ("qd1048-2019", "thit-trung-sua-tuoi", "6.1", [(1, None), (3, None), (5, None)]),
    ("qd1048-2019", "thit-trung-sua-tuoi", "6.3", [(0, None), (2, None), (5, None), (7, None)]),
    ("qd1048-2019", "che-bien-tu-gao-ngu-coc", "6.2", [(0, None), (1, None), (2, None), (3, None)]),
    ("qd1048-2019", "tuong-nuoc-mam-gia-vi-long-khac", "7", [(0, None), (1, None), (3, None), (5, None)]),
    # QĐ 148: the Bến Tre fragment of the rice form (1.a 1/3/5, 1.b 1/2/3)
    ("qd148-2023", "gao-ngu-coc-hat-so-che-khac", "1.1", [(1, None), (3, None), (5, None)]),
    ("qd148-2023", "gao-ngu-coc-hat-so-che-khac", "1.2", [(1, None), (2, None), (3, 5)]),
]


@pytest.mark.parametrize("set_id, slug, number, expected", SPOT)
def test_spot_checks_against_the_reference(set_id, slug, number, expected):
    assert _ladder(set_id, slug, number) == expected


R26 = "ocop-148-2023.md"  # QĐ 26/2026 forms: Appendix A (line numbers of the criterion's heading)
R148 = "qd148-2023-forms"  # QĐ 148/2023: one CSV per form (line of the criterion row)
R1048 = "ocop-1048-2019.md"  # QĐ 1048/2019: §4.4 tables
# (set, form, criterion, printed max, [(points, star mark, case)]) for each non-food family —
# beverage, herbal/cosmetic, handicraft, textile, ornamental (flowers, plants, animals), tourism —
# read off the reference by hand, not from our data
SPOT_FAMILIES = [
    # QĐ 26/2026 — beverage: form 14 Rượu trắng (R26 l.2577, 2689, 2706)
    ("qd26-2026", "ruou-trang", "1.1", 4, [(1, 3, None), (2, None, None), (4, None, None)]),
    ("qd26-2026", "ruou-trang", "6.3", 5, [(0, None, None), (1, None, None), (2, None, None), (3, None, None),
                                           (5, None, None)]),
    ("qd26-2026", "ruou-trang", "8", 5, [(2, 3, None), (4, None, None), (5, None, None)]),
    # herbal/cosmetic: form 19 Mỹ phẩm có thành phần từ dược liệu (R26 l.3422, 3442)
    ("qd26-2026", "my-pham-co-thanh-phan-tu-duoc-lieu", "6", 5, [(0, None, None), (1, None, None),
                                                                 (3, None, None), (5, None, None)]),
    ("qd26-2026", "my-pham-co-thanh-phan-tu-duoc-lieu", "10", 5, [(0, None, None), (1, None, None), (3, 4, None),
                                                                  (5, 5, None)]),
    # handicraft: form 21 Thủ công mỹ nghệ (R26 l.3717, 3736)
    ("qd26-2026", "thu-cong-my-nghe", "6.1", 5, [(0, None, None), (1, None, None), (3, None, None), (5, 5, None)]),
    ("qd26-2026", "thu-cong-my-nghe", "6.5", 5, [(0, None, None), (3, None, None), (5, None, None)]),
    # textile: form 22 Vải, may mặc (R26 l.3872)
    ("qd26-2026", "vai-may-mac", "6.4", 4, [(0, None, None), (1, None, None), (2, None, None), (4, None, None)]),
    # ornamental: forms 23 Hoa (R26 l.3996, 4001: the 1/1/3/5 suspected typo), 24 Cây cảnh (l.4130),
    # 25 Động vật cảnh (l.4277)
    ("qd26-2026", "hoa", "6.1", 5, [(0, None, None), (1, None, None), (2, None, None), (5, 4, None)]),
    ("qd26-2026", "hoa", "6.2", 5, [(1, None, None), (1, None, None), (3, 4, None), (5, 5, None)]),
    ("qd26-2026", "cay-canh", "6.1", 5, [(1, None, None), (3, None, None), (5, 5, None)]),
    ("qd26-2026", "dong-vat-canh", "7", 10, [(2, None, None), (5, None, None), (7, 4, None), (10, 5, None)]),
    # tourism: form 26 (R26 l.4340 Sở hữu trí tuệ with two marks, l.4391 "Lựa chọn một trong hai trường hợp")
    ("qd26-2026", "dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich", "3.5", 3,
     [(1, 3, None), (2, 4, None), (3, None, None)]),
    ("qd26-2026", "dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich", "8", 3,
     [(1, None, "TH1"), (3, None, "TH1"), (1, None, "TH2"), (3, None, "TH2")]),
    # QĐ 148/2023 — beverage: form 14 Rượu trắng (R148 14.csv l.106 'a) Tạp chất lạ' 0/1/3, unlike QĐ 26's
    # 0/1/2; l.114 'c) Mùi')
    ("qd148-2023", "ruou-trang", "6.1", 3, [(0, None, None), (1, None, None), (3, None, None)]),
    ("qd148-2023", "ruou-trang", "6.3", 5, [(0, None, None), (1, None, None), (2, None, None), (3, None, None),
                                            (5, None, None)]),
    # herbal/cosmetic: form 19 (19.csv l.106 '6. CÔNG BỐ CHẤT LƯỢNG', l.127 '10. TÍNH ĐỘC ĐÁO')
    ("qd148-2023", "my-pham-co-thanh-phan-tu-thao-duoc", "6", 5, [(0, None, None), (1, None, None),
                                                                  (3, None, None), (5, None, None)]),
    ("qd148-2023", "my-pham-co-thanh-phan-tu-thao-duoc", "10", 5, [(0, None, None), (1, None, None), (3, 4, None),
                                                                   (5, 5, None)]),
    # handicraft: form 21 (21.csv l.102 'a) Mức độ tinh xảo')
    ("qd148-2023", "thu-cong-my-nghe-gia-dung-trang-tri", "6.1", 5, [(0, None, None), (1, None, None),
                                                                     (3, None, None), (5, 5, None)]),
    # textile: form 22 (22.csv l.113 'c) Các yếu tố tích hợp')
    ("qd148-2023", "vai-may-mac", "6.3", 5, [(0, None, None), (1, None, None), (3, None, None), (5, None, None)]),
    # ornamental: form 23 Hoa (23.csv l.107 'b) Màu sắc' 0/1/2/4 — not QĐ 26's 1/1/3/5), form 25 (25.csv l.110, 115)
    ("qd148-2023", "hoa", "6.2", 4, [(0, None, None), (1, None, None), (2, 4, None), (4, 5, None)]),
    ("qd148-2023", "dong-vat-canh", "6.3", 5, [(0, None, None), (1, None, None), (3, None, None), (5, 4, None)]),
    ("qd148-2023", "dong-vat-canh", "7", 10, [(2, None, None), (5, None, None), (7, 4, None), (10, 5, None)]),
    # tourism: form 26 (26.csv l.96 '8.' with 'a. Trường hợp 1' l.97 and 'b. Trường hợp 2' l.101)
    ("qd148-2023", "dich-vu-du-lich-cong-dong-du-lich-sinh-thai-va-diem-du-lich", "8", 3,
     [(1, None, "a"), (2, None, "a"), (3, None, "a"), (1, None, "b"), (2, None, "b"), (3, None, "b")]),
    # QĐ 1048/2019 — form 20 Mỹ phẩm (R1048 l.1662 '7' 0/1/3, l.1672 '9.1' 1/2/4/6, l.1676 '9.2' 0/1/2/3)
    ("qd1048-2019", "my-pham", "7", 3, [(0, None, None), (1, None, None), (3, None, None)]),
    ("qd1048-2019", "my-pham", "9.1", 6, [(1, None, None), (2, None, None), (4, None, None), (6, None, None)]),
    ("qd1048-2019", "my-pham", "9.2", 3, [(0, None, None), (1, None, None), (2, None, None), (3, None, None)]),
    # form 23 Thủ công mỹ nghệ, trang trí (R1048 l.1846 '6.3' 0/2/5/10, l.1856 '6.5' 0/2/4)
    ("qd1048-2019", "thu-cong-my-nghe-trang-tri", "6.3", 10, [(0, None, None), (2, None, None), (5, None, None),
                                                              (10, None, None)]),
    ("qd1048-2019", "thu-cong-my-nghe-trang-tri", "6.5", 4, [(0, None, None), (2, None, None), (4, None, None)]),
    # form 26, the QĐ 781 tourism form (R1048 l.1993 '1.1' 1/3, l.2063 '9' thang 1 / thang 2, l.2059 '8' 1/2/4)
    ("qd1048-2019", "dich-vu-du-lich-cong-dong-va-diem-du-lich", "1.1", 3, [(1, None, None), (3, None, None)]),
    ("qd1048-2019", "dich-vu-du-lich-cong-dong-va-diem-du-lich", "8", 4, [(1, None, None), (2, None, None),
                                                                          (4, None, None)]),
    ("qd1048-2019", "dich-vu-du-lich-cong-dong-va-diem-du-lich", "9", 3,
     [(1, None, "1"), (2, None, "1"), (3, None, "1"), (1, None, "2"), (2, None, "2"), (3, None, "2")]),
]


@pytest.mark.parametrize("set_id, slug, number, printed_max, expected", SPOT_FAMILIES)
def test_spot_checks_of_every_form_family(set_id, slug, number, printed_max, expected):
    leaf = criteria.load_set(set_id).form(slug, warn=False).leaf(number)
    assert leaf.max == printed_max
    assert [(o.points, o.stars, o.case) for o in leaf.options] == expected


def test_alternative_ladders_and_applicability():
    leaf = criteria.load_set("qd1048-2019").form("rau-cu-qua-hat-tuoi").leaf("3.2")
    assert [(o.points, o.case) for o in leaf.options] == [(1, "a"), (2, "a"), (0, "b"), (1, "b")]
    assert leaf.max == 2
    for set_id in SETS:
        form = criteria.load_set(set_id).form("rau-cu-qua-hat-tuoi")
        assert any(leaf.applies_when == "story_exists" for leaf in form.leaves)
    tourism = list(criteria.load_set("qd26-2026").forms.values())[25]
    cased = [leaf.number for leaf in tourism.leaves if leaf.cases]
    assert cased == ["8", "9", "15"]


def test_knockouts_are_structured():
    f = criteria.load_set("qd1048-2019").form("thit-trung-sua-tuoi")
    assert "unacceptable-foreign-matter" in {k.id for k in f.leaf("6.1").knockouts}
    f26 = criteria.load_set("qd26-2026").form("rau-cu-qua-hat-tuoi")
    assert {"forged-dossier", "food-safety-certificate-noncompliant", "registration-dossier-noncompliant"} <= \
        {k.id for k in f26.knockouts}


def test_suspected_typos_are_kept_as_printed_and_flagged():
    cs = criteria.load_set("qd26-2026")
    forms = list(cs.forms.values())
    f7, f23 = forms[6], forms[22]
    assert [o.points for o in f7.leaf("3.1").options] == [1, 1, 3]
    assert [o.points for o in f23.leaf("6.2").options] == [1, 1, 3, 5]
    for form, crit in ((f7, "3.1"), (f23, "6.2")):
        assert any(a.kind == "suspected_typo" and a.criterion == crit for a in form.anomalies)


def test_partial_forms_are_the_known_ones():
    partial = {sid: sorted(f.number for f in criteria.load_set(sid).forms.values() if f.status == "partial")
               for sid in SETS}
    assert partial["qd1048-2019"] == [16, 19]
    # 7, 11, 12, 13: points missing (INDEX.md); 17, 18: one option each whose score cell holds a letter
    assert partial["qd148-2023"] == [7, 11, 12, 13, 17, 18]
    assert partial["qd26-2026"] == []


@pytest.mark.parametrize("day, expected", [
    ("2019-08-20", None), ("2019-08-21", "qd1048-2019"), ("2023-02-23", "qd1048-2019"),
    ("2023-02-24", "qd148-2023"), ("2026-05-21", "qd148-2023"), ("2026-05-22", "qd26-2026"),
])
def test_in_force_on_the_boundary_days(day, expected):
    if expected is None:
        with pytest.raises(LookupError):
            criteria.in_force(day)
    else:
        assert criteria.in_force(day).id == expected


def test_qd148_periods_split_on_2025_07_06():
    cs = criteria.load_set("qd148-2023")
    assert cs.period_on(date(2025, 7, 5)).levels == ("district", "province", "central")
    assert cs.period_on(date(2025, 7, 6)).levels == ("province", "central")
    assert cs.accepts(date(2026, 7, 21)) and not cs.accepts(date(2026, 7, 22))


def test_cli_list_json_lists_three_sets_of_26_forms_with_statuses():
    out = CliRunner().invoke(cli, ["criteria", "list", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [s["id"] for s in data["sets"]] == list(SETS)
    for s in data["sets"]:
        assert len(s["forms"]) == 26
        assert all({"slug", "name", "code", "status"} <= set(f) for f in s["forms"])
        assert all(f["slug"].isascii() and f["slug"] == f["slug"].lower() for f in s["forms"])


def test_cli_show_json_gives_numbers_and_option_points():
    out = CliRunner().invoke(cli, ["criteria", "show", "qd26-2026", "rau-cu-qua-hat-tuoi", "--json"])
    assert out.exit_code == 0
    form = json.loads(out.output)
    leaf = form["parts"][1]["children"][0]["children"][0]
    assert leaf["number"] == "4.1" and [o["points"] for o in leaf["options"]] == [1, 2, 3, 5]
    text = CliRunner().invoke(cli, ["criteria", "show", "qd26-2026", "rau-cu-qua-hat-tuoi"]).output
    assert "Nguồn gốc sản phẩm" in text and "*****" in text
    bad = CliRunner().invoke(cli, ["criteria", "show", "qd26-2026", "khong-co"])
    assert bad.exit_code == 2


def test_the_1048_tourism_form_applies_only_from_qd781():
    cs = criteria.load_set("qd1048-2019")
    tourism = cs.form("dich-vu-du-lich-cong-dong-va-diem-du-lich")
    # QĐ 781/QĐ-TTg of 08/6/2020 (ocop-1048-2019.md l.19); the original 1048 form is missing (l.246, 1984)
    assert tourism.valid_from == date(2020, 6, 8)
    assert cs.form("dich-vu-du-lich-truyen-thong-le-hoi") is tourism  # the pre-781 name finds the same form
    assert not tourism.applies_on(date(2020, 6, 7)) and tourism.applies_on(date(2020, 6, 8))
    assert any("dich-vu-du-lich-truyen-thong-le-hoi" in n and "not to the original 1048 form" in n
               for n in tourism.provenance["notes"])
    others = [f.slug for sid in SETS for f in criteria.load_set(sid).forms.values() if f.valid_from]
    assert others == [tourism.slug]


def test_printed_numbers_are_kept_beside_the_ids():
    f3 = criteria.load_set("qd148-2023").form("gao-ngu-coc-hat-so-che-khac")
    # 03.csv prints "1. TỔ CHỨC SẢN XUẤT" then "a) Nguồn gốc sản phẩm" … "đ) Bảo vệ môi trường …"
    assert (f3.leaf("1.1").printed, f3.leaf("1.5").printed) == ("1.a", "1.đ")
    assert next(n for n in f3.nodes() if n.number == "1").printed is None  # a group prints its own number
    f18 = criteria.load_set("qd148-2023").form("thuc-pham-chuc-nang-thuoc-duoc-lieu-thuoc-y-hoc-co-truyen", warn=False)
    assert f18.leaf("3.6").printed == "3.c"  # printed 'c)' out of order: kept as printed, the id by position
    f14 = criteria.load_set("qd1048-2019").form("ca-phe-ca-cao")
    assert f14.leaf("6.1.5").printed == "6.1.3" and f14.leaf("6.1.3").printed is None  # the duplicate's id
    assert all(n.printed is None for n in criteria.load_set("qd26-2026").form("rau-cu-qua-hat-tuoi").nodes())


def test_every_lookup_of_a_partial_form_warns():
    import warnings

    cs = criteria.load_set("qd148-2023")
    with pytest.warns(criteria.PartialFormWarning, match="che-bien-tu-rau-cu-qua-hat"):
        cs.form("che-bien-tu-rau-cu-qua-hat")
    with pytest.warns(criteria.PartialFormWarning):
        criteria.get_form(cs, "che-bien-tu-rau-cu-qua-hat")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cs.form("che-bien-tu-rau-cu-qua-hat", warn=False)
        criteria.get_form(cs, "che-bien-tu-rau-cu-qua-hat", for_scoring=False)
        cs.form("gao-ngu-coc-hat-so-che-khac")  # complete: silent


def test_partial_warning_says_what_is_missing():
    """Forms 11 (points missing, max 97: 32 points in Part C) and 17 (one option missing, maximum intact,
    INDEX.md) must not read alike: a 'real maximum 100' would announce a loss that does not exist."""
    cs = criteria.load_set("qd148-2023")
    lacking_points = cs.form("che-tuoi-che-che-bien", warn=False)
    lacking_option = cs.form("do-uong-khong-con-khac", warn=False)
    assert lacking_points.max < 100 and f"real maximum {lacking_points.max}" in lacking_points.partial_warning()
    assert lacking_option.max == 100
    assert "real maximum" not in lacking_option.partial_warning()
    assert "option's points are missing at criterion 1.4" in lacking_option.partial_warning()
    with pytest.warns(criteria.PartialFormWarning, match="the maximum of 100 is intact"):
        cs.form("do-uong-khong-con-khac")


def test_the_no_story_flag_marks_exactly_the_options_printed_as_no_story():
    """`means: no_story` (read by the what-if planner) is on the lowest option of the criterion, in
    the group of the story-only criteria, whose text reads "Không có câu chuyện…" — one per form
    that has story-only criteria, none elsewhere."""
    from scoring import criteria as crit

    for set_id in crit.available_sets():
        for slug, form in crit.load_set(set_id).forms.items():
            if form.status == "missing":
                continue
            flagged = [(leaf.number, o) for leaf in form.leaves for o in leaf.options if o.means == "no_story"]
            has_story = any(leaf.applies_when == "story_exists" for leaf in form.leaves)
            assert len(flagged) == (1 if has_story else 0), (set_id, slug, flagged)
            for number, option in flagged:
                leaf = form.leaf(number)
                assert option.text.strip().lower().startswith("không có câu chuyện"), (set_id, slug)
                assert option.points == min(o.points for o in leaf.options)
