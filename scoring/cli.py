"""`ocop`: a thin command line over the library (every command calls the public API).

Exit codes (design.md §5): 0 success, 2 invalid input (the message names the file, the field and
what is allowed), 1 internal error.
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from .terminal import escape  # data printed with markup (Rich would eat "[...]") and control characters removed
from rich.table import Table

from . import criteria as crit
from .errors import FormUnavailable, ValidationFailed
from .result import LEVEL_TEXT, STATUS_TEXT
from .whatif.cli_support import ASSUME_HELP, AmountType, RewardsType, TargetsType

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _print_json(data: Any) -> None:
    from .terminal import json_safe

    click.echo(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)))


# The programme's layers above the kernel (design.md §7) each keep their commands in their own
# package; they are imported only when their command runs, so that `ocop score` never pays for
# SQLAlchemy, the document libraries or the web stack.
LAYER_COMMANDS: dict[str, str] = {
    "registry": "scoring.registry.cli:registry_cmd",
    "council": "scoring.council.cli:council_cmd",
    "plan-file": "scoring.reports.cli:plan_file_cmd",
    "report": "scoring.reports.cli:report_cmd",
    "users": "scoring.web.cli:users_cmd",
    "serve": "scoring.web.cli:serve_cmd",
}


class _Group(click.Group):
    """Maps library errors to the documented exit codes instead of tracebacks, and loads the
    layers' command groups (LAYER_COMMANDS) on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *(n for n in LAYER_COMMANDS if _layer_available(n))])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is not None or name not in LAYER_COMMANDS:
            return cmd
        return _load_layer(name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", crit.PartialFormWarning)  # results carry it as a warning
                return super().invoke(ctx)
        except ValidationFailed as exc:
            err.print(f"[bold red]dữ liệu không hợp lệ / invalid input[/] — {escape(str(exc))}")
            sys.exit(EXIT_INVALID)
        except FormUnavailable as exc:
            err.print(f"[bold red]dữ liệu không hợp lệ / invalid input[/] — {escape(str(exc))}")
            sys.exit(EXIT_INVALID)


def _layer_available(name: str) -> bool:
    """A layer whose package is not there yet is left out of the help instead of failing it."""
    import importlib.util

    module = LAYER_COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module.rsplit(".", 1)[0]) is not None and importlib.util.find_spec(module) is not None


def _load_layer(name: str) -> click.Command | None:
    import importlib

    if not _layer_available(name):
        return None
    module, attr = LAYER_COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), attr)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ocop-scoring")
def cli() -> None:
    """Score OCOP products (Mỗi xã một sản phẩm) against the official star criteria.

    Criteria sets: qd1048-2019 (QĐ 1048/2019 + 781/2020), qd148-2023 (QĐ 148/2023 + 1489/2025),
    qd26-2026 (QĐ 26/2026). Exit codes: 0 ok, 2 invalid input, 1 internal error.
    """


# --------------------------------------------------------------------------- criteria


@cli.group("criteria")
def criteria_cmd() -> None:
    """List, show and validate the criteria packs (bộ tiêu chí)."""


def _set_summary(cs: crit.CriteriaSet) -> dict[str, Any]:
    return {
        "id": cs.id,
        "decision": cs.decision["number"],
        "title": cs.decision["title"],
        "in_force": {"from": cs.start.isoformat(), "to": cs.end.isoformat() if cs.end else None,
                     "lapses": cs.lapses.isoformat() if cs.lapses else None},
        "parts": dict(cs.parts),
        "forms": [
            {"slug": f.slug, "name": f.name, "name_en": f.name_en, "code": f.code, "number": f.number,
             "status": f.status, "max": f.max, "provenance": f.provenance.get("tag"), "aliases": list(f.aliases)}
            for f in cs.forms.values()
        ],
    }


