"""Self-contained HTML reports: Jinja2 templates (autoescaped), charts as inline SVG, no script, no CDN."""
from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from . import vnformat as vn
from .charts import progress_charts, supervision_charts
from .figures import CATEGORIES, ProgressReport, SupervisionReport
from .render import cost_text, counts_text, document_title, gap_text

_env: Environment | None = None


def env() -> Environment:
    global _env
    if _env is None:
        _env = Environment(loader=PackageLoader("scoring.reports", "templates"),
                           autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
        _env.globals.update(day=vn.day, num=vn.number, money=vn.money, gap_text=gap_text, cost=cost_text)
        _env.filters["css_string"] = css_string
    return _env


def css_string(text: str) -> Markup:
    """`text` as a CSS string literal for the <style> element (the page footer's title): backslash,
    quotes and line breaks escaped, and `<` too so that no text can close the element. HTML escaping
    would be wrong there (a style element's text is not HTML: `&amp;` would print as such)."""
    out = []
    for ch in str(text):
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def _svg(data: bytes) -> Markup:
    """matplotlib's SVG without its XML prolog and doctype, to sit inside the HTML body (our own drawing:
    every text in it is drawn as paths, so no user text reaches the markup unescaped)."""
    text = data.decode("utf-8")
    text = re.sub(r"^<\?xml[^>]*>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)  # RDF boilerplate, no content
    return Markup(text)


def html(report: ProgressReport | SupervisionReport, *, printing: bool = False) -> str:
    """The report as one self-contained HTML document. `printing`: the copy Chromium prints to PDF,
    which hides the body from the (never seen) screen view: see templates/base.html.j2."""
    if isinstance(report, SupervisionReport):
        groups: dict = {}
        for it in sorted(report.items, key=lambda i: (i.area_key, list(CATEGORIES).index(i.category), i.expires_on)):
            groups.setdefault(it.area_key, []).append(it)
        charts = [(t, _svg(b)) for t, b in supervision_charts(report, "svg")]
        return env().get_template("supervision.html.j2").render(
            r=report, title=document_title(report), printing=printing, categories=CATEGORIES,
            by_area=report.by_area(), groups=list(groups.items()), charts=charts)
    charts = [(t, _svg(b)) for t, b in progress_charts(report, "svg")]
    upgrade_rows = []
    for a in report.areas:
        for u in a.upgrade_targets:
            upgrade_rows.append((a.label, f"Nâng hạng {u['from']}★ → {u['to']}★: {u['target']}", u["achieved"]))
        if a.new_products_target:
            upgrade_rows.append((a.label, f"Sản phẩm mới: {a.new_products_target}", a.new_products))
    whatif_areas = [a for a in report.areas if a.whatif is not None]
    return env().get_template("progress.html.j2").render(
        r=report, title=document_title(report), printing=printing, counts_text=counts_text(report.counts),
        charts=charts, upgrade_rows=upgrade_rows, whatif_areas=whatif_areas)
