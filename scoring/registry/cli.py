"""`ocop registry …`: the registry's commands (docs/REGISTRY.md). Each command is one transaction.

Exit codes as elsewhere: 0 ok, 2 invalid input or a refused write (the message says why, in
Vietnamese and English, with a stable code), 1 our own bug.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import Issue, ValidationFailed
from ..result import STATUS_WORDS

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DB_HELP = "Database URL (default: $OCOP_DB, else sqlite:///ocop.db in the working folder)."


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _open(db: str | None, *, check: bool = True):  # noqa: ANN202
    from .api import Registry

    reg = Registry(db)
    if check:
        reg.check_schema()
    return reg


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed([Issue("[date-invalid] ngày không hợp lệ / not a date", location=option, value=value,
                                      allowed="YYYY-MM-DD")], subject=option) from None


def _actor() -> str:
    from .api import cli_actor

    return cli_actor()


def db_option(f):  # noqa: ANN001, ANN201
    return click.option("--db", "db", metavar="URL", help=DB_HELP)(f)


def json_option(f):  # noqa: ANN001, ANN201
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(f)


@click.group("registry")
def registry_cmd() -> None:
    """The programme's registry: producers, products, rounds, dossiers, results, certificates.

    SQLite file ocop.db in the working folder by default ($OCOP_DB or --db for another, e.g.
    postgresql+psycopg://user@host/db). Start with `ocop registry init`. Full reference:
    docs/REGISTRY.md.
    """


@registry_cmd.command("init")
@db_option
@json_option
def init_cmd(db: str | None, as_json: bool) -> None:
    """Create the registry's tables, or upgrade a database made by an older version (never recreated)."""
    reg = _open(db, check=False)
    before = reg.revision()
    after = reg.init()
    if as_json:
        _print_json({"db": reg.safe_url, "from": before, "to": after})
        return
    what = "created" if before is None else ("up to date" if before == after else f"upgraded from {before}")
    out.print(f"[green]✓[/] {escape(reg.safe_url)}: schema {escape(after)} ({what})")


@registry_cmd.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--round", "round_id", type=int, help="Round (đợt) id the dossiers belong to.")
@click.option("--replace", is_flag=True, help="Replace changed dossiers with a known id (the old version is kept).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@db_option
@json_option
def import_cmd(paths: tuple[Path, ...], round_id: int | None, replace: bool, progress: bool | None, db: str | None,
               as_json: bool) -> None:
    """Import dossiers: JSON files (one dossier or a list) or batch tables (.csv/.xlsx/.parquet/.jsonl).

    Each file is scored on import (the rule engine for JSON, the batch executor for tables) and
    stored with its products, member sheets and results in ONE transaction. Re-importing identical
    content changes nothing. A changed dossier with a known id refuses its whole file (exit 2, with
    what differs) unless --replace. Dossiers the kernel rejects are listed (exit 2); the rest of
    their file is stored.
    """
    from .api import RegistryError

    reg = _open(db)
    show = sys.stderr.isatty() if progress is None else progress
    reports, failures = [], []
    for path in paths:
        try:
            reports.append(reg.import_file(path, round_id=round_id, replace=replace, progress=show, actor=_actor()))
        except ValidationFailed as exc:
            failures.append((str(path), exc))
    if as_json:
        _print_json({"files": [r.as_dict() for r in reports],
                     "refused": [{"source": p, "code": getattr(e, "code", None), "message": str(e)}
                                 for p, e in failures]})
    else:
        for r in reports:
            out.print(f"[bold]{escape(r.source)}[/]: [green]{len(r.inserted)} mới / new[/], {len(r.unchanged)} không "
                      f"đổi / unchanged, {len(r.replaced)} thay / replaced, [red]{len(r.rejected)} bị từ chối / "
                      f"rejected[/]; {r.producers_created} chủ thể, {r.products_created} sản phẩm mới / new "
                      "producers, products")
            for rej in r.rejected[:50]:
                out.print(f"  [red]✗[/] {escape(str(rej.get('dossier_id')))}: {escape(rej['reason'])}")
            if len(r.rejected) > 50:
                out.print(f"  … {len(r.rejected) - 50} more")
    for path, exc in failures:
        code = f" [{exc.code}]" if isinstance(exc, RegistryError) else ""
        err.print(f"[bold red]refused{escape(code)}[/] {escape(path)} — nothing written from this file:\n{escape(str(exc))}")
    if failures or any(r.rejected for r in reports):
        sys.exit(2)


@registry_cmd.command("show")
@click.argument("ident", metavar="ID")
@db_option
@json_option
def show_cmd(ident: str, db: str | None, as_json: bool) -> None:
    """Show a dossier (by dossier id, with its latest Result) or a product (by number, or `product:N`)
    with its history: dossiers, results, certificates."""
    from .errors import RegistryError

    reg = _open(db)
    data = reg.dossier(ident)
    kind = "dossier"
    if data is None:
        key = ident.split(":", 1)[1] if ident.startswith("product:") else ident
        if not key.isdigit():
            raise RegistryError("unknown-id", "không có hồ sơ hay sản phẩm này", "no such dossier or product",
                                location="ID", value=ident, allowed="a dossier id, or a product number (product:N)")
        data, kind = reg.product(int(key)), "product"
    if as_json:
        _print_json({"entity": kind, **data})
        return
    if kind == "dossier":
        r = data.get("result") or {}
        p = data.get("product") or {}
        out.print(f"[bold]{escape(data['dossier_id'])}[/] ({escape(data['kind'])}, v{data['version']}) · "
                  f"{escape(str(data['criteria_set']))}/{escape(str(data['form']))} · {escape(str(data['level']))} · "
                  f"{data['evaluated_on']}")
        if p:
            out.print(f"  sản phẩm / product #{p['id']}: {escape(p['name'])} — {escape(p['producer'])} "
                      f"({escape(', '.join(x for x in (p['commune'], p['district'], p['province']) if x))})")
        out.print(f"  phiếu / sheets: {', '.join(escape(s['member']) for s in data['sheets'])}")
        if r:
            out.print(f"  kết quả / result: total {r['total']:.2f} → {r['stars']}★ {escape(r['status'])}"
                      f" (recognised_by {r['recognised_by']}, escalate_to {r['escalate_to']}; engine "
                      f"{escape(r['engine_version'])}, criteria {r['criteria_hash'][:12]}, {escape(r['source'])})")
        if data.get("certificate"):
            out.print(f"  giấy chứng nhận / certificate: {escape(data['certificate'])}")
        for v in data["versions"]:
            out.print(f"  phiên bản cũ / earlier version {v['version']} replaced {v['replaced_at']} by "
                      f"{escape(v['replaced_by'])}")
        return
    out.print(f"[bold]#{data['id']} {escape(data['name'])}[/] — {escape(data['producer'])} "
              f"({escape(', '.join(x for x in (data['commune'], data['district'], data['province']) if x))})"
              + (f" · mã {escape(data['code'])}" if data.get("code") else ""))
    for d in data["dossiers"]:
        out.print(f"  hồ sơ {escape(d['dossier_id'])} {d['evaluated_on']} {escape(d['kind'])}: "
                  f"{d['total'] if d['total'] is not None else '—'} → {d['stars']}★ {escape(str(d['status']))}")
    for c in data["certificates"]:
        out.print(f"  GCN {escape(c['number'])} {c['stars']}★ {c['issued_on']} → {c['expires_on']} "
                  f"[{escape(c['status'])}]")


@registry_cmd.command("dossiers")
@click.option("--round", "round_id", type=int, help="Only the dossiers of this round (ids: `ocop registry rounds`).")
@click.option("--status", type=click.Choice(tuple(STATUS_WORDS)),
              help="Only dossiers whose current result has this status.")
@click.option("--uncertified", is_flag=True, help="Only dossiers without a certificate on their current result.")
@db_option
@json_option
def dossiers_cmd(round_id: int | None, status: str | None, uncertified: bool, db: str | None, as_json: bool) -> None:
    """List the dossiers stored, in the order they were imported, with product, province, current
    result and the certificate issued on it: what a round holds and where each dossier stands."""
    reg = _open(db)
    rows = reg.dossiers(round_id=round_id, status=status, uncertified=uncertified)
    if as_json:
        _print_json({"round_id": round_id, "dossiers": rows})
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    # dates, numbers and the result never wrap; ids and names fold on a narrow terminal
    for c, wraps in (("Hồ sơ", True), ("Sản phẩm", True), ("Tỉnh", True), ("Ngày ĐG", False), ("Điểm", False),
                     ("★", False), ("Kết quả", False), ("Số GCN", False)):
        table.add_column(c, overflow="fold", no_wrap=not wraps, justify="right" if c in ("Điểm", "★") else "left")
    for r in rows:
        scored = r["status"] is not None
        table.add_row(escape(r["dossier_id"]), escape(r["product"] or "—"), escape(r["province"] or "—"),
                      str(r["evaluated_on"] or "—"), f"{r['total']:.2f}" if scored else "—",
                      str(r["stars"]) if scored else "—",
                      escape(STATUS_WORDS.get(r["status"], (r["status"],))[0]) if scored else "—",
                      escape(r["certificate"] or "—"))
    out.print(table)
    out.print(f"{len(rows)} hồ sơ / dossiers" + (f" of round {round_id}" if round_id is not None else "")
              + " (Hồ sơ: dossier, Sản phẩm: product, Tỉnh: province, Ngày ĐG: evaluated on, Điểm: total, "
                "Kết quả: current result, Số GCN: certificate number)")


@registry_cmd.command("round-open")
@click.option("--level", required=True, metavar="LEVEL",
              help="commune, district, province or central (also xã, huyện, tỉnh, trung ương).")
@click.option("--year", required=True, type=click.IntRange(2000, 2100))
@click.option("--number", required=True, type=click.IntRange(min=1), help="The round's number in the year (đợt 1, 2…).")
@click.option("--area", default="", help="The province or district it covers (empty: the whole registry).")
@click.option("--name", help="Its name as the office writes it (e.g. 'Đợt 2 năm 2026 cấp tỉnh').")
@click.option("--starts-on", help="First day, YYYY-MM-DD.")
@click.option("--ends-on", help="Last day, YYYY-MM-DD.")
@db_option
@json_option
def round_open_cmd(level: str, year: int, number: int, area: str, name: str | None, starts_on: str | None,
                   ends_on: str | None, db: str | None, as_json: bool) -> None:
    """Open a round (đợt đánh giá) and print its id, for `import --round`, `certify --round` and the
    council commands. Deadlines fixed by the decision (QĐ 26/2026 Điều 5) are filled in."""
    from ..dossier import level_code

    reg = _open(db)
    rid = reg.open_round(level_code(level), year, number, name=name, area=area,
                         starts_on=_date(starts_on, "--starts-on"), ends_on=_date(ends_on, "--ends-on"),
                         actor=_actor())
    row = reg.round(rid)
    if as_json:
        _print_json(row)
        return
    due = "; ".join(p for p in (
        f"hồ sơ đề nghị trước / proposals before {row['proposals_by']}" if row.get("proposals_by") else "",
        f"hoàn thành trước / finish by {row['finish_by']}" if row.get("finish_by") else "") if p)
    out.print(f"[green]✓[/] đợt / round {rid}: {escape(row['level'])} {row['year']} số/no. {row['number']}"
              + (f" ({escape(row['area'])})" if row["area"] else "") + (f" — {due}" if due else ""))


@registry_cmd.command("rounds")
@click.option("--year", type=int, help="Only this year.")
@click.option("--level", metavar="LEVEL", help="Only this level.")
@db_option
@json_option
def rounds_cmd(year: int | None, level: str | None, db: str | None, as_json: bool) -> None:
    """List the rounds with their ids and deadlines."""
    from ..dossier import level_code

    reg = _open(db)
    rows = reg.rounds(year=year, level=level_code(level) if level else None)
    if as_json:
        _print_json({"rounds": rows})
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for c in ("id", "Cấp/level", "Năm/year", "Số/no.", "Địa bàn/area", "Tên/name", "Hạn/finish by"):
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), escape(r["level"]), str(r["year"]), str(r["number"]), escape(r["area"] or "—"),
                      escape(r["name"] or ""), str(r["finish_by"] or "—"))
    out.print(table)
    out.print(f"{len(rows)} đợt / rounds")


