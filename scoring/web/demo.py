"""A demo registry from the bundled fixtures (`ocop serve --demo`), also the tests' seed: a round, a
provincial council of four (chủ tịch, thư ký, two thành viên), an open session with the three
scoring members present and two QĐ 26/2026 dossiers on its agenda (the fixtures without their sheets: the
members score them in the app), and one account per role.

Passwords are random and printed once: there is no default password.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from sqlalchemy import insert

from ..registry import db as regdb
from ..registry.api import Registry
from ..registry.identity import canonical_dossier, content_hash
from ..registry.models import Dossier, utcnow
from ..text import load_json
from .store import Store


def fixtures_dir() -> Path:
    """The bundled fixtures: beside the package in a checkout, else in the working folder (an
    installed wheel does not carry them; run from the repository)."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (root / "fixtures" / "dossiers").is_dir():
            return root / "fixtures" / "dossiers"
    raise FileNotFoundError("fixtures/dossiers not found: run `ocop serve --demo` from the repository's folder")


DEMO_DOSSIERS = ("qd26-2026-70-4star.json", "qd26-2026-90.json")
COUNCIL = "Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh (demo)"
MEMBERS = (("Nguyễn Văn An", "chu_tich"), ("Trần Thị Bình", "thu_ky"), ("Lê Văn Cường", "thanh_vien"),
           ("Phạm Thị Dung", "thanh_vien"))
# the members who sit and score (the secretary keeps the minutes): 3 of 4, the 75 % quorum
SCORING = ("Lê Văn Cường", "Phạm Thị Dung", "Nguyễn Văn An")
ACTOR = "demo-seed"


@dataclass
class Seeded:
    session_id: int
    council_id: int
    dossier_pks: list[int]
    members: dict[str, int]  # council member name -> id
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password (new accounts only)
    usernames: dict[str, str] = field(default_factory=dict)  # username -> council member name ('' for office)


def _dossiers(paths: tuple[Path, ...]) -> list[dict]:
    out = []
    for path in paths:
        data = load_json(path)
        data.pop("sheets", None)
        data.pop("scores", None)
        out.append(data)
    return out


def seed(url: str, *, dossier_files: tuple[Path, ...] | None = None, held_on: date | None = None,
         password: str | None = None, council_members: tuple[tuple[str, str], ...] = MEMBERS,
         scoring: tuple[str, ...] = SCORING) -> Seeded:
    """Create the demo council, session, dossiers and accounts in an initialised registry (once:
    a second call finds the council and creates nothing). `password` gives every new account the
    same password (tests); otherwise each gets a random one. `council_members` (name, role) and `scoring`
    (the names present, accounts tv1, tv2, … in this order) make a larger council (the load
    benchmark's thirty members)."""
    files = dossier_files or tuple(fixtures_dir() / f for f in DEMO_DOSSIERS)
    store = Store(url)
    reg = store.registry
    try:
        known = [c for c in reg.councils() if c["name"] == COUNCIL]
        if known:
            council = reg.council(known[0]["id"])
            sess = reg.sessions(council_id=council["id"])[0]
            detail = reg.session(sess["id"])
            return Seeded(sess["id"], council["id"], [reg.dossier(d)["id"] for d in detail["dossiers"]],
                          {m["name"]: m["id"] for m in council["members"]})
        with reg.transaction(ACTOR) as tx:
            round_id = reg.open_round("province", 2026, 2, name="Đợt 2 năm 2026 (demo)", area="Demo")
            council_id = reg.add_council(COUNCIL, "province", list(council_members), area="Demo", decision="demo")
            members = {m["name"]: m["id"] for m in reg.council(council_id)["members"]}
            ids = [_add_dossier(reg, tx, data, round_id) for data in _dossiers(files)]
            session_id = reg.open_session(council_id, held_on or date.today(), round_id=round_id,
                                          place="Phòng họp (demo)", dossier_ids=ids,
                                          present=list(scoring))
        pks = [reg.dossier(d)["id"] for d in ids]
        out = Seeded(session_id, council_id, pks, members)
        thu_ky = next(n for n, r in council_members if r == "thu_ky")
        wanted = [("vanphong", "office", None, "Văn phòng OCOP"), ("thuky", "secretary", members[thu_ky], thu_ky)]
        wanted += [(f"tv{i}", "member", members[name], name) for i, name in enumerate(scoring, start=1)]
        with reg.transaction(ACTOR):  # the accounts with their audit entries, as `ocop users add` makes them
            for username, role, member_id, display in wanted:
                pw = password or secrets.token_urlsafe(9)
                store.add_account(ACTOR, username, pw, role, display, member_id)
                out.passwords[username] = pw
                out.usernames[username] = display
    finally:
        reg.close()
    return out


def _add_dossier(reg: Registry, tx, data: dict, round_id: int) -> str:
    """A dossier waiting for the council's sheets: its producer and product (found or added) and
    its canonical content, stored with the registry's identity rules (audited in `tx`)."""
    prod = data.get("product", {})
    found = reg.find_producers(name=prod.get("producer", "?"), province=prod.get("province", ""))
    producer_id = found[0]["id"] if found else reg.add_producer(
        prod.get("producer", "?"), province=prod.get("province", ""), district=prod.get("district", ""),
        commune=prod.get("commune", ""))
    product_id = reg.add_product(prod.get("name", data["dossier_id"]), producer_id, criteria_set=data.get("criteria_set"),
                                 form=data.get("form"))
    canon = canonical_dossier(data)
    row = {"dossier_id": data["dossier_id"], "product_id": product_id, "round_id": round_id, "kind": "new",
           "criteria_set": data.get("criteria_set"), "form": data["form"], "level": data["level"],
           "evaluated_on": date.fromisoformat(data["evaluated_on"]), "findings": data.get("findings", []),
           "cases": data.get("cases"), "story_exists": data.get("story_exists"), "content": canon,
           "content_hash": content_hash(canon), "version": 1, "source": "demo", "created_at": utcnow(),
           "updated_at": utcnow()}
    pk = tx.conn.execute(insert(Dossier).values(**row)).inserted_primary_key[0]
    tx.audit("create", "dossier", pk, None, {k: v for k, v in row.items() if k != "content"})
    return data["dossier_id"]


def seed_demo(url: str) -> Iterator[str]:
    """`ocop serve --demo`: initialise the registry at `url` and seed it (once); lines to print."""
    engine = regdb.make_engine(url)
    regdb.upgrade(engine)
    engine.dispose()
    seeded = seed(url)
    yield f"Demo registry: {url}"
    if seeded.passwords:
        yield "Tài khoản demo (mật khẩu chỉ in một lần) / demo accounts (passwords printed once):"
        for username, pw in seeded.passwords.items():
            yield f"  {username:10s} {pw}   {seeded.usernames[username]}"
    else:
        yield "Dữ liệu demo đã có; mật khẩu đã in lần đầu / demo data exists; passwords were printed the first time."
