"""What the web pages read from and write to the registry, with the access rules of each role.

Writes go through the registry's API (`scoring.registry.api.Registry`) inside one
`registry.transaction(actor)` per request, so that the scope checks (a member sits on the session,
the dossier is on its agenda, the session is open, the sheet is not yet submitted) and the write
see the same rows, and the audit log records the web user. Reads use the registry's models.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterator

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..registry.api import Registry
from ..registry.errors import RegistryError
from ..registry.models import (Council, CouncilMember, CouncilSession, Dossier, MemberSheet, ResultRow, SessionDossier,
                               SessionMember)
from . import accounts
from .accounts import User, write_turn
from .deps import Forbidden, NotFound


class SheetLocked(Exception):
    """The change is refused by the state of the session or sheet (`key` names the message)."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key = key
        self.fields = fields


@dataclass(frozen=True)
class SheetContext:
    """A member's view of one dossier in one session."""

    session: CouncilSession
    council: Council
    dossier: Dossier
    member: CouncilMember
    sheet: MemberSheet | None

    @property
    def editable(self) -> bool:
        return self.session.status == "open" and (self.sheet is None or self.sheet.status != "submitted")

    @property
    def scores(self) -> dict[str, Any]:
        return dict(self.sheet.scores or {}) if self.sheet else {}

    @property
    def status(self) -> str:
        return self.sheet.status if self.sheet else "not_started"


# Built once: building a select of seven entities costs more Python time than running it.
_SHEET_CONTEXT = (
    select(CouncilSession, Council, SessionMember, SessionDossier, Dossier, CouncilMember, MemberSheet)
    .join(Council, Council.id == CouncilSession.council_id)
    .outerjoin(SessionMember, and_(SessionMember.session_id == CouncilSession.id,
                                   SessionMember.member_id == bindparam("member_id")))
    .outerjoin(SessionDossier, and_(SessionDossier.session_id == CouncilSession.id,
                                    SessionDossier.dossier_pk == bindparam("dossier_pk")))
    .outerjoin(CouncilMember, CouncilMember.id == SessionMember.member_id)
    .outerjoin(Dossier, Dossier.id == SessionDossier.dossier_pk)
    .outerjoin(MemberSheet, and_(MemberSheet.dossier_pk == Dossier.id, MemberSheet.member == CouncilMember.name))
    .where(CouncilSession.id == bindparam("session_id")))

# Database connections each worker keeps (and never more): requests beyond wait for one. Sized for
# the 30 members of a council saving at once; on PostgreSQL, max_connections must cover
# POOL_SIZE x workers x hosts (docs/WEB.md).
POOL_SIZE = 20


