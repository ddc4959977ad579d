"""`session_documents`: the documents of a council session, from stored Results.

- bang-tong-hop.xlsx  Bảng tổng hợp kết quả: one row per product, every member's total, the mean,
  the stars, the decision, unmet minimums, knock-outs, divergence and (re-evaluation) the previous
  certificate beside the new result;
- bien-ban.docx/.pdf  Biên bản họp Hội đồng;
- danh-sach-cong-nhan.docx/.pdf  Danh sách sản phẩm đề nghị công nhận, by stars;
- danh-sach-cap-tren.docx/.pdf   the list sent up (≥ 90 points → central council; district →
  province under the older sets), as the kernel's `escalate_to` says;
- ket-qua.json  the same data for machines.

The decisions are the kernel's (`status`, `stars`, `recognised_by`, `escalate_to`); this module
only adds the session's divergence status and prints.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .. import criteria as crit
from ..errors import Issue, ValidationFailed
from ..result import LEVELS_VI, Result
from .divergence import DECIDED, OVERRIDDEN, STATUS_VI, TO_RESCORE, divergence, max_spread, status
from .files import atomic_path, put, write_text
from .layout import address, vn_date
from .render import render_blocks, vn_num, write_docx, write_pdf
from .session import Session

KIND_VI = {"new": "lần đầu", "upgrade": "nâng hạng", "re-evaluation": "đánh giá lại"}
DOCUMENTS = {  # template -> output stem
    "bien-ban.yaml.j2": "bien-ban",
    "danh-sach-cong-nhan.yaml.j2": "danh-sach-cong-nhan",
    "danh-sach-cap-tren.yaml.j2": "danh-sach-cap-tren",
}


@dataclass
class Entry:
    """One product of the session: its dossier (identity, kind, previous certificate) and Result."""

    dossier: Mapping[str, Any]
    result: Result | Mapping[str, Any]

    @property
    def r(self) -> Mapping[str, Any]:
        return self.result.to_dict() if isinstance(self.result, Result) else self.result


def _stars_vi(n: int | None) -> str:
    return f"{n} sao" if n else "—"


def _previous(dossier: Mapping[str, Any]) -> dict[str, Any] | None:
    prev = dossier.get("previous_certificate")
    if not prev or not isinstance(prev, Mapping):
        return None
    parts = []
    if prev.get("number"):
        parts.append(f"GCN số {prev['number']}")
    if prev.get("stars"):
        parts.append(f"{prev['stars']} sao")
    score = prev.get("score", prev.get("total"))
    if score is not None:
        parts.append(f"{vn_num(score)} điểm")
    if prev.get("issued_on"):
        parts.append(f"cấp ngày {vn_date(prev['issued_on'])}")
    if prev.get("expires_on"):
        parts.append(f"hết hạn {vn_date(prev['expires_on'])}")
    return {**prev, "score_vi": vn_num(score) if score is not None else "", "text": ", ".join(parts) or "—"}


def _decision_vi(r: Mapping[str, Any], state: str) -> str:
    if state == TO_RESCORE:
        return "Chưa quyết định: chấm lại (tổng điểm các thành viên chênh lệch quá mức cho phép)"
    if r["status"] == "disqualified":
        return "Bị loại: " + "; ".join(k.get("label", k.get("id", "")) for k in r["knockouts"])
    if r["status"] == "recognised":
        return f"Đề nghị công nhận sản phẩm OCOP {r['stars']} sao (cấp {LEVELS_VI.get(r['recognised_by'], r['recognised_by'])})"
    if r.get("escalate_to") == "central":
        return (f"Đạt {vn_num(r['total'])} điểm (từ 90 điểm): đề nghị Hội đồng cấp trung ương đánh giá, "
                f"phân hạng sản phẩm OCOP 5 sao")
    if r.get("escalate_to"):
        return f"Đạt {r['stars']} sao: đề nghị Hội đồng cấp {LEVELS_VI.get(r['escalate_to'], r['escalate_to'])} đánh giá"
    return f"Đạt {_stars_vi(r['stars'])}: không đề nghị công nhận ở cấp {LEVELS_VI.get(r['level'], r['level'])}"


def _gap_text(g: Any) -> str:
    crit_text = ", ".join(f"{c['id']} ({c['a']} / {c['b']})" for c in g.criteria)
    return (f"{g.member_a} ({vn_num(g.total_a, trim=True)} điểm) và {g.member_b} ({vn_num(g.total_b, trim=True)} điểm): "
            f"chênh lệch {vn_num(g.gap, trim=True)} điểm (> {vn_num(g.limit, trim=True)}); tiêu chí chênh lệch nhiều "
            f"nhất: {crit_text or '—'}")


def product_rows(entries: Sequence[Entry], session: Session) -> list[dict[str, Any]]:
    """Everything the documents print about each product, formatted the Vietnamese way."""
    out = []
    for i, e in enumerate(entries, start=1):
        r, d = e.r, e.dossier
        product = r.get("product") or d.get("product") or {}
        state = status(r, session.overrides)
        gaps = divergence(r)
        if state == OVERRIDDEN:
            o = session.overrides[r["dossier_id"]]
            resolution = f"Hội đồng quyết định giữ kết quả, lý do: {o.get('reason')}" + (f" (ghi nhận: {o['by']})" if o.get("by") else "")
        elif state == TO_RESCORE:
            resolution = "Các thành viên thảo luận và chấm lại; sản phẩm chưa được quyết định."
        else:
            resolution = "Các thành viên đã chấm lại; tổng điểm không còn chênh lệch quá mức cho phép." if gaps else ""
        kind = d.get("kind") or "new"
        unmet = [u for u in r["unmet_minimums"]]
        out.append({
            "stt": i, "id": r["dossier_id"], "name": product.get("name", ""), "producer": product.get("producer", ""),
            "address": address(product), "form": r.get("form_name", r["form"]), "criteria_set": r["criteria_set"],
            "kind": kind, "kind_vi": KIND_VI.get(kind, kind), "level": r["level"],
            "members": r["members"], "member_totals": r["member_totals"],
            "total": r["total"], "total_vi": vn_num(r["total"]), "stars": r["stars"], "band_stars": r["band_stars"],
            "stars_vi": _stars_vi(r["stars"]), "status": r["status"], "state": state, "state_vi": STATUS_VI[state],
            "recognised_by": r.get("recognised_by"), "escalate_to": r.get("escalate_to"),
            "decision_vi": _decision_vi(r, state),
            "unmet_vi": [f"{u.get('requirement')} ({u.get('stars')} sao)" for u in unmet],
            "knockouts_vi": [k.get("label", k.get("id")) for k in r["knockouts"]],
            "gaps": [{"text": _gap_text(g), **g.as_dict()} for g in gaps] if state != DECIDED or gaps else [],
            "resolution_vi": resolution, "override": session.overrides.get(r["dossier_id"]),
            "previous": _previous(d) if kind == "re-evaluation" or d.get("previous_certificate") else None,
        })
    return out


def _date_line(session: Session) -> str:
    place = session.extra.get("province") or ""
    d = session.date
    return f"{place + ', ' if place else ''}ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _context(entries: Sequence[Entry], session: Session) -> dict[str, Any]:
    products = product_rows(entries, session)
    members = {m.name: m for m in session.members}
    present = [members[n] for n in session.present if n in members]
    sets = sorted({p["criteria_set"] for p in products})
    set_names = ", ".join(f"Bộ tiêu chí ban hành kèm theo Quyết định số {crit.load_set(s).decision['number']}" for s in sets)
    limits = sorted({max_spread(e.r) for e in entries if max_spread(e.r) is not None})
    recognised = [p for p in products if p["status"] == "recognised" and p["state"] != TO_RESCORE]
    sent_up = [p for p in products if p["escalate_to"] and p["state"] != TO_RESCORE]
    groups = [{"stars": s, "stars_vi": _stars_vi(s), "products": [p for p in recognised if p["stars"] == s]}
              for s in sorted({p["stars"] for p in recognised}, reverse=True)]
    up_groups = [{"level": lv, "level_vi": LEVELS_VI.get(lv, lv), "products": [p for p in sent_up if p["escalate_to"] == lv]}
                 for lv in sorted({p["escalate_to"] for p in sent_up})]
    conclusions = [f"Đề nghị công nhận {len(g['products'])} sản phẩm đạt {g['stars_vi']}." for g in groups]
    conclusions += [f"Đề nghị Hội đồng cấp {g['level_vi']} đánh giá {len(g['products'])} sản phẩm." for g in up_groups]
    n_rescore = sum(p["state"] == TO_RESCORE for p in products)
    if n_rescore:
        conclusions.append(f"{n_rescore} sản phẩm phải chấm lại, chưa được quyết định.")
    others = len(products) - len(recognised) - len(sent_up) - n_rescore
    if others:
        conclusions.append(f"{others} sản phẩm không được đề nghị công nhận.")
    quorum_vi = (f"Số thành viên có mặt {len(present)}/{len(session.members)}, đạt tỷ lệ tối thiểu "
                 f"{vn_num(session.quorum * 100, trim=True)}% theo Quy chế hoạt động của Hội đồng: phiên họp hợp lệ.")
    return {"session": session, "products": products, "present": present,
            "absent": [members[n] for n in session.absent], "quorum_vi": quorum_vi, "criteria_sets": set_names,
            "limit_vi": " / ".join(vn_num(x, trim=True) for x in limits) or "—", "groups": groups,
            "up_groups": up_groups, "conclusions": conclusions, "date_line": _date_line(session),
            "any_previous": any(p["previous"] for p in products)}


SUMMARY_FIXED = [("STT", 6), ("Mã hồ sơ", 24), ("Tên sản phẩm", 30), ("Chủ thể", 28), ("Địa chỉ", 28),
                 ("Bộ sản phẩm", 26), ("Loại hồ sơ", 12)]
SUMMARY_AFTER = [("Điểm trung bình", 11), ("Hạng sao theo điểm", 10), ("Hạng sao", 9), ("Kết luận", 40),
                 ("Tình trạng", 16), ("Tiêu chí tối thiểu chưa đạt", 40), ("Điều kiện loại", 30),
                 ("Chênh lệch giữa thành viên", 44), ("Giấy chứng nhận trước", 36), ("Điểm trước", 10),
                 ("Hạng sao trước", 10)]


def write_summary(ctx: Mapping[str, Any], target: str | Path) -> Path:
    """Bảng tổng hợp kết quả (XLSX): numbers stay numbers, text is always text."""
    session: Session = ctx["session"]
    products = ctx["products"]
    members = list(session.names) + [m for p in products for m in p["members"] if m not in session.names]
    members = list(dict.fromkeys(members))
    cols = SUMMARY_FIXED + [(m, 11) for m in members] + SUMMARY_AFTER
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    bold = Font(name="Times New Roman", bold=True, size=12)
    normal = Font(name="Times New Roman", size=11)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    put(ws["A1"], "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP")
    put(ws["A2"], session.council)
    put(ws["A3"], f"Phiên họp ngày {vn_date(session.date)}" + (f" tại {session.place}" if session.place else ""))
    for c in ("A1", "A2", "A3"):
        ws[c].font = bold
    head = 5
    for ci, (name, width) in enumerate(cols, start=1):
        cell = put(ws.cell(head, ci), name)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = box
        ws.column_dimensions[cell.column_letter].width = width
    for ri, p in enumerate(products, start=head + 1):
        prev = p["previous"] or {}
        values = [p["stt"], p["id"], p["name"], p["producer"], p["address"], p["form"], p["kind_vi"]]
        values += [p["member_totals"].get(m) for m in members]
        values += [p["total"], p["band_stars"], p["stars"], p["decision_vi"], p["state_vi"], "; ".join(p["unmet_vi"]),
                   "; ".join(p["knockouts_vi"]), "; ".join(g["text"] for g in p["gaps"]),
                   prev.get("text"), prev.get("score", prev.get("total")), prev.get("stars")]
        for ci, v in enumerate(values, start=1):
            cell = put(ws.cell(ri, ci), v)
            cell.font = normal
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(v, float):
                cell.number_format = "0.00"
    ws.freeze_panes = ws.cell(head + 1, 4)
    ws.auto_filter.ref = f"A{head}:{ws.cell(head, len(cols)).column_letter}{head + len(products)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return Path(target)


def check_members(entries: Sequence[Entry], session: Session) -> None:
    """Every sheet must come from a council member present at the session."""
    issues = []
    for e in entries:
        for m in e.r["members"]:
            if m not in session.names:
                issues.append(Issue("phiếu của người không phải thành viên Hội đồng / a sheet from someone who is not "
                                    "a council member", None, f"{e.r['dossier_id']}.sheets", m, ", ".join(session.names)))
            elif m not in session.present:
                issues.append(Issue("phiếu của thành viên vắng mặt / a sheet from a member recorded as absent", None,
                                    f"{e.r['dossier_id']}.sheets", m, "members present: " + ", ".join(session.present)))
    if issues:
        raise ValidationFailed(issues, subject="session (phiên họp)")


def session_documents(entries: Iterable[Entry | tuple[Mapping[str, Any], Any]], session: Session,
                      out_dir: str | Path, templates: str | Path | None = None, *, pdf: bool = True) -> list[Path]:
    """Write the session's documents into `out_dir`; `templates` is a directory whose files replace
    the shipped templates of the same name. Refuses a session without quorum."""
    entries = [e if isinstance(e, Entry) else Entry(*e) for e in entries]
    session.check_quorum()
    check_members(entries, session)
    ctx = _context(entries, session)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_summary(ctx, out / "bang-tong-hop.xlsx")]
    for template, stem in DOCUMENTS.items():
        local = dict(ctx)
        if stem == "danh-sach-cap-tren":
            local["groups"] = ctx["up_groups"]
        blocks = render_blocks(template, local, templates)
        written.append(write_docx(blocks, out / f"{stem}.docx"))
        if pdf:
            written.append(write_pdf(blocks, out / f"{stem}.pdf"))
    machine = {"session": {"council": session.council, "date": session.date.isoformat(), "place": session.place,
                           "members": [m.__dict__ for m in session.members], "present": session.present,
                           "quorum": session.quorum, "overrides": session.overrides},
               "products": [{k: v for k, v in p.items()} for p in ctx["products"]]}
    written.append(write_text(out / "ket-qua.json", json.dumps(machine, ensure_ascii=False, indent=1, default=str)))
    return written
