"""`ocop plan-file …` and `ocop report …`: plans checked, progress and supervision reports written.

Registered lazily by `scoring.cli.LAYER_COMMANDS`; invalid input raises ValidationFailed, which the
top-level group turns into exit 2 with every problem listed.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..errors import Issue, ValidationFailed

OUTPUTS = (".html", ".xlsx", ".pdf", ".json")


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; expected YYYY-MM-DD / ngày dạng YYYY-MM-DD") from None


def _output(path: str, inputs: tuple[Path, ...] = ()) -> Path:
    out = Path(path)
    if out.suffix.lower() not in OUTPUTS:
        raise ValidationFailed([Issue("[report-output-format] định dạng đầu ra không hỗ trợ / unsupported output "
                                      "format", str(out), "-o", out.suffix, ", ".join(OUTPUTS))], subject=str(out))
    for i in inputs:
        if i.exists() and out.exists() and out.resolve() == i.resolve():
            raise ValidationFailed([Issue("[report-output-is-input] tệp đầu ra trùng tệp đầu vào / the output would "
                                          "overwrite an input", str(out), "-o", str(out), "another file name")],
                                   subject=str(out))
    return out


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
                                      "overwrite the input", str(output), "-o", str(output), "another file name")],
                               subject=str(output))
    write_plan_xlsx(load_plan(source), output)
    click.echo(f"{output}")


@click.group("report")
def report_cmd() -> None:
    """Progress reports against a plan, and supervision lists of certificates (HTML, XLSX, PDF, JSON)."""
