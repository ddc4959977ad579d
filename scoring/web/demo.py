"""A demo registry from the bundled fixtures (`ocop serve --demo`), also the tests' seed: a round, a
provincial council of five (chủ tịch, thư ký, three thành viên), an open session with the three
members present and two QĐ 26/2026 dossiers on its agenda (the fixtures without their sheets: the
members score them in the app), and one account per role.

Passwords are random and printed once: there is no default password.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..registry import db as regdb
from ..registry.identity import canonical_dossier, content_hash, name_key
from ..registry.models import (AuditEntry, Council, CouncilMember, CouncilSession, Dossier, Producer, Product, Round,
                               SessionDossier, SessionMember, utcnow)
from ..text import load_json
from . import accounts



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
           ("Phạm Thị Dung", "thanh_vien"), ("Hoàng Văn Em", "thanh_vien"))
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


def seed(engine: Engine, *, dossier_files: tuple[Path, ...] | None = None, held_on: date | None = None,
         password: str | None = None, member_users: bool = True) -> Seeded:
    """Create the demo council, session, dossiers and accounts in an initialised registry (once:
    a second call finds the council and creates nothing). `password` gives every new account the
    same password (tests); otherwise each gets a random one."""
    files = dossier_files or tuple(fixtures_dir() / f for f in DEMO_DOSSIERS)
    with Session(engine.execution_options(ocop_write=True), expire_on_commit=False) as s, s.begin():
        council = s.scalar(select(Council).where(Council.name == COUNCIL))
        if council is not None:
            members = {m.name: m.id for m in s.scalars(select(CouncilMember).where(CouncilMember.council_id == council.id))}
            sess = s.scalar(select(CouncilSession).where(CouncilSession.council_id == council.id)
                            .order_by(CouncilSession.id))
            pks = [sd.dossier_pk for sd in s.scalars(select(SessionDossier).where(SessionDossier.session_id == sess.id))]
            return Seeded(sess.id, council.id, pks, members)
        rnd = Round(level="province", area="Demo", year=2026, number=2, name="Đợt 2 năm 2026 (demo)")
        council = Council(name=COUNCIL, level="province", area="Demo", decision="demo")
        s.add_all([rnd, council])
        s.flush()
        members = {}
        for pos, (name, role) in enumerate(MEMBERS):
            m = CouncilMember(council_id=council.id, name=name, role=role, position=pos, active=True)
            s.add(m)
            s.flush()
            members[name] = m.id
        sess = CouncilSession(council_id=council.id, round_id=rnd.id, held_on=held_on or date.today(),
                              place="Phòng họp (demo)", status="open", opened_at=utcnow())
        s.add(sess)
        s.flush()
        for name, role in MEMBERS:
            if role == "thanh_vien":
                s.add(SessionMember(session_id=sess.id, member_id=members[name]))
        pks = []
        for pos, data in enumerate(_dossiers(files)):
            prod = data.get("product", {})
            producer = s.scalar(select(Producer).where(Producer.name_key == name_key(prod.get("producer", "")),
                                                       Producer.province == prod.get("province", "")))
            if producer is None:
                producer = Producer(name=prod.get("producer", "?"), name_key=name_key(prod.get("producer", "?")),
                                    province=prod.get("province", ""), district=prod.get("district", ""),
                                    commune=prod.get("commune", ""))
                s.add(producer)
                s.flush()
            product = Product(name=prod.get("name", data["dossier_id"]), name_key=name_key(prod.get("name", "")),
                              producer_id=producer.id, criteria_set=data.get("criteria_set"), form=data.get("form"),
                              province=producer.province, district=producer.district, commune=producer.commune)
            s.add(product)
            s.flush()
            canon = canonical_dossier(data)
            d = Dossier(dossier_id=data["dossier_id"], product_id=product.id, round_id=rnd.id, kind="new",
                        criteria_set=data.get("criteria_set"), form=data["form"], level=data["level"],
                        evaluated_on=date.fromisoformat(data["evaluated_on"]), findings=data.get("findings", []),
                        cases=data.get("cases"), story_exists=data.get("story_exists"), content=canon,
                        content_hash=content_hash(canon), source="demo")
            s.add(d)
            s.flush()
            s.add(SessionDossier(session_id=sess.id, dossier_pk=d.id, position=pos))
            pks.append(d.id)
        s.add(AuditEntry(at=utcnow(), actor=ACTOR, action="demo.seed", entity="council_session", entity_id=str(sess.id),
                         after={"council": COUNCIL, "dossiers": [str(p) for p in pks]}))
    out = Seeded(sess.id, council.id, pks, members)
    accounts_to_make = [("vanphong", "office", None, "Văn phòng OCOP")]
    thu_ky = next(n for n, r in MEMBERS if r == "thu_ky")
    accounts_to_make.append(("thuky", "secretary", members[thu_ky], thu_ky))
    if member_users:
        for i, (name, role) in enumerate([m for m in MEMBERS if m[1] == "thanh_vien"], start=1):
            accounts_to_make.append((f"tv{i}", "member", members[name], name))
    for username, role, member_id, display in accounts_to_make:
        pw = password or secrets.token_urlsafe(9)
        accounts.add_user(engine, username, pw, role, display, member_id)
        out.passwords[username] = pw
        out.usernames[username] = display
    return out


def seed_demo(url: str) -> Iterator[str]:
    """`ocop serve --demo`: initialise the registry at `url` and seed it (once); lines to print."""
    engine = regdb.make_engine(url)
    regdb.upgrade(engine)
    seeded = seed(engine)
    yield f"Demo registry: {url}"
    if seeded.passwords:
        yield "Tài khoản demo (mật khẩu chỉ in một lần) / demo accounts (passwords printed once):"
        for username, pw in seeded.passwords.items():
            yield f"  {username:10s} {pw}   {seeded.usernames[username]}"
    else:
        yield "Dữ liệu demo đã có; mật khẩu đã in lần đầu / demo data exists; passwords were printed the first time."
