"""Session documents as data: a Jinja2 template renders a YAML list of blocks (header, title,
heading, para, list, table, signatures), and the same blocks become a DOCX (python-docx) and a PDF
(fpdf2). A province edits the template, never the code; its copy is used when its path is given.

Templates must quote values with the `q` filter (`{{ product.name|q }}`): it writes a YAML string
whatever the text holds (quotes, colons, a leading '=' or '-').
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2
import yaml

from ..errors import Issue, ValidationFailed
from .files import atomic_path
from .layout import vn_date

BLOCKS = ("header", "title", "heading", "para", "list", "table", "signatures", "spacer")


def vn_num(value: Any, digits: int = 2, *, trim: bool = False) -> str:
    """Vietnamese number format: 1.234,5 (dot for thousands, comma for decimals)."""
    if value is None or value == "":
        return ""
    text = f"{float(value):,.{digits}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _q(value: Any) -> str:
    return json.dumps("" if value is None else str(value), ensure_ascii=False)


def environment(templates: str | Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.FileSystemLoader(str(resources.files("scoring.council") / "templates")))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(q=_q, vn_num=vn_num, vn_date=vn_date,
                       stars=lambda n: f"{int(n)} sao" if n else "—")
    return env


def render_blocks(name: str, context: Mapping[str, Any], templates: str | Path | None = None) -> list[dict[str, Any]]:
    """Render template `name` and parse its blocks; a broken template is an error naming it."""
    env = environment(templates)
    try:
        template = env.get_template(name)
        text = template.render(**context)
        blocks = yaml.safe_load(text)
    except (jinja2.TemplateError, yaml.YAMLError) as exc:
        where = getattr(exc, "filename", None) or name
        raise ValidationFailed([Issue(f"mẫu văn bản lỗi / the document template is broken: {exc}", str(where),
                                      f"line {getattr(exc, 'lineno', '?')}", None,
                                      "a Jinja2 template producing a YAML list of blocks")],
                               subject=f"template {name}") from None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and len(b) == 1 and next(iter(b)) in BLOCKS
                                                for b in blocks):
        raise ValidationFailed([Issue("mẫu văn bản không tạo ra danh sách khối hợp lệ / the template does not produce a "
                                      "list of blocks", name, None, None, "each item one of: " + ", ".join(BLOCKS))],
                               subject=f"template {name}")
    return blocks


# --------------------------------------------------------------------------- DOCX

def write_docx(blocks: Sequence[Mapping[str, Any]], target: str | Path) -> Path:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    align = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
             "left": WD_ALIGN_PARAGRAPH.LEFT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)

    def para(text: str, *, bold: bool = False, italic: bool = False, how: str = "left", size: float | None = None,
             container=None):
        p = (container or doc).add_paragraph()
        run = p.add_run(str(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        p.alignment = align.get(how, WD_ALIGN_PARAGRAPH.LEFT)
        return p

    for block in blocks:
        (kind, body), = block.items()
        body = body if body is not None else ([] if kind in ("list", "signatures") else "")
        if kind == "header":
            t = doc.add_table(rows=1, cols=2)
            for cell, lines in zip(t.rows[0].cells, (body.get("left", []), body.get("right", []))):
                cell.paragraphs[0].text = ""
                for i, line in enumerate(lines):
                    p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                    run = p.add_run(str(line))
                    run.bold = i == 0 or not str(line).startswith(("Số", "ngày", "…", "..."))
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "title":
            para(body, bold=True, how="center", size=14)
        elif kind == "heading":
            para(body, bold=True)
        elif kind == "para":
            body = {"text": body} if isinstance(body, str) else body
            para(body["text"], bold=body.get("bold", False), italic=body.get("italic", False),
                 how=body.get("align", "justify"))
        elif kind == "list":
            for item in body:
                para(f"- {item}")
        elif kind == "spacer":
            doc.add_paragraph()
        elif kind == "table":
            cols = body["columns"]
            t = doc.add_table(rows=1, cols=len(cols))
            t.style = "Table Grid"
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, name in zip(t.rows[0].cells, cols):
                cell.text = ""
                run = cell.paragraphs[0].add_run(str(name))
                run.bold = True
                run.font.size = Pt(11)
            for row in body.get("rows", []):
                cells = t.add_row().cells
                for cell, value in zip(cells, row):
                    cell.text = ""
                    run = cell.paragraphs[0].add_run("" if value is None else str(value))
                    run.font.size = Pt(11)
        elif kind == "signatures":
            t = doc.add_table(rows=1, cols=max(1, len(body)))
            for cell, sig in zip(t.rows[0].cells, body):
                cell.paragraphs[0].text = ""
                run = cell.paragraphs[0].add_run(str(sig.get("role", "")))
                run.bold = True
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                p = cell.add_paragraph()
                p.add_run("(Ký, ghi rõ họ tên)").italic = True
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for _ in range(3):
                    cell.add_paragraph()
                p = cell.add_paragraph()
                p.add_run(str(sig.get("name", ""))).bold = True
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    with atomic_path(target) as tmp:
        doc.save(str(tmp))
    return Path(target)


# --------------------------------------------------------------------------- PDF

def write_pdf(blocks: Sequence[Mapping[str, Any]], target: str | Path, *, landscape: bool = False) -> Path:
    from fpdf.fonts import FontFace

    from .pdf import SHADE, new_pdf

    pdf, family = new_pdf(landscape)
    pdf.add_page()
    width = pdf.epw
    how = {"center": "C", "right": "R", "left": "L", "justify": "J"}
    for block in blocks:
        (kind, body), = block.items()
        body = body if body is not None else ([] if kind in ("list", "signatures") else "")
        if kind == "header":
            y = pdf.get_y()
            half = width / 2
            for i, lines in enumerate((body.get("left", []), body.get("right", []))):
                pdf.set_xy(pdf.l_margin + i * half, y)
                for j, line in enumerate(lines):
                    pdf.set_font(family, "B" if j == 0 or not str(line).startswith(("Số", "ngày", "…")) else "", 10.5)
                    pdf.set_x(pdf.l_margin + i * half)
                    pdf.multi_cell(half, 5.2, str(line), align="C", new_x="LEFT", new_y="NEXT")
                y_end = pdf.get_y()
                if i == 0:
                    left_end = y_end
            pdf.set_y(max(left_end, pdf.get_y()) + 4)
        elif kind == "title":
            pdf.set_font(family, "B", 13)
            pdf.multi_cell(0, 6.5, str(body), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "heading":
            pdf.set_font(family, "B", 11)
            pdf.ln(1)
            pdf.multi_cell(0, 5.5, str(body), new_x="LMARGIN", new_y="NEXT")
        elif kind == "para":
            body = {"text": body} if isinstance(body, str) else body
            style = ("B" if body.get("bold") else "") + ("I" if body.get("italic") else "")
            pdf.set_font(family, style, 10.5)
            pdf.multi_cell(0, 5.5, str(body["text"]), align=how.get(body.get("align", "justify"), "J"),
                           new_x="LMARGIN", new_y="NEXT")
        elif kind == "list":
            pdf.set_font(family, "", 10.5)
            for item in body:
                pdf.multi_cell(0, 5.5, f"- {item}", new_x="LMARGIN", new_y="NEXT")
        elif kind == "spacer":
            pdf.ln(4)
        elif kind == "table":
            pdf.set_font(family, "", 9)
            widths = body.get("widths") or [1] * len(body["columns"])
            with pdf.table(col_widths=tuple(widths), line_height=4.8, first_row_as_headings=True, text_align="LEFT",
                           headings_style=FontFace(emphasis="BOLD", fill_color=SHADE)) as table:
                table.row([str(c) for c in body["columns"]])
                for row in body.get("rows", []):
                    table.row(["" if v is None else str(v) for v in row])
            pdf.ln(2)
        elif kind == "signatures":
            pdf.ln(3)
            n = max(1, len(body))
            col = width / n
            y = pdf.get_y()
            if y > pdf.h - 50:
                pdf.add_page()
                y = pdf.get_y()
            for i, sig in enumerate(body):
                x = pdf.l_margin + i * col
                pdf.set_xy(x, y)
                pdf.set_font(family, "B", 10.5)
                pdf.multi_cell(col, 5.2, str(sig.get("role", "")), align="C", new_x="LEFT", new_y="NEXT")
                pdf.set_font(family, "I", 9.5)
                pdf.multi_cell(col, 5.2, "(Ký, ghi rõ họ tên)", align="C", new_x="LEFT", new_y="NEXT")
                pdf.set_xy(x, y + 30)
                pdf.set_font(family, "B", 10.5)
                pdf.multi_cell(col, 5.2, str(sig.get("name", "")), align="C", new_x="LEFT", new_y="NEXT")
            pdf.set_y(y + 40)
    with atomic_path(target) as tmp:
        pdf.output(str(tmp))
    return Path(target)
