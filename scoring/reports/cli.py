"""`ocop plan-file …` and `ocop report …`: plans checked, progress and supervision reports written.

Registered lazily by `scoring.cli.LAYER_COMMANDS`; invalid input raises ValidationFailed, which the
top-level group turns into exit 2 with every problem listed.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..errors import Issue, ValidationFailed
from .render_chromium import AUTO_MAX_ROWS

OUTPUTS = (".html", ".xlsx", ".pdf", ".json")


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"[report-date-invalid] {value!r} không phải ngày dạng YYYY-MM-DD / is not a "
                                 "date; expected YYYY-MM-DD") from None


def _output(path: str, inputs: tuple[Path, ...] = ()) -> Path:
    out = Path(path)
    if out.suffix.lower() not in OUTPUTS:
        raise ValidationFailed([Issue("[report-output-format] định dạng đầu ra không hỗ trợ / unsupported output "
                                      "format", str(out), "-o", out.suffix, ", ".join(OUTPUTS))], subject=str(out))
    for i in inputs:
        if i.exists() and out.exists() and out.resolve() == i.resolve():
            raise ValidationFailed([Issue("[report-output-is-input] tệp đầu ra trùng tệp đầu vào / the output would "
                                          "overwrite an input", str(out), "-o", str(out), "tên tệp khác / another file name")],
                                   subject=str(out))
    return out


PDF_ENGINE = click.option(
    "--pdf-engine", type=click.Choice(["auto", "chromium", "fpdf"]), default="auto", show_default=True,
    help="For OUT.pdf: chromium prints the HTML report with headless Chromium ($OCOP_CHROMIUM, else chromium, "
         "chromium-browser or google-chrome on PATH, else Playwright's own browser); fpdf draws it with fpdf2 (no "
         f"browser needed); auto uses Chromium when one is found and the document has at most {AUTO_MAX_ROWS:,} "
         "table rows (Chromium's print time grows with every row: larger lists would miss the 5 s target), else "
         "fpdf2, and says so on stderr (docs/REPORTS.md).")


def _pdf_engine(out: Path, engine: str) -> None:
    """Before any work: `--pdf-engine chromium` without a Chromium is a user error (exit 2)."""
    if out.suffix.lower() != ".pdf" or engine != "chromium":
        return
    from .render_chromium import ChromiumUnavailable, find_browser

    try:
        find_browser()
    except ChromiumUnavailable as exc:
        raise ValidationFailed([Issue(str(exc), None, "--pdf-engine", engine, "auto, fpdf")], subject=str(out)) from None


def _write(report, out: Path, engine: str) -> None:
    from .render import render
    from .render_chromium import ChromiumUnavailable

    try:
        render(report, out, pdf_engine=engine, on_note=lambda note: click.echo(note, err=True))
    except ChromiumUnavailable as exc:
        raise ValidationFailed([Issue(str(exc), None, "--pdf-engine", engine, "auto, fpdf")], subject=str(out)) from None


@click.group("plan-file")
def plan_file_cmd() -> None:
    """Plan files (kế hoạch OCOP): check them, convert YAML ⇄ XLSX (layout: docs/REPORTS.md)."""


@plan_file_cmd.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate_cmd(files: tuple[Path, ...]) -> None:
    """Check plan files (.yaml/.yml/.xlsx); every problem is listed with its field or cell (exit 2)."""
    from .planfile import load_plan

    problems: list[Issue] = []
    for f in files:
        if not f.is_file():
            problems.append(Issue("[plan-unreadable] không tìm thấy tệp / file not found", str(f)))
            continue
        try:
            plan = load_plan(f)
        except ValidationFailed as exc:
            problems += exc.issues
            continue
        n = sum(1 for _ in plan.areas())
        with_targets = sum(1 for _, a in plan.areas() if a.targets)
        req = plan.area.targets.required if plan.area.targets else {}
        click.echo(f"{f}: hợp lệ / valid — {plan.title} ({plan.year}); {n} địa bàn/areas, {with_targets} có chỉ "
                   f"tiêu/with targets; {plan.area.label}: "
                   + (", ".join(f"≥ {k}★: {v}" for k, v in req.items()) or "—")
                   + f"; {len(plan.budget)} hạng mục kinh phí/budget lines")
    if problems:
        raise ValidationFailed(problems, subject=", ".join(map(str, files)))


@plan_file_cmd.command("convert")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The plan in the XLSX layout (.xlsx).")
def convert_cmd(source: Path, output: Path) -> None:
    """Write a checked plan in the XLSX layout (for an office that fills plans in Excel)."""
    from .planfile import load_plan
    from .planxlsx import write_plan_xlsx

    if output.suffix.lower() != ".xlsx":
        raise ValidationFailed([Issue("[plan-format] chỉ xuất được .xlsx / only .xlsx can be written", str(output),
                                      "-o", output.suffix, ".xlsx")], subject=str(output))
    if output.exists() and output.resolve() == source.resolve():
        raise ValidationFailed([Issue("[report-output-is-input] tệp đầu ra trùng tệp đầu vào / the output would "
                                      "overwrite the input", str(output), "-o", str(output), "tên tệp khác / another file name")],
                               subject=str(output))
    write_plan_xlsx(load_plan(source), output)
    click.echo(f"{output}")


@click.group("report")
def report_cmd() -> None:
    """Progress reports against a plan, and supervision lists of certificates (HTML, XLSX, PDF, JSON)."""


def _registry(db: str | None):
    from ..registry import Registry

    reg = Registry(db)
    reg.check_schema()
    return reg


@report_cmd.command("progress")
@click.option("--plan", "plan_file", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The plan file (.yaml/.yml/.xlsx; docs/REPORTS.md).")
@click.option("--as-of", "as_of", required=True, callback=_day, help="Report date (YYYY-MM-DD): figures as of that day.")
@click.option("--period", default="year", show_default=True,
              help="Reporting period of the plan's year: Q1–Q4, H1, H2 or year (new, upgraded, expired, revoked "
                   "and rewards are counted in it, up to the report date).")
@click.option("-o", "--output", required=True, help="OUT.html, OUT.xlsx, OUT.pdf (documents) or OUT.json (data).")
@click.option("--db", default=None, help="Registry database URL (default $OCOP_DB, else sqlite:///ocop.db).")
@click.option("--whatif-depth", default=1, show_default=True, type=click.IntRange(-1, 3),
              help="Plan the cheapest upgrades for areas down to this depth (0: the plan's root only; -1: none).")
@click.option("--whatif-candidates", default=20, show_default=True, type=click.IntRange(0, 10_000),
              help="At most this many dossiers per area are given to the planner, the closest to the next band first.")
@click.option("--costs", "costs_file", default=None, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A cost table (as `ocop plan --costs`) instead of the plan's support lines' costs.")
@PDF_ENGINE
def progress_cmd(plan_file: Path, as_of: date, period: str, output: str, db: str | None, whatif_depth: int,
                 whatif_candidates: int, costs_file: Path | None, pdf_engine: str) -> None:
    """Progress against a plan: targets vs certified by stars, period flows, pipeline, rewards, upgrades."""
    from .compute import progress
    from .planfile import load_plan

    out = _output(output, (plan_file,))
    _pdf_engine(out, pdf_engine)
    plan = load_plan(plan_file)
    costs = None
    if costs_file is not None:
        from ..whatif import load_costs

        costs = load_costs(costs_file)
    reg = _registry(db)
    try:
        report = progress(plan, reg, as_of, period, whatif_depth=whatif_depth, whatif_candidates=whatif_candidates,
                          costs=costs)
    finally:
        reg.close()
    _write(report, out, pdf_engine)
    root = report.areas[0]
    click.echo(f"{out}: {root.label}, {report.period.label}, đến {as_of.strftime('%d/%m/%Y')}: "
               f"≥3★ {root.achieved_at_least[3]}"
               + (f" / chỉ tiêu {root.required.get(3)}" if root.required.get(3) is not None else "")
               + f"; {len(report.areas)} dòng địa bàn/area rows"
               + (f"; {report.outside_plan} giấy ngoài địa bàn kế hoạch/certificates outside the plan's area"
                  if report.outside_plan else ""))


@report_cmd.command("supervision")
@click.option("--as-of", "as_of", required=True, callback=_day, help="Report date (YYYY-MM-DD).")
@click.option("--within", default=180, show_default=True, type=click.IntRange(0, 3650),
              help="List certificates whose re-evaluation window opens within DAYS (and those open, closed, expired).")
@click.option("--since", default=None, callback=_day,
              help="List expired and revoked certificates from this date (default: one year before --as-of).")
@click.option("-o", "--output", required=True, help="OUT.html, OUT.xlsx, OUT.pdf or OUT.json.")
@click.option("--db", default=None, help="Registry database URL (default $OCOP_DB, else sqlite:///ocop.db).")
@PDF_ENGINE
def supervision_cmd(as_of: date, within: int, since: date | None, output: str, db: str | None,
                    pdf_engine: str) -> None:
    """Certificates to follow up, per area, with the producer's contacts: expiring, in or past the
    re-evaluation window (180–120 days before expiry), expired, revoked."""
    from .compute import supervision

    out = _output(output)
    _pdf_engine(out, pdf_engine)
    reg = _registry(db)
    try:
        report = supervision(reg, as_of, within, since)
    finally:
        reg.close()
    _write(report, out, pdf_engine)
    counts = {k: sum(1 for i in report.items if i.category == k) for k in
              ("expiring", "in_window", "past_window", "expired", "revoked")}
    click.echo(f"{out}: {len(report.items)} giấy chứng nhận cần theo dõi/to follow up — "
               + ", ".join(f"{k}: {v}" for k, v in counts.items()))
