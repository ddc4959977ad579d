"""`ocop council`: a council secretary's commands — sheets out, sheets back, divergence, documents."""
from __future__ import annotations

import json
import shutil
import sys
from importlib import resources
from pathlib import Path

import click

from ..errors import Issue, ValidationFailed
from ..text import load_json


def _echo_issue(issue: Issue) -> None:
    tag = "warning" if issue.severity == "warning" else "error"
    click.echo(f"  [{tag}] {issue}", err=True)


def _dossier_files(items: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for item in items:
        p = Path(item)
        out += sorted(p.glob("*.json")) if p.is_dir() else [p]
    return out


def safe_name(dossier_id: str) -> str:
    """A file name for a dossier id (path separators and control characters replaced)."""
    name = "".join("-" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in dossier_id).strip(". ")
    return name or "ho-so"


@click.group("council")
def council_cmd() -> None:
    """Council sessions (phiên họp Hội đồng): member sheets out and back, divergence, documents.

    A round end to end: `sheets` (one XLSX + PDF per member), members fill the Điểm column,
    `read` (back into dossiers, checked cell by cell), `divergence` (members more than the set's
    max_spread apart must re-score), `documents` (summary table, minutes, lists).
    """


@council_cmd.command("sheets")
@click.argument("dossiers", nargs=-1, type=click.Path(exists=True, dir_okay=True))
@click.option("--members", required=True, help='Council members, "Name A; Name B; …" (one workbook each, in this order).')
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for NN-member.xlsx and NN-member.pdf.")
@click.option("--no-pdf", is_flag=True, help="Write only the workbooks (the PDF takes a few seconds a page).")
@click.option("--prefill", is_flag=True,
              help="Start each member's Điểm cells from the points the dossier already holds for that member "
                   "(re-scoring, or points typed elsewhere to be checked).")
def sheets_cmd(dossiers: tuple[str, ...], members: str, out_dir: str, no_pdf: bool, prefill: bool) -> None:
    """One scoring sheet per member (XLSX, a sheet per product, and a printable PDF) for DOSSIERS
    (JSON files or directories of them; identity only is enough: no points needed)."""
    from .sheets import make_sheets

    files = _dossier_files(dossiers)
    if not files:
        raise ValidationFailed([Issue("không có hồ sơ nào / no dossier given", None, "DOSSIERS", None,
                                      "dossier JSON files or directories")], subject="council sheets")
    written = make_sheets(files, members, out_dir, pdf=not no_pdf, prefill=prefill)
    for p in written:
        click.echo(str(p))
    click.echo(f"{len(files)} hồ sơ / dossiers, {len([p for p in written if p.suffix == '.xlsx'])} "
               f"phiếu thành viên / member workbooks → {out_dir}")


@council_cmd.command("read")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for the dossiers read (DOSSIER_ID.json; a re-read replaces the earlier one).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def read_cmd(paths: tuple[str, ...], out_dir: str, as_json: bool) -> None:
    """Read completed member workbooks (files or directories) back into dossiers, one per product.

    Refused, naming file, sheet and cell: a changed layout, points outside the options, a blank
    criterion, a member with two sheets for one product, sheets disagreeing on a product's identity.
    The other products are still written; the exit code is 2 if anything was refused."""
    from .divergence import divergence
    from .files import write_text
    from .kernel import score
    from .read import read_sheets

    outcome = read_sheets(paths)
    out = Path(out_dir)
    summary = []
    for d in outcome.dossiers:
        target = out / f"{safe_name(d['dossier_id'])}.json"
        write_text(target, json.dumps(d, ensure_ascii=False, indent=1) + "\n")
        r = score(d)
        gaps = divergence(r)
        summary.append({"dossier_id": d["dossier_id"], "file": str(target), "members": r.members,
                        "member_totals": r.member_totals, "total": r.total, "stars": r.stars, "status": r.status,
                        "to_rescore": bool(gaps), "divergence": [g.as_dict() for g in gaps]})
    if as_json:
        click.echo(json.dumps({"dossiers": summary, "problems": [p.as_dict() for p in outcome.problems]},
                              ensure_ascii=False, indent=1, default=str))
    else:
        for s in summary:
            flag = "  CHẤM LẠI / TO RE-SCORE" if s["to_rescore"] else ""
            totals = ", ".join(f"{m} {t:g}" for m, t in s["member_totals"].items())
            click.echo(f"{s['dossier_id']}: {s['total']:.2f} điểm, {s['stars']} sao ({s['status']}) — {totals}{flag}")
        if outcome.problems:
            click.echo(f"{len(outcome.problems)} vấn đề / problems:", err=True)
            for p in outcome.problems:
                _echo_issue(p)
    if not outcome.ok:
        sys.exit(2)


def _entries(items: tuple[str, ...]):
    from .documents import Entry
    from .kernel import score

    entries, issues = [], []
    for f in _dossier_files(items):
        try:
            d = load_json(f)
            entries.append(Entry(d, score(d, file=str(f))))
        except ValidationFailed as exc:
            issues += exc.issues
        except (OSError, ValueError) as exc:
            issues.append(Issue(f"không đọc được hồ sơ / cannot read dossier: {exc}", str(f)))
    if issues:
        raise ValidationFailed(issues, subject="dossiers")
    return entries


@council_cmd.command("divergence")
@click.argument("dossiers", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--session", "session_file", type=click.Path(exists=True, dir_okay=False),
              help="Session file (YAML/JSON) whose `overrides` decide divergent dossiers with a reason.")
@click.option("--json", "as_json", is_flag=True)
def divergence_cmd(dossiers: tuple[str, ...], session_file: str | None, as_json: bool) -> None:
    """Pairs of members whose totals differ by more than the set's max_spread (10 points), with
    the criteria that make most of each gap; such a dossier must be re-scored (or overridden)."""
    from .divergence import STATUS_VI, divergence, status
    from .session import load_session

    overrides = load_session(session_file).overrides if session_file else {}
    rows = []
    for e in _entries(dossiers):
        r = e.r
        rows.append({"dossier_id": r["dossier_id"], "status": status(r, overrides),
                     "override": overrides.get(r["dossier_id"]), "pairs": [g.as_dict() for g in divergence(r)]})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        click.echo(f"{row['dossier_id']}: {STATUS_VI[row['status']]} / {row['status']}")
        for g in row["pairs"]:
            crit = ", ".join(f"{c['id']} ({c['a']}/{c['b']})" for c in g["criteria"])
            click.echo(f"  {g['member_a']} {g['total_a']:g} – {g['member_b']} {g['total_b']:g}: "
                       f"{g['gap']:g} > {g['limit']:g}; tiêu chí / criteria: {crit}")
        if row["override"]:
            click.echo(f"  lý do / reason: {row['override'].get('reason')}")


@council_cmd.command("documents")
@click.argument("dossiers", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--session", "session_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Session file (YAML/JSON): council, date, place, members with roles, present, quorum, overrides.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--templates", type=click.Path(exists=True, file_okay=False),
              help="Directory of templates replacing the shipped ones of the same name (see `council templates`).")
@click.option("--no-pdf", is_flag=True, help="DOCX and XLSX only.")
def documents_cmd(dossiers: tuple[str, ...], session_file: str, out_dir: str, templates: str | None,
                  no_pdf: bool) -> None:
    """The session's documents from the dossiers read: Bảng tổng hợp (XLSX), Biên bản (DOCX+PDF),
    Danh sách đề nghị công nhận and the list sent up (DOCX+PDF), ket-qua.json. Refused without quorum."""
    from .documents import session_documents
    from .session import load_session

    session = load_session(session_file)
    written = session_documents(_entries(dossiers), session, out_dir, templates, pdf=not no_pdf)
    for p in written:
        click.echo(str(p))


@council_cmd.command("templates")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False))
def templates_cmd(out_dir: str) -> None:
    """Copy the shipped document templates into OUT for a province to edit (existing files are kept)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for t in (resources.files("scoring.council") / "templates").iterdir():
        if t.name.endswith(".j2") and not (out / t.name).exists():
            shutil.copyfile(str(t), out / t.name)
            click.echo(str(out / t.name))
