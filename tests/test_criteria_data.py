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
    assert {7, 11, 12, 13} <= set(partial["qd148-2023"])
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
