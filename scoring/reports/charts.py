"""The reports' charts, drawn once with matplotlib: inline SVG for HTML, PNG for PDF.

XLSX reports use native Excel charts instead (render_xlsx). Text is drawn as paths in the SVG, so
an HTML report needs no font and no network; the PDF embeds the PNGs.
"""
from __future__ import annotations

import io
import math
from typing import Callable

from .figures import STARS, ProgressReport, SupervisionReport

COLOURS = {3: "#f2c14e", 4: "#f78154", 5: "#4d9078"}
STAR_LABEL = {3: "3 sao", 4: "4 sao", 5: "5 sao"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 9,
                         "svg.hashsalt": "ocop-reports"})  # stable ids: the same report gives the same SVG
    return plt


def _emit(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", dpi=110, metadata={"Date": None} if fmt == "svg" else None)
    _plt().close(fig)
    return buf.getvalue()


def targets_vs_achieved(report: ProgressReport, fmt: str = "svg", max_areas: int = 30) -> bytes | None:
    """Bars: each area's cumulative target at its lowest star level against what it has reached."""
    plt = _plt()
    rows = [a for a in report.areas if a.required and not a.synthetic][:max_areas]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, max(2.2, 0.32 * len(rows) + 1)))
    y = range(len(rows))
    tgt = [a.required[min(a.required)] for a in rows]
    got = [a.achieved_at_least[min(a.required)] for a in rows]
    ax.barh([i + 0.2 for i in y], tgt, height=0.4, color="#c9d6df", label="Chỉ tiêu (≥ k sao)")
    ax.barh([i - 0.2 for i in y], got, height=0.4, color="#1e6091", label="Đạt được")
    ax.set_yticks(list(y), ["  " * min(a.depth, 3) + a.label for a in rows])
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Số sản phẩm")
    ax.set_title("Chỉ tiêu và kết quả theo địa bàn (mức sao thấp nhất của chỉ tiêu)")
    ax.legend(loc="lower right", fontsize=8)
    return _emit(fig, fmt)


def stars_over_time(report: ProgressReport, fmt: str = "svg") -> bytes | None:
    """Stacked bars: certificates valid at each quarter's end, by stars (the whole plan area)."""
    if not report.stars_over_time:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3))
    labels = [f"{t.month:02d}/{t.year}" for t, _ in report.stars_over_time]
    bottom = [0] * len(labels)
    for k in STARS:
        vals = [c.get(k, 0) for _, c in report.stars_over_time]
        ax.bar(labels, vals, bottom=bottom, color=COLOURS[k], label=STAR_LABEL[k])
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_title("Giấy chứng nhận còn hiệu lực theo thời gian, theo số sao")
    ax.set_ylabel("Số giấy chứng nhận")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(fontsize=8)
    return _emit(fig, fmt)


def expiring_by_month(months: list[tuple[str, int]], fmt: str = "svg") -> bytes | None:
    if not months:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 2.6))
    ax.bar([m[5:] + "/" + m[:4] for m, _ in months], [n for _, n in months], color="#b23a48")
    ax.set_title("Giấy chứng nhận hết hạn theo tháng")
    ax.set_ylabel("Số giấy chứng nhận")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="x", labelrotation=45)
    return _emit(fig, fmt)


def commune_grid(report: ProgressReport, fmt: str = "svg") -> bytes | None:
    """A map-like grid: one tile per commune, grouped by district, coloured by progress toward its target."""
    communes = [a for a in report.areas if a.level == "commune" and not a.synthetic]
    if not communes:
        return None
    plt = _plt()
    from matplotlib import colormaps

    groups: dict[str, list] = {}
    for a in communes:
        groups.setdefault(a.parent or "", []).append(a)
    cols = max(1, min(8, max(len(v) for v in groups.values())))
    rows_needed = sum(math.ceil(len(v) / cols) for v in groups.values())
    fig, ax = plt.subplots(figsize=(1.3 * cols + 1.6, 0.75 * rows_needed + 0.8))
    cmap = colormaps["RdYlGn"]
    r = 0
    names = {a.code: a.label for a in report.areas}
    for parent, items in groups.items():
        ax.text(-0.15, -r - 0.5, names.get(parent, parent), ha="right", va="center", fontsize=8, fontweight="bold")
        for i, a in enumerate(items):
            x, yy = i % cols, -(r + i // cols)
            p = a.progress
            colour = "#dddddd" if p is None else cmap(p)
            ax.add_patch(plt.Rectangle((x, yy - 1), 0.95, 0.9, color=colour))
            txt = a.name if len(a.name) <= 14 else a.name[:13] + "…"
            ax.text(x + 0.47, yy - 0.45, f"{txt}\n{'—' if p is None else f'{round(p * 100)} %'}",
                    ha="center", va="center", fontsize=7)
        r += math.ceil(len(items) / cols)
    ax.set_xlim(-0.1, cols)
    ax.set_ylim(-r - 0.1, 0.1)
    ax.axis("off")
    ax.set_title("Tiến độ các xã (% chỉ tiêu ở mức sao thấp nhất; xám: không có chỉ tiêu)", fontsize=9)
    return _emit(fig, fmt)


def progress_charts(report: ProgressReport, fmt: str) -> list[tuple[str, bytes]]:
    makers: list[tuple[str, Callable[[], bytes | None]]] = [
        ("Chỉ tiêu và kết quả", lambda: targets_vs_achieved(report, fmt)),
        ("Số sao theo thời gian", lambda: stars_over_time(report, fmt)),
        ("Hết hạn theo tháng", lambda: expiring_by_month(report.expiring_by_month, fmt)),
        ("Bản đồ tiến độ các xã", lambda: commune_grid(report, fmt)),
    ]
    return [(t, b) for t, m in makers if (b := m()) is not None]


def supervision_charts(report: SupervisionReport, fmt: str) -> list[tuple[str, bytes]]:
    b = expiring_by_month(report.expiring_by_month, fmt)
    return [("Hết hạn theo tháng", b)] if b else []
