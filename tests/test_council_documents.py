"""Session documents: every product with its mean and stars, read back from the XLSX, the DOCX and
the PDF text; divergence and overrides; quorum; re-evaluation; templates a province overrides."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from scoring.council.divergence import check_quorum, divergence, status
from scoring.council.documents import Entry, session_documents
from scoring.council.kernel import score
from scoring.council.session import load_session, session_from
from scoring.errors import ValidationFailed
from scoring.text import load_json

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "fixtures/dossiers" / f"{n}.json" for n in (
    "qd26-2026-49-67-wine", "qd26-2026-50-wine", "qd26-2026-55-missing-3star-minimum", "qd26-2026-69-67",
    "qd26-2026-70-4star", "qd26-2026-89-67", "qd26-2026-90", "qd26-2026-90-capped-4star")] + [
    ROOT / "fixtures/council/qd26-2026-spread-12.json", ROOT / "fixtures/council/qd26-2026-re-evaluation-89-67.json"]
# hand-written: the stars each fixture is built to get (file names, README), and whether it is recognised
STARS = {"qd26-2026-49-67-wine": 2, "qd26-2026-50-wine": 3, "qd26-2026-55-missing-3star-minimum": 2,
         "qd26-2026-69-67": 3, "qd26-2026-70-4star": 4, "qd26-2026-89-67": 4, "qd26-2026-90": 5,
         "qd26-2026-90-capped-4star": 4, "qd26-2026-spread-12": 4, "qd26-2026-re-evaluation-89-67": 4}
SENT_UP = {"qd26-2026-90"}


def _mean_text(d) -> str:
    """The mean of the members' totals, computed from the JSON by hand and printed the Vietnamese way."""
    totals = [sum(v for v in s["scores"].values() if v is not None) for s in d["sheets"]]
    return f"{sum(totals) / len(totals):.2f}".replace(".", ",")


@pytest.fixture(scope="module")
def entries():
    return [Entry(d, score(d)) for d in (load_json(f) for f in FILES)]


@pytest.fixture(scope="module")
def documents(entries, tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    session = load_session(ROOT / "fixtures/council/session.yaml")
    return out, session_documents(entries, session, out)


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def _docx_ids(path: Path) -> set[str]:
    """The Mã hồ sơ cells of a list's tables."""
    ids = set()
    for t in Document(str(path)).tables:
        head = [c.text for c in t.rows[0].cells]
        if "Mã hồ sơ" in head:
            ids |= {row.cells[head.index("Mã hồ sơ")].text for row in t.rows[1:]}
    return ids


def _pdf_text(path: Path) -> str:
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.split())


