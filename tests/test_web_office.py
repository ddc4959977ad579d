"""The office's management pages: producers, products, rounds, councils with members, certificates.

Through the forms only (TestClient, no browser): every write lands in the registry with the web user
in the audit log; member, secretary and anonymous users are refused on every new route; a POST
without a valid CSRF token is refused; a refused input re-renders the form with the reason next to
its field (400) and writes nothing. Expected values come from the registry's rules as stated in the
law (QĐ 26/2026 Điều 5 deadlines; 36 months), computed by hand in the comments.
"""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import text

from registry_support import FIXTURES, url, variant  # noqa: F401 (url: a fixture, SQLite and PostgreSQL)
from web_support import client, csrf_of, login, new_registry, page_token, sqlite_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ACTOR = "web:vanphong"
HONEY_SET = "qd26-2026/mat-ong-mat-khac-va-nong-san-thuc-pham-khac"


@pytest.fixture()
def office(url):  # noqa: F811
    app, seeded = new_registry(url)
    yield app, seeded, app.state.store.registry, login(app, "vanphong")
    app.state.store.registry.close()


@pytest.fixture()
def site(tmp_path):
    app, seeded = new_registry(sqlite_url(tmp_path))
    return app, seeded, app.state.store.registry


def field_error(page: str, name: str) -> str | None:
    """The refusal shown in a <label> that holds the field `name` (None: no error there; a page may
    hold the field twice, e.g. a search form and the new-item form)."""
    labels = [x for x in re.findall(r"<label[^>]*>.*?</label>", page, flags=re.S) if f'name="{name}"' in x]
    assert labels, f"no field {name} on the page"
    for label in labels:
        m = re.search(r'<span class="field-error" role="alert">(.*?)</span>', label, flags=re.S)
        if m:
            return html.unescape(m.group(1))
    return None


def counts(reg) -> dict[str, int]:
    tables = ("producers", "products", "rounds", "councils", "council_members", "certificates", "audit_log",
              "council_sessions", "session_dossiers", "session_members")
    with reg.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}  # our names


def post(c, form_page: str, action: str, data: dict[str, str]):
    return c.post(action, data={"csrf_token": page_token(c, form_page), **data})


def new_producer(c, **fields):
    data = {"name": "HTX Chè Tân Cương", "province": "Thái Nguyên", "district": "", "commune": "Phúc Xuân",
            "tax_code": "4600123456", "representative": "Đỗ Thị Hoa", **fields}
    return post(c, "/office/producers", "/office/producers", data)


