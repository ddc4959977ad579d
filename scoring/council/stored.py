"""The council layer on the registry (`scoring.registry`): dossiers of a round out as sheets, read
sheets and divergence overrides stored, sessions opened from a session file, and the session's
documents built from the stored results.

Each function takes an open `Registry` and writes in one transaction (the registry's rule), with
an actor for its audit log.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..errors import Issue, ValidationFailed
from .divergence import DEFAULT_QUORUM, divergence
from .documents import Entry
from .kernel import score
from .read import ReadOutcome
from .session import Member, Session

ROLE_TO_REGISTRY = (("chủ tịch", "chu_tich"), ("thư ký", "thu_ky"))
ROLE_FROM_REGISTRY = {"chu_tich": "Chủ tịch Hội đồng", "thu_ky": "Thư ký Hội đồng", "thanh_vien": "Thành viên"}


def registry_role(role: str) -> str:
    low = role.lower()
    return next((code for word, code in ROLE_TO_REGISTRY if word in low), "thanh_vien")


def round_dossier_ids(reg, round_id: int) -> list[str]:
    """The dossiers of a round to send out as sheets: the agendas of its sessions, then its scored
    dossiers recognised (or sent up a level) and not yet certified (`Registry.pipeline`)."""
    reg.round(round_id)  # unknown round: the registry's error
    ids: list[str] = []
    for s in reg.sessions(round_id=round_id):
        ids += reg.session(s["id"])["dossiers"]
    ids += [p["dossier_id"] for p in reg.pipeline() if p.get("round_id") == round_id]
    return list(dict.fromkeys(ids))


def stored_dossiers(reg, dossier_ids: Iterable[str]) -> list[dict[str, Any]]:
    out, issues = [], []
    for did in dossier_ids:
        d = reg.dossier(did)
        if d is None:
            issues.append(Issue("hồ sơ không có trong sổ / dossier not in the registry", None, "dossier_id", did,
                                "a dossier imported with `ocop registry import`"))
        else:
            out.append(dict(d["content"]))
    if issues:
        raise ValidationFailed(issues, subject="registry")
    return out


def open_session(reg, session: Session, *, round_id: int | None, dossier_ids: Sequence[str], level: str,
                 actor: str) -> int:
    """Form the council of a session file and open its sitting with the members present and its
    dossiers (one transaction)."""
    with reg.transaction(actor=actor):
        cid = reg.add_council(session.council, level, [{"name": m.name, "role": registry_role(m.role)}
                                                        for m in session.members])
        return reg.open_session(cid, session.date, round_id=round_id, place=session.place or None,
                                present=session.present, dossier_ids=list(dossier_ids))


def _session_of(reg, dossier_id: str, round_id: int | None, session_id: int | None) -> int | None:
    if session_id is not None or round_id is None:
        return session_id
    for s in reg.sessions(round_id=round_id, status="open"):
        if dossier_id in reg.session(s["id"])["dossiers"]:
            return s["id"]
    return None


def store_read(reg, outcome: ReadOutcome, *, round_id: int | None, session_id: int | None, actor: str
               ) -> list[dict[str, Any]]:
    """Store what `read_sheets` read: each dossier's new content (a new version when its points
    changed), each member's sheet as submitted in its session, and the Result — marked not decided
    while the members diverge (to re-score). One transaction for all of them."""
    stored = []
    with reg.transaction(actor=actor):
        for d in outcome.dossiers:
            did = d["dossier_id"]
            report = reg.import_dossier(d, round_id=round_id, replace=True,
                                        source=", ".join(sorted({r.file for r in outcome.sources.get(did, [])})))
            if report.rejected:
                raise ValidationFailed([Issue(str(r.get("reason")), None, "dossier_id", did) for r in report.rejected],
                                       subject="registry import")
            sid = _session_of(reg, did, round_id, session_id)
            for sheet in d["sheets"]:
                reg.record_sheet(did, sheet["member"], sheet["scores"], "submitted", session_id=sid)
            result = score(d)
            gaps = divergence(result)
            overridden = bool(reg.overrides_for(did))
            reg.store_result(did, result, session_id=sid, decided=not gaps or overridden)
            stored.append({"dossier_id": did, "session_id": sid, "to_rescore": bool(gaps) and not overridden})
    return stored


def override(reg, dossier_id: str, reason: str, *, session_id: int | None, actor: str) -> int:
    """Record the secretary's decision to proceed although members diverge, with its reason."""
    with reg.transaction(actor=actor):
        oid = reg.record_divergence_override(dossier_id, reason, session_id=session_id)
        latest = reg.latest_result(dossier_id)
        if latest and latest.get("result") and not latest.get("decided"):
            reg.store_result(dossier_id, latest["result"], session_id=latest.get("session_id") or session_id,
                             decided=True)
        return oid


def session_and_entries(reg, session_id: int, *, quorum: float = DEFAULT_QUORUM,
                        province: str | None = None) -> tuple[Session, list[Entry]]:
    """A registry session as the documents need it: council, members with roles, present members,
    overrides, and each agenda dossier with its latest stored Result."""
    s = reg.session(session_id)
    council = reg.council(s["council_id"])
    members = [Member(m["name"], ROLE_FROM_REGISTRY.get(m["role"], m["role"])) for m in council["members"]]
    entries, overrides, issues = [], {}, []
    for did in s["dossiers"]:
        d = reg.dossier(did)
        result = (d or {}).get("result")
        if not result or not result.get("result") or "member_totals" not in result["result"]:
            issues.append(Issue("hồ sơ chưa có kết quả chấm / dossier has no stored Result", None, "dossier_id", did,
                                "read its sheets first (`ocop council read … --db`)"))
            continue
        entries.append(Entry(dict(d["content"]), result["result"]))
        ov = reg.overrides_for(did)
        if ov:
            overrides[did] = {"reason": ov[-1]["reason"], "by": ov[-1]["by"]}
    if issues:
        raise ValidationFailed(issues, subject=f"session {session_id}")
    extra = {"province": province} if province else {}
    session = Session(council=council["name"], date=s["held_on"], place=s.get("place") or "", members=members,
                      present=[m["name"] for m in s["present"]], quorum=quorum, overrides=overrides, extra=extra)
    return session, entries
