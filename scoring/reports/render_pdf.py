"""PDF reports with fpdf2, in DejaVu Sans taken from matplotlib's own data folder (every pip install of
matplotlib ships it), so Vietnamese renders without system fonts. Charts are the same matplotlib
drawings as the HTML's, embedded as PNG."""
from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from . import vnformat as vn
from .charts import progress_charts, supervision_charts
from .figures import CATEGORIES, ProgressReport, SupervisionReport
from .render import cost_text, counts_text, document_title, gap_text


def _fonts() -> tuple[Path, Path]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"


class _Doc(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        regular, bold = _fonts()
        self.add_font("DejaVu", "", str(regular))
        self.add_font("DejaVu", "B", str(bold))
        self.set_font("DejaVu", size=8)
        self.set_auto_page_break(True, margin=12)
        self.footer_text = footer_text
        self.set_title(footer_text)
        self.set_creator("ocop-scoring")

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font("DejaVu", size=7)
        self.cell(0, 5, f"{self.footer_text} — trang {self.page_no()}/{{nb}}", align="C")

    def h1(self, text: str) -> None:
        self.set_font("DejaVu", "B", 13)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=8)

    def h2(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 10.5)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=8)

    def para(self, text: str) -> None:
        self.multi_cell(0, 4.2, text, new_x="LMARGIN", new_y="NEXT")

    def grid(self, head: list[str], rows: list[list[str]], widths: list[float] | None = None,
             bold_rows: set[int] | None = None, size: float = 6.8, line_h: float = 3.1, pad: float = 0.8) -> None:
        """A bordered table, header repeated on every page, text wrapped in its column.

        Drawn with `text()` and `rect()` and our own word wrap on cached glyph widths: fpdf2's
        `table()` measures every character again for each cell, which made a supervision list of
        10,000 certificates take minutes (benchmarks/README.md, "Reports"). Widths are relative, as
        `table(col_widths=…)`; a word longer than its column is cut between characters."""
        widths = widths or [1.0] * len(head)
        scale = self.epw / sum(widths)
        cols = [w * scale for w in widths]
        fonts = {"": self._widths(size, ""), "B": self._widths(size, "B")}

        def wrap(text: str, width: float, style: str) -> list[str]:
            cw = fonts[style]
            room = width - 2 * pad
            out: list[str] = []
            for para in str(text).split("\n"):
                line, line_w = "", 0.0
                for word in para.split(" "):
                    w = sum(cw(ch) for ch in word)
                    sep = cw(" ") if line else 0.0
                    if line and line_w + sep + w <= room:
                        line, line_w = f"{line} {word}", line_w + sep + w
                        continue
                    if line:
                        out.append(line)
                    line, line_w = "", 0.0
                    for ch in word:  # a word wider than the column: cut it
                        c = cw(ch)
                        if line and line_w + c > room:
                            out.append(line)
                            line, line_w = "", 0.0
                        line, line_w = line + ch, line_w + c
                out.append(line)
            return out or [""]

        def draw(cells: list[str], style: str, fill: bool) -> None:
            wrapped = [wrap(c, w, style) for c, w in zip(cells, cols)]
            h = max(len(x) for x in wrapped) * line_h + 2 * pad
            if self.get_y() + h > self.page_break_trigger:
                self.add_page()
                if not fill:  # the header again on the new page
                    draw(head, "B", True)
            y, x = self.get_y(), self.l_margin
            self.set_font("DejaVu", style, size)
            for lines, w in zip(wrapped, cols):
                self.rect(x, y, w, h, style="DF" if fill else "D")
                for i, ln in enumerate(lines):
                    if ln:
                        self.text(x + pad, y + pad + (i + 0.78) * line_h, ln)
                x += w
            self.set_y(y + h)

        self.set_draw_color(170, 170, 170)
        self.set_fill_color(238, 242, 245)
        self.set_line_width(0.15)
        draw(head, "B", True)
        for i, r in enumerate(rows):
            draw([str(x) for x in r], "B" if bold_rows and i in bold_rows else "", False)
        self.ln(1)
        self.set_font("DejaVu", size=8)

    def _widths(self, size: float, style: str):
        """Glyph width (mm) of a character in DejaVu at `size`, cached."""
        self.set_font("DejaVu", style, size)
        cache: dict[str, float] = {}
        measure = self.get_string_width

        def width(ch: str) -> float:
            w = cache.get(ch)
            if w is None:
                w = cache[ch] = measure(ch)
            return w

        return width

    def chart(self, title: str, png: bytes) -> None:
        """A titled chart kept on one page with its title (PNG size read from its IHDR header)."""
        px_w, px_h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        w = min(230.0, self.epw)
        h = w * px_h / px_w
        if h > self.eph - 12:
            w, h = w * (self.eph - 12) / h, self.eph - 12
        if self.get_y() + h + 10 > self.page_break_trigger:
            self.add_page()
        self.h2(title)
        self.image(io.BytesIO(png), w=w, h=h)


def pdf(report: ProgressReport | SupervisionReport, out: Path) -> None:
    if isinstance(report, SupervisionReport):
        doc = _supervision(report)
    else:
        doc = _progress(report)
    doc.output(str(out))


