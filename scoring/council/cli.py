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


DB_HELP = "Registry database URL (default: $OCOP_DB, else sqlite:///ocop.db in the working folder)."


def db_option(f):  # noqa: ANN001, ANN201
    return click.option("--db", "db", metavar="URL", help=DB_HELP)(f)


def _registry(db: str | None):  # noqa: ANN202
    """The registry at `db`, checked to be at this version's schema."""
    from ..registry import Registry

    reg = Registry(db)
    reg.check_schema()
    return reg


def _actor() -> str:
    from ..registry import cli_actor

    return cli_actor()


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
@click.option("--round", "round_id", type=int, help="Take the dossiers of this registry round instead of files.")
@db_option
def sheets_cmd(dossiers: tuple[str, ...], members: str, out_dir: str, no_pdf: bool, prefill: bool,
               round_id: int | None, db: str | None) -> None:
    """One scoring sheet per member (XLSX, a sheet per product, and a printable PDF) for DOSSIERS
    (JSON files or directories of them; identity only is enough: no points needed), or for the
    dossiers of a registry round (`--round ID [--db URL]`)."""
    from .sheets import make_sheets

    files: list = _dossier_files(dossiers)
    if round_id is not None:
        from .stored import round_dossier_ids, stored_dossiers

        reg = _registry(db)
        files += stored_dossiers(reg, round_dossier_ids(reg, round_id))
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
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Directory for the dossiers read (DOSSIER_ID.json; a re-read replaces the earlier one).")
@click.option("--round", "round_id", type=int,
              help="Store the dossiers, the members' sheets and the Results in the registry, in this round.")
