"""The web app in a real browser (Playwright driving Debian's Chromium): three members on separate
browser contexts score a dossier, one diverges by more than 10 points and is sent back, re-scores,
the secretary closes the session; the stored Result equals `scoring.evaluate` on the same sheets.
Screenshots of the member form and the session board at tablet and phone sizes, checked for no
horizontal overflow; no console errors (a CSP violation would be one)."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from test_web_session import FIXTURE, MEMBERS, fixture_sheets, lowest_sheet
from registry_support import ROOT
from web_support import PASSWORD, new_registry, sqlite_url

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
SIZES = {"tablet": (800, 1280), "phone": (390, 844)}
# screenshots are kept here when OCOP_SCREENSHOTS names a folder (to look at them), else in tmp
SHOTS = os.environ.get("OCOP_SCREENSHOTS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path):
    """The app on a loopback port (uvicorn in a thread), over a fresh registry with one dossier."""
    import uvicorn

    app, seeded = new_registry(sqlite_url(tmp_path), dossier_files=(FIXTURE,))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}", app, seeded
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        yield b
        b.close()


def new_page(browser, base, errors, size=SIZES["tablet"]):
    ctx = browser.new_context(base_url=base, viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
    page = ctx.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    return page


def log_in(page, username, password=PASSWORD, home=None):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url(home or {"tv": "**/member**", "th": "**/secretary**", "va": "**/office"}[username[:2]])


def pick(page, scores):
    for number, points in scores.items():
        page.locator(f'input[name="c:{number}"][value="{points}"]').first.check()


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shoot(page, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 5000
    return path


def test_three_members_and_a_secretary_run_a_session_in_chromium(server, browser, tmp_path):
    import scoring

    base, app, seeded = server
    reg = app.state.store.registry
    shots = Path(SHOTS) if SHOTS else tmp_path / "shots"
    errors: list[str] = []
    s, d = seeded.session_id, seeded.dossier_pks[0]
    sheet_path = f"/member/sessions/{s}/dossiers/{d}"
    sheets, low = fixture_sheets(), lowest_sheet()
    chosen = {"tv1": sheets[0], "tv2": sheets[1], "tv3": low}
    pages = {}
    for username in MEMBERS:
        page = new_page(browser, base, errors)
        log_in(page, username)
        page.click(f'a[href="{sheet_path}"]')
        page.wait_for_url(f"**{sheet_path}")
        pick(page, chosen[username])
        # the running total follows the picks in the browser (the external script), before any save
        assert page.text_content("[data-total]") == str(sum(chosen[username].values()))
        pages[username] = page
    # tablet screenshot of the member form, filled in
    assert no_overflow(pages["tv1"])
    shoot(pages["tv1"], shots, "member-form-tablet")
    for username, page in pages.items():
        page.click("#submit-sheet")
        page.wait_for_url("**saved=submitted")
        assert page.locator("#sheet-status").text_content().strip() == "đã nộp"
        assert page.locator("input[type=radio]").first.is_disabled()  # read-only once submitted

    sec = new_page(browser, base, errors)
    log_in(sec, "thuky")
    sec.goto(f"/secretary/sessions/{s}")
    rows = sec.locator("tr.diverge")
    assert rows.count() == 3
    assert sec.locator("li.gap").count() == 2
    assert sec.locator("li.gap .crit").count() >= 2  # criteria responsible are named
    assert no_overflow(sec)
    shoot(sec, shots, "board-tablet")
    # phone size: the board and the form fit the width
    sec.set_viewport_size({"width": 390, "height": 844})
    sec.reload()
    assert no_overflow(sec)
    shoot(sec, shots, "board-phone")
    pages["tv3"].set_viewport_size({"width": 390, "height": 844})
    pages["tv3"].reload()
    assert no_overflow(pages["tv3"])
    shoot(pages["tv3"], shots, "member-form-phone")
    sec.set_viewport_size({"width": 800, "height": 1280})
    sec.reload()

    # send the diverging member's sheet back; the board refreshes itself (htmx) when tv3 re-scores
    sec.locator('tr[data-member="Nguyễn Văn An"] button').click()
    sec.wait_for_url("**msg=reopened_msg")
    tv3 = pages["tv3"]
    tv3.set_viewport_size({"width": 800, "height": 1280})
    tv3.goto(sheet_path)
    assert tv3.locator("#sheet-status").text_content().strip() == "chấm lại"
    pick(tv3, sheets[2])
    assert tv3.text_content("[data-total]") == "70"
    tv3.click("#submit-sheet")
    tv3.wait_for_url("**saved=submitted")
    sec.wait_for_function("document.querySelectorAll('tr.diverge').length === 0", timeout=20000)
    assert sec.locator("[data-mean]").text_content().strip() == "70"
    sec.click("#close-session")
    sec.wait_for_url("**msg=closed_msg")
    assert reg.session(s)["status"] == "closed"

    stored = reg.latest_result("qd26-2026-70-4star")["result"]
    by_name = {MEMBERS[u]: sc for u, sc in zip(("tv1", "tv2", "tv3"), sheets)}
    dossier = json.loads(FIXTURE.read_text("utf-8"))
    dossier["sheets"] = [{"member": m["name"], "scores": by_name[m["name"]]} for m in reg.session(s)["present"]]
    assert stored == json.loads(json.dumps(scoring.evaluate(dossier).to_dict()))

    sec.click("a.result-link")
    sec.wait_for_url(f"**/results/{d}")
    assert "4★" in sec.text_content("#decision")
    assert no_overflow(sec)
    # English switch
    sec.click("a.lang")
    assert "Total" in sec.text_content("#decision")
    assert errors == []


def test_the_member_form_works_with_javascript_off(server, browser):
    """Core forms without JavaScript: log in, pick, save a draft (the server recomputes the total)."""
    base, app, seeded = server
    ctx = browser.new_context(base_url=base, java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "tv1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/member")
    path = f"/member/sessions/{seeded.session_id}/dossiers/{seeded.dossier_pks[0]}"
    page.goto(path)
    part = {k: v for k, v in fixture_sheets()[0].items() if k.startswith(("1.", "2."))}
    pick(page, part)
    assert page.text_content("[data-total]") == "0"  # no script: nothing recomputed in the page
    page.click("#save-draft")
    page.wait_for_url("**saved=draft")
    assert page.text_content("[data-total]") == str(sum(part.values()))
    assert {x["member"]: x["scores"] for x in app.state.store.registry.sheets_for("qd26-2026-70-4star")} == \
        {"Lê Văn Cường": part}
    assert no_overflow(page)
    ctx.close()


def test_the_office_manages_the_registry_with_javascript_off_on_a_tablet_and_a_phone(server, browser):
    """The office's management forms in Chromium without JavaScript (plain form posts): a producer,
    a round named by its Vietnamese level, a council with two members, a sitting of the demo council
    with its round's dossier on the agenda (checkboxes posted by the browser), a score table uploaded;
    then every office page at
    tablet and phone sizes without horizontal overflow or console errors (a CSP violation would be one)."""
    base, app, seeded = server
    reg = app.state.store.registry
    ctx = browser.new_context(base_url=base, java_script_enabled=False, viewport={"width": 800, "height": 1280})
    page = ctx.new_page()
    log_in(page, "vanphong")
    page.goto("/office/producers")
    form = page.locator("#new-producer")
    form.locator("input[name=name]").fill("HTX Chè Tân Cương")
    form.locator("input[name=province]").fill("Thái Nguyên")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/office/producers/*?msg=created")
    producer_path = page.url.split(base, 1)[1].split("?", 1)[0]
    page.goto("/office/rounds")
    form = page.locator("#round-form")
    form.locator("select[name=level]").select_option("district")
    form.locator("input[name=number]").fill("1")
    form.locator("input[name=area]").fill("Thái Nguyên")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/office/rounds?msg=created*")
    page.goto("/office/councils")
    form = page.locator("#council-form")
    form.locator("input[name=name]").fill("Hội đồng huyện Đại Từ")
    form.locator('input[name="members.0.name"]').fill("Nguyễn Văn Hùng")
    form.locator('input[name="members.1.name"]').fill("Trần Thị Mai")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/office/councils/*?msg=created")
    council_path = page.url.split(base, 1)[1].split("?", 1)[0]
    assert [p["name"] for p in reg.find_producers(name="Tân Cương")] == ["HTX Chè Tân Cương"]
    assert [r["level"] for r in reg.rounds() if r["area"] == "Thái Nguyên"] == ["district"]
    council = next(c for c in reg.councils() if c["name"] == "Hội đồng huyện Đại Từ")
    assert [(m["name"], m["role"]) for m in reg.council(council["id"])["members"]] == [
        ("Nguyễn Văn Hùng", "chu_tich"), ("Trần Thị Mai", "thu_ky")]  # the rows' preset roles
    # a sitting of the demo council: its round chosen (a GET form), its dossier ticked, every member present
    demo_round = next(r["id"] for r in reg.rounds() if r["area"] == "Demo")
    page.goto(f"/office/councils/{seeded.council_id}")
    page.locator("#sitting-round-form select[name=round_id]").select_option(str(demo_round))
    page.locator("#sitting-round-form button[type=submit]").click()
    page.wait_for_url(f"**/office/councils/{seeded.council_id}?round_id={demo_round}*")
    form = page.locator("#sitting-form")
    [dossier_id] = form.locator("input[name=agenda]").evaluate_all("boxes => boxes.map(b => b.value)")
    form.locator("input[name=agenda]").check()
    form.locator("input[name=place]").fill("Hội trường UBND tỉnh")
    before = {x["id"] for x in reg.sessions(council_id=seeded.council_id)}
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/office/councils/{seeded.council_id}?msg=session_opened*")
    [sid] = {x["id"] for x in reg.sessions(council_id=seeded.council_id)} - before
    sitting = reg.session(sid)
    assert (sitting["dossiers"], sitting["place"], len(sitting["present"])) == (
        [dossier_id], "Hội trường UBND tỉnh", len(reg.council(seeded.council_id)["members"]))
    # a council's score table uploaded as a file (multipart, posted by the browser)
    page.goto("/office/import")
    page.locator("#import-form input[name=file]").set_input_files(str(ROOT / "fixtures" / "cohort" / "cohort.csv"))
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_selector("#import-report")
    assert "40 mới" in page.locator("#import-report").inner_text()  # cohort.csv's 40 dossiers
    # the new council's secretary gets an account (her seat chosen in a select) and logs in with it
    mai = next(m["id"] for m in reg.council(council["id"])["members"] if m["name"] == "Trần Thị Mai")
    page.goto("/office/accounts")
    form = page.locator("#account-form")
    form.locator("input[name=username]").fill("mai.tt")
    form.locator("select[name=role]").select_option("secretary")
    form.locator("select[name=council_member_id]").select_option(str(mai))
    form.locator("input[name=password]").fill("mật khẩu của Mai")
    form.locator("input[name=again]").fill("mật khẩu của Mai")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/office/accounts?msg=account_created*")
    ctx.close()
    ctx = browser.new_context(base_url=base, java_script_enabled=False)
    page = ctx.new_page()
    log_in(page, "mai.tt", "mật khẩu của Mai", home="**/secretary")  # her council's sessions
    ctx.close()
    errors: list[str] = []
    for size in SIZES.values():
        page = new_page(browser, base, errors, size)
        log_in(page, "vanphong")
        for path in ("/office/producers", producer_path, "/office/products/1", "/office/rounds", "/office/councils",
                     council_path, f"/office/councils/{seeded.council_id}?round_id={demo_round}",
                     "/office/import", "/office/certificates/issue", "/office/accounts"):
            page.goto(path)
            assert no_overflow(page), (size, path)
        page.context.close()
    assert errors == []