def created_id(r, prefix: str) -> int:
    assert r.status_code == 303, (r.status_code, r.text[-3000:])
    m = re.fullmatch(re.escape(prefix) + r"(\d+)\?msg=\w+(#.*)?", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


# --------------------------------------------------------------------------- the writes


def test_office_creates_and_edits_a_producer_and_a_product(office):
    app, _, reg, c = office
    pid = created_id(new_producer(c), "/office/producers/")
    p = reg.producer(pid)
    assert (p["name"], p["province"], p["commune"], p["tax_code"], p["representative"]) == (
        "HTX Chè Tân Cương", "Thái Nguyên", "Phúc Xuân", "4600123456", "Đỗ Thị Hoa")
    assert p["phone"] is None and p["district"] == ""  # empty optional fields stay empty, not ''
    page = c.get(f"/office/producers/{pid}")
    assert page.status_code == 200 and "HTX Chè Tân Cương" in page.text
    # a product of it: the area left empty is the producer's; the product set from the select
    r = post(c, f"/office/producers/{pid}", f"/office/producers/{pid}/products",
             {"name": "Chè búp Tân Cương", "code": "", "product_set": HONEY_SET, "province": "", "district": "",
              "commune": ""})
    prod_id = created_id(r, "/office/products/")
    prod = reg.find_products(producer_id=pid)
    assert [(x["id"], x["name"], x["province"], x["commune"], x["criteria_set"], x["form"]) for x in prod] == [
        (prod_id, "Chè búp Tân Cương", "Thái Nguyên", "Phúc Xuân", "qd26-2026",
         "mat-ong-mat-khac-va-nong-san-thuc-pham-khac")]
    assert c.get(f"/office/products/{prod_id}").status_code == 200
    # edits: the producer's phone, the product's code
    r = post(c, f"/office/producers/{pid}", f"/office/producers/{pid}",
             {"name": "HTX Chè Tân Cương", "province": "Thái Nguyên", "commune": "Phúc Xuân", "tax_code": "4600123456",
              "representative": "Đỗ Thị Hoa", "phone": "0208 3855 123"})
    assert r.status_code == 303 and reg.producer(pid)["phone"] == "0208 3855 123"
    r = post(c, f"/office/products/{prod_id}", f"/office/products/{prod_id}/edit",
             {"name": "Chè búp Tân Cương", "code": "TN-1-001-2026", "product_set": HONEY_SET,
              "province": "Thái Nguyên", "commune": "Phúc Xuân"})
    assert r.status_code == 303 and r.headers["location"] == f"/office/products/{prod_id}?msg=saved"
    assert reg.find_products(code="TN-1-001-2026")[0]["id"] == prod_id
    log = [(e["actor"], e["action"], e["entity"], e["entity_id"]) for e in reg.audit_log(actor=ACTOR)]
    assert [x for x in log if x[2] != "web_user"] == [
        (ACTOR, "create", "producer", str(pid)), (ACTOR, "create", "product", str(prod_id)),
        (ACTOR, "update", "producer", str(pid)), (ACTOR, "update", "product", str(prod_id))]
    update = [e for e in reg.audit_log(entity="producer", entity_id=pid) if e["action"] == "update"][0]
    assert update["before"]["phone"] is None and update["after"]["phone"] == "0208 3855 123"


@pytest.mark.parametrize("typed,level", [("tỉnh", "province"), ("Cấp huyện", "district"), ("central", "central")])
def test_office_opens_a_round_with_a_vietnamese_level_name(site, typed, level):
    app, _, reg = site
    c = login(app, "vanphong")
    before = {r["id"] for r in reg.rounds()}
    r = post(c, "/office/rounds", "/office/rounds", {"level": typed, "year": "2026", "number": "2",
                                                     "area": "Thái Nguyên", "name": "Đợt 2 năm 2026"})
    assert r.status_code == 303 and r.headers["location"].startswith("/office/rounds?msg=created#round-")
    (rid,) = {x["id"] for x in reg.rounds()} - before
    rnd = reg.round(rid)
    assert (rnd["level"], rnd["year"], rnd["number"], rnd["area"], rnd["name"]) == (
        level, 2026, 2, "Thái Nguyên", "Đợt 2 năm 2026")
    if level == "province":
        # QĐ 26/2026 Điều 5 khoản 1: round 2 — files proposed before 30/10, finished before 30/12
        assert (rnd["proposals_by"], rnd["finish_by"]) == (date(2026, 10, 30), date(2026, 12, 30))
    page = c.get("/office/rounds").text
    assert f'id="round-{rid}"' in page and "Thái Nguyên" in page
    assert [(e["actor"], e["action"]) for e in reg.audit_log(entity="round", entity_id=rid)] == [(ACTOR, "create")]


def test_office_corrects_a_round_and_a_council(office):
    app, seeded, reg, c = office
    rid = next(r["id"] for r in reg.rounds() if r["area"] == "Demo")
    other = reg.open_round("province", 2026, 2, area="Thái Nguyên", actor="test")
    before = reg.round(rid)
    r = post(c, f"/office/rounds/{rid}", f"/office/rounds/{rid}",
             {"name": "Đợt 2 năm 2026 cấp tỉnh", "area": "Demo", "starts_on": "2026-07-01", "ends_on": "2026-12-20"})
    assert r.status_code == 303 and r.headers["location"] == f"/office/rounds?msg=saved#round-{rid}"
    after = reg.round(rid)
    assert (after["name"], after["starts_on"], after["ends_on"]) == ("Đợt 2 năm 2026 cấp tỉnh", date(2026, 7, 1),
                                                                     date(2026, 12, 20))
    # the deadlines come from level, year and number, which the form does not change (Điều 5: 30/10, 30/12)
    assert (after["proposals_by"], after["finish_by"]) == (before["proposals_by"], before["finish_by"]) == (
        date(2026, 10, 30), date(2026, 12, 30))
    # moving it onto another round's area is refused on the field, nothing written
    n = counts(reg)
    r = post(c, f"/office/rounds/{rid}", f"/office/rounds/{rid}", {"name": "", "area": "Thái Nguyên"})
    assert r.status_code == 400 and f"round id {other}" in field_error(r.text, "area")
    assert counts(reg) == n and reg.round(rid)["area"] == "Demo"
    page = f"/office/councils/{seeded.council_id}"
    r = post(c, page, f"{page}/edit", {"name": "Hội đồng OCOP tỉnh 2026", "area": "Demo", "decision": "QĐ 45/QĐ-UBND"})
    assert r.status_code == 303
    council = reg.council(seeded.council_id)
    assert (council["name"], council["decision"], council["level"]) == ("Hội đồng OCOP tỉnh 2026", "QĐ 45/QĐ-UBND",
                                                                         "province")
    r = post(c, page, f"{page}/edit", {"name": "  ", "area": "", "decision": ""})
    assert r.status_code == 400 and "[council-name-required]" in field_error(r.text, "name")
    assert reg.council(seeded.council_id)["name"] == "Hội đồng OCOP tỉnh 2026"
    log = [(e["action"], e["entity"]) for e in reg.audit_log(actor=ACTOR) if e["entity"] in ("round", "council")]
    assert log == [("update", "round"), ("update", "council")]


def test_office_forms_a_council_with_members_then_adds_one(office):
    app, _, reg, c = office
    # the blank rows start as a chair, a secretary, then members
    roles = re.findall(r'name="members\.\d\.role".*?<option value="(\w+)" selected', c.get("/office/councils").text,
                       flags=re.S)
    assert roles == ["chu_tich", "thu_ky"] + ["thanh_vien"] * 5
    data = {"name": "Hội đồng OCOP tỉnh Thái Nguyên 2026", "level": "province", "area": "Thái Nguyên",
            "decision": "QĐ 123/QĐ-UBND ngày 01/9/2026",
            "members.0.name": "Nguyễn Văn Hùng", "members.0.role": "chu_tich",
            "members.1.name": "Trần Thị Mai", "members.1.role": "thu_ky", "members.1.organisation": "Sở NN&MT",
            "members.2.name": "", "members.2.role": "thanh_vien",  # an empty row is skipped
            "members.3.name": "Lê Minh Tuấn", "members.3.role": "thanh_vien"}
    cid = created_id(post(c, "/office/councils", "/office/councils", data), "/office/councils/")
    council = reg.council(cid)
    assert (council["name"], council["level"], council["area"], council["decision"]) == (
        data["name"], "province", "Thái Nguyên", data["decision"])
    assert [(m["name"], m["role"], m["organisation"]) for m in council["members"]] == [
        ("Nguyễn Văn Hùng", "chu_tich", None), ("Trần Thị Mai", "thu_ky", "Sở NN&MT"),
        ("Lê Minh Tuấn", "thanh_vien", None)]
    r = post(c, f"/office/councils/{cid}", f"/office/councils/{cid}/members",
             {"name": "Phạm Thị Lan", "role": "thanh_vien", "organisation": "Hội Nông dân"})
    assert r.status_code == 303 and r.headers["location"] == f"/office/councils/{cid}?msg=member_added"
    members = reg.council(cid)["members"]
    assert [m["name"] for m in members][-1] == "Phạm Thị Lan" and len(members) == 4
    page = c.get(f"/office/councils/{cid}").text
    assert all(m["name"] in page for m in members)
    log = [(e["action"], e["entity"]) for e in reg.audit_log(actor=ACTOR) if e["entity"] != "web_user"]
    assert log == [("create", "council")] + [("create", "council_member")] * 4


def _sitting_data(seeded, present: list[str], **fields) -> dict[str, str | list[str]]:
    """The sitting form as a browser posts it (`present` and `agenda` repeated: lists)."""
    return {"held_on": "2026-11-20", "round_id": "", "place": "Hội trường UBND tỉnh", "dossier_ids": "",
            "present": [str(seeded.members[n]) for n in present], "agenda": []} | fields


def test_office_opens_a_sitting_with_the_rounds_dossiers_and_typed_ids(office):
    app, seeded, reg, c = office
    rid = next(r["id"] for r in reg.rounds() if r["area"] == "Demo")
    for did, fixture in (("tn-2026-001", "qd26-2026-70-4star.json"), ("tn-2026-002", "qd26-2026-49-67-wine.json")):
        reg.import_dossier(variant(fixture, dossier_id=did), round_id=rid, actor="test")
    reg.import_dossier(variant("qd26-2026-89-67.json", dossier_id="elsewhere-1"), actor="test")  # no round
    page = c.get(f"/office/councils/{seeded.council_id}?round_id={rid}").text
    choices = re.findall(r'name="agenda" value="([^"]+)"', page)
    assert {"tn-2026-001", "tn-2026-002"} <= set(choices) and "elsewhere-1" not in choices
    # every active member is ticked as present to begin with
    assert re.findall(r'name="present" value="(\d+)" checked', page) == [str(i) for i in seeded.members.values()]
    before = {s["id"] for s in reg.sessions(council_id=seeded.council_id)}
    present = ["Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"]  # 3 of 4: the 75 % quorum, by hand
    token = page_token(c, f"/office/councils/{seeded.council_id}")
    r = c.post(f"/office/councils/{seeded.council_id}/sessions",
               data={"csrf_token": token, **_sitting_data(seeded, present, round_id=str(rid),
                                                          agenda=["tn-2026-002", "tn-2026-001"],
                                                          dossier_ids="elsewhere-1, tn-2026-001\n")})
    assert r.status_code == 303, r.text[:2000]
    [sid] = {s["id"] for s in reg.sessions(council_id=seeded.council_id)} - before
    assert r.headers["location"] == f"/office/councils/{seeded.council_id}?msg=session_opened#session-{sid}"
    session = reg.session(sid)
    assert (session["held_on"], session["place"], session["round_id"], session["status"]) == (
        date(2026, 11, 20), "Hội trường UBND tỉnh", rid, "open")
    assert [m["name"] for m in session["present"]] == present  # in the council's order
    assert session["dossiers"] == ["tn-2026-002", "tn-2026-001", "elsewhere-1"]  # ticked, then typed; each once
    log = [(e["action"], e["entity"], e["entity_id"]) for e in reg.audit_log(actor=ACTOR)
           if e["entity"] == "council_session"]
    assert log == [("open", "council_session", str(sid)), ("add-dossiers", "council_session", str(sid))]
    assert "Đã mở phiên họp" in c.get(r.headers["location"]).text
    # the council's secretary finds the new sitting on their board, with its agenda
    board = login(app, "thuky").get(f"/secretary/sessions/{sid}")
    assert board.status_code == 200 and all(d in board.text for d in session["dossiers"])


@pytest.mark.parametrize("present,fields,field,expected", [
    (["Nguyễn Văn An", "Trần Thị Bình"], {"dossier_ids": "qd26-2026-90"}, "present", "[council-quorum]"),
    (["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"], {"dossier_ids": "qd26-2026-90; không-có-1"}, "dossier_ids",
     "Không có hồ sơ này trong sổ: không-có-1."),
    (["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"], {}, "dossier_ids", "Cần ít nhất một hồ sơ."),
    (["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"], {"dossier_ids": "qd26-2026-90", "held_on": "20/11/2026"},
     "held_on", "Cần một ngày"),
])
def test_a_refused_sitting_is_shown_on_its_field_and_nothing_is_written(site, present, fields, field, expected):
    app, seeded, reg = site
    c = login(app, "vanphong")
    before = counts(reg)
    token = page_token(c, f"/office/councils/{seeded.council_id}")
    r = c.post(f"/office/councils/{seeded.council_id}/sessions",
               data={"csrf_token": token, **_sitting_data(seeded, present, **fields)})
    assert r.status_code == 400
    if field == "present":
        box = re.search(r'<fieldset class="members invalid" id="present">(.*?)</fieldset>', r.text, flags=re.S)
        assert box and expected in html.unescape(box.group(1))
    else:
        assert expected in field_error(r.text, field)
    assert counts(reg) == before


def test_office_adds_dossiers_to_an_open_sitting(office):
    app, seeded, reg, c = office
    reg.import_dossier(variant("qd26-2026-89-67.json", dossier_id="late-1"), actor="test")
    before = reg.session(seeded.session_id)["dossiers"]
    token = page_token(c, f"/office/councils/{seeded.council_id}")
    # one already on the agenda and one new: the new one goes after, the other stays where it was
    r = c.post(f"/office/councils/{seeded.council_id}/agenda",
               data={"csrf_token": token, "session_id": str(seeded.session_id), "dossier_ids": f"{before[0]}\nlate-1"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"?msg=agenda_added#session-{seeded.session_id}")
    assert reg.session(seeded.session_id)["dossiers"] == [*before, "late-1"]
    [entry] = [e for e in reg.audit_log(actor=ACTOR) if e["action"] == "add-dossiers"]
    assert entry["after"] == {"dossiers": ["late-1"]}


@pytest.mark.parametrize("case,field,expected", [
    ("unknown", "dossier_ids", "Không có hồ sơ này trong sổ: không-có."),
    ("other council", "session_id", "Không phải phiên họp của hội đồng này."),
    ("closed", None, "[session-closed]"),
])
def test_a_refused_agenda_addition_writes_nothing(site, case, field, expected):
    app, seeded, reg = site
    c = login(app, "vanphong")
    sid = seeded.session_id
    if case == "other council":
        other = reg.add_council("Hội đồng khác", "province", [("Người Ngoài", "chu_tich")], actor="test")
        sid = reg.open_session(other, "2026-11-20", actor="test")
    if case == "closed":
        reg.close_session(sid, actor="test")
    reg.import_dossier(variant("qd26-2026-89-67.json", dossier_id="late-1"), actor="test")
    before = counts(reg)
    token = page_token(c, f"/office/councils/{seeded.council_id}")
    r = c.post(f"/office/councils/{seeded.council_id}/agenda",
               data={"csrf_token": token, "session_id": str(sid),
                     "dossier_ids": "không-có" if case == "unknown" else "late-1"})
    assert r.status_code == 400
    if field is None:
        assert expected in html.unescape(r.text)
    else:
        assert expected in field_error(r.text, field)
    assert counts(reg) == before


REMOVE_FORM = re.compile(r'<form method="post" action="/office/councils/(\d+)/agenda/remove" class="inline">'
                         r'(.*?)</form>', flags=re.S)


def removal_buttons(page: str) -> list[tuple[str, str]]:
    """(session id, dossier id) of each remove-from-agenda form on the page, in page order; each
    form must carry the CSRF token like every other form."""
    out = []
    for _, body in REMOVE_FORM.findall(page):
        assert re.search(r'name="csrf_token" value="[0-9a-f]+"', body), body
        sid = re.search(r'name="session_id" value="(\d+)"', body).group(1)
        out.append((sid, html.unescape(re.search(r'name="dossier_id" value="([^"]*)"', body).group(1))))
    return out


def test_office_removes_a_dossier_from_an_open_sitting(office):
    app, seeded, reg, c = office
    page = f"/office/councils/{seeded.council_id}"
    sid = str(seeded.session_id)
    # the demo sitting's agenda, as seeded (demo.py): the 70-point honey, then the 90-point dossier
    assert removal_buttons(c.get(page).text) == [(sid, "qd26-2026-70-4star"), (sid, "qd26-2026-90")]
    r = c.post(f"{page}/agenda/remove", data={"csrf_token": page_token(c, page), "session_id": sid,
                                              "dossier_id": "qd26-2026-70-4star"})
    assert r.status_code == 303 and r.headers["location"] == f"{page}?msg=agenda_removed#agenda-{sid}"
    assert reg.session(seeded.session_id)["dossiers"] == ["qd26-2026-90"]
    shown = c.get(r.headers["location"]).text
    assert "Đã bỏ hồ sơ khỏi chương trình phiên họp." in shown
    assert removal_buttons(shown) == [(sid, "qd26-2026-90")]
    [entry] = [e for e in reg.audit_log(actor=ACTOR) if e["action"] == "remove-dossiers"]
    assert (entry["entity_id"], entry["before"]) == (sid, {"dossiers": ["qd26-2026-70-4star"]})
    # put back by the add form: it goes after the one left
    r = c.post(f"{page}/agenda", data={"csrf_token": page_token(c, page), "session_id": sid,
                                       "dossier_ids": "qd26-2026-70-4star"})
    assert r.status_code == 303
    assert removal_buttons(c.get(page).text) == [(sid, "qd26-2026-90"), (sid, "qd26-2026-70-4star")]


def test_a_closed_sitting_offers_no_removal(site):
    app, seeded, reg = site
    reg.close_session(seeded.session_id, actor="test")
    c = login(app, "vanphong")
    page = c.get(f"/office/councils/{seeded.council_id}").text
    assert removal_buttons(page) == [] and "/agenda/remove" not in page


@pytest.mark.parametrize("case,expected", [
    ("sheet saved", "[dossier-has-sheets]"),
    ("not on the agenda", "[not-on-agenda]"),
    ("unknown", "[unknown-dossier]"),
    ("other council", "Không phải phiên họp của hội đồng này."),
    ("closed", "[session-closed]"),
])
def test_a_refused_agenda_removal_shows_why_and_writes_nothing(site, case, expected):
    app, seeded, reg = site
    c = login(app, "vanphong")
    page = f"/office/councils/{seeded.council_id}"
    sid, dossier = seeded.session_id, "qd26-2026-90"
    if case == "sheet saved":  # a member's draft in this sitting (a save through the member's page)
        tv1 = login(app, "tv1")
        path = f"/member/sessions/{sid}/dossiers/{seeded.dossier_pks[1]}"
        assert tv1.post(path, data={"csrf_token": page_token(tv1, path), "action": "save",
                                    "c:1.1": "1"}).status_code == 303
    if case == "not on the agenda":
        reg.import_dossier(variant("qd26-2026-89-67.json", dossier_id="late-1"), actor="test")
        dossier = "late-1"
    if case == "unknown":
        dossier = "không-có"
    if case == "other council":
        other = reg.add_council("Hội đồng khác", "province", [("Người Ngoài", "chu_tich")], actor="test")
        sid = reg.open_session(other, "2026-11-20", dossier_ids=["qd26-2026-90"], actor="test")
    if case == "closed":
        reg.close_session(sid, actor="test")
    before, agenda = counts(reg), reg.session(sid)["dossiers"]
    r = c.post(f"{page}/agenda/remove", data={"csrf_token": page_token(c, page), "session_id": str(sid),
                                              "dossier_id": dossier})
    assert r.status_code == 400
    alerts = [html.unescape(a) for a in re.findall(r'<p class="error" role="alert">(.*?)</p>', r.text, flags=re.S)]
    assert any(expected in a for a in alerts), alerts
    if case == "sheet saved":  # who scored it, and what to do
        assert any("qd26-2026-90 (Lê Văn Cường)" in a and "thư ký" in a for a in alerts), alerts
    assert counts(reg) == before and reg.session(sid)["dossiers"] == agenda


def test_a_member_who_leaves_is_no_longer_offered_at_a_new_sitting(site):
    app, seeded, reg = site
    c = login(app, "vanphong")
    page = f"/office/councils/{seeded.council_id}"
    dung = seeded.members["Phạm Thị Dung"]
    r = c.post(f"{page}/members/{dung}/active", data={"csrf_token": page_token(c, page), "active": "0"})
    assert r.status_code == 303 and r.headers["location"] == f"{page}?msg=saved#members"
    assert not next(m for m in reg.council(seeded.council_id)["members"] if m["id"] == dung)["active"]
    offered = re.findall(r'name="present" value="(\d+)"', c.get(page).text)
    assert offered == [str(i) for n, i in seeded.members.items() if n != "Phạm Thị Dung"]
    # 3 of the 3 serving members present: the quorum counts those who serve
    data = _sitting_data(seeded, ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"], dossier_ids="qd26-2026-90")
    assert c.post(f"{page}/sessions", data={"csrf_token": page_token(c, page), **data}).status_code == 303
    [entry] = [e for e in reg.audit_log(actor=ACTOR) if e["entity"] == "council_member"]
    assert (entry["action"], entry["entity_id"]) == ("deactivate", str(dung))
    c.post(f"{page}/members/{dung}/active", data={"csrf_token": page_token(c, page), "active": "1"})
    assert all(m["active"] for m in reg.council(seeded.council_id)["members"])
    # another council's member, or a value that is not 0 or 1: nothing there
    other = reg.add_council("Hội đồng khác", "province", [("Người Ngoài", "chu_tich")], actor="test")
    outsider = reg.council(other)["members"][0]["id"]
    before = counts(reg)
    for path, value in ((f"{page}/members/{outsider}/active", "0"), (f"{page}/members/{dung}/active", "yes")):
        assert c.post(path, data={"csrf_token": page_token(c, page), "active": value}).status_code == 404
    assert counts(reg) == before


def test_a_member_of_another_council_cannot_be_marked_present(site):
    app, seeded, reg = site
    c = login(app, "vanphong")
    other = reg.add_council("Hội đồng khác", "province", [("Người Ngoài", "chu_tich")], actor="test")
    outsider = reg.council(other)["members"][0]["id"]
    before = counts(reg)
    token = page_token(c, f"/office/councils/{seeded.council_id}")
    data = _sitting_data(seeded, ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"], dossier_ids="qd26-2026-90")
    data["present"].append(str(outsider))
    r = c.post(f"/office/councils/{seeded.council_id}/sessions", data={"csrf_token": token, **data})
    assert r.status_code == 400 and "Không phải thành viên của hội đồng này." in r.text
    assert counts(reg) == before


def test_office_issues_the_certificates_of_a_round(office):
    app, _, reg, c = office
    pid = created_id(new_producer(c), "/office/producers/")
    prod_id = created_id(post(c, f"/office/producers/{pid}", f"/office/producers/{pid}/products",
                              {"name": "Chè búp Tân Cương", "product_set": HONEY_SET}), "/office/products/")
    post(c, "/office/rounds", "/office/rounds", {"level": "tỉnh", "year": "2026", "number": "2", "area": "Thái Nguyên"})
    rid = next(r["id"] for r in reg.rounds() if r["area"] == "Thái Nguyên")
    product = {"name": "Chè búp Tân Cương", "producer": "HTX Chè Tân Cương", "province": "Thái Nguyên",
               "commune": "Phúc Xuân"}
    # scored dossiers come in by import (the council's results): a 4★ of the round for our product, a
    # 4★ of no round for another product, and an unrecognised one (49 points) of the round
    reg.import_dossier(variant("qd26-2026-70-4star.json", dossier_id="tn-2026-001", product=product),
                       round_id=rid, actor="test")
    reg.import_dossier(variant("qd26-2026-70-4star.json", dossier_id="other-2026-001"), actor="test")
    reg.import_dossier(variant("qd26-2026-49-67-wine.json", dossier_id="tn-2026-002"), round_id=rid, actor="test")
    page = c.get(f"/office/certificates/issue?round_id={rid}").text
    assert "tn-2026-001" in page and "other-2026-001" not in page and "tn-2026-002" not in page
    r = post(c, "/office/certificates/issue", "/office/certificates/certify",
             {"round_id": str(rid), "issued_on": "2026-10-31", "issued_by": ""})
    assert r.status_code == 303 and r.headers["location"] == f"/office/certificates/issue?round_id={rid}&issued=1"
    certs = reg.certificates(as_of="2026-10-31")
    assert [(x["product_id"], x["stars"], x["issued_on"], x["expires_on"], x["issued_by"]) for x in certs] == [
        (prod_id, 4, date(2026, 10, 31), date(2029, 10, 31), "UBND cấp tỉnh")]  # 36 months; the province issues
    issue = reg.audit_log(entity="certificate")
    assert [(e["actor"], e["action"], e["after"]["dossier_id"]) for e in issue] == [(ACTOR, "issue", "tn-2026-001")]
    assert "đã cấp 1 giấy" in c.get(r.headers["location"]).text.lower()
    # the other round's result, one at a time, from the list of all rounds
    other = next(x for x in reg.pipeline() if x["dossier_id"] == "other-2026-001")
    r = post(c, "/office/certificates/issue", "/office/certificates/issue",
             {"result_id": str(other["result_id"]), "issued_on": "2026-11-02"})
    assert r.status_code == 303 and r.headers["location"].endswith("?msg=issued")
    assert {x["issued_on"] for x in reg.certificates(as_of="2026-11-02")} == {date(2026, 10, 31), date(2026, 11, 2)}
    assert [e["actor"] for e in reg.audit_log(entity="certificate")] == [ACTOR, ACTOR]


def upload(c, name: str, content: bytes, **fields: str):
    token = page_token(c, "/office/import")
    return c.post("/office/import", data={"csrf_token": token, **fields}, files={"file": (name, content)})


def report_text(page: str) -> str:
    m = re.search(r'<section class="card" id="import-report".*?</section>', page, flags=re.S)
    assert m, page[-2000:]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(0))).split())


def test_office_imports_a_council_table_into_a_round_and_again_unchanged(office):
    app, seeded, reg, c = office
    rid = next(r["id"] for r in reg.rounds() if r["area"] == "Demo")
    table = (FIXTURES / "cohort" / "cohort.csv").read_bytes()
    # the browser may send a path; only its last part names the upload
    r = upload(c, "C:\\Users\\vp\\bảng điểm.csv", table, round_id=str(rid))
    assert r.status_code == 200
    # cohort.csv holds 40 dossiers (the CLI's main-job test counts them the same way), none rejected
    assert "40 mới, 0 không đổi, 0 thay, 0 bị từ chối." in report_text(r.text)
    stored = reg.dossiers(round_id=rid)
    assert len([d for d in stored if d["status"] is not None]) == 40
    some = reg.dossier(stored[-1]["dossier_id"])
    assert some["source"] == "bảng điểm.csv" and some["round_id"] == rid
    imported = [e for e in reg.audit_log(entity="dossier") if e["action"] == "import"]
    assert len(imported) == 40 and {e["actor"] for e in imported} == {ACTOR}
    before = counts(reg)
    again = upload(c, "bảng điểm.csv", table, round_id=str(rid))
    assert "0 mới, 40 không đổi" in report_text(again.text) and counts(reg) == before


def test_a_changed_dossier_is_refused_unless_replace_is_ticked(office):
    import json

    app, seeded, reg, c = office
    first = variant("qd26-2026-70-4star.json", dossier_id="web-001")
    assert "1 mới" in report_text(upload(c, "a.json", json.dumps(first).encode()).text)
    changed = dict(first, evaluated_on="2026-10-02")  # the fixture says 2026-10-01
    before = counts(reg)
    r = upload(c, "b.json", json.dumps(changed).encode())
    assert r.status_code == 400 and "[dossier-changed]" in html.unescape(r.text)
    assert counts(reg) == before
    r = upload(c, "b.json", json.dumps(changed).encode(), replace="1")
    assert r.status_code == 200 and "0 mới, 0 không đổi, 1 thay" in report_text(r.text)
    assert reg.dossier("web-001")["version"] == 2


def test_rejected_dossiers_are_listed_and_the_rest_of_the_file_stored(office):
    import json

    app, seeded, reg, c = office
    bad = variant("qd26-2026-90.json", dossier_id="web-bad")
    bad["sheets"][0]["scores"]["1.1"] = 99  # not a point of criterion 1.1's options
    r = upload(c, "two.json", json.dumps([variant("qd26-2026-90.json", dossier_id="web-good"), bad]).encode())
    text = report_text(r.text)
    assert r.status_code == 200 and "1 mới, 0 không đổi, 0 thay, 1 bị từ chối." in text
    assert "web-bad" in text and "1.1" in text
    assert reg.dossier("web-good") is not None and reg.dossier("web-bad") is None


@pytest.mark.parametrize("name,content,expected", [
    ("", b"", "Cần chọn một tệp."),
    ("notes.txt", b"abc", "Loại tệp không nhập được"),
    ("bảng.xlsx", b"not a workbook", "bảng.xlsx"),
    ("hỏng.json", b"{not json", "hỏng.json"),
])
def test_a_refused_upload_names_the_file_and_writes_nothing(site, name, content, expected):
    app, seeded, reg = site
    c = login(app, "vanphong")
    before = counts(reg)
    r = upload(c, name, content)
    assert r.status_code == 400
    page = html.unescape(r.text)
    assert expected in page and "ocop-upload" not in page and "upload." not in page  # never our temporary file
    assert counts(reg) == before


def test_request_bodies_over_the_limit_are_refused_before_they_are_read(site):
    from scoring.web.limits import FORM_BYTES, UPLOAD_BYTES

    app, seeded, reg = site
    c = login(app, "vanphong")
    token = page_token(c, "/office/producers")
    before = counts(reg)
    big = {"csrf_token": token, "name": "x" * FORM_BYTES}
    assert c.post("/office/producers", data=big).status_code == 413
    r = c.post("/office/import", data={"csrf_token": token}, files={"file": ("big.csv", b"a" * (UPLOAD_BYTES + 1))})
    assert r.status_code == 413 and "20 MiB" in r.text and r.headers["x-frame-options"] == "DENY"

    def chunks():  # no Content-Length: counted as it arrives
        yield f"csrf_token={token}&name=".encode()
        for _ in range(FORM_BYTES // 65536 + 2):
            yield b"y" * 65536

    r = c.post("/office/producers", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert counts(reg) == before
    # under the limit, an upload of a few hundred KB goes through
    assert upload(c, "bảng.csv", (FIXTURES / "cohort" / "cohort.csv").read_bytes()).status_code == 200


# --------------------------------------------------------------------------- refusals


def _write_routes(seeded) -> list[tuple[str, str]]:
    c = seeded.council_id
    return [("GET", "/office/producers"), ("POST", "/office/producers"), ("GET", "/office/producers/1"),
            ("POST", "/office/producers/1"), ("POST", "/office/producers/1/products"),
            ("POST", "/office/products/1/edit"), ("GET", "/office/rounds"), ("POST", "/office/rounds"),
            ("GET", "/office/councils"), ("POST", "/office/councils"), ("GET", f"/office/councils/{c}"),
            ("POST", f"/office/councils/{c}/members"), ("POST", f"/office/councils/{c}/sessions"),
            ("POST", f"/office/councils/{c}/agenda"), ("POST", f"/office/councils/{c}/agenda/remove"),
            ("POST", f"/office/councils/{c}/members/1/active"),
            ("GET", "/office/rounds/1"), ("POST", "/office/rounds/1"), ("POST", f"/office/councils/{c}/edit"),
            ("GET", "/office/certificates/issue"),
            ("POST", "/office/certificates/certify"), ("POST", "/office/certificates/issue"),
            ("GET", "/office/import"), ("POST", "/office/import")]


def test_the_list_of_new_routes_is_complete():
    """The refusal tests below cover every route of the management router (a new one must be added)."""
    from types import SimpleNamespace

    from scoring.web.routes.manage import router

    listed = {(m, re.sub(r"/\d+", "/{}", p)) for m, p in _write_routes(SimpleNamespace(council_id=7))}
    routed = {(m, re.sub(r"\{\w+\}", "{}", r.path)) for r in router.routes for m in r.methods}
    assert listed == routed


WRITE_DATA = {"name": "HTX Lạ", "level": "province", "year": "2026", "number": "9", "members.0.name": "X",
              "role": "thanh_vien", "issued_on": "2026-10-31", "result_id": "1", "round_id": ""}


@pytest.mark.parametrize("username", ["tv1", "thuky", None])
def test_members_secretaries_and_anonymous_are_refused_on_every_new_route(site, username):
    app, seeded, reg = site
    if username is None:
        c = client(app)
        token = csrf_of(c.get("/login").text)
    else:
        c = login(app, username)
        token = page_token(c, "/member" if username == "tv1" else "/secretary")
    before = counts(reg)
    for method, path in _write_routes(seeded):
        r = c.request(method, path, data={"csrf_token": token, **WRITE_DATA})
        if username is None:
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert r.status_code == 403, (username, method, path, r.status_code)
        body = r.text.split("<main>", 1)[-1]
        assert "Demo" not in body and "Nguyễn Văn An" not in body  # no registry data
    assert counts(reg) == before


def test_a_post_without_a_valid_csrf_token_is_refused(site):
    app, seeded, reg = site
    c = login(app, "vanphong")
    good = page_token(c, "/office/producers")
    before = counts(reg)
    for method, path in _write_routes(seeded):
        if method != "POST":
            continue
        for token in (None, "0" * 64, good[:-1] + ("0" if good[-1] != "0" else "1")):
            data = dict(WRITE_DATA) | ({"csrf_token": token} if token else {})
            assert c.post(path, data=data).status_code == 403, (path, token)
        assert c.post(path, data={**WRITE_DATA, "csrf_token": good},
                      headers={"Origin": "http://evil.example"}).status_code == 403
    assert counts(reg) == before


def test_a_duplicate_round_is_shown_on_its_field_and_nothing_is_written(site):
    app, _, reg = site
    c = login(app, "vanphong")
    data = {"level": "province", "year": "2026", "number": "1", "area": "Thái Nguyên"}
    assert post(c, "/office/rounds", "/office/rounds", data).status_code == 303
    before = counts(reg)
    r = post(c, "/office/rounds", "/office/rounds", dict(data, level="tỉnh"))
    assert r.status_code == 400
    assert "[round-exists]" in field_error(r.text, "number")
    assert 'value="Thái Nguyên"' in r.text  # what was typed is kept
    assert counts(reg) == before


@pytest.mark.parametrize("data,field,expected", [
    ({"level": "quận", "year": "2026", "number": "1"}, "level", "Cấp không hợp lệ"),
    ({"level": "province", "year": "hai nghìn", "number": "1"}, "year", "Cần một số nguyên từ 2000 đến 2100"),
    ({"level": "province", "year": "2026", "number": "0"}, "number", "Cần một số nguyên từ 1 đến 99"),
    ({"level": "province", "year": "2026", "number": "3", "starts_on": "31/12/2026"}, "starts_on", "Cần một ngày"),
])
def test_a_bad_round_input_is_refused_on_its_field(site, data, field, expected):
    app, _, reg = site
    c = login(app, "vanphong")
    before = counts(reg)
    r = post(c, "/office/rounds", "/office/rounds", data)
    assert r.status_code == 400
    assert expected in field_error(r.text, field)
    assert counts(reg) == before


def test_bad_producer_product_and_council_inputs_are_refused_without_a_write(site):
    app, _, reg = site
    c = login(app, "vanphong")
    pid = created_id(new_producer(c), "/office/producers/")
    before = counts(reg)
    r = new_producer(c, name="  ")
    assert r.status_code == 400 and "[producer-name-required]" in field_error(r.text, "name")
    r = new_producer(c, name="htx chè tân cương ")  # the same name key and province
    assert r.status_code == 400 and "[producer-exists]" in field_error(r.text, "name")
    r = new_producer(c, name="HTX Khác", tax_code="4600123456")
    assert r.status_code == 400 and "[producer-exists]" in field_error(r.text, "name")
    r = new_producer(c, name="HTX Khác", province="x" * 101)
    assert r.status_code == 400 and "100" in field_error(r.text, "province")
    r = post(c, f"/office/producers/{pid}", f"/office/producers/{pid}/products",
             {"name": "Chè", "product_set": "qd26-2026/khong-co"})
    assert r.status_code == 400 and "Bộ sản phẩm không có" in field_error(r.text, "product_set")
    r = post(c, f"/office/producers/{pid}", f"/office/producers/{pid}/products", {"name": ""})
    assert r.status_code == 400 and "[product-name-required]" in field_error(r.text, "name")
    r = post(c, "/office/councils", "/office/councils", {"name": " ", "level": "province"})
    assert r.status_code == 400 and "[council-name-required]" in field_error(r.text, "name")
    # the second row repeats the first member's name: the whole council is refused, on that row
    r = post(c, "/office/councils", "/office/councils",
             {"name": "Hội đồng thử", "level": "tỉnh", "members.0.name": "Lê Văn A", "members.0.role": "chu_tich",
              "members.1.name": "Lê Văn A", "members.1.role": "thanh_vien"})
    assert r.status_code == 400 and "[member-exists]" in field_error(r.text, "members.1.name")
    assert field_error(r.text, "members.0.name") is None
    r = post(c, "/office/certificates/issue", "/office/certificates/certify", {"round_id": "", "issued_on": ""})
    assert r.status_code == 400 and "Cần một ngày" in field_error(r.text, "issued_on")
    r = post(c, "/office/certificates/issue", "/office/certificates/certify", {"round_id": "999", "issued_on": "2026-10-31"})
    assert r.status_code == 400 and "[unknown-round]" in field_error(r.text, "round_id")
    r = post(c, "/office/certificates/issue", "/office/certificates/issue", {"result_id": "999", "issued_on": "2026-10-31"})
    assert r.status_code == 400 and "[unknown-result]" in r.text
    assert counts(reg) == before
    # an unknown producer or council is a 404 page, not a form
    assert post(c, "/office/producers", "/office/producers/999", {"name": "x"}).status_code == 404
    assert c.get("/office/councils/999").status_code == 404


def test_hostile_names_are_stored_verbatim_and_shown_escaped_in_english_too(site):
    app, _, reg = site
    c = login(app, "vanphong")
    name = "<script>alert('x')</script> HTX"
    pid = created_id(new_producer(c, name=name), "/office/producers/")
    assert reg.producer(pid)["name"] == name
    c.get("/lang/en")
    for path in ("/office/producers", f"/office/producers/{pid}"):
        page = c.get(path).text
        assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; HTX" in page
    assert "New product of this producer" in c.get(f"/office/producers/{pid}").text
    r = new_producer(c, name="")
    assert r.status_code == 400 and "Create" in r.text and "[producer-name-required]" in field_error(r.text, "name")
