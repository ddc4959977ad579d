"""PDF reports with fpdf2, in DejaVu Sans taken from matplotlib's own data folder (every pip install of
matplotlib ships it), so Vietnamese renders without system fonts. Charts are the same matplotlib
drawings as the HTML's, embedded as PNG."""
from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from . import vnformat as vn
from .charts import progress_charts, supervision_charts
from .figures import CATEGORIES, ProgressReport, SupervisionReport
from .render import cost_text, counts_text, gap_text


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
             bold_rows: set[int] | None = None) -> None:
        self.set_font("DejaVu", size=6.8)
        with self.table(col_widths=widths, text_align="LEFT", line_height=3.6, repeat_headings=1,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 242, 245))) as t:
            t.row(head)
            for i, r in enumerate(rows):
                style = FontFace(emphasis="BOLD") if bold_rows and i in bold_rows else None
                t.row([str(x) for x in r], style=style)
        self.set_font("DejaVu", size=8)

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
    doc = _Doc(f"Báo cáo tiến độ OCOP — {r.period.label}")
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
    doc = _Doc(f"Giám sát sản phẩm OCOP — {vn.day(r.as_of)}")
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
