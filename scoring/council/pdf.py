"""Printable PDFs (fpdf2, DejaVu Sans): the members' sheets, and the block documents of a session."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from .files import atomic_path
from .fonts import add_fonts
from .layout import Row

SHEET_WIDTHS = (16, 118, 18, 20, 18)  # mm, A4 portrait with 10 mm margins (190 mm)
TABLE_KINDS = {"header", "part", "group", "leaf", "option", "part-total", "total"}
BOLD_KINDS = {"header", "part", "group", "part-total", "total", "knockout-head"}
SHADE = (217, 225, 242)
INPUT = (255, 242, 204)


def new_pdf(landscape: bool = False) -> tuple[FPDF, str]:
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    family = add_fonts(pdf)
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_font(family, size=10)
    return pdf, family


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def sheets_pdf(pages: Sequence[tuple[str, list[Row]]], target: str | Path) -> Path:
    """One PDF of a member's sheets: a page (or more) per dossier, as the form is printed."""
    pdf, family = new_pdf()
    for _title, rows in pages:
        pdf.add_page()
        table_rows = [r for r in rows if r.kind in TABLE_KINDS]
        before = [r for r in rows if r.kind not in TABLE_KINDS and rows.index(r) < rows.index(table_rows[0])]
        after = [r for r in rows if r.kind not in TABLE_KINDS and rows.index(r) > rows.index(table_rows[-1])]
        for r in before:
            if r.kind == "title":
                pdf.set_font(family, "B", 12)
                pdf.multi_cell(0, 6, _text(r.cells[0]), align="C", new_x="LMARGIN", new_y="NEXT")
            elif r.kind == "field":
                pdf.set_font(family, "", 10)
                pdf.multi_cell(0, 5, f"{r.cells[0]}: {_text(r.cells[1])}", new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.set_font(family, "B" if r.kind in BOLD_KINDS else "", 9.5)
                line = _text(r.cells[0]) if r.kind == "knockout-head" else f"- {_text(r.cells[1])}"
                pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font(family, "", 9)
        with pdf.table(col_widths=SHEET_WIDTHS, text_align=("CENTER", "LEFT", "CENTER", "CENTER", "CENTER"),
                       line_height=4.6, first_row_as_headings=True,
                       headings_style=FontFace(emphasis="BOLD", fill_color=SHADE)) as table:
            for r in table_rows:
                bold = r.kind in BOLD_KINDS
                style = FontFace(emphasis="BOLD" if bold else None,
                                 fill_color=SHADE if r.kind in ("part", "total") else None)
                row = table.row()
                for i, v in enumerate(r.cells):
                    if i == 4 and r.kind == "leaf":
                        row.cell("", style=FontFace(fill_color=INPUT))
                    else:
                        row.cell(_text(v), style=style)
        pdf.ln(3)
        for r in after:
            pdf.set_font(family, "I" if r.kind == "note" else "", 9.5)
            align = "L" if r.kind == "note" else "R"
            pdf.multi_cell(0, 5, _text(r.cells[1]), align=align, new_x="LMARGIN", new_y="NEXT")
    with atomic_path(target) as tmp:
        pdf.output(str(tmp))
    return Path(target)