@criteria_cmd.command("list")
@click.option("--set", "set_id", help="Only this criteria set (e.g. qd26-2026).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def criteria_list(set_id: str | None, as_json: bool) -> None:
    """List the criteria sets with their dates, and every form with slug, name, code and status."""
    ids = crit.available_sets()
    if set_id:
        if set_id not in ids:
            raise ValidationFailed([_unknown_set(set_id, ids)], subject="--set")
        ids = [set_id]

    sets = [_set_summary(crit.load_set(i)) for i in ids]
    if as_json:
        _print_json({"sets": sets})
        return
    for s in sets:
        to = s["in_force"]["to"] or "…"
        out.print(f"[bold]{escape(s['id'])}[/]  QĐ {escape(s['decision'])}  hiệu lực / in force {s['in_force']['from']} → {to}"
                  f"  (A {s['parts']['A']} / B {s['parts']['B']} / C {s['parts']['C']})")
        # the slug is what users type: never cut it. Rich would shrink (and ellipsize) any column of a
        # table wider than the console, so a table is used only where it fits with the slug whole;
        # otherwise each form takes two lines (soft-wrapped, never truncated).
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("#", "slug", "name (tên bộ sản phẩm)", "code", "status", "max"):
            table.add_column(col, no_wrap=col != "name (tên bộ sản phẩm)", overflow="fold")
        rows = [(str(f["number"]), escape(f["slug"]), escape(f["name"]), escape(f["code"] or "—"),
                 escape(f["status"]) if f["status"] == "complete" else f"[yellow]{escape(f['status'])}[/]",
                 str(f["max"])) for f in s["forms"]]
        for row in rows:
            table.add_row(*row)
        if out.measure(table, options=out.options.update_width(10_000)).minimum <= out.width:
            out.print(table)
        else:
            for number, slug, name, code, status, mx in rows:
                out.print(f"{number:>2}  [bold]{slug}[/]\n    {name} · {code} · {status} · max {mx}")
        out.print()


def _unknown_set(set_id: str, ids: list[str]):
    from .errors import Issue

    return Issue("bộ tiêu chí không có / unknown criteria set", location="criteria_set", value=set_id, allowed=", ".join(ids))


def _load_form(set_id: str, slug: str) -> crit.Form:
    from .errors import Issue

    ids = crit.available_sets()
    if set_id not in ids:
        raise ValidationFailed([_unknown_set(set_id, ids)], subject="criteria set")
    cs = crit.load_set(set_id)
    if not cs.has_form(slug):
        raise ValidationFailed([Issue("biểu mẫu không có / unknown form", location="form", value=slug,
                                      allowed="xem / see `ocop criteria list --set " + set_id + "`")], subject="form")
    return cs.form(slug, warn=False)  # displayed, not scored: `criteria show` prints the status itself


def form_to_dict(form: crit.Form) -> dict[str, Any]:
    """The form's full structure (what `criteria show --json` prints)."""

    def node(n: crit.Node) -> dict[str, Any]:
        d: dict[str, Any] = {"number": n.number, "label": n.label, "gloss": n.gloss, "max": n.max}
        if n.printed:
            d["printed"] = n.printed
        if n.notes:
            d["notes"] = list(n.notes)
        if n.applies_when:
            d["applies_when"] = n.applies_when
        if n.knockouts:
            d["knockouts"] = [{"id": k.id, "text": k.text} for k in n.knockouts]
        if n.cases:
            d["cases"] = [{"id": i, "label": label} for i, label in n.cases]
        if n.children:
            d["children"] = [node(c) for c in n.children]
        else:
            d["options"] = [{k: v for k, v in o.__dict__.items() if v is not None} for o in n.options]
        return d

    return {
        "criteria_set": form.criteria_set, "slug": form.slug, "aliases": list(form.aliases), "number": form.number,
        "code": form.code, "name": form.name, "name_en": form.name_en, "status": form.status, "max": form.max,
        "valid_from": form.valid_from.isoformat() if form.valid_from else None,
        "provenance": dict(form.provenance),
        "knockouts": [{"id": k.id, "text": k.text} for k in form.knockouts],
        "parts": [{"part": p.part, "label": p.label, "label_en": p.label_en, "max": p.max,
                   "children": [node(c) for c in p.children]} for p in form.parts],
    }


def cross_check_lines(cc: dict) -> list[str]:
    """The form's cross-check against a second copy, as `criteria show` prints it (bilingual status)."""
    if not cc:
        return []
    status = cc.get("status", "single-source")
    lines = [f"Đối chiếu / cross-check: {status}"
             + (f" — {cc['criteria_agreeing']} tiêu chí khớp / criteria agree, {cc.get('criteria_differing', 0)} "
                "khác / differ" if "criteria_agreeing" in cc else "")
             + (f" · với / against {cc['against']}" if cc.get("against") else "")]
    if cc.get("independent") is False:
        lines.append("  bản kia KHÔNG độc lập (cùng một nguồn gốc) / the other copy is NOT independent (same lineage)")
    if cc.get("official_text_checked") is False:
        lines.append("  chưa đối chiếu Công báo / official gazette not read")
    for d in cc.get("differences") or []:
        lines.append(f"  {d['criterion']}: của ta / ours {d.get('encoded')}, bản kia / other copy {d.get('other')} — "
                     f"{d['description']}")
    return lines


@criteria_cmd.command("show")
@click.argument("set_id", metavar="SET")
@click.argument("slug", metavar="FORM")
@click.option("--json", "as_json", is_flag=True, help="Print the form's full structure as JSON.")
def criteria_show(set_id: str, slug: str, as_json: bool) -> None:
    """Show one form: every criterion with its gloss, options, points and star marks."""
    from rich.markup import escape as e  # every piece of data is escaped: Rich would eat "[...]" as markup

    form = _load_form(set_id, slug)
    if as_json:
        _print_json(form_to_dict(form))
        return
    out.print(f"[bold]{e(form.name)}[/] — {e(form.name_en)}")
    out.print(f"{e(form.criteria_set)} · biểu mẫu/form {form.number} · mã/code {e(form.code or '—')} · "
              f"slug {e(form.slug)} · trạng thái/status {e(form.status)} · tối đa/max {form.max} · "
              f"nguồn/provenance {e(str(form.provenance.get('tag')))}")
    if form.valid_from:
        out.print(f"[yellow]Chỉ áp dụng cho hồ sơ đánh giá từ ngày {form.valid_from.strftime('%d/%m/%Y')} / applies "
                  f"only to dossiers evaluated from {form.valid_from.isoformat()}; xem / see provenance.[/]")
    if form.status == "partial":
        out.print(f"[yellow]Biểu mẫu chưa đầy đủ trong nguồn: {e(form.partial_detail()['partial_vi'])} / this form is "
                  f"partial in our sources: {e(form.partial_detail()['partial_en'])}.[/]")
    elif form.status != "complete":
        out.print(f"[yellow]Biểu mẫu chưa có trong nguồn, không dùng để chấm được / this form is {e(form.status)} in "
                  "our sources and cannot be used for scoring.[/]")
    for line in cross_check_lines(form.provenance.get("cross_check") or {}):
        out.print(e(line))
    for k in form.knockouts:
        out.print(f"[red]⛔ {e(k.id)}[/]: {e(k.text or '')}")
    marks = {3: "***", 4: "****", 5: "*****"}
    has_printed = any(n.printed for n in form.nodes())
    for part in form.parts:
        out.print(f"\n[bold]Phần {e(part.part)} — {e(part.label)}[/] ({e(part.label_en)}) — tối đa/max {part.max}")
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
        table.add_column("số/no.", no_wrap=True)
        if has_printed:  # the number on the paper form, where our id differs (QĐ 148 letters, renumbered duplicates)
            table.add_column("printed (số in)", no_wrap=True)
        table.add_column("tiêu chí / lựa chọn (criterion / option)", overflow="fold", max_width=90)
        table.add_column("điểm/pts", justify="right")
        table.add_column("tối thiểu/min★")

        def row(number: str, printed: str, text: str, points: str, stars: str) -> None:
            table.add_row(*([number, printed] if has_printed else [number]), text, points, stars)

        for top in part.children:
            for n in top.walk():
                head = f"[bold]{e(n.label)}[/] — [italic]{e(n.gloss)}[/]"
                if n.applies_when:
                    head += " [dim](chỉ khi có câu chuyện / only when a story exists)[/]"
                row(e(n.number), e(n.printed or ""), head, f"[bold]{n.max}[/]", "")
                for k in n.knockouts:
                    row("", "", f"[red]⛔ {e(k.id)}[/]: {e(k.text or '')}", "", "")
                for o in n.options:
                    prefix = e(f"[{o.case}] ") if o.case else ""
                    row("", "", f"  {prefix}{e(o.text)}", str(o.points), marks.get(o.stars, ""))
        out.print(table)
    anomalies = form.anomalies
    if anomalies:
        out.print("\n[bold]Bất thường trong nguồn / provenance anomalies[/]")
        for a in anomalies:
            where = f" {a.criterion}" if a.criterion else ""
            out.print(f"  - {e(a.kind + where)}: {e(a.description)}")
        for a in form.provenance.get("anomalies") or []:
            if a.get("other_forms"):
                out.print(f"    {e(a.get('criterion', ''))} ở các biểu mẫu khác / elsewhere: {e(a['other_forms'])}")


@criteria_cmd.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def criteria_validate(path: Path | None) -> None:
    """Validate the shipped criteria packs, or PATH (a criteria folder, a set folder or one form file).

    Every problem is listed with its file, its location and what is wrong; exit 2 if any.
    """

    issues = crit.validate_path(path)
    errors = [i for i in issues if i.severity == "error"]
    where = str(path) if path else "bộ tiêu chí kèm theo / shipped criteria packs"
    if errors:
        for issue in errors:
            err.print(f"[red]✗[/] {escape(str(issue))}")  # messages quote data: "[a-z0-9]" must print as is
        err.print(f"[bold red]{len(errors)} lỗi / {len(errors)} problem(s): {escape(where)}[/]")
        sys.exit(EXIT_INVALID)
    out.print(f"[green]✓[/] {escape(where)}: hợp lệ / valid")


# --------------------------------------------------------------------------- --criteria DIR

CRITERIA_HELP = ("A criteria folder to use instead of the shipped one (a province's validated copy, laid out "
                 "like `criteria/`: one folder per set); validated first, refused with the problems found.")


def _criteria_option(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """--criteria DIR: validate the folder, then use it for this command (OCOP_CRITERIA_DIR, restored
    when the command ends so that a test runner's next command sees the shipped criteria)."""
    import os

    from .errors import Issue

    if value is None:
        return
    if (value / "set.json").exists():
        raise ValidationFailed([Issue("[criteria-not-root] đây là thư mục của một bộ tiêu chí, không phải thư mục gốc "
                                      "/ this is one criteria set's folder, not a criteria root", str(value), None, None,
                                      f"thư mục cha / its parent folder ({value.parent}), nơi mỗi bộ một thư mục / "
                                      "which holds one folder per set")],
                               subject="--criteria")
    issues = [i for i in crit.validate_path(value) if i.severity == "error"]
    if issues:
        raise ValidationFailed(issues, subject=f"--criteria {value} (bộ tiêu chí không hợp lệ / criteria invalid)")
    before = os.environ.get("OCOP_CRITERIA_DIR")
    os.environ["OCOP_CRITERIA_DIR"] = str(value.resolve())

    def restore() -> None:
        if before is None:
            os.environ.pop("OCOP_CRITERIA_DIR", None)
        else:
            os.environ["OCOP_CRITERIA_DIR"] = before

    ctx.call_on_close(restore)


def criteria_option(f):
    """The --criteria DIR option of the scoring commands."""
    return click.option("--criteria", "criteria_root", type=click.Path(path_type=Path, file_okay=False, exists=True),
                        callback=_criteria_option, expose_value=False, is_eager=True, help=CRITERIA_HELP)(f)


# --------------------------------------------------------------------------- score


@cli.command("score")
@click.argument("dossiers", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the Result(s) as JSON (design.md §4).")
@click.option("--brief", is_flag=True, help="Leave out the per-criterion table.")
@criteria_option
def score_cmd(dossiers: tuple[Path, ...], as_json: bool, brief: bool) -> None:
    """Score DOSSIER.json (one or more) with the rule engine and explain every decision.

    By default prints a readable explanation: points by part and criterion, the decision and the
    rules that made it, warnings, and what blocks the next star. Exit 2 if a dossier is invalid.
    """
    from .evaluate import evaluate
    from .explain import render

    from .whatif import upgrade_plan

    results, failures = [], []
    for path in dossiers:
        try:
            result = evaluate(path)
        except ValidationFailed as exc:
            failures.append(exc)
            continue
        ns = result.next_star
        if ns and ns.get("stars"):  # what blocks the next star: the cheapest plan to it
            ns["plan"] = upgrade_plan(result, ns["stars"]).as_dict(with_result=False)
        results.append(result)
    if as_json and results:  # nothing on stdout when nothing was scored: the errors go to stderr
        data = [r.to_dict() for r in results]
        _print_json(data[0] if len(dossiers) == 1 else data)
    else:
        for r in results:
            render(r, out, detail=not brief)
            out.print()
    for exc in failures:
        err.print(f"[bold red]dữ liệu không hợp lệ / invalid input[/] — {escape(str(exc))}")
    if failures:
        sys.exit(EXIT_INVALID)


# --------------------------------------------------------------------------- batch


def _summary(results, rejects) -> dict[str, Any]:
    def counts(col: str) -> dict[str, int]:
        if not len(results):
            return {}
        return {str(k): int(v) for k, v in results[col].fillna("—").value_counts().sort_index().items()}

    # rejects hold one row per problem: dossiers are counted by id, rows without an id one each
    idless = int(rejects["dossier_id"].isna().sum()) if len(rejects) else 0
    rejected = int(rejects["dossier_id"].nunique()) if len(rejects) else 0
    blank_rows = list(rejects.attrs.get("blank_rows", []))
    return {"dossiers": len(results) + rejected, "scored": len(results),
            "rejected": rejected, "problems": len(rejects), "rows_without_dossier_id": idless,
            "blank_rows_skipped": len(blank_rows), "blank_rows": blank_rows,
            "unused_columns": list(rejects.attrs.get("unused_columns", [])),
            "stars": counts("stars"), "status": counts("status"), "escalate_to": counts("escalate_to"),
            "warnings": _warning_counts(results), "evaluated_in_future": _warning_counts(results).get(
                "evaluated-in-future", 0)}


def _warning_counts(results) -> dict[str, int]:
    """Dossiers per warning code (a dossier counts once per code)."""
    if not len(results) or "warnings" not in results:
        return {}
    codes = results["warnings"].dropna().astype(str).str.split(";").explode()
    codes = codes[codes.str.len() > 0]
    return {str(k): int(v) for k, v in codes.value_counts().sort_index().items()}


@cli.command("batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Results file: .csv, .xlsx, .parquet or .jsonl (written atomically; never over INPUT).")
@click.option("--rejects", "rejects_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Rejects file (default: OUTPUT with '.rejects' before the suffix); written only when a "
                   "dossier is rejected.")
@click.option("--force", is_flag=True, help="Replace OUTPUT / the rejects file if they exist (never a read-only file).")
@click.option("--empty-rejects", is_flag=True, help="Write the rejects file even when nothing is rejected.")
@click.option("--sheet", help="XLSX input: the sheet to read (default: every sheet whose header has the required columns).")
@click.option("--merge-similar-ids", is_flag=True,
              help="Read dossier ids that differ only by case, spaces or Unicode form (HY-01 / hy-01) as one "
                   "dossier (default: reject them as a likely typo).")
@click.option("--council-max", type=click.IntRange(min=1), default=25, show_default=True,
              help="Warn (council-large) about councils of more members than this.")
@click.option("--council-single/--no-council-single", default=True, show_default=True,
              help="Warn (council-single-member) about a council of one member in a table of larger councils.")
@criteria_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Threads for scoring (default: the machine's cores, up to 4, for 100,000 member sheets or more; "
                   "1 = none). The results do not depend on it.")
def batch_cmd(input_path: Path, output: Path, rejects_path: Path | None, force: bool, empty_rejects: bool,
              sheet: str | None, merge_similar_ids: bool, council_max: int, council_single: bool, as_json: bool,
              progress: bool | None, workers: int | None) -> None:
    """Score a whole table of member sheets (INPUT: .csv, .xlsx, .parquet or .jsonl; wide or long).

    Every dossier is either scored (OUTPUT, with ranks within criteria set × form, province and
    district) or rejected (rejects file: one row per problem, with its rows, reason, code, field,
    value and allowed values; codes in docs/CHECKS.md): scored + rejected = dossiers in INPUT. Blank rows are skipped and counted. CSV may be separated by ',', ';' or tab, with
    decimal commas (3,0); an XLSX is read sheet by sheet (--sheet to choose one). OUTPUT is never
    the input and never replaced without --force; XLSX output is a council workbook (Vietnamese
    headers, a summary sheet, a 'Lý do loại' sheet). Full reference: docs/BATCH.md.

    \b
    Input columns (one row per dossier × member; Vietnamese headers accepted):
      dossier_id    Mã hồ sơ, Hồ sơ           (required; merged Excel cells are filled down)
      member        Thành viên, Thành viên hội đồng, Người đánh giá   (required)
      form          Bộ sản phẩm, Biểu mẫu, Mã bộ sản phẩm   (required; slug, number, code I.1.a
                    or Vietnamese name: ocop criteria list)
      level         Cấp, Cấp đánh giá          (required: district/province/central or
                    huyện/tỉnh/trung ương, as the period has)
      evaluated_on  Ngày đánh giá, Ngày        (required; YYYY-MM-DD, dd/mm/yyyy or an Excel date)
      criteria_set  Bộ tiêu chí    (optional; empty = the set in force on evaluated_on)
      findings      Điều kiện loại, Phát hiện  (optional; knock-out ids separated by ';')
      story_exists  Có câu chuyện  (optional; có/không, true/false, 1/0)
      cases         Trường hợp     (optional; alternative case per criterion: 3.2=a; 8=TH1)
      product, producer, province, district, commune
                    Sản phẩm/Tên sản phẩm, Chủ thể/Chủ thể OCOP, Tỉnh, Huyện, Xã
      1.1, 1.2, …   one column per criterion number (wide), or
      criterion, points   Tiêu chí, Điểm (long: one row per member × criterion)

    \b
    Result columns: dossier_id, criteria_set, form, level, evaluated_on, period,
      product…commune, members, member_totals (members sorted by name),
      part_A, part_B, part_C, total, max_total, band_stars, stars, status,
      recognised_by, escalate_to, unmet_minimums, knockouts, warnings (';'-lists),
      rank_form (within criteria set × form), rank_province (within province),
      rank_district (within province × district).
    Rank tie-break: total desc, then Part C desc, then Part A desc, then dossier_id asc.
    Rejects columns: dossier_id, rows (CSV/XLSX: the sheet's own row numbers, header
      and title rows counted; JSONL: line numbers; Parquet: 1-based records), reason.
    """
    from .batch import evaluate_batch, read_table
    from .batch.tables import check_output
    from .safe_files import check_outputs, output_lock, signal_cleanup

    rejects_path = rejects_path or output.with_name(output.stem + ".rejects" + output.suffix)
    check_output(output)  # before reading and scoring, not after
    check_output(rejects_path)
    check_outputs([input_path], [output, rejects_path], force=force)
    with signal_cleanup(), output_lock([output, rejects_path]):
        frame = read_table(input_path, sheet=sheet)
        show = sys.stderr.isatty() if progress is None else progress
        results, rejects = evaluate_batch(frame, progress=show, source=str(input_path), workers=workers,
                                          similar_ids="merge" if merge_similar_ids else "refuse",
                                          council_size={"max": council_max, "single": council_single})
        written, removed = _write_batch(results, rejects, output, rejects_path, empty_rejects)
    summary = _summary(results, rejects)
    summary.update({"output": str(output), "rejects": str(rejects_path) if str(rejects_path) in written else None,
                    "written": written, "removed": removed, "sheets": list(frame.attrs.get("sheets", [])),
                    "sheets_skipped": dict(frame.attrs.get("sheets_skipped", {})),
                    "cells_outside_table": int(frame.attrs.get("outside_count", 0)),
                    "cells_outside_table_first": list(frame.attrs.get("outside_cells", []))})
    if as_json:
        _print_json(summary)
        return
    _print_batch_summary(summary)


def _write_batch(results, rejects, output: Path, rejects_path: Path, empty_rejects: bool) -> tuple[list[str], list[str]]:
    """Results (an XLSX as the council workbook, rejects in its "Lý do loại" sheet too), and the
    rejects file when there are rejects (or `empty_rejects`). A previous run's rejects file (the run
    was allowed to replace it) is removed rather than left to be read as this run's."""
    from .batch import write_table
    from .batch.workbook import write_results_xlsx
    from .safe_files import atomic_write

    if output.suffix.lower() == ".xlsx":
        atomic_write(output, lambda p: write_results_xlsx(results, rejects, p))
    else:
        write_table(results, output)
    written, removed = [str(output)], []
    if len(rejects) or empty_rejects:
        if rejects_path.suffix.lower() == ".xlsx":
            from .batch.workbook import write_plain_xlsx

            atomic_write(rejects_path, lambda p: write_plain_xlsx(rejects, p, "Lý do loại"))
        else:
            write_table(rejects, rejects_path)
        written.append(str(rejects_path))
    elif rejects_path.exists():
        rejects_path.unlink()
        removed.append(str(rejects_path))
    return written, removed


def _print_batch_summary(summary: dict[str, Any]) -> None:
    out.print(f"[bold]{summary['dossiers']}[/] hồ sơ / dossiers: [green]{summary['scored']} đã chấm / scored[/], "
              f"[red]{summary['rejected']} bị loại khỏi lần chấm / rejected[/]")
    if summary["sheets"]:
        out.print("  trang tính đã đọc / sheets read: " + ", ".join(escape(repr(s)) for s in summary["sheets"]))
    for name, lacks in summary["sheets_skipped"].items():
        out.print(f"  [yellow]bỏ qua trang tính / sheet skipped[/] {escape(repr(name))}: thiếu cột / lacks "
                  + escape(", ".join(lacks)))
    if summary["rows_without_dossier_id"]:
        out.print(f"  [red]{summary['rows_without_dossier_id']} dòng có dữ liệu nhưng thiếu mã hồ sơ / rows with "
                  "data but no dossier_id[/] (có trong tệp loại / listed in the rejects file)")
    if summary["blank_rows_skipped"]:
        rows = summary["blank_rows"]
        shown = ", ".join(map(str, rows[:10])) + (", …" if len(rows) > 10 else "")
        out.print(f"  {summary['blank_rows_skipped']} dòng trống đã bỏ qua / blank rows skipped (dòng / rows {escape(shown)})")
    if summary["cells_outside_table"]:
        out.print(f"  [yellow]{summary['cells_outside_table']} ô có dữ liệu nằm ngoài các cột của bảng, không được dùng / "
                  "cells with data outside the table's columns, not used:[/] "
                  + escape(", ".join(summary["cells_outside_table_first"])))
    if summary["unused_columns"]:
        out.print("  cột không dùng để chấm / columns not used for scoring: "
                  + ", ".join(escape(c) for c in summary["unused_columns"]))
    out.print("  sao / stars: " + (", ".join(f"{k}★ {v}" for k, v in summary["stars"].items()) or "—"))
    out.print("  trạng thái / status: " + (", ".join(f"{escape(STATUS_TEXT.get(k, k))} {v}"
                                                       for k, v in summary["status"].items()) or "—"))
    out.print("  chuyển cấp / escalate to: " + (", ".join(f"{escape(LEVEL_WORDS.get(k, k))} {v}"
                                                         for k, v in summary["escalate_to"].items()) or "—"))
    if summary["warnings"]:
        out.print("  [yellow]cảnh báo / warnings:[/] " + ", ".join(f"{escape(k)} {v}" for k, v in summary["warnings"].items()))
    for path in summary["written"]:
        out.print(f"  → đã ghi / written: {escape(path)}")
    for path in summary["removed"]:
        out.print(f"  → đã xoá tệp loại của lần chạy trước (không có hồ sơ bị loại) / removed the previous run's "
                  f"rejects file (nothing rejected): {escape(path)}")
    if not summary["rejected"] and not summary["rows_without_dossier_id"] and len(summary["written"]) == 1:
        out.print("  không có hồ sơ bị loại: không ghi tệp loại / nothing rejected: no rejects file written")


LEVEL_WORDS = {**LEVEL_TEXT, "—": "không / none"}


# --------------------------------------------------------------------------- what-if


def _costs(path: Path | None, default_step_cost: float | None):
    from .whatif import CostModel, load_costs

    if path is None:
        if default_step_cost is not None:
            raise click.BadParameter("[option-needs-costs] chỉ dùng cùng --costs (không có bảng chi phí, mỗi bước tính 1) / "
                                     "only applies with --costs (without a table every step costs 1)",
                                     param_hint="--default-step-cost")
        return CostModel()
    return load_costs(path, default_step_cost=default_step_cost)


@cli.command("whatif")
@click.argument("dossier", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--target-stars", required=True, type=click.IntRange(1, 5), help="Stars to reach (1-5).")
@click.option("--costs", "costs_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Cost table (CSV/JSON: [criteria_set,] form, criterion, from_points, to_points, cost, label; "
                   "or Bộ tiêu chí, Bộ sản phẩm, Tiêu chí, Từ điểm, Đến điểm, Chi phí, Nội dung).")
@click.option("--default-step-cost", type=click.FloatRange(min=0), help="With --costs: price of a step the table does not price.")
@click.option("--assume", type=click.Choice(["all_members", "mean"]), default="all_members", show_default=True,
              help=ASSUME_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the plan (with the Result after it) as JSON.")
@criteria_option
def whatif_cmd(dossier: Path, target_stars: int, costs_path: Path | None, default_step_cost: float | None,
               assume: str, as_json: bool) -> None:
    """The cheapest criterion upgrades for DOSSIER to reach --target-stars (exact, not greedy).

    A knocked-out dossier is infeasible until the knock-outs are cleared (they are never bought
    with points); when every criterion was scored, the plan for afterwards is shown too.
    """
    from .whatif import upgrade_plan

    from .whatif.cli_support import print_plan

    p = upgrade_plan(dossier, target_stars, _costs(costs_path, default_step_cost), assume=assume)
    if as_json:
        _print_json(p.as_dict())
        return
    out.print(f"[bold]{escape(p.dossier_id)}[/]: {p.stars_before}★ → mục tiêu / target {p.target_stars}★")
    print_plan(p, out)
    out.print(f"  [dim]giả định / assumption ({p.assume}): {escape(p.assumption)}[/]")


def _load_results(path: Path):
    """Results to plan on: a JSON/JSONL of Results (`ocop score --json`), or a table of member sheets."""
    from dataclasses import fields

    from .batch import dossier_dicts, read_table, to_wide
    from .batch.tables import normalise_columns
    from .errors import Issue
    from .evaluate import evaluate
    from .result import Result
    from .text import parse_json, read_text
    from .whatif.cli_support import PLAN_INPUT

    suffix = path.suffix.lower()
    text = read_text(path) if suffix in (".json", ".jsonl", ".ndjson") else ""
    if suffix == ".json" or (suffix in (".jsonl", ".ndjson") and '"member_totals"' in text[:20000]):
        try:
            if suffix == ".json":
                data = parse_json(text)
                items = data if isinstance(data, list) else [data]
                where = [f"[{i}]" if isinstance(data, list) else "" for i in range(len(items))]
            else:
                lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
                items = [parse_json(line) for _, line in lines]
                where = [f"line {n}" for n, _ in lines]
        except ValueError as exc:
            raise ValidationFailed([Issue(f"JSON không hợp lệ / not valid JSON: {exc}", str(path), None, None, PLAN_INPUT)],
                                   subject=str(path)) from None
        names = {f.name for f in fields(Result)}
        required = {f.name for f in fields(Result) if f.name != "next_star"}
        issues = [Issue("không phải kết quả của `ocop score --json` / not a Result of `ocop score --json` (the value lists fields it lacks)", str(path), w or None,
                        sorted(required - set(item))[:6] if isinstance(item, dict) else type(item).__name__,
                        PLAN_INPUT)
                  for item, w in zip(items, where) if not isinstance(item, dict) or not required <= set(item)]
        if issues:
            raise ValidationFailed(issues, subject=str(path))
        return [Result(**{k: v for k, v in item.items() if k in names}) for item in items]
    frame = read_table(path)
    # `ocop batch` results are recognised by their own columns
    if {"band_stars", "member_totals"} <= {str(c).strip() for c in frame.columns}:
        raise ValidationFailed([Issue("đây là kết quả của `ocop batch`, kế hoạch không dùng được / this looks like `ocop batch` results (band_stars, member_totals, …), which a "
                                      "plan cannot use", str(path), "columns", None, PLAN_INPUT)], subject=str(path))
    wide = to_wide(normalise_columns(frame, str(path)), str(path))
    results, bad = [], []
    for d in dossier_dicts(wide):
        try:
            results.append(evaluate(d))
        except ValidationFailed as exc:
            bad.append(f"{d['dossier_id']}: {exc}")
    for b in bad:
        err.print(f"[yellow]bỏ qua (không hợp lệ) / skipped (invalid)[/] {escape(b)}")
    return results


@cli.command("plan")
@click.argument("results_path", metavar="RESULTS", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--targets", required=True, type=TargetsType(),
              help='Cumulative star targets, e.g. "4:2,3:3": at least 2 products with 4★ or more and at least 3 '
                   'with 3★ or more (the 4★ ones count toward both).')
@click.option("--budget", type=AmountType(), help="Support budget ≥ 0 (VND with a cost table, steps without); "
              "20.000.000 and 20000000 are the same amount.")
@click.option("--costs", "costs_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Cost table (CSV/JSON; English or Vietnamese headers, see whatif --help). Without it: one unit per option step.")
@click.option("--default-step-cost", type=click.FloatRange(min=0), help="With --costs: price of a step the table does not price.")
@click.option("--rewards", type=RewardsType(), help='Reward per star, e.g. "5:30000000,4:20000000,3:10000000".')
@click.option("--count", type=click.Choice(["stars", "recognised"]), default="stars", show_default=True,
              help="What counts toward a target: stars (the council's stars, recognised or awaiting the next level: "
                   "what a district plans for when it sends products up) or recognised (certificates only).")
@click.option("--assume", type=click.Choice(["all_members", "mean"]), default="all_members", show_default=True,
              help=ASSUME_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@criteria_option
def plan_cmd(results_path: Path, targets: dict[int, int], budget: float | None, costs_path: Path | None,
             default_step_cost: float | None, rewards: dict[int, float] | None, count: str, assume: str,
             as_json: bool) -> None:
    """Choose which products to support, with which upgrades, to meet --targets within --budget.

    RESULTS is a cohort table of member sheets (.csv/.xlsx/.parquet/.jsonl, as `ocop batch` reads)
    or the Results of `ocop score --json` (.json or .jsonl). `ocop batch` output cannot be used: it
    carries totals and stars, not the per-criterion points a plan needs (exit 2). Knocked-out
    products are left as they are and listed with the reason.
    """
    from .whatif import plan
    from .whatif.cli_support import format_amount

    cm = _costs(costs_path, default_step_cost)
    cp = plan(_load_results(results_path), targets, budget, cm, rewards, count=count, assume=assume)
    if as_json:
        _print_json(cp.as_dict())
        return
    unit = cp.cost_unit
    if cp.feasible:
        ok = "[green]khả thi / feasible[/]"
    elif cp.shortfall is None:
        ok = "[red]không đạt được / cannot be met[/]"
    else:
        ok = "[red]không đạt trong ngân sách / not within budget[/]"
    counting = "số sao / stars" if cp.count == "stars" else "đã công nhận / recognised"
    out.print(f"Mục tiêu (cộng dồn, đếm theo {counting}) / targets (cumulative, counting {cp.count}) — {ok}")
    targets = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("hạng / stars", "mục tiêu / target", "trước / before", "sau / after"):
        targets.add_column(col, justify="right")
    for st in sorted(cp.targets, reverse=True):
        targets.add_row(f"≥ {st}★", str(cp.targets[st]), str(cp.counts_before.get(st, 0)), str(cp.counts_after.get(st, 0)))
    out.print(targets)
    out.print(f"  chi phí / cost: [bold]{format_amount(cp.cost, unit)}[/]"
              + (f" / ngân sách / budget {format_amount(cp.budget, unit)}" if cp.budget is not None else ""))
    if not cp.feasible:
        short = f"thiếu / shortfall: {format_amount(cp.shortfall, unit)}; " if cp.shortfall is not None else ""
        unmet = ", ".join(f"≥ {k}★: {v}" for k, v in sorted(cp.unmet_targets.items(), reverse=True)) \
            if isinstance(cp.unmet_targets, dict) else escape(str(cp.unmet_targets))
        out.print(f"  {short}chưa đạt / unmet: {unmet} — {escape(str(cp.shortfall_reason))} "
                  "(phương án tốt nhất có thể ở dưới / best partial plan below)")
    if cp.supported:
        width = max(len(str(c.dossier_id)) for c in cp.supported)
        chosen = Table(box=None, header_style="bold", pad_edge=False, title="Hỗ trợ / support")
        chosen.add_column("mã hồ sơ / dossier", no_wrap=True, min_width=width)  # an id is never cut
        chosen.add_column("sao / stars", no_wrap=True)
        chosen.add_column("chi phí / cost", justify="right", no_wrap=True)
        chosen.add_column("nâng tiêu chí / upgrades", overflow="fold")
        for c in cp.supported:
            chosen.add_row(escape(c.dossier_id), f"{c.stars_before}★ → {c.stars_after}★", format_amount(c.cost, unit),
                           "; ".join(f"{u.criterion} {u.from_points}→{u.to_points}"
                                     + (f" ({escape(u.cost_label)})" if u.cost_label else "") for u in c.plan.upgrades))
        out.print(chosen)
    for s in cp.skipped:
        out.print(f"  [yellow]bỏ qua / skipped[/] {escape(s['dossier_id'])}: {escape(s['reason'])}")
    for w in cp.warnings:
        out.print(f"  [yellow]![/] {escape(w)}")
    if rewards:
        out.print(f"  thưởng / rewards: trước / before {format_amount(cp.reward_before, 'VND')}, sau / after "
                  f"{format_amount(cp.reward_after, 'VND')} (+{format_amount(cp.reward_after - cp.reward_before, 'VND')})")


@cli.command("policy")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--gate", "gates", multiple=True, metavar="ID=POINTS",
              help="Override a gate, e.g. district-to-province=70 (repeatable).")
@click.option("--band", "bands", multiple=True, metavar="STARS=POINTS", help="Override a band's lower limit, e.g. 4=75.")
@click.option("--max-spread", type=float, help="Override the council spread warning threshold.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON (with the changed dossiers).")
@criteria_option
def policy_cmd(input_path: Path, gates: tuple[str, ...], bands: tuple[str, ...], max_spread: float | None,
               as_json: bool) -> None:
    """Compare a cohort's outcomes under the decision's thresholds and under overridden ones.

    INPUT is a table of member sheets, as `ocop batch` reads (.csv/.xlsx/.parquet/.jsonl). Gate ids
    (--gate): district-to-province (QĐ 1048: 50 points; QĐ 148: 70) and province-to-central (90),
    as `ocop criteria list --json` and criteria/<set>/set.json name them. Prints the outcomes of
    both scenarios side by side and the dossiers whose outcome changes.
    """
    from .batch import read_table
    from .whatif import compare_policies

    def pairs(items: tuple[str, ...], what: str) -> dict[str, float]:
        out = {}
        for item in items:
            key, sep, value = item.partition("=")
            try:
                out[key.strip()] = float(value)
            except ValueError:
                raise click.BadParameter(f"[override-invalid] {item!r}: cần / expected {what}=POINTS",
                                         param_hint=f"--{what}") from None
            if not sep:
                raise click.BadParameter(f"[override-invalid] {item!r}: cần / expected {what}=POINTS", param_hint=f"--{what}")
        return out

    overrides: dict[str, Any] = {}
    if gates:
        overrides["gates"] = pairs(gates, "gate")
    if bands:
        overrides["bands"] = pairs(bands, "band")  # the stars are checked (and named) with the other overrides
    if max_spread is not None:
        overrides["max_spread"] = max_spread
    report = compare_policies(read_table(input_path), {"decision": None, "what-if": overrides})
    if as_json:
        _print_json(report)
        return
    _print_policy(report)


def _print_policy(report: dict[str, Any]) -> None:
    """The scenarios side by side (one row per outcome), then the dossiers whose outcome changes."""
    names = list(report["scenarios"])
    scen = report["scenarios"]
    for name in names:
        shown = scen[name]["overrides"]
        what = "; ".join(f"{k}: " + (", ".join(f"{kk}={vv:g}" for kk, vv in v.items()) if isinstance(v, dict) else f"{v:g}")
                         for k, v in shown.items()) if shown else "ngưỡng của quyết định / the decision's thresholds"
        out.print(f"[bold]{escape(name)}[/]: {escape(what)}")
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("kết quả / outcome")
    for name in names:
        table.add_column(escape(name), justify="right")
    rows: list[tuple[str, str]] = [("scored", "đã chấm / scored"), ("rejected", "bị loại khỏi lần chấm / rejected")]
    stars = sorted({k for n in names for k in scen[n]["stars"]})
    rows += [(("stars", k), f"{k}★") for k in stars]
    statuses = sorted({k for n in names for k in scen[n]["status"]})
    rows += [(("status", k), STATUS_TEXT.get(k, k)) for k in statuses]
    levels = sorted({k for n in names for k in scen[n]["escalate_to"]})
    rows += [(("escalate_to", k), "chuyển / escalate → " + LEVEL_WORDS.get(k if k != "none" else "—", k)) for k in levels]
    for key, label in rows:
        cells = []
        for n in names:
            v = scen[n][key] if isinstance(key, str) else scen[n][key[0]].get(key[1], 0)
            cells.append(str(v))
        table.add_row(escape(label), *cells)
    out.print(table)
    for name, changes in report["changes"].items():
        out.print(f"{len(changes)} hồ sơ đổi kết quả / dossier(s) change outcome ({escape(names[0])} → {escape(name)})")
        if not changes:
            continue
        diff = Table(box=None, header_style="bold", pad_edge=False)
        width = max(len(str(c["dossier_id"])) for c in changes)
        diff.add_column("mã hồ sơ / dossier", no_wrap=True, min_width=width)  # an id is never cut
        for col in (names[0], name):
            diff.add_column(escape(col), overflow="fold")
        for c in changes:
            def one(prefix: str) -> str:
                st, stat, esc = (c.get(f"{prefix}.{k}") for k in ("stars", "status", "escalate_to"))
                if st is None and stat is None:
                    return "bị loại khỏi lần chấm / rejected"
                return f"{int(st)}★ {STATUS_TEXT.get(stat, stat)}" + (f" → {LEVEL_WORDS.get(esc, esc)}" if esc else "")
            diff.add_row(escape(c["dossier_id"]), escape(one(names[0])), escape(one(name)))
        out.print(diff)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # internal error: exit 1 with a one-line message, traceback on request
        err.print(f"[bold red]lỗi nội bộ (xin báo lại) / internal error (please report)[/] — {type(exc).__name__}: "
                  f"{escape(str(exc))}")
        if "--debug" in sys.argv:
            raise
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