@registry_cmd.command("certify")
@click.option("--issued-on", required=True, help="Date of issue (ngày cấp), YYYY-MM-DD.")
@click.option("--round", "round_id", type=int, help="Only the dossiers of this round.")
@click.option("--issued-by", help="Issuing authority (default from the level: UBND cấp tỉnh / Bộ NN&MT).")
@db_option
@json_option
def certify_cmd(issued_on: str, round_id: int | None, issued_by: str | None, db: str | None, as_json: bool) -> None:
    """Issue a certificate for each recognised result without one (per product, its newest dossier
    evaluated on or before --issued-on); a product's earlier certificate is superseded."""
    reg = _open(db)
    certs = reg.certify(_date(issued_on, "--issued-on"), round_id=round_id, issued_by=issued_by, actor=_actor())
    if as_json:
        _print_json({"issued": certs})
        return
    out.print(f"[green]{len(certs)}[/] giấy chứng nhận đã cấp / certificates issued on {issued_on}")
    for c in certs:
        sup = f" (thay / supersedes {escape(c['supersedes'])})" if c["supersedes"] else ""
        out.print(f"  {escape(c['number'])} {c['stars']}★ {escape(c['dossier_id'])} → hết hạn / expires "
                  f"{c['expires_on']}{sup}")


STATUSES = ("valid", "expired", "revoked", "superseded")


