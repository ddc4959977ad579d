"""The secretary's session board: per dossier, who has submitted, each member's total, the mean,
and the divergences over the set's `max_spread` with the criteria responsible.

Totals and the mean are the kernel's (`scoring.evaluate` on the submitted sheets); the divergence
pairs and the criteria responsible are the council layer's (`scoring.council`). Nothing is
computed here beyond arranging them for the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..council.divergence import Gap, divergence
from ..errors import ValidationFailed
from ..result import Result
from .verdict import member_verdict, with_sheets


@dataclass
class DossierBoard:
    dossier: Any
    rows: list[dict[str, Any]]  # member, status, total (None until submitted)
    result: Result | None  # the kernel's Result on the submitted sheets (None before any)
    complete: bool  # every member present has submitted
    divergences: list[Gap] = field(default_factory=list)
    error: str | None = None

    @property
    def diverging_members(self) -> set[str]:
        return {m for g in self.divergences for m in (g.member_a, g.member_b)}


def dossier_board(dossier, members, sheets) -> DossierBoard:
    from ..evaluate import evaluate

    submitted = [(m.name, sheets[m.name].scores) for m in members
                 if m.name in sheets and sheets[m.name].status == "submitted"]
    result, error = None, None
    if submitted:
        try:
            result = evaluate(with_sheets(dossier.content or {}, submitted))
        except ValidationFailed as exc:
            error = str(exc)
    rows = []
    for m in members:
        sh = sheets.get(m.name)
        status = sh.status if sh else "not_started"
        total = result.member_totals.get(m.name) if result is not None and status == "submitted" else None
        rows.append({"member": m, "status": status, "total": total})
    complete = bool(members) and len(submitted) == len(members)
    return DossierBoard(dossier, rows, result, complete, divergence(result) if result is not None else [], error)


def session_board(store, session_id: int) -> tuple[list, list[DossierBoard]]:
    members, agenda = store.session_sheets(session_id)
    return members, [dossier_board(d, members, sheets) for d, sheets in agenda]


__all__ = ["DossierBoard", "dossier_board", "member_verdict", "session_board"]


def decide(store, session_id: int):
    """The closing rule for each dossier of a session: every member present has submitted, and no
    divergence over `max_spread` is left unless the council accepted it (an override with a reason);
    then the kernel's Result on all the sheets is the council's decision."""
    from ..evaluate import evaluate
    from .store import SheetLocked

    def one(dossier, members, sheets):
        board = dossier_board(dossier, members, sheets)
        waiting = [r["member"].name for r in board.rows if r["status"] != "submitted"]
        if waiting:
            raise SheetLocked("blocked_waiting", dossier=dossier.dossier_id, members=", ".join(waiting))
        if board.error:
            raise SheetLocked("raw", text=board.error)
        if board.divergences and not store.overridden(dossier.dossier_id, session_id):
            raise SheetLocked("blocked_divergence", dossier=dossier.dossier_id,
                              pairs="; ".join(f"{g.member_a} – {g.member_b}" for g in board.divergences))
        return evaluate(with_sheets(dossier.content or {}, [(m.name, sheets[m.name].scores) for m in members]))

    return one
