"""The vectorized batch scorer agrees exactly with the rule engine; ranks, rejects and table I/O."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import differences, issue_tuples, reject_tuples
from scoring.batch import dossier_dicts, evaluate_batch, read_table, to_wide, write_table
from scoring.cli import cli
from scoring.errors import DossierInvalid
from scoring.evaluate import evaluate
from scoring.synth import generate_cohort

from conftest import examples

SETS = ["qd1048-2019", "qd148-2023", "qd26-2026"]


def _check_conformance(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    results, rejects = evaluate_batch(frame)
    n_dossiers = frame["dossier_id"].nunique()
    assert len(results) + rejects["dossier_id"].nunique() == n_dossiers
    assert not set(results["dossier_id"]) & set(rejects["dossier_id"])
    by_id = results.set_index("dossier_id")
    for d in dossier_dicts(to_wide(frame)):
        try:
            r = evaluate(d)
        except DossierInvalid as exc:  # the same issues, code, field, message, value and allowed
            assert reject_tuples(rejects, d["dossier_id"]) == issue_tuples(exc.issues), d["dossier_id"]
            continue
        assert differences(r, by_id.loc[d["dossier_id"]]) == [], d["dossier_id"]
    return results, rejects


@settings(max_examples=examples(8))
@given(seed=st.integers(0, 10_000), sets=st.lists(st.sampled_from(SETS), min_size=1, max_size=3, unique=True),
       n=st.integers(1, 40))
def test_batch_equals_engine_on_every_field(seed, sets, n):
    _check_conformance(generate_cohort(n, seed=seed, sets=sets, borderline=0.4, knockout_rate=0.1))


def _corrupt(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    frame = frame.copy()
    ids = frame["dossier_id"].unique()
    crit_cols = [c for c in frame.columns if c[0].isdigit()]
    bad = rng.choice(ids, size=min(6, len(ids)), replace=False)
    for k, did in enumerate(bad):
        rows = frame.index[frame["dossier_id"] == did]
        kind = k % 6
        if kind == 0:  # a point that is no option
            col = next(c for c in crit_cols if frame.loc[rows[0], c] == frame.loc[rows[0], c])
            frame.loc[rows[0], col] = 97
        elif kind == 1:  # unknown form
            frame.loc[rows, "form"] = "khong-co-bieu-mau"
        elif kind == 2:  # a criterion left out
            col = next(c for c in crit_cols if frame.loc[rows[0], c] == frame.loc[rows[0], c])
            frame.loc[rows[-1], col] = np.nan
            frame.loc[rows, "findings"] = ""
        elif kind == 3:  # duplicate member
            frame.loc[rows, "member"] = "TV1"
        elif kind == 4:  # date outside every set
            frame.loc[rows, "evaluated_on"] = "2018-01-01"
        else:  # text in a score cell
            col = next(c for c in crit_cols if frame.loc[rows[0], c] == frame.loc[rows[0], c])
            frame[col] = frame[col].astype(object)
            frame.loc[rows[0], col] = "ba"
    return frame


@settings(max_examples=examples(5))
@given(seed=st.integers(0, 10_000))
def test_bad_records_never_stop_the_batch_and_carry_the_single_path_message(seed):
    frame = _corrupt(generate_cohort(25, seed=seed, knockout_rate=0.0), np.random.default_rng(seed))
    results, rejects = _check_conformance(frame)
    assert len(rejects) >= 1
    assert all(rejects["reason"].str.len() > 0)


def test_rows_of_one_dossier_that_disagree_are_rejected_with_the_column():
    frame = generate_cohort(5, seed=1)
    first = frame["dossier_id"].iloc[0]
    rows = frame.index[frame["dossier_id"] == first]
    frame.loc[rows[-1], "level"] = "province" if frame.loc[rows[0], "level"] != "province" else "central"
    results, rejects = evaluate_batch(frame)
    assert list(rejects["dossier_id"]) == [first]
    assert "level" in rejects["reason"].iloc[0]
    assert len(results) + rejects["dossier_id"].nunique() == frame["dossier_id"].nunique()


@settings(max_examples=examples(6))
@given(seed=st.integers(0, 10_000))
def test_ranking_invariants_and_shuffle_invariance(seed):
    frame = generate_cohort(60, seed=seed)
    results, _ = evaluate_batch(frame)
    for col, keys in (("rank_form", ["criteria_set", "form"]), ("rank_province", ["province"]),
                      ("rank_district", ["province", "district"])):
        for _, g in results.groupby(keys):
            assert sorted(g[col]) == list(range(1, len(g) + 1))
            ordered = g.sort_values(col)
            assert (np.diff(ordered["total"].to_numpy()) <= 1e-12).all()  # a higher total never ranks lower
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    again, _ = evaluate_batch(shuffled)
    a = results.set_index("dossier_id").sort_index()
    b = again.set_index("dossier_id").sort_index()
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-12)


def test_tie_break_total_then_part_c_then_part_a_then_id():
    """Three different dossiers with one total: one lower in Part B, one in Part A, one in Part C; then
    two identical ones that only their ids order. Ids are chosen against the expected order."""
    from scoring.criteria import load_set

    form = load_set("qd26-2026").form("rau-cu-qua-hat-tuoi", warn=False)
    leaves = [n for n in form.nodes() if n.is_leaf and not n.applies_when and not n.cases and len(n.points) > 1]
    best = {n.number: n.points[-1] for n in form.nodes() if n.is_leaf and n.options}
    # one step d that a criterion of each part can go down by (its top option minus d is an option)
    steps = {}
    for part in "ABC":
        for n in (n for n in leaves if n.part == part):
            for d in (n.points[-1] - p for p in n.points[:-1]):
                steps.setdefault((part, d), n.number)
    d = min(d for (part, d) in steps if all((p, d) in steps for p in "ABC"))

    def row(dossier_id: str, lowered: str | None) -> dict:
        scores = dict(best)
        if lowered:
            scores[steps[(lowered, d)]] -= d
        return {"dossier_id": dossier_id, "criteria_set": "qd26-2026", "form": "rau-cu-qua-hat-tuoi",
                "level": "province", "evaluated_on": "2026-09-01", "member": "TV1", "province": "P",
                "district": "D", "story_exists": True, **scores}

    frame = pd.DataFrame([row("A-lower-C", "C"), row("B-lower-A", "A"), row("C-lower-B", "B"),
                          row("Z-top-2", None), row("Y-top-1", None)])
    results, rejects = evaluate_batch(frame)
    assert rejects.empty, rejects.to_dict("records")
    ranked = results.sort_values("rank_form")
    assert list(ranked["dossier_id"]) == ["Y-top-1", "Z-top-2", "C-lower-B", "B-lower-A", "A-lower-C"]
    assert ranked["total"].iloc[2] == ranked["total"].iloc[3] == ranked["total"].iloc[4]  # a real tie
    assert list(ranked["rank_form"]) == [1, 2, 3, 4, 5]


def test_long_table_equals_wide_table():
    wide = generate_cohort(12, seed=9)
    meta = [c for c in wide.columns if not c[0].isdigit()]
    long = wide.melt(id_vars=meta, var_name="criterion", value_name="points").dropna(subset=["points"])
    a, _ = evaluate_batch(wide)
    b, _ = evaluate_batch(long)
    cols = ["dossier_id", "total", "stars", "status", "escalate_to", "rank_form"]
    pd.testing.assert_frame_equal(a[cols].sort_values("dossier_id").reset_index(drop=True),
                                  b[cols].sort_values("dossier_id").reset_index(drop=True))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".jsonl"])
def test_round_trip_through_every_format(tmp_path, suffix):
    frame = generate_cohort(6, seed=11)
    path = tmp_path / f"in{suffix}"
    write_table(frame, path)
    back = read_table(path)
    a, ra = evaluate_batch(frame)
    b, rb = evaluate_batch(back)
    assert list(a["stars"]) == list(b["stars"]) and len(ra) == len(rb) == 0
    assert list(back["province"].unique()) == list(frame["province"].unique())  # diacritics kept


def test_excel_sheet_with_vietnamese_headers_and_bom_csv(tmp_path):
    frame = generate_cohort(4, seed=5, sets=["qd26-2026"])
    vi = frame.rename(columns={"dossier_id": "Mã hồ sơ", "member": "Thành viên", "form": "Bộ sản phẩm",
                               "level": "Cấp", "evaluated_on": "Ngày đánh giá", "province": "Tỉnh",
                               "district": "Huyện"})
    xlsx = tmp_path / "hoi-dong.xlsx"
    vi.to_excel(xlsx, index=False)
    csv = tmp_path / "bom.csv"
    vi.to_csv(csv, index=False, encoding="utf-8-sig")
    for path in (xlsx, csv):
        results, rejects = evaluate_batch(read_table(path))
        assert len(results) == frame["dossier_id"].nunique() and len(rejects) == 0


def test_cli_batch_writes_results_and_rejects_atomically(tmp_path):
    frame = _corrupt(generate_cohort(10, seed=2, knockout_rate=0.0), np.random.default_rng(2))
    src = tmp_path / "cohort.csv"
    frame.to_csv(src, index=False, encoding="utf-8-sig")
    out = tmp_path / "out" / "results.parquet"
    run = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out), "--json"])
    assert run.exit_code == 0, run.output
    summary = json.loads(run.output)
    results = pd.read_parquet(out)
    rejects = pd.read_parquet(tmp_path / "out" / "results.rejects.parquet")
    assert summary["scored"] == len(results) and summary["rejected"] == rejects["dossier_id"].nunique() >= 1
    assert summary["problems"] == len(rejects)
    assert summary["dossiers"] == frame["dossier_id"].nunique()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_missing_required_column_is_named():
    frame = generate_cohort(2, seed=1).drop(columns=["member"])
    with pytest.raises(Exception) as exc:
        evaluate_batch(frame)
    assert "member" in str(exc.value) and "Thành viên" in str(exc.value)


@pytest.mark.parametrize("bad", [2.5, 2.0000001, -1, 1e9, float("inf"), "2,5"])
def test_a_cell_that_is_no_whole_option_rejects_its_dossier_with_the_single_path_message(bad):
    frame = generate_cohort(6, seed=21, knockout_rate=0.0)
    first = frame["dossier_id"].iloc[0]
    col = next(c for c in frame.columns if c[0].isdigit() and frame.loc[0, c] == frame.loc[0, c])
    frame[col] = frame[col].astype(object)
    frame.loc[0, col] = bad
    results, rejects = _check_conformance(frame)
    assert list(rejects["dossier_id"]) == [first]
    assert len(results) == frame["dossier_id"].nunique() - 1


def test_lists_group_equal_entries_exactly_even_when_the_row_hash_collides(monkeypatch):
    from scoring.batch import decide

    matrix = np.array([[1, 2, -1], [1, 2, -1], [2, 1, -1], [1, 2, 3], [2, 1, -1]])
    first, inverse = decide._equal_rows(matrix)
    assert np.array_equal(matrix[first[inverse]], matrix)
    assert len(first) == 3
    monkeypatch.setattr(decide, "_ROW_HASH", np.zeros_like(decide._ROW_HASH))  # every row hashes alike
    first, inverse = decide._equal_rows(matrix)
    assert np.array_equal(matrix[first[inverse]], matrix) and len(first) == 3


def test_lists_are_joined_per_owner_in_order_with_empty_owners_empty():
    from scoring.batch.decide import joined

    texts = np.array(["a", "bé", "c;d"], dtype=object)
    out = joined(texts, np.array([1, 0, 2, 2]), np.array([2, 0, 1, 1]))
    assert out.tolist() == ["bé;a", "", "c;d", "c;d"] and all(type(v) is str for v in out)


@pytest.mark.parametrize("arrow_join", [0, 10**9])  # every distinct list joined by Arrow / by Python
def test_per_dossier_lists_follow_the_engine_order_whichever_join(monkeypatch, arrow_join):
    """Entries are ordered by (dossier, stage, fact row, rule), equal lists joined once; the result
    must not depend on which joiner the number of distinct lists picks."""
    from types import SimpleNamespace

    from scoring.batch import decide

    monkeypatch.setattr(decide, "_ARROW_JOIN", arrow_join)
    texts = np.array(["r0", "r1", "r2", "r3", "r4", "r5"], dtype=object)
    minimum, finding = SimpleNamespace(stage="minimum"), SimpleNamespace(stage="finding")
    items = [  # (rule, owners, fact rows): dossier 2 has entries from two rules and two stages
        (finding, np.array([2]), np.array([0])),  # a lower row, but a later stage: listed last
        (minimum, np.array([0, 2, 2]), np.array([0, 3, 4])),
        (minimum, np.array([0, 3]), np.array([1, 2])),
    ]
    out = decide._lists(5, items, lambda rule, rows: (texts, rows))
    assert out.tolist() == ["r0;r1", "", "r3;r4;r0", "r2", ""]
    assert all(type(v) is str for v in out)


def test_lazy_fact_columns_are_built_once_and_only_when_read():
    from scoring.engine.vector_backend import LazyTable

    calls = []
    table = LazyTable({"a": np.arange(3), "b": lambda: calls.append(1) or np.ones(3)})
    assert set(table) == {"a", "b"} and "b" in table and not calls
    assert table["b"].sum() == 3 and table["b"].sum() == 3
    assert calls == [1]


def _nfd(frame: pd.DataFrame) -> pd.DataFrame:
    import unicodedata

    out = frame.copy()
    for col in ("product", "producer", "province", "district", "commune", "member"):
        out[col] = [unicodedata.normalize("NFD", f"{v} Hội đồng" if col == "member" else v) for v in out[col]]
    return out


def test_text_in_nfd_is_read_as_nfc_like_the_single_path():
    import unicodedata

    frame = _nfd(generate_cohort(8, seed=13))
    assert any(unicodedata.normalize("NFC", v) != v for v in frame["province"])  # the test input is NFD
    results, rejects = _check_conformance(frame)  # equal to the single path, which reads NFC
    assert len(rejects) == 0
    for col in ("product", "province", "district", "member_totals"):
        assert all(unicodedata.is_normalized("NFC", v) for v in results[col]), col


def test_csv_typed_in_nfd_with_spaces_is_normalised_on_reading(tmp_path):
    import unicodedata

    frame = generate_cohort(5, seed=14)
    typed = _nfd(frame)
    typed["province"] = "  " + typed["province"] + " "
    path = tmp_path / "nfd.csv"
    typed.to_csv(path, index=False, encoding="utf-8-sig")
    back = read_table(path)
    assert list(back["province"]) == [unicodedata.normalize("NFC", v) for v in frame["province"]]
    a, _ = evaluate_batch(frame)
    b, _ = evaluate_batch(back)
    assert list(a["province"]) == list(b["province"]) and list(a["stars"]) == list(b["stars"])


# ----------------------------------------------------------------------------- every form, edge cases

from conformance import all_forms, edge_cohort  # noqa: E402


@pytest.fixture(scope="module")
def every_form():
    """One batch over the edge cases of all 78 forms (one fixed cost), checked form by form."""
    frame = pd.concat([edge_cohort(sid, slug) for sid, slug in all_forms()], ignore_index=True)
    results, rejects = evaluate_batch(frame)
    assert len(results) + rejects["dossier_id"].nunique() == frame["dossier_id"].nunique()
    return frame, results.set_index("dossier_id"), rejects


@pytest.mark.parametrize("set_id,slug", all_forms())
def test_every_form_agrees_with_the_engine_on_edge_cases(every_form, set_id, slug):
    frame, by_id, rejects = every_form
    mine = frame[(frame["form"] == slug) & (frame["dossier_id"].str.contains(set_id.upper() + "|" + f"E-{set_id}-"))]
    seen = {"scored": 0, "rejected": 0}
    for d in dossier_dicts(to_wide(mine)):
        try:
            r = evaluate(d)
        except DossierInvalid as exc:
            assert reject_tuples(rejects, d["dossier_id"]) == issue_tuples(exc.issues), d["dossier_id"]
            seen["rejected"] += 1
            continue
        row = by_id.loc[d["dossier_id"]]
        assert differences(r, row) == [], d["dossier_id"]
        assert {k: row[k] for k in r.product} == r.product
        seen["scored"] += 1
    assert seen["scored"] >= 10 and seen["rejected"] >= 2, seen


@settings(max_examples=examples(3))
@given(seed=st.integers(0, 10_000))
def test_threads_change_nothing_in_results_or_rejects(seed):
    """The form groups, columns and decisions run on worker threads for large tables: with threads
    forced on a small mixed cohort (bad records included), every result and reject is the same as
    with none, in the same order."""
    frame = _corrupt(generate_cohort(120, seed=seed, knockout_rate=0.05), np.random.default_rng(seed))
    one = evaluate_batch(frame, workers=1)
    for workers in (2, 3):
        many = evaluate_batch(frame, workers=workers)
        pd.testing.assert_frame_equal(one[0], many[0])
        pd.testing.assert_frame_equal(one[1], many[1])


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_whole_number_of_at_least_one(workers):
    with pytest.raises(ValueError, match="workers"):
        evaluate_batch(generate_cohort(2, seed=1), workers=workers)


def test_cli_batch_rejects_zero_workers(tmp_path):
    src = tmp_path / "in.csv"
    generate_cohort(2, seed=1).to_csv(src, index=False)
    res = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "out.csv"), "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output
    res = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "out.csv"), "--workers", "2", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["scored"] + json.loads(res.output)["rejected"] == 2


def test_default_threads_count_member_sheets_not_long_table_rows(monkeypatch):
    """A long table has a row per criterion: 120,000 rows of 30 criteria are 4,000 sheets, scored in
    one thread like the wide table they pivot to; a wide table of 120,000 sheets gets the default."""
    from contextlib import contextmanager

    from scoring.batch import vector
    from scoring.batch.workers import Inline

    asked = []

    @contextmanager
    def recording(workers):
        asked.append(workers)
        yield Inline()

    monkeypatch.setattr(vector, "executor", recording)
    monkeypatch.setattr(vector, "_evaluate", lambda *a: (None, None))
    n = 120_000
    long = pd.DataFrame({"dossier_id": np.arange(n) // 300, "member": (np.arange(n) // 30) % 10,
                         "criterion": [f"1.{k}" for k in np.arange(n) % 30], "points": 1})
    vector.evaluate_batch(long)
    vector.evaluate_batch(pd.DataFrame({"dossier_id": np.arange(n) // 6, "member": np.arange(n) % 6}))
    vector.evaluate_batch(pd.DataFrame({"dossier_id": [1], "member": ["a"]}), workers=3)
    assert asked == [1, None, 3]