@registry_cmd.command("certificates")
@click.option("--as-of", help="Statuses as of this date (default today), YYYY-MM-DD.")
@click.option("--due-within", type=click.IntRange(min=0), metavar="DAYS",
              help="Only certificates due for re-evaluation: window (180–120 days before expiry) open, closed, "
                   "or opening within DAYS; and expired ones.")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status (as of --as-of).")
@click.option("--province", help="Only this province.")
@db_option
@json_option
def certificates_cmd(as_of: str | None, due_within: int | None, status: str | None, province: str | None,
                     db: str | None, as_json: bool) -> None:
    """List certificates with their status as of a date (valid / expired / revoked / superseded)."""
    reg = _open(db)
    day = _date(as_of, "--as-of") or date.today()
    rows = reg.certificates(as_of=day, status=status, due_within=due_within, province=province)
    if province and due_within is not None:
        rows = [r for r in rows if r["province"] == province]
    if as_json:
        _print_json({"as_of": day, "certificates": rows})
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    # (header, wraps): numbers and dates never wrap; names and statuses fold on a narrow terminal.
    # Short Vietnamese headers keep the table within 80 columns; the legend below glosses them.
    cols = [("Số GCN", False), ("★", False), ("Sản phẩm", True), ("Tỉnh", True), ("Ngày cấp", False),
            ("Hết hạn", False), ("Trạng thái", False)]
    if due_within is not None:
        cols.append(("Tái ĐG", False))
    for c, wraps in cols:
        table.add_column(c, overflow="fold", no_wrap=not wraps)
    for r in rows:
        cells = [r["number"], str(r["stars"]), r["product"], r["province"], str(r["issued_on"]), str(r["expires_on"]),
                 r["status"]]
        if due_within is not None:
            cells.append(r["due"] + (f" (≤ {r['extension_limit']})" if r.get("extension_limit") else ""))
        table.add_row(*(escape(str(c)) for c in cells))
    out.print(table)
    out.print(f"{len(rows)} giấy chứng nhận / certificates, as of {day.isoformat()} (Số GCN: number, Sản phẩm: "
              "product, Tỉnh: province, Ngày cấp: issued, Hết hạn: expires, Trạng thái: status"
              + (", Tái ĐG: re-evaluation due)" if due_within is not None else ")"))


