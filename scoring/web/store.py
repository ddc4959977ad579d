"""What the web pages read from and write to the registry, with the access rules of each role.

Every write is one transaction that also appends to the registry's audit log with the web user as
actor. Scope checks (a member sits on the session, the dossier is on its agenda, the session is
open, the sheet is not yet submitted) are made here, on the rows, so that no URL can reach
another member's sheet or a closed session.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..registry import db as regdb
from ..registry.models import (AuditEntry, Council, CouncilMember, CouncilSession, Dossier, MemberSheet, ResultRow,
                               SessionDossier, SessionMember, utcnow)
from .deps import Forbidden, NotFound


class SheetLocked(Exception):
    """The sheet cannot be changed: the session is closed or the sheet was submitted."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


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


class Store:
    def __init__(self, url: str | None = None, *, engine: Engine | None = None):
        self.url = regdb.resolve_url(url) if engine is None else str(engine.url)
        self.engine = engine if engine is not None else regdb.make_engine(self.url)

    # ------------------------------------------------------------------ plumbing

    def read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def write(self) -> Session:
        """A session whose transaction begins IMMEDIATE on SQLite (the registry's write lock)."""
        return Session(self.engine.execution_options(ocop_write=True), expire_on_commit=False)

    @staticmethod
    def _audit(s: Session, actor: str, action: str, entity: str, entity_id: Any, before: Any = None,
               after: Any = None) -> None:
        s.add(AuditEntry(at=utcnow(), actor=actor, action=action[:40], entity=entity[:40],
                         entity_id=None if entity_id is None else str(entity_id)[:120], before=before, after=after))

    def audit(self, actor: str, action: str, entity: str, entity_id: Any, before: Any = None,
              after: Any = None) -> None:
        with self.write() as s, s.begin():
            self._audit(s, actor, action, entity, entity_id, before, after)

    # ------------------------------------------------------------------ member

    def member(self, member_id: int) -> CouncilMember:
        with self.read() as s:
            m = s.get(CouncilMember, member_id)
        if m is None:
            raise Forbidden()
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

    def sheet_context(self, session_id: int, dossier_pk: int, member_id: int, s: Session | None = None) -> SheetContext:
        """The member's sheet on a dossier of a session, or Forbidden/NotFound when it is not theirs."""
        own = s is None
        s = s or self.read()
        try:
            sess = s.get(CouncilSession, session_id)
            if sess is None:
                raise NotFound()
            seated = s.get(SessionMember, (session_id, member_id))
            if seated is None:
                raise Forbidden()
            if s.get(SessionDossier, (session_id, dossier_pk)) is None:
                raise NotFound()
            member = s.get(CouncilMember, member_id)
            dossier = s.get(Dossier, dossier_pk)
            sheet = s.scalar(select(MemberSheet).where(MemberSheet.dossier_pk == dossier_pk,
                                                       MemberSheet.member == member.name))
            return SheetContext(sess, s.get(Council, sess.council_id), dossier, member, sheet)
        finally:
            if own:
                s.close()

    def save_sheet(self, session_id: int, dossier_pk: int, member_id: int, scores: dict[str, Any], submit: bool,
                   actor: str) -> str:
        """Save the member's draft or submit it, checking in the same transaction that the session
        is open and the sheet not yet submitted. Returns the new status."""
        with self.write() as s, s.begin():
            ctx = self.sheet_context(session_id, dossier_pk, member_id, s)
            if ctx.session.status != "open":
                raise SheetLocked("session_not_open")
            if ctx.sheet is not None and ctx.sheet.status == "submitted":
                raise SheetLocked("read_only")
            status = "submitted" if submit else ("reopened" if ctx.sheet is not None and ctx.sheet.status == "reopened"
                                                 else "draft")
            now = utcnow()
            before = {"scores": ctx.sheet.scores, "status": ctx.sheet.status} if ctx.sheet else None
            sheet = ctx.sheet
            if sheet is None:
                sheet = MemberSheet(dossier_pk=dossier_pk, member=ctx.member.name, member_id=member_id,
                                    session_id=session_id, created_at=now)
                s.add(sheet)
            sheet.scores = dict(scores)
            sheet.status = status
            sheet.session_id = session_id
            sheet.updated_at = now
            sheet.submitted_at = now if submit else None
            s.flush()
            self._audit(s, actor, "sheet.submit" if submit else "sheet.save", "member_sheet", sheet.id, before,
                        {"dossier": ctx.dossier.dossier_id, "member": ctx.member.name, "scores": sheet.scores,
                         "status": status, "session": session_id})
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
            out = []
            for sess in s.scalars(select(CouncilSession).where(CouncilSession.council_id == council_id)
                                  .order_by(CouncilSession.held_on.desc(), CouncilSession.id.desc())):
                out.append((sess, council, len(self._agenda(s, sess.id))))
            return out

    def secretary_session(self, session_id: int, council_id: int) -> tuple[CouncilSession, Council]:
        with self.read() as s:
            sess = s.get(CouncilSession, session_id)
            if sess is None:
                raise NotFound()
            if sess.council_id != council_id:
                raise Forbidden()
            return sess, s.get(Council, council_id)

    def session_sheets(self, session_id: int) -> tuple[list[CouncilMember], list[tuple[Dossier, dict[str, MemberSheet]]]]:
        """The members present and, per dossier on the agenda, their sheets by member name."""
        with self.read() as s:
            members = list(s.scalars(select(CouncilMember).join(SessionMember, SessionMember.member_id == CouncilMember.id)
                                     .where(SessionMember.session_id == session_id)
                                     .order_by(CouncilMember.position, CouncilMember.name)))
            agenda = self._agenda(s, session_id)
            sheets: dict[int, dict[str, MemberSheet]] = {d.id: {} for d in agenda}
            for sh in s.scalars(select(MemberSheet).where(MemberSheet.dossier_pk.in_(list(sheets)))):
                sheets[sh.dossier_pk][sh.member] = sh
            return members, [(d, sheets[d.id]) for d in agenda]

    def reopen(self, session_id: int, council_id: int, dossier_pk: int, member_id: int, actor: str) -> None:
        """Send a member's submitted sheet back for re-scoring (while the session is open)."""
        with self.write() as s, s.begin():
            sess = s.get(CouncilSession, session_id)
            if sess is None or s.get(SessionDossier, (session_id, dossier_pk)) is None:
                raise NotFound()
            if sess.council_id != council_id:
                raise Forbidden()
            if sess.status != "open":
                raise SheetLocked("session_not_open")
            member = s.get(CouncilMember, member_id)
            if member is None or s.get(SessionMember, (session_id, member_id)) is None:
                raise NotFound()
            sheet = s.scalar(select(MemberSheet).where(MemberSheet.dossier_pk == dossier_pk,
                                                       MemberSheet.member == member.name))
            if sheet is None or sheet.status != "submitted":
                raise SheetLocked("not_submitted")
            sheet.status, sheet.submitted_at, sheet.updated_at = "reopened", None, utcnow()
            self._audit(s, actor, "sheet.reopen", "member_sheet", sheet.id, {"status": "submitted"},
                        {"status": "reopened", "member": member.name, "session": session_id})

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
                sessions = select(CouncilSession).join(SessionDossier, SessionDossier.session_id == CouncilSession.id) \
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
