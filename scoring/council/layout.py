"""The member's scoring sheet as data: one row model that the XLSX writer, the PDF writer and the
reader all use, so the printed form, the workbook and the layout check cannot drift apart.

The sheet follows the official form "Bộ tiêu chí đánh giá sản phẩm OCOP (Kiêm phiếu đánh giá sản
phẩm OCOP)" (Phụ lục II of each decision): a header naming the product, producer, address, member
and date, the knock-out conditions, then the table of parts, groups, criteria and their options
with points and star-minimum marks, the totals and the signature line.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from ..criteria.model import CriteriaSet, Form, Node

# columns of the table; `Tiêu chí` and `Điểm` are the header other tools look for
COLUMNS = ("Tiêu chí", "Nội dung", "Thang điểm", "Sao tối thiểu", "Điểm")
COL_NUMBER, COL_TEXT, COL_POINTS, COL_STARS, COL_SCORE = "A", "B", "C", "D", "E"
LETTERS = (COL_NUMBER, COL_TEXT, COL_POINTS, COL_STARS, COL_SCORE)
FORMAT_VERSION = "ocop-council-sheet/1"
META_SHEET = "_ocop"

STAR_NOTE = ("Ghi chú: Dấu sao là yêu cầu tối thiểu phải đạt theo các cấp độ sao "
             "(*** - 3 sao; **** - 4 sao; ***** - 5 sao)")


@dataclass(frozen=True)
class Row:
    """One printed row. `kind` decides the style; `leaf` is the criterion number whose points the
    member enters in the Điểm column (leaf rows only); `part` is the part a total row sums."""

    kind: str  # title | field | knockout-head | knockout | header | part | group | leaf | option | part-total | total | note | sign
    cells: tuple[Any, ...]  # values for LETTERS (None = empty)
    leaf: str | None = None
    part: str | None = None


def vn_date(value: str | date | None) -> str:
    """dd/mm/yyyy, as Vietnamese documents print dates."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def address(product: Mapping[str, Any]) -> str:
    return ", ".join(str(product[k]) for k in ("address", "commune", "district", "province") if product.get(k))


def header_fields(identity: Mapping[str, Any], member: str) -> list[tuple[str, str]]:
    """The header of the form, filled from the dossier: what the member signs for."""
    product = identity.get("product") or {}
    return [
        ("Tên sản phẩm", str(product.get("name", ""))),
        ("Mã số sản phẩm", str(product.get("code", ""))),
        ("Mã hồ sơ", str(identity["dossier_id"])),
        ("Tên chủ thể sản xuất", str(product.get("producer", ""))),
        ("Số điện thoại", str(product.get("phone", ""))),
        ("Địa chỉ", address(product)),
        ("Thành viên Hội đồng (người đánh giá)", member),
        ("Ngày đánh giá", vn_date(identity.get("evaluated_on"))),
    ]


def knockout_lines(cs: CriteriaSet, form: Form) -> list[str]:
    """The form's knock-out conditions (and those printed at a criterion), each text once, as printed."""
    lines: dict[str, str] = {}
    refs = [(None, k) for k in form.knockouts] + [(n.number, k) for n in form.nodes() for k in n.knockouts]
    for at, ref in refs:
        text = ref.text or (cs.knockouts[ref.id].label if ref.id in cs.knockouts else ref.id)
        lines.setdefault(text, f"{text} (tiêu chí {at})" if at else text)
    return list(lines.values())


def _stars(n: int | None) -> str | None:
    return "*" * n if n else None


def _label(node: Node) -> str:
    printed = f"{node.printed}) " if node.printed and node.printed != node.number else ""
    return f"{printed}{node.label}"


def _option_text(node: Node, option: Any) -> str:
    cases = dict(node.cases)
    prefix = f"[{cases.get(option.case, option.case)}] " if option.case else ""
    return f"□ {prefix}{option.text}"


def _node_rows(node: Node) -> list[Row]:
    if node.is_leaf:
        rows = [Row("leaf", (node.number, _label(node), node.max, None, None), leaf=node.number, part=node.part)]
        rows += [Row("option", (None, _option_text(node, o), o.points, _stars(o.stars), None), part=node.part)
                 for o in node.options]
        return rows
    rows = [Row("group", (node.number, _label(node), node.max, None, None), part=node.part)]
    for child in node.children:
        rows += _node_rows(child)
    return rows


def title_lines(cs: CriteriaSet, form: Form) -> list[str]:
    return [
        "BỘ TIÊU CHÍ ĐÁNH GIÁ SẢN PHẨM OCOP (Kiêm phiếu đánh giá sản phẩm OCOP)",
        f"Bộ sản phẩm: {form.name} — {form.number}",
        f"(Ban hành kèm theo Quyết định số {cs.decision['number']})",
    ]


def sheet_rows(cs: CriteriaSet, form: Form, identity: Mapping[str, Any], member: str) -> list[Row]:
    """Every row of one member's sheet for one dossier, top to bottom."""
    rows = [Row("title", (line, None, None, None, None)) for line in title_lines(cs, form)]
    rows += [Row("field", (label, value, None, None, None)) for label, value in header_fields(identity, member)]
    rows.append(Row("knockout-head", ("Hồ sơ bị loại hoặc dừng đánh giá khi:", None, None, None, None)))
    rows += [Row("knockout", ("-", line, None, None, None)) for line in knockout_lines(cs, form)]
    rows.append(Row("header", COLUMNS))
    for part in form.parts:
        rows.append(Row("part", (f"Phần {part.part}", part.label, part.max, None, None), part=part.part))
        for child in part.children:
            rows += _node_rows(child)
        rows.append(Row("part-total", (None, f"Cộng phần {part.part}", part.max, None, None), part=part.part))
    rows.append(Row("total", (None, "TỔNG CỘNG", form.max, None, None)))
    if any(o.stars for leaf in form.leaves for o in leaf.options):
        rows.append(Row("note", (None, STAR_NOTE, None, None, None)))
    rows.append(Row("sign", (None, "Ngày ...... tháng ...... năm ........", None, None, None)))
    rows.append(Row("sign", (None, "Người đánh giá (Ký và ghi rõ họ tên)", None, None, None)))
    rows.append(Row("sign", (None, member, None, None, None)))
    return rows


def score_formulas(rows: list[Row]) -> dict[int, str]:
    """The Điểm-column formulas by 1-based row: each part total sums its part's rows, the total adds
    the part totals. The writer puts them and the reader checks them, from this one place."""
    out: dict[int, str] = {}
    part_rows: dict[str, list[int]] = {}
    totals: list[int] = []
    for r, row in enumerate(rows, start=1):
        if row.part and row.kind in ("leaf", "option", "group"):
            part_rows.setdefault(row.part, []).append(r)
        elif row.kind == "part-total":
            out[r] = f"=SUM({COL_SCORE}{min(part_rows[row.part])}:{COL_SCORE}{max(part_rows[row.part])})"
            totals.append(r)
        elif row.kind == "total":
            out[r] = "=" + "+".join(f"{COL_SCORE}{x}" for x in totals)
    return out