@registry_cmd.command("revoke")
@click.argument("number", metavar="CERT_NO")
@click.option("--ground", required=True, metavar="CODE",
              help="Ground of QĐ 26/2026 Điều 8 khoản 1: a, b, c, d, đ (or dd), e (`ocop registry grounds`).")
@click.option("--on", "on", required=True, help="Date of the revocation decision, YYYY-MM-DD.")
@click.option("--note", help="Note (the decision's number, the inspection conclusion…).")
@db_option
@json_option
def revoke_cmd(number: str, ground: str, on: str, note: str | None, db: str | None, as_json: bool) -> None:
    """Revoke a certificate on a ground of the closed list; revoking twice or before issue is refused."""
    reg = _open(db)
    code = "đ" if ground.lower() in ("dd", "đ") else ground.lower()
    cert = reg.revoke(number, code, _date(on, "--on"), note=note, actor=_actor())
    if as_json:
        _print_json(cert)
        return
    out.print(f"[yellow]{escape(number)}[/] thu hồi / revoked on {on}, căn cứ / ground {escape(code)}")


@registry_cmd.command("grounds")
@click.option("--on", "on", help="Grounds in force on this date (default today).")
@json_option
def grounds_cmd(on: str | None, as_json: bool) -> None:
    """The closed list of revocation grounds (QĐ 26/2026 Điều 8 khoản 1), in Vietnamese and English."""
    from .dates import revocation_rules

    cs = revocation_rules(_date(on, "--on") or date.today())
    rows = [{"code": g.code, "text": g.text, "text_en": g.text_en, "ref": g.ref} for g in cs.process.grounds]
    if as_json:
        _print_json({"criteria_set": cs.id, "grounds": rows})
        return
    for g in rows:
        out.print(f"[bold]{escape(g['code'])}[/] ({escape(g['ref'] or '')}) {escape(g['text'])}\n    {escape(g['text_en'])}")


@registry_cmd.command("export")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.xlsx (one sheet per table) or FILE.csv / FILE.parquet (one file per table: FILE-<table>).")
@db_option
@json_option
def export_cmd(output: Path, db: str | None, as_json: bool) -> None:
    """Export every table of the registry (written atomically)."""
    reg = _open(db)
    files = reg.export(output)
    if as_json:
        _print_json({"files": [str(f) for f in files]})
        return
    for f in files:
        out.print(f"→ {escape(str(f))}")


@registry_cmd.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Backup file (SQLite: a consistent copy, taken while others may write).")
@db_option
@json_option
def backup_cmd(output: Path, db: str | None, as_json: bool) -> None:
    """Back up a SQLite registry (online backup); for PostgreSQL, prints the pg_dump command (exit 2)."""
    reg = _open(db)
    path = reg.backup(output)
    if as_json:
        _print_json({"backup": str(path)})
        return
    out.print(f"[green]✓[/] → {escape(str(path))}")
