"""A council session run through the web app's forms (no browser): three members score, one
diverges by more than 10 points and is sent back, re-scores, the secretary closes the session;
the stored Result is the kernel's on the same sheets; documents and the result page follow."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from web_support import login, new_registry, page_token, sqlite_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers" / "qd26-2026-70-4star.json"
MEMBERS = {"tv1": "Lê Văn Cường", "tv2": "Phạm Thị Dung", "tv3": "Nguyễn Văn An"}


def fixture_sheets() -> list[dict[str, int]]:
    return [s["scores"] for s in json.loads(FIXTURE.read_text("utf-8"))["sheets"]]


def lowest_sheet() -> dict[str, int]:
    """Every criterion at its lowest option: a member far below the others."""
    from scoring.web.sheets import load_form

    form = load_form("qd26-2026", "mat-ong-mat-khac-va-nong-san-thuc-pham-khac")
    return {leaf.number: min(leaf.points) for leaf in form.leaves}


def post_sheet(c, path, scores, action):
    return c.post(path, data={"csrf_token": page_token(c, path), "action": action,
                              **{f"c:{k}": str(v) for k, v in scores.items()}})


@pytest.fixture()
def session_app(tmp_path):
    app, seeded = new_registry(sqlite_url(tmp_path), dossier_files=(FIXTURE,))
    return app, seeded


def test_a_session_end_to_end_through_the_forms(session_app):
    import scoring

    app, seeded = session_app
    reg = app.state.store.registry
    s, d = seeded.session_id, seeded.dossier_pks[0]
    path = f"/member/sessions/{s}/dossiers/{d}"
    sheets = fixture_sheets()
    low = lowest_sheet()
    # hand check of the fixture: each of its members totals 70 (the file's name says so too)
    assert [sum(x.values()) for x in sheets] == [70, 70, 70]
    assert sum(low.values()) < 70 - 10
    members = {u: login(app, u) for u in MEMBERS}
    assert post_sheet(members["tv1"], path, sheets[0], "submit").status_code == 303
    assert post_sheet(members["tv2"], path, sheets[1], "submit").status_code == 303
    assert post_sheet(members["tv3"], path, low, "save").status_code == 303
    # the member's page: running total and the kernel's total on a complete sheet
    page = members["tv3"].get(path).text
    assert re.search(r"data-total>(\d+)<", page).group(1) == str(sum(low.values()))
    assert post_sheet(members["tv3"], path, low, "submit").status_code == 303
    secretary = login(app, "thuky")
    board = secretary.get(f"/secretary/sessions/{s}").text
    # divergence: tv3 against each of the others, highlighted, with the criteria responsible
    assert board.count('class="diverge"') == 3
    gaps = re.findall(r'<li class="gap">(.*?)</li>', board, re.S)
    assert len(gaps) == 2 and all("Nguyễn Văn An" in g for g in gaps)
    assert f"{70 - sum(low.values())} điểm" in gaps[0]
    # closing is refused while the divergence stands
    token = page_token(secretary, f"/secretary/sessions/{s}")
    r = secretary.post(f"/secretary/sessions/{s}/close", data={"csrf_token": token})
    assert r.status_code == 409 and "chênh lệch" in r.text
    assert reg.session(s)["status"] == "open"
    # send tv3's sheet back; tv3 re-scores (as the fixture's third member) and submits
    r = secretary.post(f"/secretary/sessions/{s}/dossiers/{d}/reopen",
                       data={"csrf_token": token, "member_id": str(seeded.members["Nguyễn Văn An"])})
    assert r.status_code == 303
    assert {x["member"]: x["status"] for x in reg.sheets_for("qd26-2026-70-4star")}["Nguyễn Văn An"] == "reopened"
    assert post_sheet(members["tv3"], path, sheets[2], "submit").status_code == 303
    r = secretary.post(f"/secretary/sessions/{s}/close", data={"csrf_token": page_token(secretary, f"/secretary/sessions/{s}")})
    assert r.status_code == 303, r.text[-2000:]
    assert reg.session(s)["status"] == "closed"
    # the stored Result is the rule engine's on the same three sheets
    stored = reg.latest_result("qd26-2026-70-4star")
    dossier = json.loads(FIXTURE.read_text("utf-8"))
    by_name = {MEMBERS[u]: sc for u, sc in zip(("tv1", "tv2", "tv3"), sheets)}
    order = [m["name"] for m in reg.session(s)["present"]]  # the council's order (chair first)
    dossier["sheets"] = [{"member": name, "scores": by_name[name]} for name in order]
    expected = scoring.evaluate(dossier).to_dict()
    assert stored["result"] == json.loads(json.dumps(expected))
    assert stored["total"] == 70 and stored["stars"] == 4 and stored["session_id"] == s
    # members can no longer write; they may now read the result
    assert post_sheet(members["tv1"], path, sheets[0], "save").status_code == 409
    page = members["tv1"].get(f"/results/{d}")
    assert page.status_code == 200 and "70" in page.text and "Mật ong bạc hà Mèo Vạc" in page.text
    from markupsafe import escape

    for entry in expected["trace"]:  # every sentence of the trace, in both languages, escaped as HTML
        assert str(escape(entry["vi"])) in page.text and str(escape(entry["en"])) in page.text
    english = members["tv1"]
    english.cookies.set("ocop_lang", "en")
    assert "Total" in english.get(f"/results/{d}").text
    # the session's documents, read back with their own libraries
    from docx import Document
    from openpyxl import load_workbook

    xlsx = secretary.get(f"/secretary/sessions/{s}/documents/bang-tong-hop.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    cells = [str(c.value) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row if c.value]
    assert any("Mật ong bạc hà Mèo Vạc" in c for c in cells)
    docx = secretary.get(f"/secretary/sessions/{s}/documents/bien-ban.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    text += "\n".join(c.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for c in row.cells)
    assert "Mật ong bạc hà Mèo Vạc" in text and "Nguyễn Văn An" in text
    assert secretary.get(f"/secretary/sessions/{s}/documents/../../etc/passwd").status_code == 404
    assert secretary.get(f"/secretary/sessions/{s}/documents/other.pdf").status_code == 404


def test_the_board_before_any_sheet_and_the_secretary_of_another_council(session_app):
    app, seeded = session_app
    reg = app.state.store.registry
    secretary = login(app, "thuky")
    board = secretary.get(f"/secretary/sessions/{seeded.session_id}").text
    assert board.count("chưa chấm") == 3
    # a second council with its own secretary cannot see this council's session
    from scoring.web import accounts

    other = reg.add_council("Hội đồng khác", "province", [("Đỗ Thị Khác", "thu_ky"), ("Vũ Văn Một", "thanh_vien")],
                            actor="test")
    member_id = reg.council(other)["members"][0]["id"]
    accounts.add_user(app.state.engine, "thuky2", "mật-khẩu-thử-9", "secretary", "Đỗ Thị Khác", member_id)
    c = login(app, "thuky2")
    r = c.get(f"/secretary/sessions/{seeded.session_id}")
    assert r.status_code == 403 and "Mật ong" not in r.text
    assert c.get(f"/secretary/sessions/{seeded.session_id}/board").status_code == 403
    token = page_token(c, "/secretary")
    assert c.post(f"/secretary/sessions/{seeded.session_id}/close", data={"csrf_token": token}).status_code == 403
    assert reg.session(seeded.session_id)["status"] == "open"
    # nor read the results of its dossiers
    assert c.get(f"/results/{seeded.dossier_pks[0]}").status_code == 403