class Store:
    def __init__(self, url: str | None = None):
        self.registry = Registry(url, pool_size=POOL_SIZE)
        self.engine = self.registry.engine

    # ------------------------------------------------------------------ plumbing

    def read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def writing(self, actor: str) -> Iterator[Session]:
        """One registry transaction by `actor`, with an ORM session on it for the scope checks."""
        with write_turn(self.engine), self.registry.transaction(actor) as tx:
            with Session(bind=tx.conn, expire_on_commit=False) as s:
                yield s

    @contextmanager
    def office(self, actor: str) -> Iterator[Registry]:
        """The registry inside one transaction by `actor`, for the office's management forms: every
        write of the block commits together (a council with its members) or not at all, and each
        is in the audit log with the web user."""
        with write_turn(self.engine), self.registry.transaction(actor):
            yield self.registry

    # Account writes: each in one registry transaction with its audit entry, so that no account
    # changes without its line in the audit log (the CLI, the office pages and the demo seed alike).

    def add_account(self, actor: str, username: str, password: str, role: str, display_name: str | None = None,
                    council_member_id: int | None = None) -> User:
        with write_turn(self.engine), self.registry.transaction(actor) as tx:
            user = accounts.add_user(self.engine, username, password, role, display_name, council_member_id,
                                     conn=tx.conn)
            tx.audit("web.user.add", "web_user", user.username, None,
                     {"username": user.username, "role": user.role, "council_member_id": user.council_member_id})
            return user

    def reset_password(self, actor: str, username: str, password: str) -> User:
        with write_turn(self.engine), self.registry.transaction(actor) as tx:
            user = accounts.set_password(self.engine, username, password, conn=tx.conn)
            tx.audit("web.password.reset", "web_user", user.username)
            return user

    def set_account_active(self, actor: str, username: str, active: bool) -> User:
        with write_turn(self.engine), self.registry.transaction(actor) as tx:
            was = accounts.set_active(self.engine, username, active, conn=tx.conn)
            tx.audit("web.user.activate" if active else "web.user.deactivate", "web_user", was.username,
                     {"active": was.active}, {"active": active})
            return replace(was, active=active)

    def audit(self, actor: str, action: str, entity: str, entity_id: Any, before: Any = None,
              after: Any = None) -> None:
        with write_turn(self.engine), self.registry.transaction(actor) as tx:
            tx.audit(action, entity, entity_id, before, after)

    # ------------------------------------------------------------------ member

    def member(self, member_id: int, location: str = "--council-member") -> CouncilMember:
        with self.read() as s:
            m = s.get(CouncilMember, member_id)
        if m is None:
            raise RegistryError("unknown-council-member", "không có thành viên hội đồng này",
                                "no such council member", location=location, value=member_id)
        return m

    def council_members(self) -> list[dict[str, Any]]:
        """Every council's members, each with its council: whom an account can be (`ocop users
        members`, the office's account page)."""
        reg = self.registry
        return [{"id": m["id"], "council_id": c["id"], "council": c["name"], "name": m["name"], "role": m["role"],
                 "active": m["active"]} for c in reg.councils() for m in reg.council(c["id"])["members"]]

    def logins_by_member(self) -> dict[int, list[User]]:
        """The accounts of each council member (open and closed), by member id."""
        out: dict[int, list[User]] = {}
        for u in accounts.list_users(self.engine):
            if u.council_member_id is not None:
                out.setdefault(u.council_member_id, []).append(u)
        return out

    def account_member(self, member_id: int, role: str, location: str = "--council-member") -> CouncilMember:
        """The council member a new account of `role` is to be: known, still serving, and for a
        secretary account the council's thư ký. The secretary pages check the last two on every
        request, so an account made otherwise would only ever see 403."""
        m = self.member(member_id, location)
        if not m.active:
            raise RegistryError("council-member-inactive", "thành viên này đã ngừng tham gia hội đồng",
                                "this council member has left the council", location=location, value=member_id)
        if role == "secretary" and m.role != "thu_ky":
            raise RegistryError("secretary-not-thu-ky", "tài khoản thư ký phải gắn với thư ký của hội đồng",
                                "a secretary account must be the council's secretary (thư ký)", location=location,
                                value=f"{member_id} ({m.role})", allowed="thu_ky")
        return m

    def member_sessions(self, member_id: int) -> list[dict[str, Any]]:
        """The sessions a member sits on, newest first, each with its dossiers and the member's sheet status."""
        with self.read() as s:
            member = s.get(CouncilMember, member_id)
            if member is None:
                return []
            rows = s.execute(select(CouncilSession, Council)
                             .join(SessionMember, SessionMember.session_id == CouncilSession.id)
                             .join(Council, Council.id == CouncilSession.council_id)
                             .where(SessionMember.member_id == member_id)
                             .order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())).all()
            out = []
            for sess, council in rows:
                dossiers = self._agenda(s, sess.id)
                sheets = {sh.dossier_pk: sh.status for sh in s.scalars(
                    select(MemberSheet).where(MemberSheet.dossier_pk.in_([d.id for d in dossiers]),
                                              MemberSheet.member == member.name))}
                out.append({"session": sess, "council": council,
                            "dossiers": [(d, sheets.get(d.id, "not_started")) for d in dossiers]})
            return out

    @staticmethod
    def _agenda(s: Session, session_id: int) -> list[Dossier]:
        return list(s.scalars(select(Dossier).join(SessionDossier, SessionDossier.dossier_pk == Dossier.id)
                              .where(SessionDossier.session_id == session_id)
                              .order_by(SessionDossier.position, Dossier.dossier_id)))

    @staticmethod
    def _sheet_context(s: Session, session_id: int, dossier_pk: int, member_id: int) -> SheetContext:
        """One query (the save path runs it on every request): the session and its council, whether
        the member sits on it and the dossier is on its agenda, and the member's sheet if any."""
        row = s.execute(_SHEET_CONTEXT, {"session_id": session_id, "dossier_pk": dossier_pk,
                                         "member_id": member_id}).first()
        if row is None:
            raise NotFound()
        sess, council, seat, on_agenda, dossier, member, sheet = row
        if seat is None:
            raise Forbidden()
        if on_agenda is None:
            raise NotFound()
        return SheetContext(sess, council, dossier, member, sheet)

    def sheet_context(self, session_id: int, dossier_pk: int, member_id: int) -> SheetContext:
        """The member's sheet on a dossier of a session, or Forbidden/NotFound when it is not theirs."""
        with self.read() as s:
            return self._sheet_context(s, session_id, dossier_pk, member_id)

    def save_sheet(self, session_id: int, dossier_pk: int, member_id: int, scores: dict[str, Any], submit: bool,
                   actor: str) -> str:
        """Save the member's draft or submit it; the session must be open and the sheet not yet
        submitted (checked in the write's own transaction). Returns the new status."""
        with self.writing(actor) as s:
            self._lock_session(s, session_id, exclusive=False)
            ctx = self._sheet_context(s, session_id, dossier_pk, member_id)
            if ctx.session.status != "open":
                raise SheetLocked("session_not_open")
            if ctx.sheet is not None and ctx.sheet.status == "submitted":
                raise SheetLocked("read_only")
            reopened = ctx.sheet is not None and ctx.sheet.status == "reopened"
            status = "submitted" if submit else ("reopened" if reopened else "draft")
            self.registry.record_sheet(ctx.dossier.dossier_id, ctx.member.name, scores, status, session_id=session_id)
            return status

    # ------------------------------------------------------------------ secretary

    def secretary_council(self, member_id: int | None) -> int:
        """The council whose sessions this secretary runs (their council-member row has role thư ký)."""
        with self.read() as s:
            m = s.get(CouncilMember, member_id) if member_id is not None else None
        if m is None or m.role != "thu_ky" or not m.active:
            raise Forbidden()
        return m.council_id

    def council_sessions(self, council_id: int) -> list[tuple[CouncilSession, Council, int]]:
        with self.read() as s:
            council = s.get(Council, council_id)
            return [(sess, council, len(self._agenda(s, sess.id))) for sess in s.scalars(
                select(CouncilSession).where(CouncilSession.council_id == council_id)
                .order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc()))]

    @staticmethod
    def _lock_session(s: Session, session_id: int, *, exclusive: bool) -> None:
        """Lock the session's row for the rest of the write (PostgreSQL; SQLite writers already take
        turns). Closing, sending a sheet back and overriding take it exclusively; a member's save
        shares it. So a close waits for saves in flight, and a save, send-back or override that
        waited for a close reads the session as closed and is refused — never a sheet reopened or
        saved in a closed session."""
        s.execute(select(CouncilSession.id).where(CouncilSession.id == session_id)
                  .with_for_update(read=not exclusive))

    @classmethod
    def _secretary_session(cls, s: Session, session_id: int, council_id: int, *, lock: bool = True) -> CouncilSession:
        if lock:
            cls._lock_session(s, session_id, exclusive=True)
        sess = s.get(CouncilSession, session_id)
        if sess is None:
            raise NotFound()
        if sess.council_id != council_id:
            raise Forbidden()
        return sess

    def secretary_session(self, session_id: int, council_id: int) -> tuple[CouncilSession, Council]:
        with self.read() as s:
            return self._secretary_session(s, session_id, council_id, lock=False), s.get(Council, council_id)

    @classmethod
    def _session_sheets(cls, s: Session, session_id: int):
        members = list(s.scalars(select(CouncilMember).join(SessionMember, SessionMember.member_id == CouncilMember.id)
                                 .where(SessionMember.session_id == session_id)
                                 .order_by(CouncilMember.position, CouncilMember.name)))
        agenda = cls._agenda(s, session_id)
        sheets: dict[int, dict[str, MemberSheet]] = {d.id: {} for d in agenda}
        for sh in s.scalars(select(MemberSheet).where(MemberSheet.dossier_pk.in_(list(sheets)))):
            sheets[sh.dossier_pk][sh.member] = sh
        return members, [(d, sheets[d.id]) for d in agenda]

    def session_sheets(self, session_id: int) -> tuple[list[CouncilMember], list[tuple[Dossier, dict[str, MemberSheet]]]]:
        """The members present and, per dossier on the agenda, their sheets by member name."""
        with self.read() as s:
            return self._session_sheets(s, session_id)

    def reopen(self, session_id: int, council_id: int, dossier_pk: int, member_id: int, actor: str) -> None:
        """Send a member's submitted sheet back for re-scoring (while the session is open)."""
        with self.writing(actor) as s:
            sess = self._secretary_session(s, session_id, council_id)
            if s.get(SessionDossier, (session_id, dossier_pk)) is None:
                raise NotFound()
            if sess.status != "open":
                raise SheetLocked("session_not_open")
            member = s.get(CouncilMember, member_id)
            if member is None or s.get(SessionMember, (session_id, member_id)) is None:
                raise NotFound()
            dossier = s.get(Dossier, dossier_pk)
            sheet = s.scalar(select(MemberSheet).where(MemberSheet.dossier_pk == dossier_pk,
                                                       MemberSheet.member == member.name))
            if sheet is None or sheet.status != "submitted":
                raise SheetLocked("not_submitted")
            self.registry.record_sheet(dossier.dossier_id, member.name, sheet.scores, "reopened", session_id=session_id)

    def override(self, session_id: int, council_id: int, dossier_pk: int, reason: str, actor: str) -> None:
        """Record that the council proceeds with a dossier although members diverge (with the reason)."""
        with self.writing(actor) as s:
            sess = self._secretary_session(s, session_id, council_id)
            if s.get(SessionDossier, (session_id, dossier_pk)) is None:
                raise NotFound()
            if sess.status != "open":
                raise SheetLocked("session_not_open")
            self.registry.record_divergence_override(s.get(Dossier, dossier_pk).dossier_id, reason,
                                                     session_id=session_id)

    def overridden(self, dossier_id: str, session_id: int) -> bool:
        return any(o["session_id"] == session_id for o in self.registry.overrides_for(dossier_id))

    def close(self, session_id: int, council_id: int, actor: str, decide) -> list[str]:
        """Close the session: `decide(dossier, members, sheets)` gives each dossier's kernel Result
        (or raises SheetLocked naming what blocks it); the Results are stored, then the session is
        closed — all in one transaction, so a refusal leaves everything as it was."""
        with self.writing(actor) as s:
            sess = self._secretary_session(s, session_id, council_id)
            if sess.status != "open":
                raise SheetLocked("session_not_open")
            try:
                self.council_session(session_id).check_quorum()
            except ValidationFailed as exc:
                raise SheetLocked("raw", text="; ".join(i.message for i in exc.issues)) from None
            members, agenda = self._session_sheets(s, session_id)
            stored = []
            for dossier, sheets in agenda:
                result = decide(dossier, members, sheets)
                self.registry.store_result(dossier.dossier_id, result, session_id=session_id, decided=True)
                stored.append(dossier.dossier_id)
            self.registry.close_session(session_id)
            return stored

    # ------------------------------------------------------------------ results and the office

    def result_for(self, dossier_pk: int, user) -> tuple[Dossier, dict[str, Any] | None]:
        """The dossier's current stored Result, if the user may see it: the office always; a
        secretary for dossiers of their council's sessions; a member for dossiers of sessions they
        sat on, once the session is closed."""
        with self.read() as s:
            dossier = s.get(Dossier, dossier_pk)
            if dossier is None:
                raise NotFound()
            if user.role != "office":
                sessions = select(CouncilSession.id).join(SessionDossier, SessionDossier.session_id == CouncilSession.id) \
                    .where(SessionDossier.dossier_pk == dossier_pk)
                if user.role == "secretary":
                    member = s.get(CouncilMember, user.council_member_id)
                    allowed = member is not None and member.role == "thu_ky" and s.scalar(
                        sessions.where(CouncilSession.council_id == member.council_id).limit(1)) is not None
                else:
                    allowed = s.scalar(sessions.join(SessionMember, SessionMember.session_id == CouncilSession.id)
                                       .where(SessionMember.member_id == user.council_member_id,
                                              CouncilSession.status == "closed").limit(1)) is not None
                if not allowed:
                    raise Forbidden()
            row = s.scalar(select(ResultRow).where(ResultRow.dossier_pk == dossier_pk).order_by(ResultRow.id.desc())
                           .limit(1))
            return dossier, (row.result if row is not None else None)

    def search_products(self, *, q: str = "", province: str = "", district: str = "", commune: str = "",
                        stars: int | None = None, status: str = "") -> list[dict[str, Any]]:
        """Products by name and area, each with its current certificate (as of today); `stars` and
        `status` filter on that certificate."""
        products = self.registry.find_products(name=q or None, province=province or None,
                                               district=district or None, commune=commune or None)
        certs: dict[int, dict[str, Any]] = {}
        for c in self.registry.certificates(as_of=date.today(), province=province or None,
                                            district=district or None, commune=commune or None):
            if c.get("product_id") is not None and (c["product_id"] not in certs or c["status"] == "valid"):
                certs[c["product_id"]] = c
        out = []
        for p in products:
            cert = certs.get(p["id"])
            if stars is not None and (cert is None or cert["stars"] != stars):
                continue
            if status and (cert is None or cert["status"] != status):
                continue
            out.append({**p, "certificate": cert})
        return out

    def product_history(self, product_id: int) -> dict[str, Any]:
        try:
            return self.registry.product(product_id)
        except RegistryError:
            raise NotFound() from None

    def certificates_due(self, as_of: date, within: int) -> list[dict[str, Any]]:
        return self.registry.certificates_due(as_of, within)

    def revocation_grounds(self) -> list[dict[str, str]]:
        return self.registry.revocation_grounds()

    def revoke(self, number: str, ground: str, on: date, note: str, actor: str) -> str | None:
        """Revoke a certificate on a ground of the closed list; the registry's refusal as text, or None."""
        try:
            with write_turn(self.engine):
                self.registry.revoke(number, ground, on, note=note or None, actor=actor)
        except RegistryError as exc:
            return "; ".join(i.message for i in exc.issues)
        return None

    # ------------------------------------------------------------------ the council layer's view

    def council_session(self, session_id: int):
        """The session as the council layer describes it (members with roles, who is present, the
        overrides recorded in it), for its quorum rule and its documents."""
        from ..council.session import Member, Session as CouncilSessionDoc

        detail = self.registry.session(session_id)
        council = self.registry.council(detail["council_id"])
        overrides = {}
        for dossier_id in detail["dossiers"]:
            for o in self.registry.overrides_for(dossier_id):
                if o["session_id"] == session_id:
                    overrides[dossier_id] = {"reason": o["reason"], "by": o["by"]}
        return CouncilSessionDoc(
            council=council["name"], date=detail["held_on"], place=detail.get("place") or "",
            members=[Member(m["name"], ROLE_VI.get(m["role"], m["role"])) for m in council["members"] if m["active"]],
            present=[m["name"] for m in detail["present"]], overrides=overrides,
            extra={"level": council["level"]})

    def session_entries(self, session_id: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(dossier, stored Result) for each dossier of a closed session, in agenda order."""
        out = []
        for dossier_id in self.registry.session(session_id)["dossiers"]:
            d = self.registry.dossier(dossier_id)
            result = self.registry.latest_result(dossier_id)
            if result is not None:
                out.append(({**(d["content"] or {}), "kind": d["kind"]}, result["result"]))
        return out


ROLE_VI = {"chu_tich": "Chủ tịch Hội đồng", "thu_ky": "Thư ký", "thanh_vien": "Thành viên"}