def _progress(r: ProgressReport) -> _Doc:
    doc = _Doc(document_title(r))
    doc.alias_nb_pages()
    doc.add_page()
    doc.h1(f"Báo cáo tiến độ thực hiện kế hoạch OCOP — {r.period.label}")
    doc.para(f"Kế hoạch: {r.plan_title} ({r.plan_id}), năm {r.plan_year}. Số liệu đến ngày {vn.day(r.as_of)}; kỳ báo "
             f"cáo {vn.day(r.period.start)} – {vn.day(r.period.end)}. Cơ sở dữ liệu: {r.database}.")
    doc.para(f"Cách tính chỉ tiêu: {counts_text(r.counts)}")
    doc.h2("1. Chỉ tiêu và kết quả theo địa bàn")
    head = ["Địa bàn", "Chỉ tiêu", "≥3★", "≥4★", "≥5★", "Còn thiếu", "Mới", "Nâng hạng", "Đ.giá lại", "Hết hạn",
            "Thu hồi", "Hiệu lực", "Đang xét 3/4/5★", "Thiếu nếu CN hết", "Thưởng phải trả"]
    rows, bold = [], set()
    for i, a in enumerate(r.areas):
        al = a.achieved_at_least
        rows.append(["  " * a.depth + a.label, a.target_text or "—", vn.number(al[3]), vn.number(al[4]), vn.number(al[5]),
                     (gap_text(a.gap) if sum(a.gap.values()) else "đạt") if a.required else "—",
                     vn.number(sum(a.new_in_period.values())), vn.number(sum(a.upgrades_in_period.values())),
                     vn.number(sum(a.reevaluations_in_period.values())), vn.number(sum(a.expired_in_period.values())),
                     vn.number(sum(a.revoked_in_period.values())), vn.number(sum(a.valid.values())),
                     f"{a.pipeline[3]}/{a.pipeline[4]}/{a.pipeline[5]}",
                     (gap_text(a.gap_after_pipeline) if sum(a.gap_after_pipeline.values()) else "đạt") if a.required else "—",
                     vn.money(a.reward_owed)])
        if a.depth == 0:
            bold.add(i)
    doc.grid(head, rows, [46, 30, 10, 10, 10, 26, 10, 13, 12, 12, 11, 12, 18, 26, 24], bold)
    for title, png in progress_charts(r, "png"):
        doc.chart(title, png)
    doc.h2("Đề xuất nâng cấp chi phí thấp nhất để đạt chỉ tiêu còn thiếu")
    any_whatif = False
    for a in r.areas:
        if a.whatif is None:
            continue
        any_whatif = True
        w = a.whatif
        doc.para(f"{a.label}: " + (f"tổng chi phí {cost_text(w.cost, w.cost_unit)}" if w.feasible
                                   else "chưa thể đạt đủ chỉ tiêu") + (f". {w.note}" if w.note else ""))
        if w.proposals:
            doc.grid(["Hồ sơ", "Sản phẩm", "Sao", "Nâng cấp", "Chi phí"],
                     [[p.dossier_id, p.product, f"{p.stars_before} → {p.stars_after}",
                       "; ".join(f"{s['criterion']}: {s['from_points']} → {s['to_points']}"
                                 + (f" ({s['label']})" if s.get("label") else "") for s in p.steps),
                       cost_text(p.cost, w.cost_unit)] for p in w.proposals], [45, 50, 14, 130, 30])
    if not any_whatif:
        doc.para("Không có địa bàn nào còn thiếu chỉ tiêu sau khi tính hồ sơ đang xét.")
    doc.h2("Ghi chú cách đọc số liệu")
    for n in r.readings:
        doc.para(f"• {n}")
    return doc


def _supervision(r: SupervisionReport) -> _Doc:
    doc = _Doc(document_title(r))
    doc.alias_nb_pages()
    doc.add_page()
    doc.h1("Danh sách giám sát sản phẩm OCOP đã được công nhận")
    doc.para(f"Đến ngày {vn.day(r.as_of)}; sắp hết hạn trong {r.within} ngày; hết hạn / thu hồi từ {vn.day(r.since)}; "
             f"nộp hồ sơ đánh giá lại từ {r.window[0]} đến {r.window[1]} ngày trước khi hết hạn. Cơ sở dữ liệu: {r.database}.")
    doc.h2("1. Tổng hợp theo địa bàn")
    doc.grid(["Tỉnh", "Huyện", "Xã", *(v[0] for v in CATEGORIES.values())],
             [[p, d or "—", c or "—", *(vn.number(row[k]) for k in CATEGORIES)] for (p, d, c), row in r.by_area().items()])
    for title, png in supervision_charts(r, "png"):
        doc.chart(title, png)
    doc.h2("2. Danh sách cần liên hệ")
    order = list(CATEGORIES)
    rows = [[CATEGORIES[it.category][0], it.certificate_no, it.product, str(it.stars), vn.day(it.expires_on),
             vn.number(it.days_to_expiry), f"{vn.day(it.window_opens)} – {vn.day(it.window_closes)}",
             ", ".join(x for x in (it.commune, it.district, it.province) if x), it.producer,
             it.representative or "—", it.phone or "—", it.email or "—"]
            for it in sorted(r.items, key=lambda i: (i.area_key, order.index(i.category), i.expires_on))]
    if rows:
        doc.grid(["Tình trạng", "Số GCN", "Sản phẩm", "Sao", "Hết hạn", "Còn", "Nộp đánh giá lại", "Địa bàn", "Chủ thể",
                  "Đại diện", "Điện thoại", "Email"], rows, [34, 22, 30, 8, 15, 9, 30, 32, 30, 22, 20, 25])
    else:
        doc.para("Không có giấy chứng nhận nào cần liên hệ.")
    doc.h2("3. Ghi chú")
    for n in r.readings:
        doc.para(f"• {n}")
    return doc