@click.option("--session-id", type=int, help="Registry session the sheets belong to (default: the round's open "
                                                "session whose agenda holds the dossier).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def read_cmd(paths: tuple[str, ...], out_dir: str | None, round_id: int | None, session_id: int | None,
             db: str | None, as_json: bool) -> None:
    """Read completed member workbooks (files or directories) back into dossiers, one per product.

    Refused, naming file, sheet and cell: a changed layout, points outside the options, a blank
    criterion, a member with two sheets for one product, sheets disagreeing on a product's identity.
    The other products are still written; the exit code is 2 if anything was refused."""
    from .divergence import divergence
    from .files import write_text
    from .kernel import score
    from .read import read_sheets

    if out_dir is None and round_id is None and db is None:
        raise click.UsageError("give -o DOSSIERS_DIR, or --round ID / --db URL to store in the registry")
    outcome = read_sheets(paths)
    summary = []
    if round_id is not None or db is not None:
        from .stored import store_read

        store_read(_registry(db), outcome, round_id=round_id, session_id=session_id, actor=_actor())
    for d in outcome.dossiers:
        target = None
        if out_dir is not None:
            target = Path(out_dir) / f"{safe_name(d['dossier_id'])}.json"
            write_text(target, json.dumps(d, ensure_ascii=False, indent=1) + "\n")
        r = score(d)
        gaps = divergence(r)
        summary.append({"dossier_id": d["dossier_id"], "file": str(target) if target else None, "members": r.members,
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
@click.argument("dossiers", nargs=-1, type=click.Path(exists=True))
@click.option("--session", "session_file", type=click.Path(exists=True, dir_okay=False),
              help="Session file (YAML/JSON): council, date, place, members with roles, present, quorum, overrides.")
@click.option("--session-id", type=int, help="A registry session instead: its council, members present, agenda, "
                                                "stored Results and overrides.")
@click.option("--quorum", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="With --session-id: share of members that must be present (default 0.75; a provincial rule).")
@click.option("--province", help="With --session-id: the place printed before the date line.")
@db_option
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--templates", type=click.Path(exists=True, file_okay=False),
              help="Directory of templates replacing the shipped ones of the same name (see `council templates`).")
@click.option("--no-pdf", is_flag=True, help="DOCX and XLSX only.")
def documents_cmd(dossiers: tuple[str, ...], session_file: str | None, session_id: int | None, quorum: float | None,
                  province: str | None, db: str | None, out_dir: str, templates: str | None, no_pdf: bool) -> None:
    """The session's documents from the dossiers read (files with --session FILE, or the registry
    with --session-id ID): Bảng tổng hợp (XLSX), Biên bản (DOCX+PDF), Danh sách đề nghị công nhận
    and the list sent up (DOCX+PDF), ket-qua.json. Refused without quorum."""
    from .divergence import DEFAULT_QUORUM
    from .documents import session_documents
    from .session import load_session

    if (session_file is None) == (session_id is None):
        raise click.UsageError("give either --session FILE (with DOSSIERS) or --session-id ID (registry)")
    if session_id is not None:
        from .stored import session_and_entries

        session, entries = session_and_entries(_registry(db), session_id, quorum=quorum or DEFAULT_QUORUM,
                                               province=province)
    else:
        session = load_session(session_file)
        if not dossiers:
            raise click.UsageError("give the dossiers read (files or directories) with --session FILE")
        entries = _entries(dossiers)
    written = session_documents(entries, session, out_dir, templates, pdf=not no_pdf)
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


@council_cmd.command("open-session")
@click.argument("session_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("dossier_ids", nargs=-1)
@click.option("--round", "round_id", type=int, help="Registry round the session belongs to.")
@click.option("--level", default="province", show_default=True,
              type=click.Choice(["commune", "district", "province", "central"]), help="The council's level.")
@db_option
def open_session_cmd(session_file: str, dossier_ids: tuple[str, ...], round_id: int | None, level: str,
                     db: str | None) -> None:
    """Form the council of SESSION_FILE in the registry and open its sitting (date, place, members
    present) with DOSSIER_IDS on the agenda; prints the session id. Refused without quorum."""
    from .session import load_session
    from .stored import open_session

    session = load_session(session_file)
    session.check_quorum()
    sid = open_session(_registry(db), session, round_id=round_id, dossier_ids=list(dossier_ids), level=level,
                       actor=_actor())
    click.echo(str(sid))


@council_cmd.command("remove-from-session")
@click.argument("session_id", type=int)
@click.argument("dossier_ids", nargs=-1, required=True)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def remove_from_session_cmd(session_id: int, dossier_ids: tuple[str, ...], db: str | None, as_json: bool) -> None:
    """Take DOSSIER_IDS off the agenda of the open registry session SESSION_ID (put on by mistake,
    or withdrawn by the producer); the others keep their order. Refused, nothing removed (exit 2):
    a closed session, an unknown dossier, one not on the agenda, one on which a member has already
    saved a sheet in this session (the secretary deals with that sheet first), one on which the
    council has recorded a divergence override in this session."""
    with _registry(db) as reg:
        removed = reg.remove_from_session(session_id, list(dossier_ids), actor=_actor())
        agenda = reg.session(session_id)["dossiers"]
    if as_json:
        click.echo(json.dumps({"session_id": session_id, "removed": removed, "agenda": agenda}, ensure_ascii=False))
        return
    click.echo(f"Đã bỏ khỏi chương trình phiên họp {session_id} / taken off the agenda of session {session_id}: "
               + ", ".join(removed))
    click.echo("Còn lại / still on the agenda: " + (", ".join(agenda) or "—"))


@council_cmd.command("override")
@click.argument("dossier_id")
@click.option("--reason", required=True, help="Why the council decides although members diverge (recorded).")
@click.option("--session-id", type=int, help="Registry session in which the council decided.")
@db_option
def override_cmd(dossier_id: str, reason: str, session_id: int | None, db: str | None) -> None:
    """Record in the registry that a divergent dossier is decided as scored, with the reason, the
    secretary (actor) and the time; its stored Result becomes decided. (Files: `overrides:` in the
    session file.)"""
    from .stored import override

    click.echo(str(override(_registry(db), dossier_id, reason, session_id=session_id, actor=_actor())))