def test_summary_xlsx_has_every_product_mean_and_stars(documents, entries):
    out, _ = documents
    ws = load_workbook(out / "bang-tong-hop.xlsx")["Tổng hợp"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    cols = {name: i for i, name in enumerate(rows[head]) if name}
    got = {r[cols["Mã hồ sơ"]]: r for r in rows[head + 1:] if r[0] is not None}
    assert set(got) == set(STARS)
    for e in entries:
        d, r = e.dossier, got[e.dossier["dossier_id"]]
        totals = [sum(v for v in s["scores"].values() if v is not None) for s in d["sheets"]]
        assert r[cols["Điểm trung bình"]] == pytest.approx(sum(totals) / len(totals))
        assert r[cols["Hạng sao"]] == STARS[d["dossier_id"]]
        for s, t in zip(d["sheets"], totals):
            assert r[cols[s["member"]]] == t
    reval = got["qd26-2026-re-evaluation-89-67"]
    assert "123/QĐ-UBND" in reval[cols["Giấy chứng nhận trước"]] and reval[cols["Điểm trước"]] == 78.5
    assert reval[cols["Hạng sao trước"]] == 4 and reval[cols["Loại hồ sơ"]] == "đánh giá lại"
    assert "Lê Minh Tuấn" in got["qd26-2026-spread-12"][cols["Chênh lệch giữa thành viên"]]
    assert "tiêu chí tối thiểu" not in (got["qd26-2026-90"][cols["Tiêu chí tối thiểu chưa đạt"]] or "")


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_minutes_name_every_product_with_mean_and_stars(documents, entries, kind):
    out, _ = documents
    text = _docx_text(out / "bien-ban.docx") if kind == "docx" else _pdf_text(out / "bien-ban.pdf")
    # a PDF table cell wraps long words where it must: compare the PDF's text without spaces
    squeeze = (lambda t: t.replace(" ", "")) if kind == "pdf" else (lambda t: t)
    for e in entries:
        d = e.dossier
        assert squeeze(d["product"]["name"]) in squeeze(text) and squeeze(d["dossier_id"]) in squeeze(text)
        assert _mean_text(d) in text
        assert f"{STARS[d['dossier_id']]} sao" in text
    for expected in ("BIÊN BẢN HỌP HỘI ĐỒNG", "ngày 01/10/2026", "Hội trường Sở Nông nghiệp và Môi trường tỉnh Hưng Yên",
                     "Nguyễn Văn Hùng — Chủ tịch Hội đồng", "Vắng mặt: Phạm Thu Hà", "3/4",
                     "giữ nguyên điểm với minh chứng bổ sung",  # the override's recorded reason
                     "GCN số 123/QĐ-UBND, 4 sao, 78,50 điểm",   # previous certificate beside the new result
                     "CHỦ TỊCH HỘI ĐỒNG", "THƯ KÝ HỘI ĐỒNG"):
        assert squeeze(expected) in squeeze(text), expected


def test_lists_by_stars_and_sent_up(documents, entries):
    out, _ = documents
    recog = _docx_text(out / "danh-sach-cong-nhan.docx")
    up = _docx_text(out / "danh-sach-cap-tren.docx")
    recog_pdf, up_pdf = _pdf_text(out / "danh-sach-cong-nhan.pdf"), _pdf_text(out / "danh-sach-cap-tren.pdf")
    recog_ids, up_ids = _docx_ids(out / "danh-sach-cong-nhan.docx"), _docx_ids(out / "danh-sach-cap-tren.docx")
    for e in entries:
        did = e.dossier["dossier_id"]
        in_recog = STARS[did] >= 3 and did not in SENT_UP
        assert (did in recog_ids) == in_recog, did
        # ids may wrap inside a PDF cell; "-90" must not match "-90-capped-4star"
        assert bool(re.search(re.escape(did) + "(?!-)", recog_pdf.replace(" ", ""))) == in_recog, did
        assert (did in up_ids) == (did in SENT_UP), did
    assert "Sản phẩm đạt 4 sao (5 sản phẩm)" in recog and "Sản phẩm đạt 3 sao (2 sản phẩm)" in recog
    assert "Đề nghị Hội đồng cấp trung ương đánh giá, phân hạng (1 sản phẩm)" in up and "90,00" in up_pdf


def test_divergent_dossier_without_override_is_to_rescore_and_not_listed(entries, tmp_path):
    spread = next(e for e in entries if e.dossier["dossier_id"] == "qd26-2026-spread-12")
    gaps = divergence(spread.result)
    # Lê Minh Tuấn 83, the two others 70 (hand-summed): two pairs 13 > 10 apart
    assert [(g.member_a, g.member_b, g.gap) for g in gaps] == [("Lê Minh Tuấn", "Nguyễn Văn Hùng", 13.0),
                                                               ("Lê Minh Tuấn", "Trần Thị Mai", 13.0)]
    assert all(c["diff"] > 0 for g in gaps for c in g.criteria) and len(gaps[0].criteria) == 5
    assert status(spread.result) == "to-rescore"
    assert status(spread.result, {"qd26-2026-spread-12": {"reason": "x"}}) == "overridden"
    session = session_from({"council": "Hội đồng thử", "date": "2026-10-01",
                            "members": ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Minh Tuấn"]})
    session_documents([spread], session, tmp_path, pdf=False)
    assert "qd26-2026-spread-12" not in _docx_text(tmp_path / "danh-sach-cong-nhan.docx")
    minutes = _docx_text(tmp_path / "bien-ban.docx")
    assert "chấm lại" in minutes and "Lê Minh Tuấn (83 điểm) và Nguyễn Văn Hùng (70 điểm): chênh lệch 13 điểm (> 10)" in minutes


def test_no_divergence_at_exactly_the_limit():
    r = {"dossier_id": "x", "criteria_set": "qd26-2026", "members": ["a", "b"], "member_totals": {"a": 80, "b": 70},
         "criteria": []}
    assert divergence(r) == [] and divergence(dict(r, member_totals={"a": 80.5, "b": 70})) != []
    assert divergence(dict(r, member_totals={"a": 99, "b": 0}), limit=None) == []


def test_quorum_refused_naming_the_rule(entries, tmp_path):
    members = ["A", "B", "C", "D"]
    check_quorum(members, ["A", "B", "C"])  # 3 of 4 = 75 %: enough
    with pytest.raises(ValidationFailed) as exc:
        check_quorum(members, ["A", "B"])
    assert "[council-quorum]" in str(exc.value) and "2 of 4" in str(exc.value) and "75" in str(exc.value)
    with pytest.raises(ValidationFailed, match="council-quorum-chair"):
        check_quorum(members, ["B", "C", "D"], chair="A", require_chair=True)
    check_quorum(members, ["A", "B"], share=0.5)
    session = session_from({"council": "Hội đồng thử", "date": "2026-10-01", "members": members, "present": ["A"]})
    with pytest.raises(ValidationFailed, match="council-quorum"):
        session_documents(entries[:1], session, tmp_path / "none", pdf=False)
    assert not (tmp_path / "none").exists()


def test_sheets_from_an_absent_member_are_refused(entries, tmp_path):
    session = session_from({"council": "Hội đồng thử", "date": "2026-10-01",
                            "members": ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Minh Tuấn", "X"],
                            "present": ["Nguyễn Văn Hùng", "Trần Thị Mai", "X"]})
    with pytest.raises(ValidationFailed, match="recorded as absent"):
        session_documents(entries[:1], session, tmp_path, pdf=False)


def test_session_file_problems_reported_together():
    with pytest.raises(ValidationFailed) as exc:
        session_from({"date": "01/10/2026", "members": [], "overrides": {"x": {"reason": ""}}, "colour": 1})
    text = str(exc.value)
    for field in ("council", "date", "members", "overrides.x.reason", "colour"):
        assert field in text


def test_a_province_template_replaces_the_shipped_one(entries, tmp_path):
    from scoring.council.render import environment

    shipped = Path(environment(None).loader.loaders[0].searchpath[0]) / "bien-ban.yaml.j2"
    mine = tmp_path / "mau"
    mine.mkdir()
    (mine / "bien-ban.yaml.j2").write_text(
        shipped.read_text(encoding="utf-8").replace('- title: "BIÊN BẢN HỌP HỘI ĐỒNG"',
                                                    '- title: "BIÊN BẢN HỌP HỘI ĐỒNG TỈNH (MẪU RIÊNG)"'),
        encoding="utf-8")
    session = load_session(ROOT / "fixtures/council/session.yaml")
    session_documents(entries, session, tmp_path / "out", mine, pdf=False)
    assert "BIÊN BẢN HỌP HỘI ĐỒNG TỈNH (MẪU RIÊNG)" in _docx_text(tmp_path / "out/bien-ban.docx")
    assert "MẪU RIÊNG" not in _docx_text(tmp_path / "out/danh-sach-cong-nhan.docx")  # others stay shipped
    (mine / "bien-ban.yaml.j2").write_text("- title: {{ no_such_thing }}\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="template"):
        session_documents(entries, session, tmp_path / "out2", mine, pdf=False)


def test_product_text_cannot_break_the_document(entries, tmp_path):
    d = dict(entries[0].dossier)
    d["product"] = dict(d["product"], name='=cmd|" x: [1, 2]\n- title: injected', producer="@SUM(A1)")
    session = session_from({"council": "Hội đồng thử", "date": "2026-10-01",
                            "members": ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Minh Tuấn"]})
    r = score(d).to_dict()
    session_documents([Entry(d, r)], session, tmp_path, pdf=False)
    ws = load_workbook(tmp_path / "bang-tong-hop.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row if c.value == d["product"]["name"] or c.value == "@SUM(A1)"]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    assert 'x: [1, 2]' in _docx_text(tmp_path / "bien-ban.docx")
